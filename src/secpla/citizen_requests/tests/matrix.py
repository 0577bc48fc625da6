"""The OIRS module's rows of the permission matrix (one `cases_*` file per area: the public
pages and Open311) and its change-log factories."""

from __future__ import annotations

import datetime as dt

from secpla.citizen_requests.models import ApiKey, Category, OirsSettings, Request
from secpla.citizen_requests.tests import (
    cases_casework,
    cases_open311,
    cases_public,
    cases_staff,
)
from secpla.core.audit import audit_context
from secpla.core.models import Directorate

AREAS = [cases_public, cases_open311, cases_staff, cases_casework]
CASES = [case for area in AREAS for case in area.CASES]

AUDITED = [
    "citizen_requests.OirsSettings",
    "citizen_requests.Category",
    "citizen_requests.ApiKey",
    "citizen_requests.Request",
]


def populate(world) -> None:
    """Each area creates the records its cases visit."""
    for area in AREAS:
        area.populate(world)


def audit_factories(personas) -> dict:
    dideco = Directorate.objects.get(code="DIDECO")
    with audit_context(source="test"):
        category = Category.objects.create(name="Base", code="base-aud", directorate=dideco)
    return {
        OirsSettings: (
            lambda: OirsSettings(
                valid_from=dt.date(2030, 1, 1),
                consent_version="2030-1",
                consent_text="Texto",
                source="Ordenanza X",
            ),
            "source",
        ),
        Category: (
            lambda: Category(name="Luminaria", code="luminaria-aud", directorate=dideco),
            "name",
        ),
        ApiKey: (lambda: ApiKey(name="App vecinal", prefix="abcd", key_hash="0" * 64), "name"),
        Request: (
            lambda: Request(
                tracking_code="OIRS-2026-AUDIT2",
                kind=Request.Kind.REQUEST,
                category=category,
                description="Luminaria apagada",
                directorate=dideco,
                due_on=dt.date(2026, 12, 31),
            ),
            "address",
        ),
    }
