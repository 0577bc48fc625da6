"""Permission-matrix rows of the OIRS public routes (see tests/matrix.py): no login, the
same page for everybody. The confirmation page is shown only to the browser that has
just sent the form, so a plain GET goes back to the form (302); reopening is POST only."""

from __future__ import annotations

from secpla.citizen_requests.models import Category, Request
from secpla.core.audit import audit_context
from secpla.core.models import Directorate
from secpla.testing_matrix import EVERYONE, NOBODY, Case

CASES = [
    Case("citizen_requests:public_create", ok=EVERYONE, anonymous=200),
    Case("citizen_requests:public_received", ok=NOBODY, anonymous=302,
         extra_status={role: 302 for role in EVERYONE}),  # nothing just sent: to the form
    Case("citizen_requests:public_track", ok=EVERYONE, anonymous=200),
    Case("citizen_requests:public_track", lambda w: {"code": w.citizen_request.tracking_code},
         ok=EVERYONE, anonymous=200),
    Case("citizen_requests:public_reopen", ok=NOBODY, anonymous=405,
         extra_status={role: 405 for role in EVERYONE}),  # POST only
]  # fmt: skip


def populate(world) -> None:
    """A request filed through the public form, for its tracking page."""
    from secpla.citizen_requests import services

    dideco = Directorate.objects.get(code="DIDECO")
    with audit_context(source="test"):
        category = Category.objects.create(
            name="Luminaria (matriz)", code="luminaria-matriz", directorate=dideco
        )
    world.citizen_request = services.request_create(
        actor=None,
        citizen_request=Request(
            kind=Request.Kind.REQUEST, category=category, description="Luminaria apagada"
        ),
    )
