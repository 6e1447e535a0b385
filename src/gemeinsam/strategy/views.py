"""Public pages of the strategy: overview, measure, map, changelog and the value-compass
survey."""

from django.http import HttpResponse


def _todo(*args, **kwargs) -> HttpResponse:
    return HttpResponse(status=501)


index = overview = measure_map = map_data = changelog = measure = survey = _todo
