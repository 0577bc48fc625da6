"""Budget screens: the budget year (its page with tabs and the transitions to the Concejo,
approval and closing), the directorates' requests with SECPLA's adjustment, the initial
amounts loaded by hand, and the municipal programs. Writes go through budget.formulation."""

from __future__ import annotations

import io
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from secpla.budget import formulation
from secpla.budget.filters_year import (
    BudgetRequestFilterSet,
    BudgetYearFilterSet,
    InitialAmountFilterSet,
    ProgramFilterSet,
)
from secpla.budget.forms_year import (
    ApproveForm,
    BudgetRequestAdjustForm,
    BudgetRequestForm,
    BudgetYearCreateForm,
    BudgetYearEditForm,
    CloseForm,
    InitialAmountForm,
    PresentForm,
    ProgramForm,
)
from secpla.budget.models import (
    BudgetRequest,
    BudgetYear,
    InitialAmount,
    Kind,
    Level,
    Modification,
    Program,
)
from secpla.core import generic
from secpla.core.audit import clean_text
from secpla.core.money import format_clp, format_date
from secpla.core.permissions import can, scope_for
from secpla.core.templatetags.secpla import field_value
from secpla.core.urls import crud

Status = BudgetYear.Status


def final_sum(**kwargs) -> Sum:
    """The proposal's amount of requests: SECPLA's adjustment, or else the request."""
    return Sum(Coalesce("adjusted", "requested"), **kwargs)


def by_kind(**sums) -> dict:
    """Aggregates of ingresos and gastos apart: {"income_<name>": …, "expense_<name>": …}."""
    result = {}
    for prefix, kind in (("income", Kind.INCOME), ("expense", Kind.EXPENSE)):
        for name, make in sums.items():
            result[f"{prefix}_{name}"] = make(filter=Q(account__kind=kind))
    return result


# --------------------------------------------------------------------------------------
# Shared pieces
# --------------------------------------------------------------------------------------


def record_fields(obj, names, money=()) -> list[tuple[str, object]]:
    """(label, value) rows of a detail page, with pesos as $ 1.234.567."""
    rows = []
    for name in names:
        label = obj._meta.get_field(name).verbose_name
        value = getattr(obj, name) if name in money else field_value(obj, name)
        rows.append((label, format_clp(value) if name in money else value))
    return rows


def prefilled_kwargs(self) -> dict:
    """Form kwargs: the user, and for a new record ?budget_year= and ?program= from the
    links of the year and program pages."""
    kwargs = {"user": self.request.user}
    if self.is_new():
        initial = {}
        for name in ("budget_year", "program"):
            value = self.request.GET.get(name, "")
            if value.isdigit() and len(value) < 10:
                initial[name] = int(value)
        kwargs["initial"] = initial
    return kwargs


class ServiceFormView(generic.RecordFormView):
    """Create and edit through the named services of budget.formulation."""

    create_service = None  # staticmethod(service(*, actor, <record_arg>, reason))
    update_service = None
    record_arg = ""
    form_kwargs = prefilled_kwargs

    def save(self, obj, form, *, creating, reason):
        service = self.create_service if creating else self.update_service
        service(actor=self.request.user, reason=reason, **{self.record_arg: obj})
        self.saved = obj

    def success_url(self, obj) -> str:
        return obj.get_absolute_url()

    def post(self, request, *args, **kwargs):
        self.saved = None
        response = super().post(request, *args, **kwargs)
        if isinstance(response, HttpResponseRedirect) and self.saved is not None:
            return redirect(self.success_url(self.saved))
        return response


class ServiceDeleteView(generic.RecordDeleteView):
    """Delete through a named service (which may refuse, in Spanish)."""

    delete_service = None
    record_arg = ""

    def success_url(self, obj) -> str:
        return reverse(f"{self.url_prefix}_list")

    def post(self, request, *args, **kwargs):
        obj = self.get_target()
        target, label = self.success_url(obj), str(obj)
        reason = clean_text(request.POST.get("change_reason", ""))[:500]
        try:
            self.delete_service(actor=request.user, reason=reason, **{self.record_arg: obj})
        except ValidationError as exc:
            return self.render_to_response(
                {**self.base_context(), "object": obj, "error": " ".join(exc.messages)}
            )
        messages.success(request, f"Se eliminó {self.opts().verbose_name}: {label}.")
        return redirect(target)


def _kind_total(model, amount, kind: str):
    """Sum of `amount` of a year's rows of one kind (ingresos or gastos), for annotations."""
    rows = (
        model.objects.filter(budget_year=OuterRef("pk"), account__kind=kind)
        .order_by()
        .values("budget_year")
        .annotate(total=Sum(amount))
        .values("total")
    )
    return Coalesce(Subquery(rows), 0)


# --------------------------------------------------------------------------------------
# Budget years: list, page with tabs, create/edit, delete
# --------------------------------------------------------------------------------------

YEAR_TABS = [
    ("datos", "Datos"),
    ("formulacion", "Formulación"),
    ("inicial", "Presupuesto inicial"),
    ("programas", "Programas"),
    ("modificaciones", "Modificaciones"),
    ("documentos", "Documentos"),
    ("historial", "Historial"),
]
SUMMARY_TABS = {"formulacion", "inicial"}


class BudgetYearListView(generic.RecordListView):
    """Years with their initial budget and, while in formulation, their proposal."""

    model = BudgetYear
    url_prefix = "budget:budgetyear"
    title_plural = "Presupuestos anuales"
    filterset_class = BudgetYearFilterSet
    columns = [
        ("year", "Año"),
        ("status", "Estado"),
        ("initial_income", "Inicial: ingresos ($)"),
        ("initial_expense", "Inicial: gastos ($)"),
        ("proposal_income", "Proyecto: ingresos ($)"),
        ("proposal_expense", "Proyecto: gastos ($)"),
    ]
    export_columns = [
        *columns,
        ("presented_on", "Presentado al Concejo"),
        ("approval_agreement", "N° de acuerdo"),
        ("approved_on", "Fecha de aprobación"),
        ("approval_decree", "Decreto alcaldicio"),
    ]
    money_columns = ("initial_income", "initial_expense", "proposal_income", "proposal_expense")

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .annotate(
                initial_income=_kind_total(InitialAmount, "amount", Kind.INCOME),
                initial_expense=_kind_total(InitialAmount, "amount", Kind.EXPENSE),
                proposal_income=_kind_total(
                    BudgetRequest, Coalesce("adjusted", "requested"), Kind.INCOME
                ),
                proposal_expense=_kind_total(
                    BudgetRequest, Coalesce("adjusted", "requested"), Kind.EXPENSE
                ),
            )
        )


class BudgetYearDetailView(generic.RecordDetailView):
    model = BudgetYear
    url_prefix = "budget:budgetyear"
    title_plural = "Presupuestos anuales"
    template_name = "budget/budgetyear_detail.html"
    fields = ["year", "classifier", "status"]

    def get_object(self):
        return get_object_or_404(
            self.visible("view").select_related("classifier"), pk=self.kwargs["pk"]
        )

    def get(self, request, *args, **kwargs):
        tab = request.GET.get("tab")
        if request.GET.get("export") == "xlsx" and tab in SUMMARY_TABS:
            return summary_xlsx(self.get_object(), tab)
        return super().get(request, *args, **kwargs)

    def extra_context_for(self, budget_year):
        return year_context(self.request, budget_year, self.request.GET.get("tab", "datos"))


def year_context(request, budget_year: BudgetYear, tab: str) -> dict:
    user = request.user
    status = budget_year.status
    may_change = can(user, "change", budget_year)
    context = {
        "tabs": YEAR_TABS,
        "can_delete": can(user, "delete", budget_year) and status == Status.FORMULATION,
    }
    if tab in ("datos", "") or tab not in dict(YEAR_TABS):
        initial_count = budget_year.initial.count()
        has_initial = initial_count > 0
        summary = (
            formulation.initial_budget(budget_year)
            if has_initial
            else formulation.proposal(budget_year)
        )
        subject = formulation.INITIAL if has_initial else formulation.PROPOSAL
        today = timezone.localdate()
        context.update(
            {
                "calendar": formulation.calendar_status(budget_year, today),
                "has_initial": has_initial,
                "balance": summary.balance,
                "balance_text": formulation.balance_message(summary.balance, subject),
                "request_count": budget_year.requests.count(),
                "initial_count": initial_count,
            }
        )
        if may_change:
            if status == Status.FORMULATION:
                context["present_form"] = PresentForm(initial={"presented_on": today})
            elif status == Status.COUNCIL:
                context["approve_form"] = ApproveForm(initial={"approved_on": today})
            elif status == Status.APPROVED:
                context["close_form"] = CloseForm()
    elif tab == "formulacion":
        summary = formulation.proposal(budget_year)
        context.update(
            {
                "summary": summary,
                "balance_text": formulation.balance_message(summary.balance, formulation.PROPOSAL),
                "by_directorate": BudgetRequest.objects.for_user(user, "view")
                .filter(budget_year=budget_year)
                .values("directorate", "directorate__code", "directorate__name")
                .annotate(
                    count=Count("id"),
                    **by_kind(requested=partial(Sum, "requested"), final=final_sum),
                )
                .order_by("directorate__code"),
                "can_add_request": status == Status.FORMULATION
                and scope_for(user, BudgetRequest, "add") is not None,
            }
        )
    elif tab == "inicial":
        summary = formulation.initial_budget(budget_year)
        context.update(
            {
                "summary": summary,
                "balance_text": formulation.balance_message(summary.balance, formulation.INITIAL),
                "initial_count": budget_year.initial.count(),
                "initial_open": status in formulation.INITIAL_OPEN,
                "can_add_initial": status in formulation.INITIAL_OPEN
                and scope_for(user, InitialAmount, "add") is not None,
            }
        )
    elif tab == "programas":
        context["programs"] = program_rows(user, budget_year)
        context["can_add_program"] = scope_for(user, Program, "add") is not None
    elif tab == "modificaciones":
        context["modifications"] = (
            Modification.objects.for_user(user, "view")
            .filter(budget_year=budget_year)
            .order_by("number")
        )
    return context


def program_rows(user, budget_year: BudgetYear):
    """The year's programs with their initial amount and the final amount requested."""
    initial = (
        InitialAmount.objects.filter(program=OuterRef("pk"))
        .order_by()
        .values("program")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    requested = (
        BudgetRequest.objects.filter(program=OuterRef("pk"))
        .order_by()
        .values("program")
        .annotate(total=final_sum())
        .values("total")
    )
    return (
        Program.objects.for_user(user, "view")
        .filter(budget_year=budget_year)
        .select_related("area", "directorate")
        .annotate(
            initial_total=Coalesce(Subquery(initial), 0),
            proposal_total=Coalesce(Subquery(requested), 0),
        )
        .order_by("code")
    )


def summary_xlsx(budget_year: BudgetYear, tab: str) -> HttpResponse:
    """The consolidated proposal or the initial budget by subtítulo and ítem, as XLSX."""
    from openpyxl import Workbook

    if tab == "formulacion":
        summary = formulation.proposal(budget_year)
        title, subject = f"Proyecto de presupuesto {budget_year.year}", formulation.PROPOSAL
        name = f"proyecto-presupuesto-{budget_year.year}.xlsx"
    else:
        summary = formulation.initial_budget(budget_year)
        title, subject = f"Presupuesto inicial {budget_year.year}", formulation.INITIAL
        name = f"presupuesto-inicial-{budget_year.year}.xlsx"
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    cell = generic.xlsx_cell

    def money(value, bold=False):
        return cell(sheet, value, number_format="#,##0", bold=bold)

    sheet.append([cell(sheet, title, bold=True)])
    sheet.append([])
    sheet.append(
        [cell(sheet, h, bold=True) for h in ("Código", "Denominación", "Nivel", *summary.columns)]
    )
    for label, lines, totals in (
        ("Ingresos", summary.income, summary.income_total),
        ("Gastos", summary.expense, summary.expense_total),
    ):
        sheet.append([cell(sheet, label, bold=True)])
        for line in lines:
            sheet.append(
                [
                    cell(sheet, line.code, bold=line.is_subtitle),
                    cell(sheet, line.name, bold=line.is_subtitle),
                    cell(sheet, Level(line.level).label),
                    *(money(value, line.is_subtitle) for value in line.values),
                ]
            )
        sheet.append(
            [
                cell(sheet, f"Total {label.lower()}", bold=True),
                None,
                None,
                *(money(value, True) for value in totals),
            ]
        )
    sheet.append([])
    sheet.append([cell(sheet, formulation.balance_message(summary.balance, subject))])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class BudgetYearFormView(ServiceFormView):
    """Create a year (on its year's classifier) or correct its presentation/approval data."""

    model = BudgetYear
    url_prefix = "budget:budgetyear"
    template_name = "budget/budgetyear_form.html"
    create_service = staticmethod(formulation.budget_year_create)
    update_service = staticmethod(formulation.budget_year_update)
    record_arg = "budget_year"

    def get_form(self, instance, data=None, files=None):
        form_class = BudgetYearCreateForm if instance.pk is None else BudgetYearEditForm
        return generic.with_reason(form_class)(data=data, files=files, instance=instance)


class BudgetYearDeleteView(ServiceDeleteView):
    model = BudgetYear
    url_prefix = "budget:budgetyear"
    delete_service = staticmethod(formulation.budget_year_delete)
    record_arg = "budget_year"


# --------------------------------------------------------------------------------------
# Budget years: transitions (POST from the Datos tab)
# --------------------------------------------------------------------------------------


def _year_to_change(request, pk) -> BudgetYear:
    budget_year = get_object_or_404(BudgetYear.objects.for_user(request.user, "view"), pk=pk)
    if not can(request.user, "change", budget_year):
        raise PermissionDenied
    return budget_year


@login_required
@require_POST
def budgetyear_present(request, pk):
    """Formulación → Concejo; outside the legal window it warns, it does not refuse."""
    budget_year = _year_to_change(request, pk)
    form = PresentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "No se presentó al Concejo: " + generic.form_errors_text(form))
        return redirect(budget_year.get_absolute_url())
    try:
        budget_year = formulation.budget_year_present(
            actor=request.user,
            budget_year=budget_year,
            presented_on=form.cleaned_data["presented_on"],
            reason=clean_text(form.cleaned_data["change_reason"]),
        )
    except ValidationError as exc:
        messages.error(request, "No se presentó al Concejo. " + " ".join(exc.messages))
    else:
        messages.success(
            request,
            f"{budget_year} quedó «{budget_year.get_status_display()}», presentado el "
            f"{format_date(budget_year.presented_on)}.",
        )
        for warning in formulation.presentation_warnings(budget_year):
            messages.warning(request, warning)
    return redirect(budget_year.get_absolute_url())


@login_required
@require_POST
def budgetyear_approve(request, pk):
    """Concejo → aprobado, with the agreement, its date and the decree; the budget must
    balance (the refusal says by how much it does not)."""
    budget_year = _year_to_change(request, pk)
    form = ApproveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "No se aprobó el presupuesto: " + generic.form_errors_text(form))
        return redirect(budget_year.get_absolute_url())
    data = form.cleaned_data
    try:
        budget_year = formulation.budget_year_approve(
            actor=request.user,
            budget_year=budget_year,
            agreement=data["approval_agreement"],
            approved_on=data["approved_on"],
            decree=data["approval_decree"],
            reason=clean_text(data["change_reason"]),
        )
    except ValidationError as exc:
        messages.error(request, "No se aprobó el presupuesto. " + " ".join(exc.messages))
        return redirect(budget_year.get_absolute_url())
    messages.success(
        request,
        f"{budget_year} aprobado el {format_date(budget_year.approved_on)} (acuerdo del "
        f"Concejo: {budget_year.approval_agreement}; decreto: {budget_year.approval_decree}); "
        "es el presupuesto inicial.",
    )
    return redirect(budget_year.get_absolute_url() + "?tab=inicial")


@login_required
@require_POST
def budgetyear_close(request, pk):
    budget_year = _year_to_change(request, pk)
    form = CloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "No se cerró el año. " + generic.form_errors_text(form))
        return redirect(budget_year.get_absolute_url())
    try:
        budget_year = formulation.budget_year_close(
            actor=request.user,
            budget_year=budget_year,
            reason=clean_text(form.cleaned_data["change_reason"]),
        )
    except ValidationError as exc:
        messages.error(request, "No se cerró el año. " + " ".join(exc.messages))
    else:
        messages.success(request, f"{budget_year} quedó «{budget_year.get_status_display()}».")
    return redirect(budget_year.get_absolute_url())


# --------------------------------------------------------------------------------------
# Formulation: the directorates' requests and SECPLA's adjustment
# --------------------------------------------------------------------------------------

REQUEST_COLUMNS = [
    ("account", "Cuenta"),
    ("budget_year.year", "Año"),
    ("directorate.code", "Dirección"),
    ("program.code", "Programa"),
    ("requested", "Solicitado ($)"),
    ("adjusted", "Ajustado ($)"),
    ("final", "Propuesta ($)"),
]


class BudgetRequestListView(generic.RecordListView):
    """Requests, filtered, with the totals of the filtered rows above the table."""

    model = BudgetRequest
    url_prefix = "budget:budgetrequest"
    title_plural = "Solicitudes presupuestarias"
    filterset_class = BudgetRequestFilterSet
    columns = REQUEST_COLUMNS
    export_columns = [
        ("budget_year.year", "Año"),
        ("directorate.code", "Dirección"),
        ("account.code", "Código"),
        ("account.name", "Cuenta"),
        ("account.kind", "Tipo"),
        ("area", "Área de gestión"),
        ("program", "Programa"),
        ("requested", "Solicitado ($)"),
        ("adjusted", "Ajustado por SECPLA ($)"),
        ("final", "Propuesta ($)"),
        ("justification", "Justificación"),
        ("adjustment_note", "Motivo del ajuste"),
    ]
    select_related = ("budget_year", "directorate", "account", "area", "program")
    money_columns = ("requested", "adjusted", "final")

    def render_to_response(self, context, **response_kwargs):
        context["summary"] = self.filtered_queryset().aggregate(
            **by_kind(requested=partial(Sum, "requested"), final=final_sum)
        )
        context["summary_template"] = "budget/request_list_summary.html"
        return super().render_to_response(context, **response_kwargs)


class BudgetRequestDetailView(generic.RecordDetailView):
    model = BudgetRequest
    url_prefix = "budget:budgetrequest"
    title_plural = "Solicitudes presupuestarias"
    template_name = "budget/request_detail.html"

    def get_object(self):
        return get_object_or_404(
            self.visible("view").select_related(
                "budget_year", "directorate", "account", "area", "program"
            ),
            pk=self.kwargs["pk"],
        )

    def extra_context_for(self, obj):
        user = self.request.user
        open_year = obj.budget_year.status == Status.FORMULATION
        return {
            "fields": record_fields(
                obj,
                [
                    "budget_year",
                    "directorate",
                    "account",
                    "area",
                    "program",
                    "requested",
                    "justification",
                ],
                money=("requested",),
            ),
            "can_change": open_year and can(user, "change", obj),
            "can_delete": open_year and can(user, "delete", obj),
            "can_adjust": obj.budget_year.status in formulation.ADJUSTABLE
            and can(user, "change", obj.budget_year),
        }


class BudgetRequestFormView(ServiceFormView):
    model = BudgetRequest
    url_prefix = "budget:budgetrequest"
    form_class = BudgetRequestForm
    create_service = staticmethod(formulation.budget_request_create)
    update_service = staticmethod(formulation.budget_request_update)
    record_arg = "budget_request"


class BudgetRequestDeleteView(ServiceDeleteView):
    model = BudgetRequest
    url_prefix = "budget:budgetrequest"
    delete_service = staticmethod(formulation.budget_request_delete)
    record_arg = "budget_request"


@login_required
def budgetrequest_adjust(request, pk):
    """SECPLA sets the amount that goes into the proposal, with its reason."""
    budget_request = get_object_or_404(
        BudgetRequest.objects.for_user(request.user, "view").select_related(
            "budget_year", "directorate", "account"
        ),
        pk=pk,
    )
    if not can(request.user, "change", budget_request.budget_year):
        raise PermissionDenied
    form = BudgetRequestAdjustForm(
        request.POST or None,
        initial={
            "adjusted": budget_request.adjusted,
            "adjustment_note": budget_request.adjustment_note,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            formulation.budget_request_adjust(
                actor=request.user,
                budget_request=budget_request,
                adjusted=form.cleaned_data["adjusted"],
                note=form.cleaned_data["adjustment_note"],
            )
        except ValidationError as exc:
            generic.add_validation_errors(form, exc)
        else:
            budget_request.refresh_from_db()
            text = (
                f"la propuesta toma {format_clp(budget_request.adjusted)}"
                if budget_request.adjusted is not None
                else "la propuesta toma el monto solicitado"
            )
            messages.success(request, f"Se guardó el ajuste de {budget_request}: {text}.")
            return redirect(budget_request.get_absolute_url())
    return render(
        request,
        "budget/request_adjust.html",
        {
            "object": budget_request,
            "form": form,
            "year_open": budget_request.budget_year.status in formulation.ADJUSTABLE,
        },
    )


# --------------------------------------------------------------------------------------
# Initial amounts loaded by hand (before approval)
# --------------------------------------------------------------------------------------


class InitialAmountListView(generic.RecordListView):
    model = InitialAmount
    url_prefix = "budget:initialamount"
    title_plural = "Presupuesto inicial por cuenta"
    filterset_class = InitialAmountFilterSet
    columns = [
        ("account", "Cuenta"),
        ("budget_year.year", "Año"),
        ("area", "Área de gestión"),
        ("program.code", "Programa"),
        ("amount", "Monto inicial ($)"),
    ]
    export_columns = [
        ("budget_year.year", "Año"),
        ("account.code", "Código"),
        ("account.name", "Cuenta"),
        ("account.kind", "Tipo"),
        ("area", "Área de gestión"),
        ("program", "Programa"),
        ("amount", "Monto inicial ($)"),
    ]
    select_related = ("budget_year", "account", "area", "program")

    def render_to_response(self, context, **response_kwargs):
        context["summary"] = self.filtered_queryset().aggregate(
            **by_kind(amount=partial(Sum, "amount"))
        )
        context["summary_template"] = "budget/initialamount_list_summary.html"
        return super().render_to_response(context, **response_kwargs)


class InitialAmountDetailView(generic.RecordDetailView):
    model = InitialAmount
    url_prefix = "budget:initialamount"
    title_plural = "Presupuesto inicial por cuenta"
    template_name = "budget/initialamount_detail.html"

    def get_object(self):
        return get_object_or_404(
            self.visible("view").select_related("budget_year", "account", "area", "program"),
            pk=self.kwargs["pk"],
        )

    def extra_context_for(self, obj):
        user = self.request.user
        open_year = obj.budget_year.status in formulation.INITIAL_OPEN
        return {
            "initial_open": open_year,
            "fields": record_fields(
                obj, ["budget_year", "account", "area", "program", "amount"], money=("amount",)
            ),
            "can_change": open_year and can(user, "change", obj),
            "can_delete": open_year and can(user, "delete", obj),
        }


def _initial_tab(obj) -> str:
    return obj.budget_year.get_absolute_url() + "?tab=inicial"


class InitialAmountFormView(ServiceFormView):
    model = InitialAmount
    url_prefix = "budget:initialamount"
    form_class = InitialAmountForm
    create_service = staticmethod(formulation.initial_amount_create)
    update_service = staticmethod(formulation.initial_amount_update)
    record_arg = "initial"

    def success_url(self, obj) -> str:
        return _initial_tab(obj)


class InitialAmountDeleteView(ServiceDeleteView):
    model = InitialAmount
    url_prefix = "budget:initialamount"
    delete_service = staticmethod(formulation.initial_amount_delete)
    record_arg = "initial"

    def success_url(self, obj) -> str:
        return _initial_tab(obj)


# --------------------------------------------------------------------------------------
# Programs
# --------------------------------------------------------------------------------------


class ProgramListView(generic.RecordListView):
    model = Program
    url_prefix = "budget:program"
    title_plural = "Programas municipales"
    filterset_class = ProgramFilterSet
    columns = [
        ("code", "Código"),
        ("name", "Nombre"),
        ("budget_year.year", "Año"),
        ("area", "Área de gestión"),
        ("directorate.code", "Dirección"),
    ]
    export_columns = [*columns, ("description", "Descripción")]
    select_related = ("budget_year", "area", "directorate")


class ProgramDetailView(generic.RecordDetailView):
    """A program with its initial amounts and the requests that name it."""

    model = Program
    url_prefix = "budget:program"
    title_plural = "Programas municipales"
    template_name = "budget/program_detail.html"
    fields = ["budget_year", "code", "name", "area", "directorate", "description"]

    def extra_context_for(self, program):
        user = self.request.user
        initial = (
            InitialAmount.objects.for_user(user, "view")
            .filter(program=program)
            .select_related("account")
            .order_by("account__code")
        )
        requests = (
            BudgetRequest.objects.for_user(user, "view")
            .filter(program=program)
            .select_related("account", "directorate")
            .order_by("account__code", "directorate__code")
        )
        return {
            "initial_amounts": initial,
            "initial_total": sum(row.amount for row in initial),
            "requests": requests,
            "requested_total": sum(row.requested for row in requests),
            "final_total": sum(row.final for row in requests),
            "can_add_initial": program.budget_year.status in formulation.INITIAL_OPEN
            and scope_for(user, InitialAmount, "add") is not None,
            "can_add_request": program.budget_year.status == Status.FORMULATION
            and scope_for(user, BudgetRequest, "add") is not None,
        }


class ProgramFormView(generic.RecordFormView):
    model = Program
    url_prefix = "budget:program"
    form_class = ProgramForm
    form_kwargs = prefilled_kwargs


program_delete = type(
    "ProgramDeleteView",
    (generic.RecordDeleteView,),
    {"model": Program, "url_prefix": "budget:program"},
)


urlpatterns = [
    *crud(
        "budgetyear",
        "presupuesto/anios",
        (
            BudgetYearListView,
            BudgetYearDetailView,
            BudgetYearFormView,
            BudgetYearFormView,
            BudgetYearDeleteView,
        ),
    ),
    path("presupuesto/anios/<int:pk>/presentar/", budgetyear_present, name="budgetyear_present"),
    path("presupuesto/anios/<int:pk>/aprobar/", budgetyear_approve, name="budgetyear_approve"),
    path("presupuesto/anios/<int:pk>/cerrar/", budgetyear_close, name="budgetyear_close"),
    *crud(
        "budgetrequest",
        "presupuesto/solicitudes",
        (
            BudgetRequestListView,
            BudgetRequestDetailView,
            BudgetRequestFormView,
            BudgetRequestFormView,
            BudgetRequestDeleteView,
        ),
    ),
    path(
        "presupuesto/solicitudes/<int:pk>/ajustar/",
        budgetrequest_adjust,
        name="budgetrequest_adjust",
    ),
    *crud(
        "initialamount",
        "presupuesto/inicial",
        (
            InitialAmountListView,
            InitialAmountDetailView,
            InitialAmountFormView,
            InitialAmountFormView,
            InitialAmountDeleteView,
        ),
    ),
    *crud(
        "program",
        "presupuesto/programas",
        (ProgramListView, ProgramDetailView, ProgramFormView, ProgramFormView, program_delete),
    ),
]
