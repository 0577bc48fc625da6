"""Permission-matrix rows of the budget's analysis screens (see tests/matrix.py).

Every reader of BudgetYear sees the execution, its drill-down and the quarterly report:
GRANTS gives READ to estudios, licitaciones, asesor_urbanista, alcaldia,
administrador_municipal and concejal, FULL to director_secpla and control_presupuesto;
FORMULATION_GRANTS gives the enlace_direccion READ. The system administrator and a user
without a role cannot see the year at all (404).
"""

from __future__ import annotations

from secpla.testing_matrix import ALL, Case, pk

READERS = ALL - {"admin_sistema"}


def _account(code):
    return lambda w: {"pk": w.budget_year.pk, "code": code}


CASES = [
    Case("budget:analysis_current", ok=frozenset(), extra_status={r: 302 for r in READERS}),
    Case("budget:analysis", pk("budget_year"), ok=READERS, visible=READERS),
    Case("budget:analysis", pk("budget_year"), ok=READERS, visible=READERS,
         query="?export=xlsx"),
    Case("budget:analysis_account", _account("215.22.04"), ok=READERS, visible=READERS),
    Case("budget:analysis_account", _account("215.31.02"), ok=READERS, visible=READERS,
         query="?export=xlsx"),
    Case("budget:quarterly_report", pk("budget_year"), ok=READERS, visible=READERS),
    Case("budget:quarterly_report", pk("budget_year"), ok=READERS, visible=READERS,
         query="?trimestre=2&formato=xlsx"),
]  # fmt: skip


def populate(world) -> None:
    """Nothing of its own: the budget year and its accounts come from populate_base."""
