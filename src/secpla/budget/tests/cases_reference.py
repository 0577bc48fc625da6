"""Permission-matrix rows of the budget's reference screens (see tests/matrix.py). The
records are matrix.populate_base's: the 2026 classifier, an official account, área 04 and
the seeded agreement rule, calendar and alert rule.

Expected roles, from budget/grants.py:
- the classifier, its accounts and the agreement rules (REFERENCE): the Director SECPLA and
  the system administrator keep them; every other role reads them (Control y Presupuesto
  too);
- áreas de gestión and calendars: the Director and the administrator keep them, the rest read;
- execution-alert rules: also Control y Presupuesto keeps them.
"""

from __future__ import annotations

from secpla.testing_matrix import ALL, Case, crud_cases, pk

KEEPERS = frozenset({"director_secpla", "admin_sistema"})
ALERT_KEEPERS = KEEPERS | {"control_presupuesto"}


def _reference(model, attr, keepers=KEEPERS):
    return crud_cases(
        f"budget:{model}", attr, view=ALL, add=keepers, change=keepers, delete=keepers
    )


CASES = [
    *_reference("classifierversion", "classifier"),
    Case("budget:classifierversion_copy", pk("classifier"), ok=KEEPERS, visible=ALL),
    *_reference("account", "account"),
    *_reference("managementarea", "area"),
    *_reference("agreementrule", "agreement_rule"),
    *_reference("budgetcalendar", "budget_calendar"),
    *_reference("alertrule", "alert_rule", ALERT_KEEPERS),
]


def populate(world) -> None:
    """Nothing of its own: the records come from matrix.populate_base."""
