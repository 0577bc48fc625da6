"""The budget module's initial grants (applied once to each role; see core.roles)."""

from __future__ import annotations

from secpla.core.roles import FULL, OWN, READ, grant_list

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

# Second set (formulation, programs, calendars, alerts, project links). A new set name,
# because sets already applied to a deployed role are never re-applied (core.roles).
PLANNING = ["budget.Program", "budget.BudgetRequest", "budget.AccountProject"]
CONFIG = ["budget.ManagementArea", "budget.BudgetCalendar", "budget.AlertRule"]

FORMULATION_GRANTS: dict[str, list[tuple[str, str, str]]] = {
    "director_secpla": grant_list([*PLANNING, *CONFIG], FULL),
    "control_presupuesto": [
        *grant_list(PLANNING, FULL),
        *grant_list(["budget.AlertRule"], FULL),
        *grant_list(["budget.ManagementArea", "budget.BudgetCalendar"], READ),
    ],
    # Estudios keeps the portfolio, so it also links projects to their budget lines.
    "estudios": [
        *grant_list(["budget.Program", "budget.BudgetRequest", *CONFIG], READ),
        *grant_list(["budget.AccountProject"], FULL),
    ],
    # A directorate's liaison requests its directorate's budget and reads the rest.
    "enlace_direccion": [
        *grant_list([*BUDGET, *REFERENCE, "budget.Program", "budget.AccountProject"], READ),
        *grant_list(CONFIG, READ),
        *grant_list(["budget.BudgetRequest"], FULL, OWN),
    ],
    **{
        role: grant_list([*PLANNING, *CONFIG], READ)
        for role in (
            "licitaciones",
            "asesor_urbanista",
            "alcaldia",
            "administrador_municipal",
            "concejal",
        )
    },
    "admin_sistema": grant_list(CONFIG, FULL),
}
