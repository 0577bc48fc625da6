"""Permission-matrix rows of the OIRS open311 routes (see tests/matrix.py): Open311
GeoReport v2 is public, so everybody, signed in or not, gets 200 on every GET route, in
JSON and in XML. (POST requests.* is tested in test_open311.py: the matrix only GETs.)"""

from __future__ import annotations

from secpla.citizen_requests import services
from secpla.citizen_requests.models import Category, Request
from secpla.core.audit import audit_context
from secpla.testing_matrix import EVERYONE, Case

PUBLIC = {"ok": EVERYONE, "anonymous": 200}


def _code(w) -> str:
    return w.open311_request.tracking_code


CASES: list = [
    case
    for fmt in ("json", "xml")
    for case in (
        Case("open311:services", lambda w, f=fmt: {"fmt": f}, **PUBLIC),
        Case(
            "open311:service",
            lambda w, f=fmt: {"fmt": f, "service_code": w.open311_category.code},
            **PUBLIC,
        ),
        Case("open311:requests", lambda w, f=fmt: {"fmt": f}, **PUBLIC),
        Case(
            "open311:requests",
            lambda w, f=fmt: {"fmt": f},
            query="?status=open,closed&service_code=alumbrado-o311",
            **PUBLIC,
        ),
        Case(
            "open311:request",
            lambda w, f=fmt: {"fmt": f, "service_request_id": _code(w)},
            **PUBLIC,
        ),
        Case(
            "open311:request_swagger",
            lambda w, f=fmt: {"fmt": f, "service_request_id": _code(w)},
            **PUBLIC,
        ),
        Case("open311:token", lambda w, f=fmt: {"fmt": f, "token_id": _code(w)}, **PUBLIC),
    )
]


def populate(world) -> None:
    """A service and a request filed through it, without personal data."""
    with audit_context(source="test"):
        world.open311_category = Category.objects.create(
            name="Alumbrado público", code="alumbrado-o311", directorate=world.dideco
        )
    world.open311_request = services.request_create(
        actor=None,
        citizen_request=Request(
            kind=Request.Kind.REQUEST,
            category=world.open311_category,
            description="Poste sin luz",
        ),
    )
