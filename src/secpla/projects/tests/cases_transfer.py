"""Permission-matrix rows of the portfolio spreadsheet (export, template, import).

Every municipal role reads the portfolio (not the system administrator, whose grants
cover only the funding-source catalogue); importing needs add and change on projects:
the Director and Estudios. The Enlace cannot import.
"""

from __future__ import annotations

from secpla.testing_matrix import ALL, EVERYONE, NOBODY, Case

READERS = ALL - {"admin_sistema"}
IMPORTERS = frozenset({"director_secpla", "estudios"})

CASES: list = [
    Case("projects:export", ok=READERS),
    Case("projects:export", ok=READERS, query="?status=formulacion&q=plaza"),
    Case("projects:template", ok=READERS),
    Case("projects:import", ok=IMPORTERS),
    # POST only: a GET is 405 for every signed-in user.
    Case("projects:import_apply", ok=NOBODY, extra_status={role: 405 for role in EVERYONE}),
]


def populate(world) -> None:
    """The export lists `world.project` (created by cases_api.populate)."""
