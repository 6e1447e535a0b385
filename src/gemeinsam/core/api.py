"""The JSON API root (django-ninja) and core's endpoints: districts, lookup, me.

Later apps attach their routers with `api.add_router(...)` in their own api.py, and answer
with `Message` and `found`/`not_found` from here.
"""

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Query, Router, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.pagination import PageNumberPagination
from ninja.security import django_auth

import gemeinsam
from gemeinsam.core.geo import district_at
from gemeinsam.core.models import District
from gemeinsam.core.roles import role_of


class Message(Schema):
    detail: str


class ErrorItem(Schema):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrors(Schema):
    detail: list[ErrorItem]


# Answers any operation may give besides its own: declared once here, for every operation, so
# that the document says what clients (and schemathesis in tests/test_openapi.py) will meet.
COMMON_RESPONSES = {
    401: ("Not signed in: a session or an access token is needed.", ["Message"]),
    403: ("Signed in, but not allowed to do this.", ["Message"]),
    404: ("Not found, or not visible to you.", ["Message"]),
    422: ("A parameter or the body is invalid; `detail` says which.", ["ValidationErrors"]),
    429: ("Too many requests or guesses; try again later.", ["ValidationErrors", "Message"]),
}

# And where a body is sent: one that is no JSON at all (ninja's "Cannot parse request body").
BODY_RESPONSES = {400: ("The body could not be read as JSON.", ["Message"])}


def _error_schemas() -> dict[str, Any]:
    schemas = {}
    for model in (Message, ValidationErrors):
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    return schemas


class GemeinsamAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """Ninja's document, with the common error answers added to each operation."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name, definition in _error_schemas().items():
            components.setdefault(name, definition)
        for operations in schema["paths"].values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                common = dict(COMMON_RESPONSES)
                if "requestBody" in operation:
                    common.update(BODY_RESPONSES)
                for status, (description, names) in common.items():
                    if status in responses or str(status) in responses:
                        continue  # the operation's own declaration
                    refs = [{"$ref": f"#/components/schemas/{name}"} for name in names]
                    body = refs[0] if len(refs) == 1 else {"anyOf": refs}
                    responses[status] = {
                        "description": description,
                        "content": {"application/json": {"schema": body}},
                    }
        return schema


api = GemeinsamAPI(
    title="Gemeinsam API",
    version=gemeinsam.__version__,
    description="Open data and actions of the Gemeinsam platform. Coordinates are WGS84.",
    urls_namespace="api",
)


# The services speak Django's exceptions; the API answers them as JSON, never as a 500.
@api.exception_handler(AuthenticationError)
def not_logged_in(request: HttpRequest, exc: AuthenticationError):
    return api.create_response(request, {"detail": _("Please log in first.")}, status=401)


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied):
    # A bare permission name ("app.perm") says nothing to a person; only sentences pass.
    detail = str(exc) if " " in str(exc) else _("You are not allowed to do this.")
    return api.create_response(request, {"detail": detail}, status=403)


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, exc: ValidationError):
    """422 in ninja's own shape (loc, msg, type); 429 when a rate limit refused the request,
    with Retry-After when the error knows the wait (`retry_after`, seconds)."""
    by_field = exc.error_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.error_list}
    detail = [
        {
            "loc": ["body"] if field == NON_FIELD_ERRORS else ["body", field],
            "msg": message,
            "type": error.code or "invalid",
        }
        for field, errors in by_field.items()
        for error in errors
        for message in error
    ]
    limited = any(item["type"] == "rate_limited" for item in detail)
    response = api.create_response(request, {"detail": detail}, status=429 if limited else 422)
    if limited and getattr(exc, "retry_after", None):
        response["Retry-After"] = str(exc.retry_after)
    return response


class BoundedPageNumberPagination(PageNumberPagination):
    """Ninja's page numbers, bounded so that page times size stays a number every database takes
    as an OFFSET (a larger page answers 422, like every other out-of-range parameter)."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int | None = Field(None, ge=1, le=1_000)


def not_found() -> HttpError:
    """The 404 for what does not exist and for what the user may not see alike, so that the
    answer does not tell that a private object exists."""
    return HttpError(404, _("Not found, or not visible to you."))


def found[T](obj: T | None) -> T:
    """The object a lookup found; None raises `not_found()`."""
    if obj is None:
        raise not_found()
    return obj


class ApiRoot(Schema):
    name: str
    version: str
    openapi: str
    docs: str
    endpoints: dict[str, str]


class DistrictOut(Schema):
    code: str
    name: str
    slug: str


class DistrictFeature(Schema):
    type: str = "Feature"
    id: str
    properties: DistrictOut
    geometry: dict


class MeOut(Schema):
    email: str
    display_name: str
    actor_group: str
    district: str | None
    language: str
    role: str | None


@api.get("/", response=ApiRoot, tags=["meta"], summary="What this API offers")
def root(request: HttpRequest):
    base = request.build_absolute_uri("/api/")
    return {
        "name": "Gemeinsam",
        "version": gemeinsam.__version__,
        "openapi": base + "openapi.json",
        "docs": base + "docs",
        "endpoints": {
            "districts": base + "districts",
            "processes": base + "processes",
            "strategy": base + "strategy/",
            "knowledge": base + "knowledge/documents",
            "me": base + "me",
        },
    }


districts = Router(tags=["districts"])


@districts.get("", response=list[DistrictOut], summary="Berlin's districts (Bezirke)")
def list_districts(request: HttpRequest):
    return District.objects.only("code", "name", "slug").order_by("code")


@districts.get(
    "/lookup", response={200: DistrictOut, 404: Message}, summary="The district containing a point"
)
def lookup_district(
    request: HttpRequest,
    lon: float = Query(..., ge=-180, le=180, description="longitude, WGS84"),
    lat: float = Query(..., ge=-90, le=90, description="latitude, WGS84"),
):
    district = district_at(lon, lat)
    if district is None:
        return 404, {"detail": "The point lies in no district."}
    return district


@districts.get("/{slug}", response=DistrictFeature, summary="One district with its boundary")
def get_district(request: HttpRequest, slug: str):
    district = get_object_or_404(District, slug=slug)
    return {
        "id": district.code,
        "geometry": district.geometry,
        "properties": {"code": district.code, "name": district.name, "slug": district.slug},
    }


api.add_router("/districts", districts)


@api.get(
    "/me",
    response={200: MeOut},
    auth=django_auth,
    tags=["accounts"],
    summary="The signed-in account",
)
def me(request: HttpRequest):
    user = request.auth
    if not user.is_active:
        raise HttpError(403, "This account is deactivated.")
    role = role_of(user)
    return {
        "email": user.email,
        "display_name": user.display_name,
        "actor_group": user.actor_group,
        "language": user.language,
        "district": user.district.slug if user.district else None,
        "role": role.value if role else None,
    }
