"""Permission-matrix rows of the budget-year screens (see tests/matrix.py): years and their
transitions, requests and their adjustment, initial amounts and programs.

Expected roles, from budget/grants.py (GRANTS and FORMULATION_GRANTS):
- the Director SECPLA and Control y Presupuesto keep years, initial amounts, programs and
  requests (FULL); adjusting a request needs `change` on the budget year (the same two);
- the Enlace de Dirección reads years, initial amounts and programs, and keeps its own
  directorate's requests: `world.budget_request` is SECPLA's, so it gets 404 there (DIDECO's
  `world.own_request` is what it may edit, checked in test_year_views);
- the other municipal roles read; the system administrator sees none of these.
The transitions are POST forms: a GET is 405 for everyone.
"""

from __future__ import annotations

from secpla.testing_matrix import ALL, EVERYONE, NOBODY, Case, crud_cases, pk

READERS = ALL - {"admin_sistema"}
KEEPERS = frozenset({"director_secpla", "control_presupuesto"})
REQUESTERS = KEEPERS | {"enlace_direccion"}
SEE_SECPLA_REQUEST = READERS - {"enlace_direccion"}

CASES = [
    *crud_cases("budget:budgetyear", "budget_year", view=READERS, add=KEEPERS, change=KEEPERS,
                delete=KEEPERS),
    *(
        Case(f"budget:budgetyear_{name}", pk("budget_year"), ok=NOBODY, visible=READERS,
             extra_status={role: 405 for role in EVERYONE})
        for name in ("present", "approve", "close")
    ),
    *crud_cases("budget:budgetrequest", "budget_request", view=READERS, add=REQUESTERS,
                change=REQUESTERS, delete=REQUESTERS, visible_obj=SEE_SECPLA_REQUEST),
    Case("budget:budgetrequest_adjust", pk("budget_request"), ok=KEEPERS,
         visible=SEE_SECPLA_REQUEST),
    *crud_cases("budget:initialamount", "initial_amount", view=READERS, add=KEEPERS,
                change=KEEPERS, delete=KEEPERS),
    *crud_cases("budget:program", "program", view=READERS, add=KEEPERS, change=KEEPERS,
                delete=KEEPERS),
]  # fmt: skip


def populate(world) -> None:
    """Nothing of its own: matrix.populate_base creates the year, requests and program."""
