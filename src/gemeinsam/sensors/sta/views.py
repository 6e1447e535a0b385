"""The SensorThings API 1.1 over HTTP at /sta/v1.1/: one dispatcher for every resource path.

A request's path is parsed (resource.py), its entities resolved with visibility (predicates.py),
then read (reading.py) or written through the services that the batch endpoint and the MQTT
bridge use too. Errors are JSON `{"code", "type": "error", "message"}`, never HTML.
"""

import json
import logging
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import DataError, InterfaceError, OperationalError, models
from django.db.models import Exists
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from gemeinsam.core.statement_timeout import (
    cancelled_message,
    forget_cancelled,
    statement_cancelled,
)

from .. import predicates, services
from ..auth import Throttled, Unauthorized, credentials, request_user
from ..query import QuerySyntaxError, parse_query_options
from .entities import BY_NAME, TYPES, EntityType
from .filtering import UnsupportedQuery
from .limits import check_options
from .reading import Reader, restrict
from .resource import ID, PathError, ResourcePath, parse_path, related_queryset
from .serialize import API_PATH, dumps, entity_json, prop_value, self_path
from .values import InvalidEntity

MQTT_CREATE = "http://www.opengis.net/spec/iot_sensing/1.1/req/create-observations-via-mqtt/observations-creation"
CONFORMANCE = [
    "http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/resource-path/resource-path-to-entities",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/request-data",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/create-update-delete",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/batch-request/batch-request",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/multi-datastream",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/data-array/data-array",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/create-observations-via-mqtt/observations-creation",
    "http://www.opengis.net/spec/iot_sensing/1.1/req/receive-updates-via-mqtt/receive-updates",
]
JSON_PATCH = "application/json-patch+json"
logger = logging.getLogger(__name__)


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def error(status: int, message: str) -> HttpResponse:
    response = _json({"code": status, "type": "error", "message": message}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="SensorThings", Basic realm="SensorThings"'
    return response


def api_base(request: HttpRequest) -> str:
    return request.build_absolute_uri(API_PATH)


def landing(request: HttpRequest) -> HttpResponse:
    base = api_base(request)
    document = {
        "value": [{"name": et.set_name, "url": f"{base}/{et.set_name}"} for et in TYPES],
        "serverSettings": {
            "conformance": CONFORMANCE,
            MQTT_CREATE: {"endpoints": [_public_mqtt_url()]},
        },
    }
    return _json(document)


def _public_mqtt_url() -> str:
    # Never hand out the broker password that MQTT_BROKER_URL may carry.
    parts = urlsplit(settings.MQTT_BROKER_URL)
    return f"{parts.scheme}://{parts.hostname}:{parts.port or 1883}"


@csrf_exempt
def dispatch(request: HttpRequest, path: str = "") -> HttpResponse:
    """Every request below /sta/v1.1/."""
    from .batch import batch  # batch imports this module for its error answers

    try:
        if path in ("", "/"):
            return landing(request)
        if path == "$batch":
            return batch(request)
        if path == "CreateObservations":
            return _create_observations(request)
        resource = parse_path(path)
        if request.method in ("GET", "HEAD"):
            return _read(request, resource)
        _check_write(request)
        return _write(request, resource)
    except ApiError as problem:
        return error(problem.status, problem.message)
    except PathError as problem:
        return error(problem.status, problem.message)
    except QuerySyntaxError as problem:
        return error(400, str(problem))  # "$filter: unexpected ... at position 5"
    except (UnsupportedQuery, InvalidEntity) as problem:
        return error(400, problem.message)
    except Unauthorized as problem:
        return error(401, str(problem))
    except Throttled as problem:
        response = error(429, str(problem))
        response["Retry-After"] = str(problem.retry_after)
        return response
    except DataError as problem:
        # A value the database cannot hold (an out-of-range number or date) is the input's fault.
        return error(400, f"a value is out of range for the database: {problem}".strip())
    except Exception as problem:
        if statement_cancelled(problem):  # API_STATEMENT_TIMEOUT_MS passed on PostgreSQL
            forget_cancelled()
            return error(503, cancelled_message())
        if isinstance(problem, (OperationalError, InterfaceError)):
            raise  # an unreachable database: core's middleware answers 503 with Retry-After
        # Clients of this API parse JSON; a bug is logged with its trace and answered in JSON.
        logger.exception("SensorThings request failed: %s %s", request.method, request.path)
        return error(500, "internal server error; it has been logged")


def _options(request: HttpRequest):
    options = parse_query_options({name: request.GET[name] for name in request.GET})
    if options.result_format not in (None, "dataArray"):
        raise ApiError(400, f"$resultFormat: {options.result_format!r} is unknown; use dataArray")
    return options


def resolve(request: HttpRequest, resource: ResourcePath):
    """Walk the path: (entity type, queryset) for a collection, (type, instance) for one entity.

    Each step checks visibility, so a private Thing is a 404 for those who may not see it.
    """
    qs: models.QuerySet | None = None
    obj = None
    previous: EntityType | None = None
    for step in resource.steps:
        et = step.et
        if step.nav is None:
            qs = restrict(request, et, et.model.objects.all())
        elif step.nav.many:
            qs = restrict(
                request, et, related_queryset(obj, step.nav), (previous.name, step.nav.name)
            )
        else:
            pk = getattr(obj, f"{step.nav.accessor}_id")
            if pk is None:
                raise PathError(f"{self_path(previous, obj.pk)} has no {step.nav.name}")
            qs = restrict(request, et, et.model.objects.filter(pk=pk))
        if step.key is not None or (step.nav is not None and not step.nav.many):
            if step.key is not None:
                qs = qs.filter(pk=step.key)
            obj = qs.first()
            if obj is None:
                raise PathError(
                    f"there is no {et.name} {step.key if step.key is not None else ''}".strip()
                )
            qs = None
        previous = et
    return resource.et, (qs if qs is not None else obj)


def _children(request: HttpRequest, resource: ResourcePath):
    """`Datastreams(1)/Observations` and the like without reading the parent first: its
    visibility joins the children's query as a one-time condition. None for other paths.

    The most frequent request of a dashboard saves a round trip this way; whether the parent
    exists at all is asked only when the page comes out empty.
    """
    if len(resource.steps) != 2 or not resource.is_collection:
        return None
    parent, child = resource.steps
    if parent.key is None or child.nav is None:
        return None
    parent_qs = parent.et.model.objects.filter(pk=parent.key)
    visible_parent = restrict(request, parent.et, parent_qs)
    qs = related_queryset(parent.et.model(pk=parent.key), child.nav)
    qs = restrict(request, child.et, qs, (parent.et.name, child.nav.name))
    if visible_parent is not parent_qs:
        qs = qs.filter(Exists(visible_parent))
    return qs


def _read(request: HttpRequest, resource: ResourcePath) -> HttpResponse:
    options = _options(request)
    check_options(resource.et, options)
    reader = Reader(request, api_base(request), timezone.now())
    children = _children(request, resource)
    if children is not None:
        et = resource.et
        reader.check_expands(et, options.expand)
        path = request.path.split(API_PATH + "/", 1)[-1].removesuffix("/$ref")
        document = reader.collection(et, children, options, path, ref=resource.ref)
        if not document["value"]:
            resolve(request, resource)  # 404 when the parent is missing or not visible
        return _json(document)
    et, target = resolve(request, resource)
    reader.check_expands(et, options.expand)
    if resource.is_collection:
        path = request.path.split(API_PATH + "/", 1)[-1].removesuffix("/$ref")
        document = reader.collection(et, target, options, path, ref=resource.ref)
        return _json(document)
    if resource.ref:
        return _json({"@iot.selfLink": f"{reader.base}/{self_path(et, target.pk)}"})
    if resource.prop is not None:
        prop = resource.prop
        value = target.pk if prop is ID else prop_value(prop, target)
        if resource.value:
            if value is None:
                return HttpResponse(status=204)
            text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            return HttpResponse(text, content_type="text/plain; charset=utf-8")
        return _json({prop.name: value})
    return _json(reader.entity(et, target, options))


def _json(document: Any, status: int = 200) -> HttpResponse:
    return HttpResponse(dumps(document), status=status, content_type="application/json")


def _check_write(request: HttpRequest) -> None:
    if not predicates.can_write(request):
        user = request_user(request)
        if user is None or not user.is_authenticated:
            raise ApiError(
                401, "writing needs a token (Authorization: Bearer ...) or a staff login"
            )
        raise ApiError(403, "this account may not write to the SensorThings API")
    if not credentials(request).header:
        # Logged in by session cookie: the usual CSRF protection applies.
        rejected = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})
        if rejected is not None:
            raise ApiError(403, "CSRF check failed: send the X-CSRFToken header")


def _body(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError) as problem:
        raise ApiError(400, f"the request body is not JSON: {problem}") from problem


def _created(request: HttpRequest, et: EntityType, obj) -> HttpResponse:
    base = api_base(request)
    response = _json(entity_json(et, obj, base=base), status=201)
    response["Location"] = f"{base}/{self_path(et, obj.pk)}"
    return response


def _write(request: HttpRequest, resource: ResourcePath) -> HttpResponse:
    if resource.prop is not None:
        raise ApiError(405, "write the entity, not one property: PATCH it with that property")
    if resource.ref:
        return _write_ref(request, resource)
    user = request_user(request)
    if resource.is_collection:
        # Only the parent needs reading (404 if it is missing or not visible).
        et, parent = resource.et, None
        if len(resource.steps) > 1:
            parent_type, parent_obj = resolve(request, ResourcePath(resource.steps[:-1]))
            parent = (parent_type, parent_obj, resource.steps[-1].nav)
        if request.method != "POST":
            raise ApiError(405, f"{request.method} is not allowed on a collection; POST creates")
        body = _body(request)
        if not isinstance(body, dict):
            raise ApiError(400, f"the body must be one {et.name} as a JSON object")
        obj = services.create_entity(et, body, user=user, parent=parent)
        return _created(request, et, obj)
    et, target = resolve(request, resource)
    if request.method == "DELETE":
        services.delete_entity(target, user=user)
        return HttpResponse(status=200)
    if request.method not in ("PATCH", "PUT"):
        raise ApiError(405, f"{request.method} is not allowed on an entity")
    body = _body(request)
    content_type = request.content_type or ""
    if request.method == "PATCH" and content_type == JSON_PATCH:
        if not isinstance(body, list):
            raise ApiError(400, "a JSON Patch is a list of operations")
        obj = services.json_patch_entity(target, body, user=user)
    else:
        if not isinstance(body, dict):
            raise ApiError(400, f"the body must be a {et.name} as a JSON object")
        update = services.update_entity if request.method == "PATCH" else services.replace_entity
        obj = update(target, body, user=user)
    return _json(entity_json(et, obj, base=api_base(request)))


def _write_ref(request: HttpRequest, resource: ResourcePath) -> HttpResponse:
    """Links as references: add to a collection (POST .../Locations/$ref), set a to-one link
    (PUT .../Thing/$ref), remove one (DELETE .../Locations(2)/$ref)."""
    user = request_user(request)
    last = resource.steps[-1]
    if len(resource.steps) < 2 or last.nav is None:
        raise ApiError(400, "$ref writes need a navigation, as in Things(1)/Locations/$ref")
    _owner_type, owner = resolve(request, ResourcePath(resource.steps[:-1]))
    nav = last.nav
    if request.method == "DELETE" and nav.many and last.key is not None:
        services.unlink_entity(owner, nav, last.key, user=user)
        return HttpResponse(status=200)
    body = _body(request)
    if not isinstance(body, dict) or ("@iot.id" not in body and "@iot.selfLink" not in body):
        raise ApiError(400, 'the body is a reference: {"@iot.id": 1} or {"@iot.selfLink": "..."}')
    pk = body.get("@iot.id")
    if pk is None:
        link = str(body["@iot.selfLink"])
        pk = link.rsplit("(", 1)[-1].rstrip(")") if "(" in link else None
    link = {"@iot.id": pk}
    if nav.many and request.method == "POST" and last.key is None:
        services.update_entity(owner, {nav.name: [link]}, user=user)
    elif not nav.many and request.method == "PUT":
        services.update_entity(owner, {nav.name: link}, user=user)
    else:
        raise ApiError(405, f"{request.method} is not allowed on this $ref")
    return HttpResponse(status=204)


def _create_observations(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        raise ApiError(405, "CreateObservations takes a POST")
    _check_write(request)
    body = _body(request)
    if not isinstance(body, list):
        raise ApiError(400, "CreateObservations takes a list of dataArray objects")
    results = services.create_observations(body, user=request_user(request))
    base = api_base(request)
    observation = BY_NAME["Observation"]
    links = [
        f"{base}/{self_path(observation, item)}" if isinstance(item, int) else item
        for item in results
    ]
    return _json(links, status=201)
