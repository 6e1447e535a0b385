"""A time limit on every SQL statement of API reads (/api/, /sta/) on PostgreSQL: a read that
runs longer is cancelled by the database and answered 503 in JSON, so it frees its worker.
"""

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

API_PREFIXES = ("/api/", "/sta/")
QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE query_canceled, which statement_timeout raises


def statement_cancelled(problem: BaseException) -> bool:
    """Whether a database error is PostgreSQL cancelling a statement (statement_timeout)."""
    cause = problem.__cause__
    return isinstance(problem, OperationalError) and getattr(cause, "sqlstate", "") == (
        QUERY_CANCELED
    )


def cancelled_message() -> str:
    return _(
        "The query took longer than %(ms)d ms (API_STATEMENT_TIMEOUT_MS) and was cancelled; "
        "ask for less, e.g. with a narrower filter or a smaller $top."
    ) % {"ms": settings.API_STATEMENT_TIMEOUT_MS}


def forget_cancelled() -> None:
    """Roll back the statement's transaction (or savepoint): it cannot go on after an error."""
    if connection.in_atomic_block:
        transaction.set_rollback(True)


class StatementTimeoutMiddleware:
    """GET and HEAD below /api/ and /sta/ run in a transaction whose statements may take at
    most API_STATEMENT_TIMEOUT_MS each. SQLite has no such limit: there it does nothing."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def _applies(self, request: HttpRequest) -> bool:
        return (
            settings.API_STATEMENT_TIMEOUT_MS > 0
            and request.method in ("GET", "HEAD")
            and request.path.startswith(API_PREFIXES)
            and connection.vendor == "postgresql"
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self._applies(request):
            return self.get_response(request)
        watch = _CancelWatch()
        # SET LOCAL (set_config(..., true)) ends with the transaction: a pooled connection
        # never keeps the limit for the next request (PostgreSQL's own scoping).
        # No savepoint inside a caller's transaction (tests), and the setting goes through the
        # driver's own cursor: the view's query counts stay what they were without the limit.
        with transaction.atomic(savepoint=False), connection.execute_wrapper(watch):
            connection.ensure_connection()
            with connection.connection.cursor() as cursor:
                timeout = f"{settings.API_STATEMENT_TIMEOUT_MS}ms"
                cursor.execute("SELECT set_config('statement_timeout', %s, true)", [timeout])
            request._statement_cancelled = watch
            return self.get_response(request)

    def process_exception(self, request: HttpRequest, problem: Exception) -> HttpResponse | None:
        # A serializer may wrap the database's error in its own (pydantic does): the watch
        # saw the statement itself fail.
        watch = getattr(request, "_statement_cancelled", None)
        if not statement_cancelled(problem) and not (watch and watch.cancelled):
            return None
        forget_cancelled()
        return JsonResponse({"detail": cancelled_message()}, status=503)


class _CancelWatch:
    """Wraps each statement of a request and notes whether PostgreSQL cancelled one."""

    cancelled = False

    def __call__(self, execute, sql, params, many, context):
        try:
            return execute(sql, params, many, context)
        except OperationalError as problem:
            self.cancelled = self.cancelled or statement_cancelled(problem)
            raise
