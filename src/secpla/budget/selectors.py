"""Reads of the budget: the execution table by account at every level, month by month, and
its alerts. Screens, exports, the quarterly report and the project page all read here.

Rules (docs/decisions/0013):
- **Vigente** of an account on a date = initial amounts + lines of modifications approved
  on or before that date, on the account and everything below it (as `rules.vigente`, for
  the whole classifier at once).
- **Execution** of a month is cumulative (the accounting system's figures to the month's
  end). A month without an import takes the latest imported month before it.
- The import accepts rows of any level. For each account, a reported figure wins; an
  account without one adds up its children (so a parent and its children are never added
  together). Where a reported parent disagrees with the sum of its children the line says
  so (`mismatch`).
- % obligado and % devengado are over the vigente, rounded half up to one decimal; none
  when the vigente is 0.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum

from secpla.budget.models import (
    Account,
    AlertRule,
    BudgetYear,
    ExecutionMonth,
    ExecutionRow,
    InitialAmount,
    Kind,
    Modification,
    ModificationLine,
    parent_code,
)
from secpla.core.money import MONTHS_ES, format_clp

AMOUNTS = ("obligated", "accrued", "paid", "collected")


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def percent(part: int | None, whole: int) -> Decimal | None:
    if part is None or not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass
class Line:
    """One account of the execution table (any level)."""

    pk: int
    code: str
    name: str
    kind: str
    level: str
    parent_code: str | None
    initial: int = 0
    modified: int = 0
    obligated: int | None = None
    accrued: int | None = None
    paid: int | None = None
    collected: int | None = None
    mismatch: list[str] = field(default_factory=list)  # amounts whose children disagree
    has_children: bool = False

    @property
    def vigente(self) -> int:
        return self.initial + self.modified

    @property
    def pct_obligated(self) -> Decimal | None:
        return percent(self.obligated, self.vigente)

    @property
    def pct_accrued(self) -> Decimal | None:
        return percent(self.accrued, self.vigente)

    @property
    def pct_collected(self) -> Decimal | None:
        return percent(self.collected, self.vigente)

    @property
    def depth(self) -> int:
        return self.code.count(".") - 1

    @property
    def is_empty(self) -> bool:
        return not (self.initial or self.modified) and all(
            getattr(self, name) in (None, 0) for name in AMOUNTS
        )


@dataclass
class Table:
    budget_year: BudgetYear
    on: dt.date  # vigente as of this date
    month: int | None  # execution of this imported month (None: nothing imported yet)
    lines: dict[str, Line]  # by code, every account of the classifier
    has_execution: bool = True  # False when narrowed by área/program (budget only)
    execution: ExecutionMonth | None = None  # the import of `month`, with who imported it

    def get(self, code: str) -> Line | None:
        return self.lines.get(code)

    def level(self, *levels: str, kind: str | None = None) -> list[Line]:
        return [
            line
            for line in self.lines.values()
            if line.level in levels and (kind is None or line.kind == kind)
        ]

    def children(self, code: str) -> list[Line]:
        return [line for line in self.lines.values() if line.parent_code == code]

    def total(self, kind: str) -> Line:
        """The sum of the subtítulos of one kind, as a line of its own."""
        code = "115" if kind == Kind.INCOME else "215"
        total = Line(0, code, "Total ingresos" if kind == Kind.INCOME else "Total gastos",
                     kind, "total", None)  # fmt: skip
        for line in self.level("subtitulo", kind=kind):
            total.initial += line.initial
            total.modified += line.modified
            for name in AMOUNTS:
                value = getattr(line, name)
                if value is not None:
                    setattr(total, name, (getattr(total, name) or 0) + value)
        return total


def latest_month(budget_year: BudgetYear, up_to: int | None = None) -> int | None:
    months = ExecutionMonth.objects.filter(budget_year=budget_year)
    if up_to is not None:
        months = months.filter(month__lte=up_to)
    return months.order_by("-month").values_list("month", flat=True).first()


def _accounts(budget_year: BudgetYear) -> dict[str, Line]:
    lines = {}
    for pk, code, name, kind, level in (
        Account.objects.filter(version_id=budget_year.classifier_id)
        .order_by("code")
        .values_list("pk", "code", "name", "kind", "level")
    ):
        lines[code] = Line(pk, code, name, kind, level, parent_code(code))
    for line in lines.values():
        if line.parent_code in lines:
            lines[line.parent_code].has_children = True
    return lines


def _ancestors(code: str):
    parts = code.split(".")
    for end in range(len(parts) - 1, 1, -1):
        yield ".".join(parts[:end])


def _add_budget(lines: dict[str, Line], budget_year: BudgetYear, on: dt.date, **filters) -> None:
    """Initial amounts and approved modifications (on or before `on`), added to each account
    and all its ancestors. `filters` narrow both by área or program."""
    initial = (
        InitialAmount.objects.filter(budget_year=budget_year, **filters)
        .values_list("account__code")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    changes = (
        ModificationLine.objects.filter(
            modification__budget_year=budget_year,
            modification__status=Modification.Status.APPROVED,
            modification__approved_on__lte=on,
            **filters,
        )
        .values_list("account__code")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for attr, rows in (("initial", initial), ("modified", changes)):
        for code, total in rows:
            for target in (code, *_ancestors(code)):
                if target in lines:
                    setattr(lines[target], attr, getattr(lines[target], attr) + total)


def _roll_up_execution(lines: dict[str, Line], reported: dict[str, tuple]) -> None:
    """Reported figures win; accounts without one add up their children (deepest first)."""
    for code, values in reported.items():
        if code in lines:
            for name, value in zip(AMOUNTS, values, strict=True):
                setattr(lines[code], name, value)
    sums: dict[str, dict[str, int]] = defaultdict(dict)
    for code in sorted(lines, key=lambda c: -c.count(".")):
        line = lines[code]
        own = sums.get(code, {})
        for name in AMOUNTS:
            if code in reported:
                if (
                    name in own
                    and getattr(line, name) is not None
                    and own[name] != getattr(line, name)
                ):
                    line.mismatch.append(name)
            elif name in own:
                setattr(line, name, own[name])
        if line.parent_code:
            parent = sums[line.parent_code]
            for name in AMOUNTS:
                value = getattr(line, name)
                if value is not None:
                    parent[name] = parent.get(name, 0) + value


def _reported(month: ExecutionMonth | int | None) -> dict[str, tuple]:
    if month is None:
        return {}
    return {
        code: values
        for code, *values in ExecutionRow.objects.filter(month=month).values_list(
            "account__code", *AMOUNTS
        )
    }


def execution_table(
    budget_year: BudgetYear,
    *,
    month: int | None = None,
    on: dt.date | None = None,
    area=None,
    program=None,
) -> Table:
    """Every account with its vigente and its execution.

    `month`: the execution month (default: the latest imported); the latest import on or
    before it is used. `on`: the date of the vigente (default: the end of that month, or
    31 December when nothing is imported). With `area` or `program` only the budget is
    narrowed: the accounting system reports execution by account, not by área.
    """
    imports = ExecutionMonth.objects.filter(budget_year=budget_year).select_related("imported_by")
    if month is not None:
        imports = imports.filter(month__lte=month)
    execution = imports.order_by("-month").first()
    used = execution.month if execution else None
    if on is None:
        shown = month or used
        on = month_end(budget_year.year, shown) if shown else dt.date(budget_year.year, 12, 31)
    lines = _accounts(budget_year)
    filters = {}
    if program is not None:
        filters["program"] = program
    elif area is not None:
        filters["area"] = area
    _add_budget(lines, budget_year, on, **filters)
    if not filters:
        _roll_up_execution(lines, _reported(execution))
    return Table(budget_year, on, used, lines, has_execution=not filters, execution=execution)


@dataclass
class MonthPoint:
    month: int
    imported: bool
    vigente: int
    obligated: int | None
    accrued: int | None
    paid: int | None
    collected: int | None


def monthly(budget_year: BudgetYear, code: str) -> list[MonthPoint]:
    """Month by month for one account: the vigente at each month's end and the execution of
    each imported month (a month not imported shows no execution)."""
    imported = dict(
        ExecutionMonth.objects.filter(budget_year=budget_year).values_list("month", "pk")
    )
    accounts = _accounts(budget_year)
    subtree = {c: line for c, line in accounts.items() if c == code or c.startswith(code + ".")}
    points = []
    for month in range(1, 13):
        lines = {c: Line(**{**line.__dict__, "mismatch": []}) for c, line in subtree.items()}
        _add_budget(lines, budget_year, month_end(budget_year.year, month))
        line = lines[code]
        if month in imported:
            reported = {c: values for c, values in _reported(imported[month]).items() if c in lines}
            _roll_up_execution(lines, reported)
        points.append(
            MonthPoint(
                month,
                month in imported,
                line.vigente,
                line.obligated,
                line.accrued,
                line.paid,
                line.collected,
            )
        )
    return points


@dataclass(frozen=True)
class Alert:
    level: str  # "danger" or "warning"
    code: str
    text: str


def alerts(table: Table, rule: AlertRule | None = None) -> list[Alert]:
    """Obligado above vigente (any gasto account); low devengado of investment after the
    rule's month (AlertRule in force at the table's date)."""
    found = []
    for line in table.lines.values():
        if (
            line.kind == Kind.EXPENSE
            and line.obligated is not None
            and line.obligated > line.vigente
            and not _budgeted_above(table, line)
        ):
            found.append(
                Alert(
                    "danger",
                    line.code,
                    f"{line.code} {line.name}: obligado {format_clp(line.obligated)} supera "
                    f"el vigente {format_clp(line.vigente)}.",
                )
            )
    rule = rule or AlertRule.in_force(table.on)
    if rule and table.month and table.month >= rule.from_month and table.has_execution:
        line = table.get(rule.investment_prefix)
        if line is not None and line.vigente > 0:
            pct = line.pct_accrued or Decimal(0)
            if pct < rule.min_accrued_percent:
                year = table.budget_year.year
                found.append(
                    Alert(
                        "warning",
                        line.code,
                        f"{line.code} {line.name}: devengado {format_percent(pct)} del vigente "
                        f"a {MONTHS_ES[table.month - 1]} de {year}, bajo el mínimo de "
                        f"{format_percent(rule.min_accrued_percent)} desde "
                        f"{MONTHS_ES[rule.from_month - 1]}.",
                    )
                )
    return found


def _budgeted_above(table: Table, line: Line) -> bool:
    """An account with no budget of its own under a budgeted parent: the budget sits on the
    parent, so obligado is compared there (the parent adds up its children)."""
    if line.vigente:
        return False
    parent = table.get(line.parent_code) if line.parent_code else None
    while parent is not None:
        if parent.vigente:
            return True
        parent = table.get(parent.parent_code) if parent.parent_code else None
    return False


def format_percent(value: Decimal | None) -> str:
    """Decimal('16.7') -> '16,7 %' (Chilean decimal comma); '—' for none."""
    if value is None:
        return "—"
    return f"{value:.1f}".replace(".", ",") + " %"
