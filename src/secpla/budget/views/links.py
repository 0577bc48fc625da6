"""Budget screens: links between budget lines (accounts of subtítulos 31 and 33) and
investment projects — the list, linking by hand, removing a link, linking by the BIP codes
in the accounts' names — and the «Presupuesto» tab of the project page.

A link is a pair (account, project): it is created or removed, never edited, so there is
no edit screen. The form and filter classes live here because they serve only these
screens."""

from __future__ import annotations

from collections import defaultdict

import django_filters as filters
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import path, reverse

from secpla.budget import links, selectors
from secpla.budget.models import LINKABLE_PREFIXES, Account, AccountProject, BudgetYear
from secpla.core import generic
from secpla.core import services as core_services
from secpla.core.filters import SearchFilterSet
from secpla.core.money import MONTHS_ES
from secpla.core.permissions import scope_for
from secpla.projects.models import Project
from secpla.projects.views.portfolio import may
from secpla.projects.views.portfolio import register_project_tab as add_project_tab

PREFIX = "budget:accountproject"
TITLE = "Cuentas de proyectos"


class AccountProjectForm(forms.ModelForm):
    """Link an account of subtítulo 31 or 33 to a project. The list offers only those
    accounts, by classifier year; any other is refused by the model's rule, in Spanish."""

    class Meta:
        model = AccountProject
        fields = ["account", "project"]
        help_texts = {
            "account": "Una cuenta de los subtítulos 31 (inversión) o 33 (transferencias de "
            "capital) del clasificador del año.",
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = Account.objects.all()
        groups: dict[str, list] = defaultdict(list)
        offered = Account.objects.filter(
            Q(code__startswith=LINKABLE_PREFIXES[0]) | Q(code__startswith=LINKABLE_PREFIXES[1])
        ).select_related("version")
        for account in offered.order_by("-version__year", "code"):
            groups[f"Clasificador {account.version.year}"].append(
                (account.pk, f"{account.code} {account.name}")
            )
        self.fields["account"].widget.choices = [("", "---------"), *groups.items()]
        self.fields["project"].queryset = Project.objects.for_user(user, "view").order_by("code")
        self.fields["project"].label_from_instance = _project_label


def _project_label(project: Project) -> str:
    bip = f" (BIP {project.bip_code})" if project.bip_code else ""
    return f"{project.code} {project.name}{bip}"


class AccountProjectFilterSet(SearchFilterSet):
    search_fields = ("project__code", "project__name", "project__bip_code")
    budget_year = filters.ModelChoiceFilter(
        queryset=BudgetYear.objects.order_by("-year"),
        field_name="account__version__budgets",
        label="Presupuesto",
    )
    method = filters.ChoiceFilter(choices=AccountProject.Method.choices, label="Vínculo")

    class Meta:
        model = AccountProject
        fields = ["budget_year", "method"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["q"].label = "Proyecto (código, nombre o BIP)"


def _form_kwargs(view) -> dict:
    initial = {}
    for name in ("project", "account"):
        value = view.request.GET.get(name, "")
        if value.isdigit() and len(value) < 10:
            initial[name] = int(value)
    return {"user": view.request.user, "initial": initial}


COLUMNS = [
    ("account.version.year", "Año"),
    ("account.code", "Cuenta"),
    ("account.name", "Denominación"),
    ("project.code", "Proyecto"),
    ("project.name", "Nombre del proyecto"),
    ("project.bip_code", "Código BIP"),
    ("method", "Vínculo"),
]

list_base, detail_base, create_base, _edit, delete_base = generic.crud_views(
    AccountProject,
    PREFIX,
    form=AccountProjectForm,
    filterset=AccountProjectFilterSet,
    columns=COLUMNS,
    fields=["account", "project", "method"],
    select_related=("account__version", "project"),
    form_kwargs=_form_kwargs,
)


class AccountProjectListView(list_base):
    """Which projects the budget lines fund, filterable by year, project and method."""

    template_name = "budget/link_list.html"
    title_plural = TITLE

    def render_to_response(self, context, **response_kwargs):
        context["may_link_bip"] = scope_for(self.request.user, AccountProject, "add") is not None
        return super().render_to_response(context, **response_kwargs)


class AccountProjectDetailView(detail_base):
    title_plural = TITLE
    documents = False

    def extra_context_for(self, obj) -> dict:
        return {"can_change": False}  # a link is removed and made again, not edited


class AccountProjectCreateView(create_base):
    """Link by hand; back to the project's «Presupuesto» tab when it came from there."""

    title_plural = TITLE

    def post(self, request, *args, **kwargs):
        instance = self.get_instance()
        form = self.get_form(instance, request.POST)
        if form.is_valid():
            link = form.save(commit=False)
            link.method = AccountProject.Method.MANUAL
            try:
                core_services.record_create(
                    actor=request.user, instance=link, reason=form.cleaned_data["change_reason"]
                )
            except ValidationError as exc:
                generic.add_validation_errors(form, exc)
            else:
                messages.success(
                    request, f"Se vinculó la cuenta {link.account.code} al proyecto {link.project}."
                )
                if request.GET.get("project"):
                    return redirect(project_tab_url(link.project))
                return redirect(reverse(f"{PREFIX}_detail", args=[link.pk]))
        return self.render_form(form, instance)


class AccountProjectDeleteView(delete_base):
    title_plural = TITLE

    def get(self, request, *args, **kwargs):
        obj = self.get_target()
        return self.render_to_response(
            {
                **self.base_context(),
                "object": obj,
                "cancel_url": reverse(f"{PREFIX}_detail", args=[obj.pk]),
            }
        )


def project_tab_url(project: Project) -> str:
    return project.get_absolute_url() + "?tab=presupuesto"


class BipLinkForm(forms.Form):
    budget_year = forms.ModelChoiceField(
        queryset=BudgetYear.objects.order_by("-year"), label="Presupuesto", empty_label=None
    )


@login_required
def accountproject_bip(request):
    """GET explains; POST links the year's accounts by the BIP codes in their names and
    shows what it found."""
    if scope_for(request.user, AccountProject, "add") is None:
        raise PermissionDenied
    form = BipLinkForm(request.POST or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = links.link_by_bip(actor=request.user, budget_year=form.cleaned_data["budget_year"])
    return render(request, "budget/link_bip.html", {"form": form, "result": result})


# --- the project page's «Presupuesto» tab ----------------------------------------------------


def tab_visible(user) -> bool:
    """Whoever reads the budget and its links to projects gets the tab."""
    return (
        scope_for(user, BudgetYear, "view") is not None
        and scope_for(user, AccountProject, "view") is not None
    )


def project_budget_context(request, project: Project) -> dict:
    """For each linked account, newest year first: its vigente, obligado, devengado and
    pagado from the year's execution table (one table per year, not per account)."""
    user = request.user
    project_links = list(
        AccountProject.objects.for_user(user, "view")
        .filter(project=project)
        .select_related("account__version")
        .order_by("-account__version__year", "account__code")
    )
    budget_years = {
        budget_year.classifier_id: budget_year
        for budget_year in BudgetYear.objects.filter(
            classifier_id__in={link.account.version_id for link in project_links}
        )
    }
    years: dict[int, dict] = {}
    for link in project_links:
        version = link.account.version
        if version.year not in years:
            budget_year = budget_years.get(version.pk)
            table = selectors.execution_table(budget_year) if budget_year else None
            years[version.year] = {
                "year": version.year,
                "budget_year": budget_year,
                "month_name": MONTHS_ES[table.month - 1] if table and table.month else "",
                "rows": [],
                "table": table,
            }
        entry = years[version.year]
        line = entry["table"].get(link.account.code) if entry["table"] else None
        entry["rows"].append((link, line))
    return {
        "budget_years": list(years.values()),
        "can_link": may(user, "add", AccountProject, project),
        "can_unlink": may(user, "delete", AccountProject, project),
    }


def register_project_tab() -> None:
    """Add the «Presupuesto» tab to the project page (called from BudgetConfig.ready)."""
    add_project_tab(
        "presupuesto",
        "Presupuesto",
        "budget/project_budget_tab.html",
        project_budget_context,
        visible=tab_visible,
    )


urlpatterns = [
    path(
        "presupuesto/cuentas-proyectos/",
        AccountProjectListView.as_view(),
        name="accountproject_list",
    ),
    path(
        "presupuesto/cuentas-proyectos/nuevo/",
        AccountProjectCreateView.as_view(),
        name="accountproject_create",
    ),
    path(
        "presupuesto/cuentas-proyectos/<int:pk>/",
        AccountProjectDetailView.as_view(),
        name="accountproject_detail",
    ),
    path(
        "presupuesto/cuentas-proyectos/<int:pk>/eliminar/",
        AccountProjectDeleteView.as_view(),
        name="accountproject_delete",
    ),
    path(
        "presupuesto/cuentas-proyectos/vincular-por-bip/",
        accountproject_bip,
        name="accountproject_bip",
    ),
]
