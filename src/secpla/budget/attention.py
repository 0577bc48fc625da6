"""Home-page item of the budget module: the execution alerts of the current year's budget
(obligado above vigente, low investment execution), for those who can read the budget.

Only once the year has imported execution: before that there is nothing to evaluate.
Register with `core.selectors.register_attention(attention.execution_alert_items)`.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from secpla.budget import selectors
from secpla.budget.models import BudgetYear, ExecutionMonth
from secpla.core.money import MONTHS_ES
from secpla.core.permissions import scope_for
from secpla.core.selectors import AttentionItem


def _count(n: int, singular: str, plural: str) -> str:
    return f"{n} {singular if n == 1 else plural}"


def execution_alert_items(user, today: dt.date) -> list[AttentionItem]:
    if scope_for(user, BudgetYear, "view") is None:
        return []
    budget_year = BudgetYear.objects.for_user(user, "view").filter(year=today.year).first()
    if budget_year is None or not ExecutionMonth.objects.filter(budget_year=budget_year).exists():
        return []
    table = selectors.execution_table(budget_year)
    found = selectors.alerts(table)
    if not found:
        return []
    danger = sum(1 for alert in found if alert.level == "danger")
    warning = len(found) - danger
    parts = []
    if danger:
        parts.append(_count(danger, "cuenta con obligado sobre el vigente",
                            "cuentas con obligado sobre el vigente"))  # fmt: skip
    if warning:
        parts.append("baja ejecución de la inversión")
    month = f"{MONTHS_ES[table.month - 1]} de {budget_year.year}"
    return [
        AttentionItem(
            "danger" if danger else "warning",
            f"Presupuesto {budget_year.year}: "
            f"{_count(len(found), 'alerta', 'alertas')} de ejecución a {month} "
            f"({' y '.join(parts)}).",
            reverse("budget:analysis", args=[budget_year.pk]),
        )
    ]
