"""Budget rules as plain functions: the balance of a modification, whether it needs a
Concejo agreement, and the presupuesto vigente of an account on a date.

- Balance: a modification must change ingresos and gastos by the same net amount (moving
  money between gasto accounts nets 0 on both sides; new income funds new expenditure).
- Agreement (AgreementRule, dated, source CGR Dictamen 9.910/2007): needed when the net
  total of any subtítulo or ítem changes (the levels the rule lists), or when any line
  touches an account under one of the rule's prefixes (investment, subsidies). Moving money
  between asignaciones of the same ítem (the Alcalde's desagregaciones) does not need it.
- Vigente of an account on a date = its initial amount (and its sub-accounts') + the lines
  of modifications approved on or before that date, on it or below it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Sum

from secpla.budget.models import (
    AgreementRule,
    BudgetYear,
    InitialAmount,
    Kind,
    Modification,
    ModificationLine,
)
from secpla.core.money import format_clp


@dataclass(frozen=True)
class Balance:
    income: int
    expense: int

    @property
    def difference(self) -> int:
        return self.income - self.expense

    @property
    def ok(self) -> bool:
        return self.difference == 0

    def message(self) -> str:
        if self.ok:
            return "La modificación cuadra: ingresos y gastos cambian en lo mismo."
        return (
            f"La modificación no cuadra: los ingresos cambian en {format_clp(self.income)} y "
            f"los gastos en {format_clp(self.expense)} (diferencia "
            f"{format_clp(abs(self.difference))})."
        )


def balance(lines: list[tuple[str, int]]) -> Balance:
    """(account code, amount) pairs → net change of ingresos and of gastos."""
    income = sum(amount for code, amount in lines if code.startswith("115"))
    expense = sum(amount for code, amount in lines if code.startswith("215"))
    return Balance(income, expense)


def _prefix(code: str, parts: int) -> str:
    return ".".join(code.split(".")[:parts])


LEVEL_PARTS = {"subtitulo": 2, "item": 3}


def agreement_reasons(lines: list[tuple[str, int]], rule: AgreementRule | None) -> list[str]:
    """Why a modification needs a Concejo agreement (empty: it does not)."""
    if rule is None:
        return ["No hay una regla vigente: se asume que requiere acuerdo del Concejo."]
    reasons = []
    for level in rule.level_list:
        parts = LEVEL_PARTS.get(level)
        if parts is None:
            continue
        totals: dict[str, int] = defaultdict(int)
        for code, amount in lines:
            totals[_prefix(code, parts)] += amount
        changed = sorted(prefix for prefix, total in totals.items() if total != 0)
        if changed:
            label = "subtítulo" if level == "subtitulo" else "ítem"
            reasons.append(f"Cambia el total de {label} {', '.join(changed)}.")
    touched = sorted(
        {prefix for prefix in rule.prefix_list for code, _ in lines if code.startswith(prefix)}
    )
    if touched:
        reasons.append(f"Afecta cuentas que siempre requieren acuerdo: {', '.join(touched)}.")
    return reasons


def modification_lines(modification: Modification) -> list[tuple[str, int]]:
    return list(modification.lines.values_list("account__code", "amount"))


def vigente(budget_year: BudgetYear, code: str, on: dt.date) -> int:
    """The presupuesto vigente of `code` (with everything below it) on `on`."""
    subtree = rf"^{re.escape(code)}(\.|$)"
    initial = InitialAmount.objects.filter(budget_year=budget_year, account__code__regex=subtree)
    changes = ModificationLine.objects.filter(
        modification__budget_year=budget_year,
        modification__status=Modification.Status.APPROVED,
        modification__approved_on__lte=on,
        account__code__regex=subtree,
    )
    return (initial.aggregate(total=Sum("amount"))["total"] or 0) + (
        changes.aggregate(total=Sum("amount"))["total"] or 0
    )


def totals_by_kind(budget_year: BudgetYear) -> dict[str, int]:
    """Initial ingresos and gastos, counting leaf amounts only once."""
    rows = InitialAmount.objects.filter(budget_year=budget_year).values_list(
        "account__kind", "amount"
    )
    result = {Kind.INCOME: 0, Kind.EXPENSE: 0}
    for kind, amount in rows:
        result[kind] += amount
    return result
