"""Request id on every request and response; the audit context for the request's writes."""

import re
import uuid

from secpla.core.audit import audit_context

_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Takes X-Request-ID from the proxy when well-formed, else makes one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response


class AuditContextMiddleware:
    """Every write made while serving this request is logged with its user and request id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        source = (
            "api"
            if request.path.startswith("/api/")
            else ("admin" if request.path.startswith("/django-admin/") else "web")
        )
        # API token users are only known once DRF authenticates them; the services
        # record the acting user themselves, so the log is right either way.
        with audit_context(
            user=request.user if request.user.is_authenticated else None,
            request_id=request.request_id,
            source=source,
        ):
            return self.get_response(request)


OUT_OF_RANGE = "Un número de la dirección o de los datos enviados está fuera de rango."


class OutOfRangeMiddleware:
    """A number too large for the database (e.g. `?directorate=99999999999999999999` on
    SQLite) is the client's mistake: answer 400 with a Spanish message, not 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OverflowError):
            return None
        if request.path.startswith("/api/"):
            from django.http import JsonResponse

            return JsonResponse({"detail": OUT_OF_RANGE}, status=400)
        from django.shortcuts import render

        return render(request, "400.html", {"message": OUT_OF_RANGE}, status=400)
