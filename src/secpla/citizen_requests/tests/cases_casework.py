"""Permission-matrix rows of the OIRS casework screens (see tests/matrix.py): the request
page, its POST-only actions (405 on GET for everybody signed in), the SLA dashboard and
the map. Readers of requests come from grants.py; the Enlace de Dirección of DIDECO sees
the DIDECO request the cases visit."""

from __future__ import annotations

from secpla.citizen_requests import services
from secpla.citizen_requests.models import Category, Request
from secpla.core.audit import audit_context
from secpla.testing_matrix import EVERYONE, SECPLA, Case

READERS = SECPLA | {"enlace_direccion", "alcaldia", "administrador_municipal"}
ACTIONS = ["assign", "derive", "start", "answer", "close", "note", "reopen", "merge"]


POINT = {"type": "Point", "coordinates": [-72.3016, -36.7425]}


def _pk(w) -> dict:
    return {"pk": w.casework_request.pk}


CASES: list = [
    Case("citizen_requests:request_detail", _pk, ok=READERS, visible=READERS),
    *(
        Case(f"citizen_requests:request_{name}", _pk, ok=EVERYONE, ok_status=405)
        for name in ACTIONS
    ),
    Case("citizen_requests:dashboard", ok=READERS),
    Case("citizen_requests:dashboard", ok=READERS, query="?desde=2026-01-01&hasta=2026-12-31"),
    Case("citizen_requests:dashboard", ok=READERS, query="?exportar=xlsx"),
    Case("citizen_requests:dashboard", ok=READERS, query="?desde=nada&hasta=2026-01-01"),
    Case("citizen_requests:map", ok=READERS),
    Case("citizen_requests:map", ok=READERS, query="?estado=abiertas&desde=2026-01-01"),
    Case("citizen_requests:map_geojson", ok=READERS),
    Case("citizen_requests:map_geojson", ok=READERS, query="?estado=xx"),
]


def populate(world) -> None:
    """A located request of DIDECO, filed as a citizen would (the matrix municipality has
    no boundary, so the point is set afterwards, as a test fixture)."""
    with audit_context(source="test"):
        category = Category.objects.create(
            name="Luminaria (casos)", code="luminaria-casework", directorate=world.dideco
        )
    world.casework_request = services.request_create(
        actor=None,
        citizen_request=Request(
            kind=Request.Kind.REQUEST,
            category=category,
            description="Luminaria apagada frente a la plaza.",
            requester_name="Ana Pérez",
            requester_email="ana@example.cl",
            consent_given=True,
        ),
    )
    Request.objects.filter(pk=world.casework_request.pk).update(location=POINT)
