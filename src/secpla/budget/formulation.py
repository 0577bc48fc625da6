"""The budget year from formulation to its initial budget: the directorates' requests and
SECPLA's adjustments, the consolidated proposal and its balance, the Concejo calendar, the
transitions of the year (present, approve, close) and the initial amounts loaded by hand.

Rules:
- A request is filed, changed or withdrawn only while its year is «en formulación»; an
  Enlace only for its own directorate (core.services checks the scope).
- SECPLA (whoever may change the budget year) adjusts requests while the year is in
  formulation or in the Concejo; the proposal takes the adjustment, or else the request.
- The proposal and the initial budget are added up by subtítulo and ítem; they balance when
  total ingresos equal total gastos.
- Approving needs the Concejo agreement, its date and the decree, and a balanced budget. A
  year without initial amounts gets them from the proposal (grouped by account, área and
  program); one whose initial amounts were loaded by hand keeps them.
- After approval the initial budget changes only through modifications.
- The legal calendar (BudgetCalendar, dated) in force on 1 January of the year before the
  budget year (when it is prepared) gives the presentation window and the decide-by date;
  presenting outside the window is allowed, with a warning.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from secpla.budget import rules
from secpla.budget.models import (
    Account,
    BudgetCalendar,
    BudgetRequest,
    BudgetYear,
    ClassifierVersion,
    InitialAmount,
    Kind,
    Level,
    level_of,
)
from secpla.core import services as core_services
from secpla.core.audit import audit_context, clean_text
from secpla.core.money import format_clp, format_date
from secpla.core.permissions import can

Status = BudgetYear.Status
INITIAL_OPEN = (Status.FORMULATION, Status.COUNCIL)  # initial amounts loaded by hand
ADJUSTABLE = (Status.FORMULATION, Status.COUNCIL)  # SECPLA adjusts requests
DENIED = "No tiene permiso para realizar esta acción."


_require = core_services._require


# --------------------------------------------------------------------------------------
# Reads: amounts by subtítulo and ítem, the balance, the calendar
# --------------------------------------------------------------------------------------


@dataclass
class SummaryLine:
    """A subtítulo or an ítem with its amounts (one per column of the summary)."""

    code: str
    name: str
    level: str
    values: list[int]

    @property
    def is_subtitle(self) -> bool:
        return self.level == Level.SUBTITLE


@dataclass
class Summary:
    """Amounts of a budget year by subtítulo and ítem, ingresos and gastos. The last
    column is the one that must balance (the final proposal, or the initial amount)."""

    columns: tuple[str, ...]
    income: list[SummaryLine]
    expense: list[SummaryLine]

    def _total(self, lines: list[SummaryLine]) -> list[int]:
        return [
            sum(line.values[i] for line in lines if line.is_subtitle)
            for i in range(len(self.columns))
        ]

    @property
    def income_total(self) -> list[int]:
        return self._total(self.income)

    @property
    def expense_total(self) -> list[int]:
        return self._total(self.expense)

    @property
    def balance(self) -> rules.Balance:
        return rules.Balance(self.income_total[-1], self.expense_total[-1])

    @property
    def is_empty(self) -> bool:
        return not (self.income or self.expense)


def summarize(
    budget_year: BudgetYear, rows: Iterable[tuple[str, tuple[int, ...]]], columns: tuple[str, ...]
) -> Summary:
    """(account code, amounts) of any level → amounts by subtítulo and by ítem. An amount
    on an asignación counts in its ítem and subtítulo; one on a subtítulo only there."""
    sums: dict[str, list[int]] = defaultdict(lambda: [0] * len(columns))
    for code, values in rows:
        parts = code.split(".")
        for depth in (2, 3):
            if len(parts) >= depth:
                target = sums[".".join(parts[:depth])]
                for i, value in enumerate(values):
                    target[i] += value or 0
    names = dict(
        Account.objects.filter(version_id=budget_year.classifier_id, code__in=list(sums))
        .values_list("code", "name")
    )  # fmt: skip
    income, expense = [], []
    for code in sorted(sums):  # fixed-width segments: a subtítulo sorts before its ítems
        line = SummaryLine(code, names.get(code, ""), level_of(code), sums[code])
        (income if code.startswith("115") else expense).append(line)
    return Summary(columns, income, expense)


def proposal(budget_year: BudgetYear) -> Summary:
    """The consolidated proposal: every directorate's requests, requested and final."""
    rows = (
        BudgetRequest.objects.filter(budget_year=budget_year)
        .values_list("account__code")
        .annotate(
            total_requested=Sum("requested"), total_final=Sum(Coalesce("adjusted", "requested"))
        )
        .order_by()
    )
    return summarize(
        budget_year,
        ((code, (requested, final)) for code, requested, final in rows),
        ("Solicitado", "Propuesta final"),
    )


def initial_budget(budget_year: BudgetYear) -> Summary:
    rows = (
        InitialAmount.objects.filter(budget_year=budget_year)
        .values_list("account__code")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return summarize(budget_year, ((code, (total,)) for code, total in rows), ("Monto inicial",))


def balance_message(balance: rules.Balance, subject: str) -> str:
    """«El proyecto de presupuesto no cuadra: … (diferencia $ 1.234)» and its opposite."""
    if balance.ok:
        return f"{subject} cuadra: ingresos y gastos suman {format_clp(balance.income)}."
    larger = (
        "los gastos superan a los ingresos"
        if balance.difference < 0
        else "los ingresos superan a los gastos"
    )
    return (
        f"{subject} no cuadra: los ingresos suman {format_clp(balance.income)} y los gastos "
        f"{format_clp(balance.expense)} (diferencia {format_clp(abs(balance.difference))}: "
        f"{larger})."
    )


PROPOSAL = "El proyecto de presupuesto"
INITIAL = "El presupuesto inicial"


def calendar_for(budget_year: BudgetYear) -> BudgetCalendar | None:
    """The calendar in force on 1 January of the year the budget is prepared in."""
    return BudgetCalendar.in_force(dt.date(budget_year.year - 1, 1, 1))


@dataclass(frozen=True)
class Badge:
    text: str
    tone: str  # Bootstrap colour: success, warning, danger


@dataclass(frozen=True)
class CalendarStatus:
    calendar: BudgetCalendar
    present_from: dt.date
    present_until: dt.date
    decide_by: dt.date
    presentation: Badge
    decision: Badge


def calendar_status(budget_year: BudgetYear, today: dt.date) -> CalendarStatus | None:
    """Where the year stands against the legal calendar (None: no calendar in force)."""
    calendar = calendar_for(budget_year)
    if calendar is None:
        return None
    dates = calendar.deadlines(budget_year.year)
    start, end, decide_by = dates["present_from"], dates["present_until"], dates["decide_by"]
    presented = budget_year.presented_on
    if presented:
        inside = start <= presented <= end
        presentation = Badge(
            f"presentado el {format_date(presented)}" + ("" if inside else ", fuera de plazo"),
            "success" if inside else "warning",
        )
    elif today <= end:
        presentation = Badge("dentro de plazo", "success")
    else:
        presentation = Badge("plazo vencido", "danger")
    approved = budget_year.approved_on
    if approved:
        inside = approved < decide_by
        decision = Badge(
            f"aprobado el {format_date(approved)}" + ("" if inside else ", fuera de plazo"),
            "success" if inside else "warning",
        )
    elif today < decide_by:
        decision = Badge("dentro de plazo", "success")
    else:
        decision = Badge("plazo vencido", "danger")
    return CalendarStatus(calendar, start, end, decide_by, presentation, decision)


def presentation_warning(budget_year: BudgetYear, on: dt.date) -> str | None:
    """Why a presentation on `on` is outside the legal window (None: it is inside)."""
    calendar = calendar_for(budget_year)
    if calendar is None:
        return (
            "No hay un calendario presupuestario vigente: no se pudo verificar el plazo de "
            "presentación al Concejo."
        )
    dates = calendar.deadlines(budget_year.year)
    if dates["present_from"] <= on <= dates["present_until"]:
        return None
    return (
        f"Presentado el {format_date(on)}, fuera del plazo legal: el presupuesto "
        f"{budget_year.year} se presenta al Concejo entre el {format_date(dates['present_from'])}"
        f" y el {format_date(dates['present_until'])}."
    )


def presentation_warnings(budget_year: BudgetYear) -> list[str]:
    """What to tell the user after presenting: the calendar, and an unbalanced proposal."""
    found = []
    if budget_year.presented_on:
        late = presentation_warning(budget_year, budget_year.presented_on)
        if late:
            found.append(late)
    summary = initial_budget(budget_year) if budget_year.initial.exists() else None
    balance = summary.balance if summary else proposal(budget_year).balance
    if not balance.ok:
        subject = INITIAL if summary else PROPOSAL
        found.append(balance_message(balance, subject) + " No podrá aprobarse hasta que cuadre.")
    return found


# --------------------------------------------------------------------------------------
# Writes: the budget year and its transitions
# --------------------------------------------------------------------------------------


def budget_year_create(*, actor, budget_year: BudgetYear, reason: str = "") -> BudgetYear:
    """A new year in formulation, on the classifier of the same year."""
    _require(actor, "add", BudgetYear)
    if budget_year.year:
        classifier = ClassifierVersion.objects.filter(year=budget_year.year).first()
        if classifier is None:
            raise ValidationError(
                {
                    "year": f"No hay clasificador presupuestario para {budget_year.year}. "
                    "Copie primero el clasificador de un año anterior (Presupuesto → "
                    "Clasificadores por año → Copiar) y luego cree el presupuesto."
                }
            )
        budget_year.classifier = classifier
    budget_year.status = Status.FORMULATION
    budget_year.presented_on = budget_year.approved_on = None
    budget_year.approval_agreement = budget_year.approval_decree = ""
    return core_services.record_create(actor=actor, instance=budget_year, reason=reason)


def _check_year_record(budget_year: BudgetYear) -> None:
    """The dates and approval data a year's status requires."""
    errors = {}
    if budget_year.status == Status.FORMULATION and budget_year.presented_on:
        errors["presented_on"] = "Un presupuesto en formulación aún no se presenta al Concejo."
    if budget_year.status != Status.FORMULATION and not budget_year.presented_on:
        errors["presented_on"] = "Indique la fecha en que se presentó al Concejo."
    if budget_year.status in (Status.APPROVED, Status.CLOSED):
        if not budget_year.approval_agreement.strip():
            errors["approval_agreement"] = "Indique el número de acuerdo del Concejo."
        if not budget_year.approved_on:
            errors["approved_on"] = "Indique la fecha de aprobación."
        if not budget_year.approval_decree.strip():
            errors["approval_decree"] = "Indique el decreto alcaldicio."
    presented, approved = budget_year.presented_on, budget_year.approved_on
    if presented and approved and approved < presented:
        errors["approved_on"] = (
            "La aprobación no puede ser anterior a la presentación al Concejo "
            f"({format_date(presented)})."
        )
    if errors:
        raise ValidationError(errors)


def budget_year_update(*, actor, budget_year: BudgetYear, reason: str = "") -> BudgetYear:
    """Correct the presentation and approval data; the year, its classifier and its status
    change only through creation and the transitions."""
    _require(actor, "change", budget_year)
    previous = BudgetYear.objects.get(pk=budget_year.pk)
    fixed = ("year", "classifier_id", "status")
    if any(getattr(previous, name) != getattr(budget_year, name) for name in fixed):
        raise ValidationError(
            "El año, el clasificador y el estado no se editan: el estado cambia con las "
            "acciones de la página del presupuesto."
        )
    _check_year_record(budget_year)
    return core_services.record_update(actor=actor, instance=budget_year, reason=reason)


def _locked(budget_year: BudgetYear) -> BudgetYear:
    return BudgetYear.objects.select_for_update().get(pk=budget_year.pk)


def _wrong_status(budget_year: BudgetYear, action: str, needed: str) -> ValidationError:
    return ValidationError(
        f"Solo se {action} un presupuesto {needed}; el presupuesto {budget_year.year} está "
        f"«{budget_year.get_status_display()}»."
    )


def budget_year_present(
    *, actor, budget_year: BudgetYear, presented_on: dt.date | None, reason: str = ""
) -> BudgetYear:
    """Formulación → Concejo on the date the Alcalde presented it (outside the calendar
    window is allowed: see `presentation_warning`)."""
    with transaction.atomic():
        budget_year = _locked(budget_year)
        _require(actor, "change", budget_year)
        if budget_year.status != Status.FORMULATION:
            raise _wrong_status(budget_year, "presenta al Concejo", "en formulación")
        if presented_on is None:
            raise ValidationError("Indique la fecha de presentación al Concejo.")
        budget_year.status = Status.COUNCIL
        budget_year.presented_on = presented_on
        _check_year_record(budget_year)
        core_services.record_update(actor=actor, instance=budget_year, reason=reason)
    return budget_year


def _proposal_groups(budget_year: BudgetYear) -> tuple[dict[tuple, int], rules.Balance]:
    """Final amounts of the requests by (account, área, program), and their balance."""
    groups: dict[tuple, int] = defaultdict(int)
    income = expense = 0
    for account_id, area_id, program_id, kind, requested, adjusted in BudgetRequest.objects.filter(
        budget_year=budget_year
    ).values_list("account_id", "area_id", "program_id", "account__kind", "requested", "adjusted"):
        final = requested if adjusted is None else adjusted
        groups[(account_id, area_id, program_id)] += final
        if kind == Kind.INCOME:
            income += final
        else:
            expense += final
    return {key: amount for key, amount in groups.items() if amount}, rules.Balance(income, expense)


def budget_year_approve(
    *,
    actor,
    budget_year: BudgetYear,
    agreement: str,
    approved_on: dt.date | None,
    decree: str,
    reason: str = "",
) -> BudgetYear:
    """Concejo → aprobado. A balanced budget only; the initial amounts come from the
    proposal unless they were loaded by hand (then those are kept and checked)."""
    agreement, decree = clean_text(agreement), clean_text(decree)
    missing = [
        label
        for value, label in (
            (agreement, "el número de acuerdo del Concejo"),
            (approved_on, "la fecha de aprobación"),
            (decree, "el decreto alcaldicio"),
        )
        if not value
    ]
    if missing:
        listed = ", ".join(missing[:-1]) + (" y " if len(missing) > 1 else "") + missing[-1]
        raise ValidationError(f"Para aprobar el presupuesto indique {listed}.")
    with transaction.atomic():
        budget_year = _locked(budget_year)
        _require(actor, "change", budget_year)
        if budget_year.status != Status.COUNCIL:
            raise _wrong_status(budget_year, "aprueba", "que está en el Concejo")
        if budget_year.presented_on and approved_on < budget_year.presented_on:
            raise ValidationError(
                "La aprobación no puede ser anterior a la presentación al Concejo "
                f"({format_date(budget_year.presented_on)})."
            )
        if budget_year.initial.exists():
            balance = rules.Balance(**_initial_totals(budget_year))
            if not balance.ok:
                raise ValidationError(
                    balance_message(balance, INITIAL) + " Corrija los montos iniciales."
                )
        else:
            groups, balance = _proposal_groups(budget_year)
            if not groups:
                raise ValidationError(
                    "El proyecto de presupuesto no tiene montos: registre las solicitudes o "
                    "cargue el presupuesto inicial antes de aprobarlo."
                )
            if not balance.ok:
                raise ValidationError(
                    balance_message(balance, PROPOSAL) + " Ajuste las solicitudes para que cuadre."
                )
            _require(actor, "add", InitialAmount)
            with audit_context(user=actor, reason=reason):
                for (account_id, area_id, program_id), amount in sorted(
                    groups.items(), key=lambda item: tuple(v or 0 for v in item[0])
                ):
                    row = InitialAmount(
                        budget_year=budget_year, account_id=account_id, area_id=area_id,
                        program_id=program_id, amount=amount,
                    )  # fmt: skip
                    row.full_clean()
                    row.save()
        budget_year.status = Status.APPROVED
        budget_year.approval_agreement = agreement
        budget_year.approved_on = approved_on
        budget_year.approval_decree = decree
        _check_year_record(budget_year)
        core_services.record_update(actor=actor, instance=budget_year, reason=reason)
    return budget_year


def _initial_totals(budget_year: BudgetYear) -> dict[str, int]:
    totals = rules.totals_by_kind(budget_year)
    return {"income": totals[Kind.INCOME], "expense": totals[Kind.EXPENSE]}


def budget_year_close(
    *, actor, budget_year: BudgetYear, reason: str = "", today: dt.date | None = None
) -> BudgetYear:
    """Aprobado → cerrado, once the year is over (closing is final: no more modifications
    or execution imports)."""
    today = today or timezone.localdate()
    with transaction.atomic():
        budget_year = _locked(budget_year)
        _require(actor, "change", budget_year)
        if budget_year.status != Status.APPROVED:
            raise _wrong_status(budget_year, "cierra", "aprobado")
        if today <= dt.date(budget_year.year, 12, 31):
            raise ValidationError(
                f"El presupuesto {budget_year.year} se cierra cuando termina el año, desde el "
                f"01-01-{budget_year.year + 1}."
            )
        budget_year.status = Status.CLOSED
        core_services.record_update(actor=actor, instance=budget_year, reason=reason)
    return budget_year


def budget_year_delete(*, actor, budget_year: BudgetYear, reason: str = "") -> None:
    """Only a year still in formulation (an approved budget is a legal record)."""
    _require(actor, "delete", budget_year)
    budget_year = _current(budget_year)
    if budget_year.status != Status.FORMULATION:
        raise ValidationError(
            f"No se puede eliminar: el presupuesto {budget_year.year} está "
            f"«{budget_year.get_status_display()}». Solo se elimina un presupuesto en formulación."
        )
    core_services.record_delete(actor=actor, instance=budget_year, reason=reason)


# --------------------------------------------------------------------------------------
# Writes: the directorates' requests and SECPLA's adjustment
# --------------------------------------------------------------------------------------


def _current(budget_year: BudgetYear | None) -> BudgetYear | None:
    """The year as stored now: a status check must not trust an instance read earlier."""
    return None if budget_year is None else BudgetYear.objects.get(pk=budget_year.pk)


def _check_request_year(budget_year: BudgetYear | None) -> None:
    budget_year = _current(budget_year)
    if budget_year is not None and budget_year.status != Status.FORMULATION:
        raise ValidationError(
            {
                "budget_year": f"El presupuesto {budget_year.year} está "
                f"«{budget_year.get_status_display()}»: las solicitudes se registran y "
                "modifican solo mientras está en formulación."
            }
        )


def budget_request_create(
    *, actor, budget_request: BudgetRequest, reason: str = ""
) -> BudgetRequest:
    _require(actor, "add", BudgetRequest)
    _check_request_year(budget_request.budget_year if budget_request.budget_year_id else None)
    # Only `budget_request_adjust` sets SECPLA's adjustment.
    budget_request.adjusted, budget_request.adjustment_note = None, ""
    return core_services.record_create(actor=actor, instance=budget_request, reason=reason)


def budget_request_update(
    *, actor, budget_request: BudgetRequest, reason: str = ""
) -> BudgetRequest:
    previous = BudgetRequest.objects.select_related("budget_year").get(pk=budget_request.pk)
    _require(actor, "change", previous)
    _check_request_year(previous.budget_year)
    _check_request_year(budget_request.budget_year if budget_request.budget_year_id else None)
    budget_request.adjusted = previous.adjusted
    budget_request.adjustment_note = previous.adjustment_note
    return core_services.record_update(actor=actor, instance=budget_request, reason=reason)


def budget_request_delete(*, actor, budget_request: BudgetRequest, reason: str = "") -> None:
    _require(actor, "delete", budget_request)
    _check_request_year(budget_request.budget_year)
    core_services.record_delete(actor=actor, instance=budget_request, reason=reason)


def budget_request_adjust(
    *, actor, budget_request: BudgetRequest, adjusted: int | None, note: str, reason: str = ""
) -> BudgetRequest:
    """SECPLA's adjustment of a request (None: take the request as filed). Needs `change` on
    the budget year, a year not yet approved and, for an adjustment, its reason."""
    note = clean_text(note)
    with transaction.atomic():
        budget_request = (
            BudgetRequest.objects.select_for_update()
            .select_related("budget_year")
            .get(pk=budget_request.pk)
        )
        budget_year = budget_request.budget_year
        if not (can(actor, "view", budget_request) and can(actor, "change", budget_year)):
            raise PermissionDenied(DENIED)
        if budget_year.status not in ADJUSTABLE:
            raise ValidationError(
                f"El presupuesto {budget_year.year} está «{budget_year.get_status_display()}»: "
                "las solicitudes ya no se ajustan."
            )
        if adjusted is not None and adjusted < 0:
            raise ValidationError({"adjusted": "El monto no puede ser negativo."})
        if adjusted is not None and not note:
            raise ValidationError({"adjustment_note": "Indique el motivo del ajuste."})
        budget_request.adjusted = adjusted
        budget_request.adjustment_note = note if adjusted is not None else ""
        budget_request.full_clean()
        with audit_context(user=actor, reason=reason):
            budget_request.save()
    return budget_request


# --------------------------------------------------------------------------------------
# Writes: initial amounts loaded by hand
# --------------------------------------------------------------------------------------


def _check_initial_open(budget_year: BudgetYear | None) -> None:
    budget_year = _current(budget_year)
    if budget_year is not None and budget_year.status not in INITIAL_OPEN:
        raise ValidationError(
            {
                "budget_year": f"El presupuesto {budget_year.year} está "
                f"«{budget_year.get_status_display()}»: después de la aprobación el presupuesto "
                "inicial cambia solo mediante modificaciones presupuestarias."
            }
        )


def initial_amount_create(*, actor, initial: InitialAmount, reason: str = "") -> InitialAmount:
    _require(actor, "add", InitialAmount)
    _check_initial_open(initial.budget_year if initial.budget_year_id else None)
    return core_services.record_create(actor=actor, instance=initial, reason=reason)


def initial_amount_update(*, actor, initial: InitialAmount, reason: str = "") -> InitialAmount:
    previous = InitialAmount.objects.select_related("budget_year").get(pk=initial.pk)
    _require(actor, "change", previous)
    _check_initial_open(previous.budget_year)
    _check_initial_open(initial.budget_year if initial.budget_year_id else None)
    return core_services.record_update(actor=actor, instance=initial, reason=reason)


def initial_amount_delete(*, actor, initial: InitialAmount, reason: str = "") -> None:
    _require(actor, "delete", initial)
    _check_initial_open(initial.budget_year)
    core_services.record_delete(actor=actor, instance=initial, reason=reason)
