"""Budget screens: modifications — the list, the form (only while «en preparación»), the
modification page (lines with sums by kind, the balance and whether it needs a Concejo
agreement, both worked out on every load) with the Aprobar and Rechazar actions, and the
line screens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, Sum
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils import timezone
from django.utils.text import Truncator
from django.views.decorators.http import require_POST

from secpla.budget import rules, services
from secpla.budget.filters import ModificationFilterSet, ModificationLineFilterSet
from secpla.budget.forms import (
    ModificationApproveForm,
    ModificationForm,
    ModificationLineForm,
    ModificationRejectForm,
)
from secpla.budget.models import AgreementRule, Kind, Modification, ModificationLine
from secpla.budget.views.reference import ServiceDeleteView, ServiceFormView
from secpla.budget.views.year import record_fields
from secpla.core import generic
from secpla.core.audit import clean_text, history_for
from secpla.core.models import ChangeAction, ChangeLogEntry
from secpla.core.permissions import can, scope_for
from secpla.core.urls import crud

DRAFT = Modification.Status.DRAFT


def _digits(value) -> int | None:
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) < 10 else None


def _closed_refusal(request, modification: Modification, what: str):
    """Back to the modification page with the reason, when it is no longer a draft."""
    state = modification.get_status_display().lower()
    messages.error(request, f"La {_label(modification)} está {state}: {what}.")
    return redirect(modification.get_absolute_url())


def _label(modification: Modification) -> str:
    return f"modificación N° {modification.number} de {modification.budget_year.year}"


# --------------------------------------------------------------------------------------
# Modifications: list, form, delete
# --------------------------------------------------------------------------------------

INCREASES = Sum("lines__amount", filter=Q(lines__amount__gt=0))

MODIFICATION_COLUMNS = [
    ("number", "N°"),
    ("budget_year.year", "Año"),
    ("date", "Fecha"),
    ("description", "Fundamento"),
    ("increases", "Aumentos ($)"),
    ("status", "Estado"),
    ("requires_agreement", "Requiere acuerdo"),
    ("agreement_number", "N° de acuerdo"),
    ("decree", "Decreto"),
    ("approved_on", "Rige desde"),
]

MODIFICATION_FIELDS = [
    "budget_year", "number", "date", "description", "agreement_number", "agreement_date",
    "decree",
]  # fmt: skip


def _year_initial(self) -> dict:
    """?budget_year=<id> chooses the year of a new modification (from the year page)."""
    year = _digits(self.request.GET.get("budget_year"))
    return {"initial": {"budget_year": year}} if year else {}


(
    _modification_list,
    _modification_detail,
    _modification_create,
    _modification_edit,
    _modification_delete,
) = generic.crud_views(
    Modification,
    "budget:modification",
    form=ModificationForm,
    filterset=ModificationFilterSet,
    columns=MODIFICATION_COLUMNS,
    export_columns=[*MODIFICATION_COLUMNS, ("agreement_date", "Fecha del acuerdo")],
    fields=MODIFICATION_FIELDS,
    select_related=("budget_year",),
)


class ModificationListView(_modification_list):
    money_columns = ("increases",)

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .annotate(increases=INCREASES)
            .order_by("-budget_year__year", "-number")
        )

    def display(self, path, value):
        if path == "description" and value:
            return Truncator(value).chars(80)
        return super().display(path, value)


class ModificationFormView(ServiceFormView):
    """Create, or edit while «en preparación» (an approved or rejected one is read-only:
    the page says so; the service refuses it too)."""

    model = Modification
    url_prefix = "budget:modification"
    form_class = ModificationForm
    form_kwargs = _year_initial
    service_arg = "modification"
    create_service = staticmethod(services.modification_create)
    update_service = staticmethod(services.modification_update)

    def read_only(self):
        if self.is_new():
            return None
        obj = get_object_or_404(
            self.visible("view").select_related("budget_year"), pk=self.kwargs["pk"]
        )
        if obj.status != DRAFT and can(self.request.user, "change", obj):
            return _closed_refusal(self.request, obj, "ya no se modifica")
        return None

    def get(self, request, *args, **kwargs):
        return self.read_only() or super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        return self.read_only() or super().post(request, *args, **kwargs)


class ModificationDeleteView(ServiceDeleteView):
    model = Modification
    url_prefix = "budget:modification"
    service_arg = "modification"
    delete_service = staticmethod(services.modification_delete)

    def refusal(self, obj):
        if obj.status != DRAFT:
            state = obj.get_status_display().lower()
            return f"La {_label(obj)} está {state}: no se puede eliminar."
        return ""


# --------------------------------------------------------------------------------------
# The modification page, Aprobar and Rechazar
# --------------------------------------------------------------------------------------


def _sums(lines) -> list[dict]:
    """Increases, decreases and net change of ingresos and of gastos."""
    rows = []
    for kind, label in ((Kind.INCOME, "Ingresos"), (Kind.EXPENSE, "Gastos")):
        amounts = [line.amount for line in lines if line.account.kind == kind]
        up = sum(a for a in amounts if a > 0)
        down = sum(a for a in amounts if a < 0)
        rows.append({"label": label, "up": up, "down": down, "net": up + down})
    return rows


def _rejection(modification: Modification):
    """The change-log entry that rejected it (its reason is the rejection's)."""
    return (
        history_for(modification)
        .filter(action=ChangeAction.UPDATE, after__status=Modification.Status.REJECTED)
        .order_by("-timestamp")
        .first()
    )


def modification_context(self, modification: Modification):
    user = self.request.user
    lines = list(
        modification.lines.select_related("account", "area", "program").order_by(
            "account__code", "pk"
        )
    )
    pairs = [(line.account.code, line.amount) for line in lines]
    rule = AgreementRule.in_force(modification.date)
    draft = modification.status == DRAFT
    may_change = can(user, "change", modification)
    today = timezone.localdate()
    start = max(filter(None, [today, modification.agreement_date]))
    return {
        "lines": lines,
        "sums": _sums(lines),
        "balance": rules.balance(pairs),
        "reasons": rules.agreement_reasons(pairs, rule),
        "rule": rule,
        "agreement_recorded": bool(modification.agreement_number and modification.agreement_date),
        "is_draft": draft,
        "can_edit": draft and may_change,
        "can_delete": draft and can(user, "delete", modification),
        "can_add_line": draft and scope_for(user, ModificationLine, "add") is not None,
        "can_change_line": draft and scope_for(user, ModificationLine, "change") is not None,
        "can_delete_line": draft and scope_for(user, ModificationLine, "delete") is not None,
        "approve_form": ModificationApproveForm(initial={"on": start}),
        "reject_form": ModificationRejectForm(),
        "rejection": _rejection(modification)
        if modification.status == Modification.Status.REJECTED
        else None,
    }


def modification_history(modification: Modification):
    """The modification's change log with its lines' (added, changed and removed ones,
    found by the modification id in their before/after snapshots), newest first."""
    lines = ChangeLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(ModificationLine),
    ).filter(Q(before__modification_id=modification.pk) | Q(after__modification_id=modification.pk))
    own = history_for(modification)
    return (
        (own | lines.select_related("user", "content_type"))
        .select_related("user", "content_type")
        .order_by("-timestamp", "-pk")
    )


class ModificationDetailView(_modification_detail):
    template_name = "budget/modification_detail.html"

    def get_object(self):
        return get_object_or_404(
            self.visible("view").select_related("budget_year"), pk=self.kwargs["pk"]
        )

    def extra_context_for(self, modification):
        context = modification_context(self, modification)
        if self.request.GET.get("tab") == "historial":
            context["history"] = modification_history(modification)[:200]
            context["line_type"] = ContentType.objects.get_for_model(ModificationLine).pk
        return context


def _acting_on(request, pk) -> Modification:
    modification = get_object_or_404(
        Modification.objects.for_user(request.user, "view").select_related("budget_year"), pk=pk
    )
    if not can(request.user, "change", modification):
        raise PermissionDenied
    return modification


@login_required
@require_POST
def modification_approve(request, pk):
    """Aprobar: from the date given, if it balances and has its agreement when it needs
    one; a refusal is shown on the page."""
    modification = _acting_on(request, pk)
    form = ModificationApproveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "No se aprobó la modificación. " + generic.form_errors_text(form))
        return redirect(modification.get_absolute_url())
    try:
        modification = services.modification_approve(
            actor=request.user,
            modification=modification,
            on=form.cleaned_data["on"],
            reason=clean_text(form.cleaned_data["change_reason"]),
        )
    except ValidationError as exc:
        messages.error(request, "No se aprobó la modificación. " + " ".join(exc.messages))
    else:
        messages.success(
            request,
            f"Se aprobó la {_label(modification)}; rige desde el "
            f"{modification.approved_on:%d-%m-%Y}.",
        )
    return redirect(modification.get_absolute_url())


@login_required
@require_POST
def modification_reject(request, pk):
    """Rechazar, with a reason that stays in its history."""
    modification = _acting_on(request, pk)
    form = ModificationRejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, "No se rechazó la modificación. " + generic.form_errors_text(form))
        return redirect(modification.get_absolute_url())
    try:
        services.modification_reject(
            actor=request.user,
            modification=modification,
            reason=clean_text(form.cleaned_data["reason"]),
        )
    except ValidationError as exc:
        messages.error(request, "No se rechazó la modificación. " + " ".join(exc.messages))
    else:
        messages.success(request, f"Se rechazó la {_label(modification)}.")
    return redirect(modification.get_absolute_url())


# --------------------------------------------------------------------------------------
# Lines
# --------------------------------------------------------------------------------------

LINE_COLUMNS = [
    ("modification", "Modificación"),
    ("account.code", "Cuenta"),
    ("account.name", "Denominación"),
    ("area", "Área de gestión"),
    ("program", "Programa"),
    ("amount", "Monto ($)"),
]


LINE_FIELDS = ["modification", "account", "area", "program", "amount"]


def line_context(self, line: ModificationLine) -> dict:
    """The amount in pesos ($ 1.234.567); a line of an approved or rejected modification
    offers no Editar/Eliminar."""
    context = {"fields": record_fields(line, LINE_FIELDS, money=("amount",))}
    if line.modification.status != DRAFT:
        context.update(can_change=False, can_delete=False)
    return context


def _line_initial(self) -> dict:
    """?modification=<id> (the «Agregar línea» button of the modification page)."""
    pk = _digits(self.request.GET.get("modification"))
    return {"initial": {"modification": pk}} if pk else {}


(
    _line_list,
    line_detail,
    _line_create,
    _line_edit,
    _line_delete,
) = generic.crud_views(
    ModificationLine,
    "budget:modificationline",
    form=ModificationLineForm,
    filterset=ModificationLineFilterSet,
    columns=LINE_COLUMNS,
    fields=LINE_FIELDS,
    select_related=("modification__budget_year", "account", "area", "program"),
    detail_extra=line_context,
)


class ModificationLineListView(_line_list):
    title_plural = "Líneas de modificaciones"


class ModificationLineFormView(ServiceFormView):
    """Add or change a line while its modification is «en preparación»."""

    model = ModificationLine
    url_prefix = "budget:modificationline"
    form_class = ModificationLineForm
    form_kwargs = _line_initial
    service_arg = "line"
    create_service = staticmethod(services.modification_line_create)
    update_service = staticmethod(services.modification_line_update)

    def read_only(self):
        if self.is_new():
            return None
        line = get_object_or_404(
            self.visible("view").select_related("modification__budget_year"),
            pk=self.kwargs["pk"],
        )
        modification = line.modification
        if modification.status != DRAFT and can(self.request.user, "change", line):
            return _closed_refusal(self.request, modification, "sus líneas ya no se modifican")
        return None

    def get(self, request, *args, **kwargs):
        return self.read_only() or super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        return self.read_only() or super().post(request, *args, **kwargs)


class ModificationLineDeleteView(ServiceDeleteView):
    model = ModificationLine
    url_prefix = "budget:modificationline"
    service_arg = "line"
    delete_service = staticmethod(services.modification_line_delete)

    def refusal(self, line):
        modification = line.modification
        if modification.status != DRAFT:
            state = modification.get_status_display().lower()
            return f"La {_label(modification)} está {state}: sus líneas ya no se eliminan."
        return ""

    def after_delete_url(self, line):
        return line.modification.get_absolute_url()


urlpatterns = [
    *crud(
        "modification",
        "presupuesto/modificaciones",
        (
            ModificationListView,
            ModificationDetailView,
            ModificationFormView,
            ModificationFormView,
            ModificationDeleteView,
        ),
    ),
    path("presupuesto/modificaciones/<int:pk>/aprobar/", modification_approve,
         name="modification_approve"),
    path("presupuesto/modificaciones/<int:pk>/rechazar/", modification_reject,
         name="modification_reject"),
    *crud(
        "modificationline",
        "presupuesto/modificaciones/lineas",
        (
            ModificationLineListView,
            line_detail,
            ModificationLineFormView,
            ModificationLineFormView,
            ModificationLineDeleteView,
        ),
    ),
]  # fmt: skip
