"""Permission-matrix rows of the portfolio screens (see tests/matrix.py). The records are
those of cases_api.populate: `world.project` belongs to SECPLA, so the DIDECO liaison
sees it but may not report on it.

Expected roles, from projects/grants.py:
- the Director SECPLA and Estudios keep the whole portfolio;
- Control y Presupuesto reads it and adds/changes payments;
- the Enlace de Dirección reads it and adds/changes progress reports and payments of its
  own directorate's projects (the create pages open; SECPLA's records are 403);
- the other municipal roles read; the system administrator sees no portfolio but keeps the
  funding-source catalogue and the portfolio settings with the Director.
"""

from __future__ import annotations

from secpla.testing_matrix import ALL, EVERYONE, NOBODY, Case, crud_cases, pk

READERS = ALL - {"admin_sistema"}
KEEPERS = frozenset({"director_secpla", "estudios"})
CATALOGUE_KEEPERS = frozenset({"director_secpla", "admin_sistema"})
REPORTERS = KEEPERS | {"enlace_direccion"}
PAYERS = KEEPERS | {"control_presupuesto"}


def _portfolio(model, attr, *, add=KEEPERS, change=KEEPERS):
    return crud_cases(
        f"projects:{model}", attr, view=READERS, add=add, change=change, delete=KEEPERS
    )


CASES = [
    *_portfolio("project", "project"),
    Case("projects:project_transition", pk("project"), ok=NOBODY, visible=READERS,
         extra_status={role: 405 for role in EVERYONE}),  # POST only
    *_portfolio("fundingline", "funding_line"),
    *_portfolio("rateresult", "rate_result"),
    *_portfolio("fundingapplication", "funding_application"),
    Case("projects:applicationnote_create", pk("funding_application"), ok=KEEPERS,
         visible=READERS),
    *_portfolio("milestone", "milestone"),
    *_portfolio("progressreport", "progress_report", add=REPORTERS),
    *_portfolio("payment", "payment", add=PAYERS | {"enlace_direccion"}, change=PAYERS),
    *crud_cases("projects:fundingsource", "funding_source", view=ALL, add=CATALOGUE_KEEPERS,
                change=CATALOGUE_KEEPERS, delete=CATALOGUE_KEEPERS),
    Case("projects:settings", ok=ALL),
]  # fmt: skip


def populate(world) -> None:
    """Nothing of its own: the records come from cases_api.populate."""
