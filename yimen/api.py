"""The one NinjaAPI (`/api/v1/`); each app contributes a Router from its `api.py`."""

from django.http import HttpRequest

from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError

from yimen.appointments.api import router as appointments_router
from yimen.cases.api import router as cases_router
from yimen.catalog.api import router as catalog_router
from yimen.evaluations.api import router as evaluations_router
from yimen.ops.services import health as health_report
from yimen.queueing.api import router as queue_router
from yimen.workdays.api import router as calendar_router

api = NinjaAPI(
    title="Yimen API",
    version="1",
    description="一门 Yimen: service catalogue, working-day calendar and (in later releases) the hall, cases and "
    "evaluations. Errors are JSON `{\"detail\": reason, \"code\": stable_code}` with a 4xx status.",
    urls_namespace="api",
)


@api.exception_handler(NinjaValidationError)
def validation_error(request: HttpRequest, exc: NinjaValidationError):
    reasons = []
    for err in exc.errors:
        where = ".".join(str(p) for p in err.get("loc", ())[1:]) or "request"
        reasons.append(f"{where}: {err.get('msg', 'invalid')}")
    return api.create_response(request, {"detail": "; ".join(reasons), "code": "invalid_input"}, status=422)


HTTP_CODES = {401: "unauthenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed", 429: "throttled"}


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError):
    """ninja's own refusals (no session: 401, failed CSRF check: 403 …) in the same shape as ours."""
    code = HTTP_CODES.get(exc.status_code, "error")
    return api.create_response(request, {"detail": str(exc.message), "code": code}, status=exc.status_code)


@api.get("/ping", tags=["ops"], summary="Liveness: always {}")
def ping(request: HttpRequest):
    return {}


@api.get("/health", tags=["ops"], summary="Database, calendar years and background worker")
def health(request: HttpRequest):
    report = health_report()
    return api.create_response(request, report, status=200 if report["status"] != "error" else 503)


api.add_router("/calendar", calendar_router)
api.add_router("/catalog", catalog_router)
api.add_router("/queue", queue_router)
api.add_router("/cases", cases_router)
api.add_router("/evaluations", evaluations_router)
api.add_router("/appointments", appointments_router)
