"""Screens of the investment portfolio: the list (filters, totals, export), the project
page (data, status timeline, funding, applications, RATE, progress with the S-curve,
documents, history), the sub-record screens, the funding-source catalogue and the
portfolio settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import django_filters as filters
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.views.decorators.http import require_POST

from secpla.core import generic
from secpla.core import services as core_services
from secpla.core.audit import clean_text
from secpla.core.models import Scope
from secpla.core.permissions import can, scope_for
from secpla.core.urls import crud
from secpla.projects import selectors, services, workflow
from secpla.projects.filters import (
    FundingApplicationFilterSet,
    FundingSourceFilterSet,
    ProgressReportFilterSet,
    ProjectFilterSet,
)
from secpla.projects.forms import (
    ApplicationNoteForm,
    FundingApplicationForm,
    FundingLineForm,
    FundingSourceForm,
    MilestoneForm,
    PaymentForm,
    PortfolioSettingsForm,
    ProgressReportForm,
    ProjectForm,
    RateResultForm,
    TransitionForm,
)
from secpla.projects.models import (
    ApplicationNote,
    FundingApplication,
    FundingLine,
    FundingSource,
    Milestone,
    Payment,
    PortfolioSettings,
    ProgressReport,
    Project,
    RateResult,
)
from secpla.projects.transfer import can_import as transfer_can_import


def _user_kwargs(self):
    return {"user": self.request.user}


def _initial_from_query(self):
    """Pre-fill the project from ?project=<id> (the "Agregar" links of the project page)."""
    initial = {}
    value = self.request.GET.get("project", "")
    if value.isdigit() and len(value) < 10:
        initial["project"] = int(value)
    return {"user": self.request.user, "initial": initial}


def may(user, action: str, model, project: Project) -> bool:
    """May `user` do `action` on `model` records of this project? (no query)"""
    scope = scope_for(user, model, action)
    if scope == Scope.ALL:
        return True
    return scope == Scope.DIRECTORATE and user.directorate_id == project.directorate_id


# --------------------------------------------------------------------------------------
# Projects: the list
# --------------------------------------------------------------------------------------

FUNDING_TOTAL = Coalesce(
    Subquery(
        FundingLine.objects.filter(project=OuterRef("pk"))
        .order_by()
        .values("project")
        .annotate(total=Sum("amount"))
        .values("total")
    ),
    0,
)

PROJECT_COLUMNS = [
    ("code", "Código"),
    ("name", "Nombre"),
    ("bip_code", "Código BIP"),
    ("stage", "Etapa"),
    ("status", "Estado"),
    ("directorate.code", "Dirección"),
    ("funding_total", "Financiamiento total ($)"),
]


def flag_badges(labels: list[str]):
    if not labels:
        return ""
    return format_html_join(
        " ",
        '<span class="badge text-bg-{}" data-testid="flag">{}</span>',
        (("danger" if label == "atrasado" else "warning", label) for label in labels),
    )


(
    project_list_base,
    _project_detail,
    _project_create,
    _project_edit,
    project_delete,
) = generic.crud_views(
    Project,
    "projects:project",
    form=ProjectForm,
    filterset=ProjectFilterSet,
    columns=PROJECT_COLUMNS,
    export_columns=[
        *PROJECT_COLUMNS,
        ("flag_text", "Alertas"),
        ("kind", "Tipología"),
        ("description", "Descripción"),
        ("territory", "Territorio"),
        ("estimated_cost", "Costo total estimado ($)"),
        ("responsible", "Profesional responsable"),
        ("status_since", "En este estado desde"),
    ],
    fields=[],
)


class ProjectListView(project_list_base):
    """The portfolio: filtered projects with their alerts, and above the table the totals
    of the filtered rows by source and by status. Same number of queries for any size."""

    title_plural = "Cartera de proyectos"
    money_columns = ("funding_total", "estimated_cost")

    def get_queryset(self):
        return selectors.with_progress(super().get_queryset()).annotate(funding_total=FUNDING_TOTAL)

    def export(self, queryset, kind):
        today = timezone.localdate()
        days = PortfolioSettings.current().days_without_report
        rows = list(queryset)
        for project in rows:
            project.flag_text = ", ".join(selectors.flags(project, today, days).labels)
        return super().export(rows, kind)

    def render_to_response(self, context, **response_kwargs):
        today = timezone.localdate()
        days = PortfolioSettings.current().days_without_report
        context["columns"] = [*context["columns"], ("flags", "Alertas")]
        for project, values in context["rows"]:
            values.append(flag_badges(selectors.flags(project, today, days).labels))
        year = self.filterset.form.cleaned_data.get("year") if self.filterset.is_valid() else None
        context["summary"] = selectors.totals(self.filtered_queryset(), year=year)
        context["summary_year"] = int(year) if year else None
        context["summary_template"] = "projects/_portfolio_summary.html"
        context["actions_template"] = "projects/_portfolio_actions.html"
        context["can_import"] = transfer_can_import(self.request.user)
        return super().render_to_response(context, **response_kwargs)


class ProjectFormView(generic.RecordFormView):
    """Create (through services.project_create: code and first status) or edit."""

    model = Project
    url_prefix = "projects:project"
    form_class = ProjectForm
    form_kwargs = _user_kwargs

    def save(self, obj, form, *, creating, reason):
        if not creating:
            return super().save(obj, form, creating=creating, reason=reason)
        user = self.request.user
        with transaction.atomic():
            services.project_create(actor=user, project=obj, reason=reason)
            initiatives = form.cleaned_data.get("initiatives") or []
            if initiatives:
                core_services.record_set_links(
                    actor=user, instance=obj, field="initiatives", values=initiatives,
                    reason=reason,
                )  # fmt: skip


# --------------------------------------------------------------------------------------
# Projects: the page
# --------------------------------------------------------------------------------------

TABS = [
    ("datos", "Datos"),
    ("estado", "Estado"),
    ("financiamiento", "Financiamiento"),
    ("postulaciones", "Postulaciones"),
    ("rate", "RATE"),
    ("avance", "Avance"),
    ("documentos", "Documentos"),
    ("historial", "Historial"),
]


@dataclass(frozen=True)
class ProjectTab:
    """A tab another module adds to the project page (see `register_project_tab`)."""

    key: str
    label: str
    template: str
    context: Callable  # (request, project) -> dict; called only while the tab is open
    visible: Callable  # (user) -> bool: whether the user gets the tab at all


EXTRA_TABS: list[ProjectTab] = []


def register_project_tab(key, label, template, context_fn, *, visible=None) -> None:
    """Add a tab to the project page, before Documentos. Modules call this from their
    AppConfig.ready(), so the projects module needs not know them; registering a key
    again replaces the tab."""
    if key in dict(TABS):
        raise ValueError(f"The project page already has a tab {key!r}")
    tab = ProjectTab(key, label, template, context_fn, visible or (lambda user: True))
    EXTRA_TABS[:] = [t for t in EXTRA_TABS if t.key != key] + [tab]


def tabs_for(user) -> list[tuple[str, str]]:
    """The project page's tabs for this user: the fixed ones and the modules' own."""
    extra = [(t.key, t.label) for t in EXTRA_TABS if t.visible(user)]
    cut = [key for key, _ in TABS].index("documentos")
    return [*TABS[:cut], *extra, *TABS[cut:]]


class ProjectDetailView(generic.RecordDetailView):
    model = Project
    url_prefix = "projects:project"
    template_name = "projects/project_detail.html"
    title_plural = "Cartera de proyectos"
    fields = [
        "code", "name", "kind", "bip_code", "stage", "status", "status_since", "directorate",
        "responsible", "territory", "description",
    ]  # fmt: skip

    def get_object(self):
        return get_object_or_404(
            selectors.with_progress(self.visible("view")), pk=self.kwargs["pk"]
        )

    def extra_context_for(self, project):
        return project_context(self.request, project, self.request.GET.get("tab", "datos"))


def project_context(request, project: Project, tab: str, transition_form=None) -> dict:
    from secpla.planning.models import Initiative

    user = request.user
    today = timezone.localdate()
    days = PortfolioSettings.current().days_without_report
    context = {
        "tabs": tabs_for(user),
        "flags": selectors.flags(project, today, days),
        "days_without_report": days,
        "total_funding": selectors.total_funding(project),
        "can_move": can(user, "change", project),
    }
    add = {
        name: may(user, "add", model, project)
        for name, model in (
            ("fundingline", FundingLine), ("rateresult", RateResult),
            ("fundingapplication", FundingApplication), ("milestone", Milestone),
            ("progressreport", ProgressReport), ("payment", Payment),
        )
    }  # fmt: skip
    change = {
        name: may(user, "change", model, project)
        for name, model in (
            ("fundingline", FundingLine), ("rateresult", RateResult),
            ("milestone", Milestone), ("progressreport", ProgressReport), ("payment", Payment),
        )
    }  # fmt: skip
    context["can_add_sub"], context["can_change_sub"] = add, change
    if tab == "datos":
        context["initiatives"] = (
            Initiative.objects.for_user(user, "view")
            .filter(projects=project)
            .select_related("plan", "directorate")
        )
        context["hidden_initiatives"] = project.initiatives.count() - len(context["initiatives"])
    elif tab == "estado":
        context["timeline"] = project.status_changes.select_related("user").order_by("-date", "-id")
        context["allowed"] = [workflow.Status(s) for s in workflow.allowed(project.status)]
        context["transition_form"] = transition_form or TransitionForm(
            project=project, initial={"date": today}
        )
    elif tab == "financiamiento":
        table = selectors.funding_by_year(project)
        sources = sorted({code for row in table.values() for code in row})
        context["funding_sources"] = sources
        context["funding_rows"] = [
            (year, [row.get(code) for code in sources], sum(row.values()))
            for year, row in table.items()
        ]
        context["funding_by_source"] = [
            sum(row.get(code, 0) for row in table.values()) for code in sources
        ]
        context["can_delete_line"] = may(user, "delete", FundingLine, project)
        context["funding_lines"] = sorted(
            project.funding.all(), key=lambda line: (line.year, line.source.code)
        )
    elif tab == "postulaciones":
        context["applications"] = (
            project.applications.select_related("source").prefetch_related("notes_log").all()
        )
        context["can_add_note"] = may(user, "add", ApplicationNote, project)
    elif tab == "rate":
        context["rates"] = project.rates.order_by("-date", "-id")
    elif tab == "avance":
        context["curve"] = selectors.s_curve(project)
        context["planned_today"] = selectors.planned_percent(project, today)
        context["actual_today"] = selectors.actual_percent(project, today)
        context["paid_total"] = sum(p.amount for p in project.payments.all())
    else:
        extra = next((t for t in EXTRA_TABS if t.key == tab and t.visible(user)), None)
        if extra is not None:
            context["extra_tab_template"] = extra.template
            context.update(extra.context(request, project))
    return context


@login_required
@require_POST
def project_transition(request, pk):
    """Change the status: only what the workflow allows; a refusal is shown in Spanish."""
    project = get_object_or_404(Project.objects.for_user(request.user, "view"), pk=pk)
    if not can(request.user, "change", project):
        raise PermissionDenied
    form = TransitionForm(request.POST, project=project)
    url = project.get_absolute_url() + "?tab=estado"
    if not form.is_valid():
        messages.error(request, "No se cambió el estado: " + generic.form_errors_text(form))
        return redirect(url)
    data = form.cleaned_data
    try:
        project = services.project_transition(
            actor=request.user,
            project=project,
            to_status=data["to_status"],
            date=data["date"],
            comment=clean_text(data["comment"]),
        )
    except ValidationError as exc:
        messages.error(request, "No se cambió el estado. " + " ".join(exc.messages))
    else:
        messages.success(request, f"{project} pasó a «{project.get_status_display()}».")
    return redirect(url)


# --------------------------------------------------------------------------------------
# Records of a project (funding, RATE, applications, schedule, progress, payments)
# --------------------------------------------------------------------------------------


class ChildDeleteView(generic.RecordDeleteView):
    """Delete a project's record and go back to the project page."""

    def post(self, request, *args, **kwargs):
        obj = self.get_target()
        target = obj.get_absolute_url()
        if isinstance(obj, FundingApplication | ProgressReport):
            target = obj.project.get_absolute_url() + (
                "?tab=postulaciones" if isinstance(obj, FundingApplication) else "?tab=avance"
            )
        reason = clean_text(request.POST.get("change_reason", ""))[:500]
        label = str(obj)
        try:
            core_services.record_delete(actor=request.user, instance=obj, reason=reason)
        except ValidationError as exc:
            return self.render_to_response(
                {**self.base_context(), "object": obj, "error": exc.messages[0]}
            )
        messages.success(request, f"Se eliminó {self.opts().verbose_name}: {label}.")
        return redirect(target)


def project_filterset(model_class, extra_fields=()):
    meta = type("Meta", (), {"model": model_class, "fields": ["project", *extra_fields]})
    return type(f"{model_class.__name__}FilterSet", (filters.FilterSet,), {"Meta": meta})


def child_views(model, prefix, *, form, columns, fields, filterset=None, **extra):
    views = generic.crud_views(
        model,
        f"projects:{prefix}",
        form=form,
        filterset=filterset or project_filterset(model),
        columns=[("project.code", "Proyecto"), *columns],
        export_columns=[("project.code", "Proyecto"), ("project.name", "Nombre del proyecto"),
                        *columns],
        fields=["project", *fields],
        select_related=("project",),
        form_kwargs=_initial_from_query,
        **extra,
    )  # fmt: skip
    list_view, detail_view, create_view, edit_view, _ = views
    delete_view = type(
        f"{model.__name__}DeleteView",
        (ChildDeleteView,),
        {"model": model, "url_prefix": f"projects:{prefix}"},
    )
    return list_view, detail_view, create_view, edit_view, delete_view


fundingline_views = child_views(
    FundingLine,
    "fundingline",
    form=FundingLineForm,
    filterset=project_filterset(FundingLine, ("source", "year")),
    columns=[
        ("source", "Fuente"),
        ("year", "Año"),
        ("amount", "Monto ($)"),
        ("is_confirmed", "Comprometido"),
    ],
    fields=["source", "year", "amount", "is_confirmed"],
)
rateresult_views = child_views(
    RateResult,
    "rateresult",
    form=RateResultForm,
    filterset=project_filterset(RateResult, ("result", "year")),
    columns=[
        ("date", "Fecha"),
        ("result", "Resultado"),
        ("year", "Año presupuestario"),
        ("evaluator", "Evaluado por"),
    ],
    fields=["date", "result", "year", "evaluator", "observations"],
)
milestone_views = child_views(
    Milestone,
    "milestone",
    form=MilestoneForm,
    columns=[
        ("name", "Hito"),
        ("planned_date", "Fecha planificada"),
        ("planned_percent", "Avance planificado (%)"),
        ("planned_amount", "Gasto acumulado planificado ($)"),
        ("actual_date", "Fecha real"),
    ],
    fields=["name", "planned_date", "planned_percent", "planned_amount", "actual_date"],
)
progressreport_views = child_views(
    ProgressReport,
    "progressreport",
    form=ProgressReportForm,
    filterset=ProgressReportFilterSet,
    columns=[("date", "Fecha"), ("percent", "Avance (%)"), ("comment", "Comentario")],
    fields=["date", "percent", "comment"],
)
payment_views = child_views(
    Payment,
    "payment",
    form=PaymentForm,
    filterset=project_filterset(Payment, ("source",)),
    columns=[
        ("date", "Fecha"),
        ("amount", "Monto ($)"),
        ("source", "Fuente"),
        ("description", "Concepto"),
    ],
    fields=["date", "amount", "source", "description"],
)


def application_context(self, application):
    user = self.request.user
    return {
        "notes": application.notes_log.all(),
        "can_add_note": can(user, "view", application)
        and may(user, "add", ApplicationNote, application.project),
    }


fundingapplication_views = child_views(
    FundingApplication,
    "fundingapplication",
    form=FundingApplicationForm,
    filterset=FundingApplicationFilterSet,
    columns=[
        ("source", "Fondo"),
        ("call", "Convocatoria"),
        ("submitted_on", "Postulación"),
        ("amount_requested", "Monto solicitado ($)"),
        ("result", "Resultado"),
        ("result_date", "Fecha del resultado"),
        ("amount_granted", "Monto aprobado ($)"),
    ],
    fields=[
        "source",
        "call",
        "submitted_on",
        "amount_requested",
        "result",
        "result_date",
        "amount_granted",
        "notes",
    ],
    detail_template="projects/fundingapplication_detail.html",
    detail_extra=application_context,
)
for _views in (fundingline_views, milestone_views, payment_views, fundingapplication_views):
    _views[0].money_columns = ("amount", "planned_amount", "amount_requested", "amount_granted")


@login_required
def applicationnote_create(request, pk):
    """Add an observation received from the fund, or the reply sent, to an application."""
    application = get_object_or_404(
        FundingApplication.objects.for_user(request.user, "view").select_related("project"),
        pk=pk,
    )
    if not may(request.user, "add", ApplicationNote, application.project):
        raise PermissionDenied
    form = ApplicationNoteForm(request.POST or None, initial={"date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        note = form.save(commit=False)
        note.application = application
        try:
            core_services.record_create(actor=request.user, instance=note)
        except ValidationError as exc:
            generic.add_validation_errors(form, exc)
        else:
            messages.success(request, f"Se agregó: {note}.")
            return redirect(application.get_absolute_url())
    return render(
        request, "projects/applicationnote_form.html", {"application": application, "form": form}
    )


# --------------------------------------------------------------------------------------
# Funding-source catalogue and portfolio settings
# --------------------------------------------------------------------------------------

fundingsource_views = generic.crud_views(
    FundingSource,
    "projects:fundingsource",
    form=FundingSourceForm,
    filterset=FundingSourceFilterSet,
    columns=[
        ("code", "Sigla"),
        ("name", "Nombre"),
        ("institution", "Institución"),
        ("is_external", "Externa"),
        ("is_active", "Vigente"),
    ],
    fields=["code", "name", "institution", "description", "is_external", "is_active"],
)


@login_required
def portfolio_settings(request):
    """The portfolio's parameters: everyone with access reads them; those allowed edit."""
    if scope_for(request.user, PortfolioSettings, "view") is None:
        raise PermissionDenied
    current = PortfolioSettings.current()
    adding = current._state.adding
    may_change = scope_for(request.user, PortfolioSettings, "add" if adding else "change") == (
        Scope.ALL
    )
    form = None
    if may_change:
        form = PortfolioSettingsForm(request.POST or None, instance=current)
    elif request.method == "POST":
        raise PermissionDenied
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        reason = form.cleaned_data.get("change_reason", "")
        try:
            if adding:
                core_services.record_create(actor=request.user, instance=obj, reason=reason)
            else:
                core_services.record_update(actor=request.user, instance=obj, reason=reason)
        except ValidationError as exc:
            generic.add_validation_errors(form, exc)
        else:
            messages.success(request, "Se guardaron los parámetros de la cartera.")
            return redirect(reverse("projects:settings"))
    return render(request, "projects/settings.html", {"settings_row": current, "form": form})


urlpatterns = [
    *crud(
        "project",
        "cartera",
        (ProjectListView, ProjectDetailView, ProjectFormView, ProjectFormView, project_delete),
    ),
    path("cartera/<int:pk>/estado/", project_transition, name="project_transition"),
    path("cartera/parametros/", portfolio_settings, name="settings"),
    *crud("fundingsource", "cartera/fuentes", fundingsource_views),
    *crud("fundingline", "cartera/financiamiento", fundingline_views),
    *crud("rateresult", "cartera/rate", rateresult_views),
    *crud("fundingapplication", "cartera/postulaciones", fundingapplication_views),
    path(
        "cartera/postulaciones/<int:pk>/observaciones/nueva/",
        applicationnote_create,
        name="applicationnote_create",
    ),
    *crud("milestone", "cartera/hitos", milestone_views),
    *crud("progressreport", "cartera/avances", progressreport_views),
    *crud("payment", "cartera/pagos", payment_views),
]
