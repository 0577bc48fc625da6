"""The budget module's initial grants (applied once to each role; see core.roles)."""

from __future__ import annotations

from secpla.core.roles import FULL, READ, grant_list

BUDGET = [
    "budget.BudgetYear",
    "budget.InitialAmount",
    "budget.Modification",
    "budget.ModificationLine",
]
REFERENCE = ["budget.ClassifierVersion", "budget.Account", "budget.AgreementRule"]

GRANTS: dict[str, list[tuple[str, str, str]]] = {
    # Control y Presupuesto keeps the budget; the Director follows and can do everything.
    "director_secpla": grant_list([*BUDGET, *REFERENCE], FULL),
    "control_presupuesto": [*grant_list(BUDGET, FULL), *grant_list(REFERENCE, READ)],
    **{
        role: grant_list([*BUDGET, *REFERENCE], READ)
        for role in (
            "estudios",
            "licitaciones",
            "asesor_urbanista",
            "alcaldia",
            "administrador_municipal",
            "concejal",
        )
    },
    "admin_sistema": grant_list(REFERENCE, FULL),
}
