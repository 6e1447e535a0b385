"""The JSON API keeps its OpenAPI document: schemathesis sends each operation generated
requests, as a visitor and signed in, and every answer must be documented (status and content
type) and none a server error. Unknown paths under /api/ answer JSON, not the HTML page."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from gemeinsam.core.demo import load_demo_content
from gemeinsam.core.models import User

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 10  # per operation, generation mode (valid, invalid) and persona
# A fixed token pair: the cookie holds the secret, the header repeats it (Django's CSRF check).
CSRF = "a" * 32


@pytest.fixture
def api_schema(db):
    """The document as the app serves it, bound to the app; requests stay in the test's
    transaction, as Django's test client keeps them (no connection closing per request)."""
    load_demo_content()  # districts and the demo accounts
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def administrator() -> dict:
    """The session and CSRF cookies and header of the demo's administrator."""
    client = Client()
    client.force_login(User.objects.get(email="admin@demo.gemeinsam.invalid"))
    cookies = {"sessionid": client.cookies["sessionid"].value, "csrftoken": CSRF}
    return {"cookies": cookies, "headers": {"X-CSRFToken": CSRF}}


BOUNDED = settings(
    max_examples=EXAMPLES,
    derandomize=True,  # the same examples on every run
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def fuzz(api_schema, **credentials) -> list[str]:
    """Every operation, valid and invalid requests; what failed, by operation."""
    failures = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @BOUNDED
            @given(case=operation.as_strategy(generation_mode=mode))
            def call(case):
                case.call_and_validate(checks=CHECKS, **credentials)

            try:
                call()
            except Unsatisfiable:
                pass  # no parameters to make invalid: nothing to send in this mode
            except BaseException as error:  # hypothesis raises an exception group
                lines = [line.strip() for line in str(error).splitlines() if line.strip()]
                failures.append(f"{operation.label} ({mode.value}): {' | '.join(lines)[:700]}")
    return failures


def test_the_api_answers_a_visitor_as_its_document_says(api_schema):
    failures = fuzz(api_schema)
    assert failures == [], "\n".join(failures)


def test_the_api_answers_an_administrator_as_its_document_says(api_schema):
    failures = fuzz(api_schema, **administrator())
    assert failures == [], "\n".join(failures)


@pytest.mark.parametrize("path", ["/api/nothing-here", "/api/processes/x/y/z/"])
def test_unknown_api_paths_answer_json(db, anonymous, path):
    response = anonymous.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]


def test_every_operation_declares_the_common_error_answers(db, anonymous):
    document = anonymous.get("/api/openapi.json").json()
    missing = [
        f"{method.upper()} {path}: {status}"
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        for status in ("401", "403", "404", "422", "429")
        if status not in operation["responses"]
    ]
    assert missing == []
