"""Permission-matrix rows of the OIRS staff screens I (see tests/matrix.py): the catalogue,
the OIRS parameters, the Open311 keys, the inbox and the staff intake.

Expected roles, from citizen_requests/grants.py:
- categories and parameters: every role reads them; the Director SECPLA and the system
  administrator keep them;
- Open311 keys: only the Director and the administrator (others get 404 on a key);
- the inbox: every role with a grant on Request (not the Concejal, not the administrator);
  registering a request: the Director and the Enlace (its own directorate's categories);
- revoking a key is POST only: 405 on GET for every logged-in user.
"""

from __future__ import annotations

import datetime as dt

from secpla.citizen_requests.models import ApiKey, Category, OirsSettings
from secpla.core.audit import audit_context
from secpla.core.models import Directorate
from secpla.testing_matrix import ALL, EVERYONE, NOBODY, Case, crud_cases, pk

KEEPERS = frozenset({"director_secpla", "admin_sistema"})
REQUEST_READERS = ALL - {"concejal", "admin_sistema"}
REQUEST_WRITERS = frozenset({"director_secpla", "enlace_direccion"})

CASES = [
    *crud_cases(
        "citizen_requests:category",
        "oirs_category",
        view=ALL,
        add=KEEPERS,
        change=KEEPERS,
        delete=KEEPERS,
    ),
    *crud_cases(
        "citizen_requests:oirssettings",
        "oirs_settings",
        view=ALL,
        add=KEEPERS,
        change=KEEPERS,
        delete=KEEPERS,
    ),
    Case("citizen_requests:apikey_list", ok=KEEPERS),
    Case("citizen_requests:apikey_create", ok=KEEPERS),
    Case("citizen_requests:apikey_detail", pk("oirs_api_key"), ok=KEEPERS, visible=KEEPERS),
    Case(
        "citizen_requests:apikey_revoke",
        pk("oirs_api_key"),
        ok=NOBODY,
        extra_status={role: 405 for role in EVERYONE},  # POST only
    ),
    Case("citizen_requests:request_list", ok=REQUEST_READERS),
    Case("citizen_requests:request_list", ok=REQUEST_READERS, query="?status=recibida"),
    Case("citizen_requests:request_create", ok=REQUEST_WRITERS),
]


def populate(world) -> None:
    """A category, a dated parameter row and an Open311 key of their own."""
    dideco = Directorate.objects.get(code="DIDECO")
    with audit_context(source="test"):
        world.oirs_category = Category.objects.create(
            name="Microbasural (matriz)", code="microbasural-matriz", directorate=dideco
        )
        world.oirs_settings = OirsSettings.objects.create(
            valid_from=dt.date(2031, 1, 1),
            consent_version="2031-1",
            consent_text="Texto de consentimiento de prueba.",
            source="Ordenanza de prueba",
        )
        world.oirs_api_key = ApiKey.objects.create(
            name="App vecinal (matriz)", prefix="matrizab", key_hash="a" * 64
        )
