"""Budget screens: the reference catalogues — classifiers by year (with the copy to a new
year), accounts (the municipality's desagregaciones), áreas de gestión, and the dated
configuration (Concejo agreement rules, the legal calendar, execution alerts)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import Truncator

from secpla.budget import services
from secpla.budget.filters import (
    AccountFilterSet,
    AgreementRuleFilterSet,
    AlertRuleFilterSet,
    BudgetCalendarFilterSet,
    ClassifierVersionFilterSet,
    ManagementAreaFilterSet,
)
from secpla.budget.forms import (
    AccountForm,
    AgreementRuleForm,
    AlertRuleForm,
    BudgetCalendarForm,
    ClassifierCopyForm,
    ClassifierVersionForm,
    ManagementAreaForm,
)
from secpla.budget.models import (
    Account,
    AccountProject,
    AgreementRule,
    AlertRule,
    BudgetCalendar,
    ClassifierVersion,
    Kind,
    Level,
    ManagementArea,
)
from secpla.core import generic
from secpla.core.audit import clean_text
from secpla.core.permissions import can, scope_for
from secpla.core.urls import crud

# --------------------------------------------------------------------------------------
# Views whose writes go through a budget service (shared by the budget screens)
# --------------------------------------------------------------------------------------


class ServiceFormView(generic.RecordFormView):
    """Create/edit through `create_service`/`update_service` (keyword `service_arg`)."""

    service_arg = "instance"
    create_service = None
    update_service = None

    def save(self, obj, form, *, creating, reason):
        service = self.create_service if creating else self.update_service
        service(actor=self.request.user, **{self.service_arg: obj}, reason=reason)


class ServiceDeleteView(generic.RecordDeleteView):
    """Delete through `delete_service`; a refusal is shown on the confirmation page."""

    template_name = "budget/reference_confirm_delete.html"
    service_arg = "instance"
    delete_service = None

    def refusal(self, obj) -> str:
        """A reason known before trying (shown on GET, and the button hidden)."""
        return ""

    def after_delete_url(self, obj) -> str:
        return reverse(f"{self.url_prefix}_list")

    def get(self, request, *args, **kwargs):
        obj = self.get_target()
        return self.render_to_response(
            {**self.base_context(), "object": obj, "refusal": self.refusal(obj)}
        )

    def post(self, request, *args, **kwargs):
        obj = self.get_target()
        reason = clean_text(request.POST.get("change_reason", ""))[:500]
        label, target = str(obj), self.after_delete_url(obj)
        try:
            self.delete_service(actor=request.user, **{self.service_arg: obj}, reason=reason)
        except ValidationError as exc:
            return self.render_to_response(
                {**self.base_context(), "object": obj, "error": " ".join(exc.messages)}
            )
        messages.success(request, f"Se eliminó {self.opts().verbose_name}: {label}.")
        return redirect(target)


def _digits(value) -> int | None:
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) < 10 else None


# --------------------------------------------------------------------------------------
# Classifiers by year
# --------------------------------------------------------------------------------------


def classifier_context(self, version: ClassifierVersion) -> dict:
    user = self.request.user
    counts = version.accounts.aggregate(
        total=Count("pk"),
        official=Count("pk", filter=Q(is_official=True)),
        own=Count("pk", filter=Q(is_official=False)),
        income=Count("pk", filter=Q(kind=Kind.INCOME)),
        expense=Count("pk", filter=Q(kind=Kind.EXPENSE)),
    )
    accounts_url = reverse("budget:account_list") + f"?version={version.pk}"
    return {
        "role_template": "budget/classifier_detail_extra.html",
        "counts": counts,
        "accounts_url": accounts_url,
        "own_accounts_url": accounts_url + "&is_official=false",
        "budgets": list(version.budgets.order_by("year")),
        "can_copy": can(user, "add", ClassifierVersion) and can(user, "add", Account),
    }


(
    _classifier_list,
    classifier_detail,
    classifier_create,
    classifier_edit,
    _classifier_delete,
) = generic.crud_views(
    ClassifierVersion,
    "budget:classifierversion",
    form=ClassifierVersionForm,
    filterset=ClassifierVersionFilterSet,
    columns=[("year", "Año"), ("account_count", "Cuentas"), ("source", "Fuente")],
    fields=["year", "source", "notes"],
    detail_extra=classifier_context,
)


class ClassifierVersionListView(_classifier_list):
    def get_queryset(self):
        return super().get_queryset().annotate(account_count=Count("accounts")).order_by("-year")

    def display(self, path, value):
        if path == "source" and value:
            return Truncator(value).chars(120)
        return super().display(path, value)


class ClassifierVersionDeleteView(ServiceDeleteView):
    model = ClassifierVersion
    url_prefix = "budget:classifierversion"
    service_arg = "classifier"
    delete_service = staticmethod(services.classifier_delete)

    def refusal(self, obj):
        years = sorted(obj.budgets.values_list("year", flat=True))
        if years:
            return "No se puede eliminar: lo usa el presupuesto " + ", ".join(map(str, years)) + "."
        return ""


@login_required
def classifier_copy(request, pk):
    """The classifier of a new year, copied from this one (GET: the form; POST: copy)."""
    source = get_object_or_404(ClassifierVersion.objects.for_user(request.user, "view"), pk=pk)
    if not (can(request.user, "add", ClassifierVersion) and can(request.user, "add", Account)):
        raise PermissionDenied
    form = ClassifierCopyForm(request.POST or None, source=source)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.classifier_copy(
                actor=request.user,
                source=source,
                year=form.cleaned_data["year"],
                reason=clean_text(form.cleaned_data["change_reason"]),
            )
        except ValidationError as exc:
            generic.add_validation_errors(form, exc)
        else:
            messages.success(
                request,
                f"Se creó el {version} con {version.accounts.count()} cuentas copiadas del "
                f"clasificador {source.year}.",
            )
            return redirect(version.get_absolute_url())
    return render(
        request,
        "budget/classifier_copy.html",
        {"source": source, "form": form, "account_count": source.accounts.count()},
    )


# --------------------------------------------------------------------------------------
# Accounts
# --------------------------------------------------------------------------------------

ACCOUNT_COLUMNS = [
    ("code", "Código"),
    ("name", "Denominación"),
    ("kind", "Tipo"),
    ("level", "Nivel"),
    ("is_official", "Oficial"),
    ("version.year", "Clasificador"),
]
CHILD_LEVELS = {Level.ITEM, Level.ALLOCATION}  # below them a desagregación can be added


def account_context(self, account: Account) -> dict:
    user = self.request.user
    links = []
    if scope_for(user, AccountProject, "view") is not None:
        links = list(
            AccountProject.objects.for_user(user, "view")
            .filter(account=account)
            .select_related("project")
            .order_by("project__code")
        )
    return {
        "role_template": "budget/account_detail_extra.html",
        "children": list(account.children.order_by("code")),
        "project_links": links,
        "can_add_child": account.level in CHILD_LEVELS and can(user, "add", Account),
        # Official accounts are never deleted (the service refuses it too).
        "can_delete": can(user, "delete", account) and not account.is_official,
    }


def _account_initial(self) -> dict:
    """?parent=<id> pre-fills a new desagregación below that account; ?version=<id> its
    classifier."""
    initial = {}
    parent_id = _digits(self.request.GET.get("parent"))
    parent = Account.objects.filter(pk=parent_id).first() if parent_id else None
    if parent is not None:
        initial = {"version": parent.version_id, "code": f"{parent.code}."}
    elif version := _digits(self.request.GET.get("version")):
        initial = {"version": version}
    return {"initial": initial}


(
    _account_list,
    account_detail,
    _account_create,
    _account_edit,
    _account_delete,
) = generic.crud_views(
    Account,
    "budget:account",
    form=AccountForm,
    filterset=AccountFilterSet,
    columns=ACCOUNT_COLUMNS,
    export_columns=[*ACCOUNT_COLUMNS, ("parent.code", "Cuenta superior"), ("source", "Fuente")],
    fields=["version", "code", "name", "kind", "level", "is_official", "source"],
    select_related=("version", "parent"),
    detail_extra=account_context,
)


class AccountListView(_account_list):
    title_plural = "Cuentas presupuestarias"


class AccountFormView(ServiceFormView):
    model = Account
    url_prefix = "budget:account"
    form_class = AccountForm
    form_kwargs = _account_initial
    service_arg = "account"
    create_service = staticmethod(services.account_create)
    update_service = staticmethod(services.account_update)


class AccountDeleteView(ServiceDeleteView):
    model = Account
    url_prefix = "budget:account"
    service_arg = "account"
    delete_service = staticmethod(services.account_delete)

    def refusal(self, obj):
        if obj.is_official:
            return (
                "Las cuentas del clasificador oficial no se eliminan; solo las desagregaciones "
                "municipales."
            )
        return ""


# --------------------------------------------------------------------------------------
# Áreas de gestión and dated configuration
# --------------------------------------------------------------------------------------

managementarea_views = generic.crud_views(
    ManagementArea,
    "budget:managementarea",
    form=ManagementAreaForm,
    filterset=ManagementAreaFilterSet,
    columns=[
        ("code", "Código"),
        ("name", "Nombre"),
        ("sinim_code", "Código SINIM"),
        ("is_active", "Vigente"),
    ],
    fields=["code", "name", "sinim_code", "is_active"],
)


def _in_force_context(model, obj) -> dict:
    today = timezone.localdate()
    current = model.in_force(today)
    return {"in_force_today": current is not None and current.pk == obj.pk, "today": today}


def agreementrule_context(self, rule: AgreementRule) -> dict:
    return {
        "role_template": "budget/rule_agreement_extra.html",
        **_in_force_context(AgreementRule, rule),
    }


agreementrule_views = generic.crud_views(
    AgreementRule,
    "budget:agreementrule",
    form=AgreementRuleForm,
    filterset=AgreementRuleFilterSet,
    columns=[
        ("valid_from", "Vigente desde"),
        ("levels", "Niveles"),
        ("always_prefixes", "Cuentas que siempre requieren acuerdo"),
        ("source", "Fuente"),
    ],
    fields=["valid_from", "levels", "always_prefixes", "source"],
    detail_extra=agreementrule_context,
)


def budgetcalendar_context(self, calendar: BudgetCalendar) -> dict:
    """The deadlines this calendar gives the budget of next year, and whether it is the
    one in force on those dates."""
    today = timezone.localdate()
    budget_year = today.year + 1
    deadlines = calendar.deadlines(budget_year)
    ruling = BudgetCalendar.in_force(deadlines["present_from"])
    return {
        "role_template": "budget/rule_calendar_extra.html",
        "next_budget_year": budget_year,
        "deadlines": deadlines,
        "rules_then": ruling is not None and ruling.pk == calendar.pk,
        "ruling_calendar": ruling,
        **_in_force_context(BudgetCalendar, calendar),
    }


budgetcalendar_views = generic.crud_views(
    BudgetCalendar,
    "budget:budgetcalendar",
    form=BudgetCalendarForm,
    filterset=BudgetCalendarFilterSet,
    columns=[
        ("valid_from", "Vigente desde"),
        ("present_from", "Presentación desde"),
        ("present_until", "Presentación hasta"),
        ("decide_by", "El Concejo resuelve antes del"),
        ("source", "Fuente"),
    ],
    fields=["valid_from", "present_from", "present_until", "decide_by", "source"],
    detail_extra=budgetcalendar_context,
)


def alertrule_context(self, rule: AlertRule) -> dict:
    return {
        "role_template": "budget/rule_alert_extra.html",
        **_in_force_context(AlertRule, rule),
    }


alertrule_views = generic.crud_views(
    AlertRule,
    "budget:alertrule",
    form=AlertRuleForm,
    filterset=AlertRuleFilterSet,
    columns=[
        ("valid_from", "Vigente desde"),
        ("investment_prefix", "Cuentas de inversión"),
        ("from_month", "Desde el mes"),
        ("min_accrued_percent", "% devengado mínimo"),
        ("source", "Fundamento"),
    ],
    fields=["valid_from", "investment_prefix", "from_month", "min_accrued_percent", "source"],
    detail_extra=alertrule_context,
)

urlpatterns = [
    *crud(
        "classifierversion",
        "presupuesto/clasificadores",
        (
            ClassifierVersionListView,
            classifier_detail,
            classifier_create,
            classifier_edit,
            ClassifierVersionDeleteView,
        ),
    ),
    path("presupuesto/clasificadores/<int:pk>/copiar/", classifier_copy,
         name="classifierversion_copy"),
    *crud(
        "account",
        "presupuesto/cuentas",
        (AccountListView, account_detail, AccountFormView, AccountFormView, AccountDeleteView),
    ),
    *crud("managementarea", "presupuesto/areas", managementarea_views),
    *crud("agreementrule", "presupuesto/reglas-de-acuerdo", agreementrule_views),
    *crud("budgetcalendar", "presupuesto/calendarios", budgetcalendar_views),
    *crud("alertrule", "presupuesto/reglas-de-alerta", alertrule_views),
]  # fmt: skip
