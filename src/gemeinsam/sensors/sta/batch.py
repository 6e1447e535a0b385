"""JSON batch requests (SensorThings 1.1 section 11, in the JSON format of OData 4.01 section 19).

Each sub-request goes through Django's URL resolver to the same views as a single request,
with the caller's credentials, so there is one implementation of every operation. Requests
of one atomicityGroup share a transaction and fail together; `dependsOn` and `$<id>`
references reach back to earlier requests of the batch.
"""

import copy
import json
import logging
import re
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.urls import Resolver404, resolve

from ..auth import request_user
from .serialize import API_PATH
from .views import error

log = logging.getLogger(__name__)

MAX_REQUESTS = 1000
METHODS = {"GET", "POST", "PATCH", "PUT", "DELETE"}
FAILED_DEPENDENCY = 424
_REFERENCE = re.compile(r"^\$([A-Za-z0-9_.:-]+)")
_LAST_KEY = re.compile(r"\(([^()]*)\)$")


class BatchError(ValueError):
    """The batch document itself is malformed: the whole batch is a 400."""


class _GroupFailed(Exception):
    """Raised inside an atomicity group's transaction to roll it back."""


def batch(request: HttpRequest) -> HttpResponse:
    """POST /$batch with `{"requests": [...]}`; answers 200 with `{"responses": [...]}`."""
    if request.method != "POST":
        return error(405, "a batch request is a POST")
    if (request.content_type or "").lower() != "application/json":
        return error(415, "only the JSON batch format is supported: send application/json")
    try:
        requests = _parse(request.body)
    except BatchError as problem:
        return error(400, str(problem))
    request_user(request)  # credentials checked once; the sub-requests inherit them
    return JsonResponse(
        {"responses": _Batch(request).run(requests)},
        json_dumps_params={"ensure_ascii": False},
    )


def _parse(body: bytes) -> list[dict]:
    try:
        document = json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError) as problem:
        raise BatchError(f"the batch body is not JSON: {problem}") from None
    if not isinstance(document, dict) or not isinstance(document.get("requests"), list):
        raise BatchError('a JSON batch is an object with a "requests" array')
    requests = document["requests"]
    if len(requests) > MAX_REQUESTS:
        raise BatchError(f"a batch holds at most {MAX_REQUESTS} requests")
    seen: set[str] = set()
    groups: list[str] = []
    previous = None
    for item in requests:
        if not isinstance(item, dict):
            raise BatchError("every request of a batch is a JSON object")
        rid, method, url = item.get("id"), item.get("method"), item.get("url")
        if not isinstance(rid, str) or not rid or rid in seen:
            raise BatchError(f"every request needs an id of its own, not {rid!r}")
        if not isinstance(method, str) or method.upper() not in METHODS:
            raise BatchError(f"request {rid}: method must be one of {sorted(METHODS)}")
        if not isinstance(url, str) or not url:
            raise BatchError(f"request {rid}: url is required")
        group = item.get("atomicityGroup")
        if group is not None:
            if not isinstance(group, str) or group in seen:
                raise BatchError(f"request {rid}: atomicityGroup must be a new name")
            if group in groups and previous != group:
                raise BatchError(f"request {rid}: the requests of group {group} must be adjacent")
            groups.append(group)
        previous = group
        depends = item.get("dependsOn", [])
        if not isinstance(depends, list) or not all(
            isinstance(d, str) and (d in seen or d in groups) for d in depends
        ):
            raise BatchError(f"request {rid}: dependsOn names earlier requests or groups")
        if not isinstance(item.get("headers", {}), dict):
            raise BatchError(f"request {rid}: headers must be an object")
        seen.add(rid)
    return requests


class _Batch:
    def __init__(self, request: HttpRequest) -> None:
        self.request = request
        self.responses: dict[str, dict] = {}
        self.locations: dict[str, str] = {}  # request id -> path of the entity it created
        self.group_members: dict[str, list[str]] = {}

    def run(self, requests: list[dict]) -> list[dict]:
        index = 0
        while index < len(requests):
            group = requests[index].get("atomicityGroup")
            if group is None:
                self.answer(requests[index])
                index += 1
                continue
            end = index
            while end < len(requests) and requests[end].get("atomicityGroup") == group:
                end += 1
            self.run_group(group, requests[index:end])
            index = end
        return [self.responses[item["id"]] for item in requests]

    def run_group(self, group: str, items: list[dict]) -> None:
        self.group_members[group] = [item["id"] for item in items]
        try:
            with transaction.atomic():
                for item in items:
                    if self.answer(item)["status"] >= 400:
                        raise _GroupFailed(item["id"])
        except _GroupFailed as failed:
            culprit = failed.args[0]
            for item in items:
                rid = item["id"]
                self.locations.pop(rid, None)
                if rid != culprit:
                    message = f"rolled back: request {culprit} of atomicity group {group} failed"
                    self.responses[rid] = _failure(rid, FAILED_DEPENDENCY, message)

    def failed(self, name: str) -> bool:
        ids = self.group_members.get(name, [name])
        return any(self.responses.get(rid, {}).get("status", 0) >= 400 for rid in ids)

    def answer(self, item: dict) -> dict:
        rid = item["id"]
        failed = [d for d in item.get("dependsOn", []) if self.failed(d)]
        if failed:
            response = _failure(rid, FAILED_DEPENDENCY, f"request {failed[0]} failed")
        else:
            try:
                response = self.execute(item)
            except BatchError as problem:
                response = _failure(rid, 400, str(problem))
        self.responses[rid] = response
        return response

    def execute(self, item: dict) -> dict:
        rid = item["id"]
        path, query = self.target(item["url"])
        if path.rstrip("/").endswith("/$batch"):
            raise BatchError("a batch can not hold another batch")
        try:
            match = resolve(path)
        except Resolver404:
            return _failure(rid, 404, f"no resource at {item['url']}")
        sub = self.sub_request(item, path, query)
        try:
            # A savepoint per request: a failed one leaves its atomicity group usable.
            with transaction.atomic():
                response = match.func(sub, *match.args, **match.kwargs)
        except Exception:  # one failing request must not take the batch with it
            log.exception("batch request %s failed", rid)
            return _failure(rid, 500, "internal error")
        return self.result(rid, response)

    def target(self, url: str) -> tuple[str, str]:
        """The absolute path and query of a request's url; `$1` stands for what 1 created."""
        reference = _REFERENCE.match(url)
        if reference:
            rid = reference.group(1)
            if rid not in self.locations:
                raise BatchError(f"${rid} does not refer to an entity created in this batch")
            url = self.locations[rid] + url[reference.end() :]
        parts = urlsplit(url)
        path = parts.path
        if not path.startswith("/"):
            path = f"{API_PATH}/{path}"
        return path, parts.query

    def sub_request(self, item: dict, path: str, query: str) -> HttpRequest:
        """A copy of the batch request (user, session, token, host) with this request's
        method, path, query, headers and body."""
        sub = copy.copy(self.request)
        for cached in ("GET", "POST", "COOKIES", "FILES", "headers", "_post", "_files"):
            sub.__dict__.pop(cached, None)
        sub.COOKIES = self.request.COOKIES
        sub.META = dict(self.request.META)
        sub.META["CONTENT_TYPE"] = "application/json"
        for name, value in item.get("headers", {}).items():
            key = name.upper().replace("-", "_")
            if key not in ("AUTHORIZATION", "COOKIE", "HOST"):  # credentials stay the batch's
                sub.META[key if key == "CONTENT_TYPE" else f"HTTP_{key}"] = str(value)
        sub.META["QUERY_STRING"] = query
        sub.META["REQUEST_METHOD"] = sub.method = item["method"].upper()
        sub.path = sub.path_info = path
        sub.GET = QueryDict(query)
        sub.content_type, _, _ = sub.META["CONTENT_TYPE"].partition(";")
        sub.content_type = sub.content_type.strip()
        sub.content_params = {}
        body = self.substitute(item.get("body"))
        sub._body = b"" if body is None else json.dumps(body).encode()
        sub.resolver_match = None
        return sub

    def substitute(self, value: Any) -> Any:
        """`{"@iot.id": "$1"}` in a body: the id of the entity that request 1 created."""
        if isinstance(value, list):
            return [self.substitute(v) for v in value]
        if not isinstance(value, dict):
            return value
        result = {k: self.substitute(v) for k, v in value.items()}
        reference = result.get("@iot.id")
        if isinstance(reference, str) and (match := _REFERENCE.fullmatch(reference)):
            rid = match.group(1)
            if rid not in self.locations:
                raise BatchError(f"${rid} does not refer to an entity created in this batch")
            key = _LAST_KEY.search(self.locations[rid]).group(1)
            result["@iot.id"] = int(key) if key.isdigit() else key
        return result

    def result(self, rid: str, response: HttpResponse) -> dict:
        answer: dict[str, Any] = {"id": rid, "status": response.status_code}
        headers = {}
        if location := response.get("Location"):
            headers["location"] = location
            self.locations[rid] = urlsplit(location).path
        if headers:
            answer["headers"] = headers
        content = getattr(response, "content", b"")
        if content:
            kind = response.get("Content-Type", "")
            if kind.startswith("application/json"):
                answer["body"] = json.loads(content)
            else:
                answer["body"] = content.decode("utf-8", "replace")
        return answer


def _failure(rid: str, status: int, message: str) -> dict:
    return {
        "id": rid,
        "status": status,
        "body": {"code": status, "type": "error", "message": message},
    }
