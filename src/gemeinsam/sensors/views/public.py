"""Public pages of the urban data hub: the Things on a map and as a list, and one Thing with a
chart of a Datastream's recent values (inline SVG with a table of the same values)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import pgettext

from gemeinsam.core.forms import int_param
from gemeinsam.core.geo import map_settings

from .. import selectors
from ..sta.serialize import API_PATH

PERIODS = (2, 7, 30)  # days a chart can show
DEFAULT_PERIOD = 7


def thing_list(request: HttpRequest) -> HttpResponse:
    things, geojson = selectors.stations()
    return render(
        request,
        "sensors/thing_list.html",
        {
            "things": things,
            "geojson": geojson,
            "placed": sum(1 for thing in things if thing.points),
            "map": map_settings(),
            "api_things": f"{API_PATH}/Things",
        },
    )


def _period(request: HttpRequest) -> int:
    days = int_param(request, "days")
    return days if days in PERIODS else DEFAULT_PERIOD


def thing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    thing = get_object_or_404(selectors.public_things().prefetch_related("locations"), pk=pk)
    datastreams = list(
        thing.datastreams.select_related("observed_property", "sensor").order_by("name", "id")
    )
    chosen = datastreams[0] if datastreams else None
    wanted = int_param(request, "datastream")
    for datastream in datastreams:
        if datastream.pk == wanted:
            chosen = datastream
    days = _period(request)
    locations = list(thing.locations.all())
    for location in locations:
        location.point = selectors.point(location)
    return render(
        request,
        "sensors/thing_detail.html",
        {
            "thing": thing,
            "locations": locations,
            "datastreams": datastreams,
            "chosen": chosen,
            "unit": (chosen.unit_of_measurement or {}).get("symbol", "") if chosen else "",
            "chart": selectors.recent_values(chosen, days) if chosen else None,
            "days": days,
            "day_format": pgettext("date format of the chart's day ticks", "D j M"),
            "periods": PERIODS,
            "api_thing": f"{API_PATH}/Things({thing.pk})",
            "api_observations": f"{API_PATH}/Datastreams({chosen.pk})/Observations"
            if chosen
            else "",
            "api_datastream": f"{API_PATH}/Datastreams({chosen.pk})" if chosen else "",
            "map": map_settings(),
            "geojson": selectors.feature_collection(
                [
                    selectors.point_feature(*location.point, location.name, "")
                    for location in locations
                    if location.point
                ]
            ),
        },
    )
