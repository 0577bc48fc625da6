"""Screens of the PLADECO: plans and their tree, elements, initiatives (with their
timeline and progress reports), indicator targets, the status catalogue, the dashboard,
evaluations and the public page."""

from __future__ import annotations

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from secpla.core import generic
from secpla.core.audit import clean_text
from secpla.core.models import Directorate, Scope
from secpla.core.permissions import can, scope_for
from secpla.core.urls import crud
from secpla.planning import matrix, selectors, services
from secpla.planning.filters import (
    EvaluationFilterSet,
    IndicatorTargetFilterSet,
    InitiativeFilterSet,
    InitiativeStatusFilterSet,
    PlanFilterSet,
    PlanNodeFilterSet,
)
from secpla.planning.forms import (
    EvaluationCommentForm,
    EvaluationForm,
    IndicatorTargetForm,
    InitiativeForm,
    InitiativeStatusForm,
    PlanForm,
    PlanNodeForm,
    ProgressReportForm,
)
from secpla.planning.models import (
    Evaluation,
    EvaluationItem,
    IndicatorTarget,
    Initiative,
    InitiativeStatus,
    ParticipationActivity,
    Plan,
    PlanNode,
    Policy,
)
from secpla.planning.progress import plan_total


def _user_kwargs(self):
    return {"user": self.request.user}


def _initial_from_query(self):
    """Pre-fill plan/parent/node/initiative from the query string (links "Agregar")."""
    initial = {}
    for name in ("plan", "parent", "node", "initiative"):
        value = self.request.GET.get(name, "")
        if value.isdigit() and len(value) < 10:
            initial[name] = int(value)
    return {"user": self.request.user, "initial": initial}


# --------------------------------------------------------------------------------------
# Plans
# --------------------------------------------------------------------------------------


class PlanDetailView(generic.RecordDetailView):
    """A plan: its data, and its tree with progress bars and filters."""

    model = Plan
    url_prefix = "planning:plan"
    template_name = "planning/plan_detail.html"
    fields = [
        "name", "start_year", "end_year", "status", "level_names", "approval_agreement",
        "approval_date", "approval_decree", "description",
    ]  # fmt: skip

    def extra_context_for(self, plan):
        tree_filter = tree_filter_from_request(self.request)
        user = self.request.user
        roots = selectors.plan_tree(plan, tree_filter, user=user)
        overall, incomplete = plan_total(roots)
        return {
            "roots": roots,
            "rows": selectors.flatten(roots),
            "overall": overall,
            "weights_incomplete": incomplete,
            "tree_filter": tree_filter,
            "filter_choices": {
                "roots": plan.nodes.filter(parent__isnull=True),
                "directorates": Directorate.objects.filter(initiatives__plan=plan).distinct(),
                "statuses": InitiativeStatus.objects.all(),
                "years": range(plan.start_year, plan.end_year + 1),
            },
            "can_add_node": can(user, "add", PlanNode),
            "can_add_initiative": can(user, "add", Initiative),
            "can_import": matrix.can_import(user, plan),
            "evaluations": Evaluation.objects.for_user(user, "view").filter(plan=plan)[:10],
            "can_activate": can(user, "change", plan) and plan.status != Plan.Status.CURRENT,
        }


def tree_filter_from_request(request) -> selectors.TreeFilter:
    values = {}
    for name in ("root", "directorate", "status", "year"):
        raw = request.GET.get(name, "")
        if raw.isdigit() and len(raw) < 10:
            values[name] = int(raw)
    return selectors.TreeFilter(**values, search=clean_text(request.GET.get("q", ""))[:100])


plan_list, _, plan_create, plan_edit, plan_delete = generic.crud_views(
    Plan,
    "planning:plan",
    form=PlanForm,
    filterset=PlanFilterSet,
    columns=[
        ("name", "Nombre"),
        ("start_year", "Desde"),
        ("end_year", "Hasta"),
        ("status", "Estado"),
        ("approval_decree", "Decreto"),
    ],
    fields=[],
)


@login_required
@require_POST
def plan_activate(request, pk):
    plan = get_object_or_404(Plan.objects.for_user(request.user, "view"), pk=pk)
    if not can(request.user, "change", plan):
        raise PermissionDenied
    reason = clean_text(request.POST.get("change_reason", ""))[:500]
    try:
        services.plan_activate(actor=request.user, plan=plan, reason=reason)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{plan} es ahora el PLADECO vigente.")
    return redirect(plan.get_absolute_url())


@login_required
def plan_dashboard(request, pk):
    """Progress by eje and by directorate, with the count of initiatives per status."""
    plan = get_object_or_404(Plan.objects.for_user(request.user, "view"), pk=pk)
    return render(
        request,
        "planning/plan_dashboard.html",
        {
            "plan": plan,
            "board": selectors.dashboard(plan, user=request.user),
            "statuses": InitiativeStatus.objects.all(),
        },
    )


# --------------------------------------------------------------------------------------
# Elements of the plan (ejes, objetivos, lineamientos…)
# --------------------------------------------------------------------------------------

node_views = generic.crud_views(
    PlanNode,
    "planning:plannode",
    form=PlanNodeForm,
    filterset=PlanNodeFilterSet,
    columns=[
        ("code", "Código"),
        ("name", "Nombre"),
        ("level_name", "Nivel"),
        ("parent", "Depende de"),
        ("weight", "Peso"),
        ("plan", "PLADECO"),
    ],
    fields=["plan", "parent", "code", "name", "weight", "position", "description"],
    select_related=("plan", "parent"),
    form_kwargs=_initial_from_query,
    related_lists=[
        generic.related_list(
            "Elementos que dependen de este",
            lambda user, node: node.children.all(),
            [("code", "Código"), ("name", "Nombre"), ("weight", "Peso")],
            lambda user, node: (
                reverse("planning:plannode_create") + f"?plan={node.plan_id}&parent={node.pk}"
                if can(user, "add", PlanNode)
                else None
            ),
            model=PlanNode,
        ),
        generic.related_list(
            "Iniciativas",
            lambda user, node: node.initiatives.for_user(user, "view").select_related(
                "directorate", "status"
            ),
            [
                ("code", "Código"),
                ("name", "Nombre"),
                ("directorate.code", "Dirección"),
                ("status", "Estado"),
                ("progress", "Avance (%)"),
            ],
            lambda user, node: (
                reverse("planning:initiative_create") + f"?plan={node.plan_id}&node={node.pk}"
                if can(user, "add", Initiative)
                else None
            ),
            model=Initiative,
        ),
        generic.related_list(
            "Políticas comunales que lo sirven",
            lambda user, node: node.policies.for_user(user, "view"),
            [("name", "Política"), ("area", "Área"), ("status", "Estado")],
            model=Policy,
        ),
        generic.related_list(
            "Participación que lo informó",
            lambda user, node: node.participation.for_user(user, "view"),
            [
                ("name", "Actividad"),
                ("kind", "Tipo"),
                ("date", "Fecha"),
                ("participants", "Participantes"),
            ],
            model=ParticipationActivity,
        ),
    ],
)


# --------------------------------------------------------------------------------------
# Initiatives
# --------------------------------------------------------------------------------------


def plans_fully(user, model) -> bool:
    """May the user edit every field (Estudios), not only report progress (an Enlace)?"""
    return scope_for(user, model, "change") == Scope.ALL


class InitiativeFormView(generic.RecordFormView):
    """Create/edit an initiative; a change of status or progress adds a timeline step.

    A directorate's liaison reports through "Registrar avance" instead.
    """

    model = Initiative
    url_prefix = "planning:initiative"
    form_class = InitiativeForm
    form_kwargs = _initial_from_query

    def get_instance(self):
        instance = super().get_instance()
        if instance.pk and not plans_fully(self.request.user, Initiative):
            raise PermissionDenied("Su rol informa el avance con «Registrar avance».")
        return instance

    def save(self, obj, form, *, creating, reason):
        services.initiative_save(
            actor=self.request.user,
            initiative=obj,
            reason=reason,
            date=form.cleaned_data.get("progress_date"),
        )


initiative_list, initiative_detail, _, _, initiative_delete = generic.crud_views(
    Initiative,
    "planning:initiative",
    form=InitiativeForm,
    filterset=InitiativeFilterSet,
    columns=[
        ("code", "Código"),
        ("name", "Nombre"),
        ("kind", "Tipo"),
        ("directorate.code", "Dirección"),
        ("status", "Estado"),
        ("progress", "Avance (%)"),
        ("plan", "PLADECO"),
    ],
    export_columns=[
        ("plan", "PLADECO"),
        ("node.code", "Código del elemento"),
        ("code", "Código"),
        ("name", "Nombre"),
        ("kind", "Tipo"),
        ("directorate.code", "Dirección"),
        ("start_year", "Año inicio"),
        ("end_year", "Año término"),
        ("estimated_cost", "Costo estimado ($)"),
        ("funding_source", "Fuente de financiamiento"),
        ("status", "Estado"),
        ("progress", "Avance (%)"),
        ("indicator_name", "Indicador"),
    ],
    fields=[
        "plan",
        "node",
        "code",
        "name",
        "kind",
        "directorate",
        "weight",
        "start_year",
        "end_year",
        "estimated_cost",
        "funding_source",
        "status",
        "progress",
        "description",
    ],
    select_related=("plan", "node", "directorate", "status"),
    detail_template="planning/initiative_detail.html",
    detail_extra=lambda self, initiative: initiative_context(self.request, initiative),
    related_lists=[
        # Filled by the projects module (its projects link to initiatives).
        generic.related_list(
            "Proyectos de inversión",
            lambda user, initiative: initiative.projects.for_user(user, "view"),
            [("code", "Código"), ("name", "Nombre"), ("status", "Estado"), ("stage", "Etapa")],
            model=apps.get_model("projects", "Project"),
        ),
    ],
)


def initiative_context(request, initiative: Initiative) -> dict:
    user = request.user
    return {
        "path": [*initiative.node.ancestors(), initiative.node],
        "timeline": initiative.status_changes.select_related("status", "user").order_by(
            "-date", "-id"
        ),
        "targets": initiative.targets.all(),
        "can_report": can(user, "change", initiative),
        "can_edit": can(user, "change", initiative) and plans_fully(user, Initiative),
        "can_add_target": can(user, "add", IndicatorTarget) and bool(initiative.indicator_name),
        "can_change_target": can(user, "change", initiative)
        and scope_for(user, IndicatorTarget, "change") is not None,
        "evaluation_items": EvaluationItem.objects.filter(initiative=initiative)
        .select_related("evaluation")
        .order_by("-evaluation__as_of"),
    }


@login_required
def initiative_report(request, pk):
    """A directorate reports status, progress and a comment as of a date."""
    initiative = get_object_or_404(Initiative.objects.for_user(request.user, "view"), pk=pk)
    if not can(request.user, "change", initiative):
        raise PermissionDenied
    initial = {
        "status": initiative.status_id,
        "date": timezone.localdate(),
    }
    form = ProgressReportForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        latest = services.latest_step_date(initiative)
        try:
            services.initiative_report_progress(
                actor=request.user,
                initiative=initiative,
                status=data["status"],
                progress=data["progress"],
                date=data["date"],
                comment=data["comment"],
            )
        except ValidationError as exc:
            generic.add_validation_errors(form, exc)
        else:
            if latest is not None and data["date"] < latest:
                messages.info(
                    request,
                    f"Se registró el avance del {data['date']:%d-%m-%Y} en la línea de tiempo. "
                    f"El estado actual no cambia: hay un avance posterior ({latest:%d-%m-%Y}).",
                )
            else:
                messages.success(request, f"Avance registrado en {initiative}.")
            return redirect(initiative.get_absolute_url())
    return render(
        request, "planning/initiative_report.html", {"initiative": initiative, "form": form}
    )


# --------------------------------------------------------------------------------------
# Status catalogue and indicator targets
# --------------------------------------------------------------------------------------

status_views = generic.crud_views(
    InitiativeStatus,
    "planning:initiativestatus",
    form=InitiativeStatusForm,
    filterset=InitiativeStatusFilterSet,
    columns=[
        ("name", "Nombre"),
        ("default_progress", "Avance por defecto (%)"),
        ("position", "Orden"),
        ("is_closed", "Estado final"),
        ("counts_in_progress", "Cuenta en el avance"),
        ("is_active", "Vigente"),
    ],
    fields=["name", "default_progress", "position", "is_closed", "counts_in_progress", "is_active"],
)


class TargetFormView(generic.RecordFormView):
    """A yearly target; a directorate's liaison only records what was achieved."""

    model = IndicatorTarget
    url_prefix = "planning:indicatortarget"
    form_class = IndicatorTargetForm
    form_kwargs = _initial_from_query

    def save(self, obj, form, *, creating, reason):
        services.target_save(actor=self.request.user, target=obj, reason=reason)


target_list, target_detail, _, _, target_delete = generic.crud_views(
    IndicatorTarget,
    "planning:indicatortarget",
    form=IndicatorTargetForm,
    filterset=IndicatorTargetFilterSet,
    columns=[
        ("initiative", "Iniciativa"),
        ("initiative.indicator_name", "Indicador"),
        ("year", "Año"),
        ("target", "Meta"),
        ("achieved", "Logrado"),
    ],
    fields=["initiative", "year", "target", "achieved"],
    select_related=("initiative",),
    form_kwargs=_initial_from_query,
)


# --------------------------------------------------------------------------------------
# Evaluations
# --------------------------------------------------------------------------------------


class EvaluationFormView(generic.RecordFormView):
    model = Evaluation
    url_prefix = "planning:evaluation"
    form_class = EvaluationForm
    form_kwargs = _initial_from_query

    def get_instance(self):
        instance = super().get_instance()
        if instance.pk and not instance.is_open:
            raise PermissionDenied("La evaluación está cerrada.")
        return instance

    def save(self, obj, form, *, creating, reason):
        if creating:
            services.evaluation_create(actor=self.request.user, evaluation=obj, reason=reason)
        else:
            super().save(obj, form, creating=creating, reason=reason)


class EvaluationDeleteView(generic.RecordDeleteView):
    """Only an open evaluation can be deleted: a closed one is part of the record."""

    model = Evaluation
    url_prefix = "planning:evaluation"

    def get_target(self):
        evaluation = super().get_target()
        if not evaluation.is_open:
            raise PermissionDenied("Una evaluación cerrada no se elimina.")
        return evaluation


evaluation_list, *_ = generic.crud_views(
    Evaluation,
    "planning:evaluation",
    form=EvaluationForm,
    filterset=EvaluationFilterSet,
    columns=[
        ("name", "Nombre"),
        ("plan", "PLADECO"),
        ("as_of", "Fecha de corte"),
        ("status", "Estado"),
    ],
    fields=[],
    select_related=("plan",),
)


class EvaluationDetailView(generic.RecordDetailView):
    model = Evaluation
    url_prefix = "planning:evaluation"
    template_name = "planning/evaluation_detail.html"
    fields = ["plan", "name", "as_of", "status", "notes", "closed_at"]

    def get(self, request, *args, **kwargs):
        if request.GET.get("export") == "xlsx":
            return evaluation_export(request, self.get_object())
        return super().get(request, *args, **kwargs)

    def extra_context_for(self, evaluation):
        user = self.request.user
        items = list(evaluation.items.select_related("directorate"))
        directorates = sorted(
            {i.directorate for i in items if i.directorate_id}, key=lambda d: d.code
        )
        directorate = self.request.GET.get("directorate", "")
        if directorate.isdigit():
            keep = {
                i.code for i in items if i.is_initiative and i.directorate_id == int(directorate)
            }
            items = [i for i in items if not i.is_initiative or i.code in keep]
        editable = set()
        if evaluation.is_open and scope_for(user, EvaluationItem, "change") is not None:
            editable = set(
                EvaluationItem.objects.for_user(user, "change")
                .filter(evaluation=evaluation, is_initiative=True)
                .values_list("pk", flat=True)
            )
        roots = [i for i in items if i.depth == 0]
        overall = None
        if roots:
            from secpla.planning.progress import combine

            overall, _ = combine((r.progress, r.weight) for r in roots)
        return {
            "items": items,
            "editable": editable,
            "overall": overall,
            "others": evaluation.plan.evaluations.exclude(pk=evaluation.pk),
            "directorates": directorates,
            "can_close": evaluation.is_open and can(user, "change", evaluation),
            "pending_comments": sum(1 for i in items if i.is_initiative and not i.comment.strip()),
        }


def evaluation_export(request, evaluation: Evaluation):
    """The frozen evaluation as a spreadsheet (same rows as the screen)."""
    from secpla.core.generic import RecordListView

    view = RecordListView()
    view.model = EvaluationItem
    view.title_plural = f"Evaluación {evaluation.as_of:%d-%m-%Y}"
    view.export_columns = [
        ("level_name", "Nivel"),
        ("code", "Código"),
        ("name", "Nombre"),
        ("parent_code", "Código superior"),
        ("weight", "Peso"),
        ("directorate.code", "Dirección"),
        ("status_name", "Estado"),
        ("progress", "Avance (%)"),
        ("comment", "Comentario de la dirección"),
    ]
    return view.export(evaluation.items.select_related("directorate"), "xlsx")


@login_required
def evaluation_comment(request, pk):
    item = get_object_or_404(
        EvaluationItem.objects.for_user(request.user, "view").select_related("evaluation"), pk=pk
    )
    if not (item.evaluation.is_open and item.is_initiative and can(request.user, "change", item)):
        raise PermissionDenied
    form = EvaluationCommentForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        try:
            services.evaluation_comment(
                actor=request.user, item=item, comment=form.cleaned_data["comment"]
            )
        except ValidationError as exc:
            generic.add_validation_errors(form, exc)
        else:
            messages.success(request, f"Comentario guardado en {item.code}.")
            return redirect(item.get_absolute_url())
    return render(request, "planning/evaluation_comment.html", {"item": item, "form": form})


@login_required
@require_POST
def evaluation_close(request, pk):
    evaluation = get_object_or_404(Evaluation.objects.for_user(request.user, "view"), pk=pk)
    if not can(request.user, "change", evaluation):
        raise PermissionDenied
    try:
        services.evaluation_close(
            actor=request.user,
            evaluation=evaluation,
            reason=clean_text(request.POST.get("change_reason", ""))[:500],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Evaluación cerrada: {evaluation}.")
    return redirect(evaluation.get_absolute_url())


@login_required
def evaluation_compare(request, pk):
    """Two evaluations side by side: what moved between them."""
    evaluation = get_object_or_404(Evaluation.objects.for_user(request.user, "view"), pk=pk)
    others = Evaluation.objects.for_user(request.user, "view").filter(plan=evaluation.plan)
    other_pk = request.GET.get("con", "")
    other = (
        others.exclude(pk=evaluation.pk).filter(pk=other_pk).first() if other_pk.isdigit() else None
    )
    rows = []
    if other is not None:
        first, second = sorted([other, evaluation], key=lambda e: (e.as_of, e.pk))
        rows = selectors.compare_evaluations(first, second)
    else:
        first = second = None
    only_moved = request.GET.get("solo_cambios") == "1"
    if only_moved:
        rows = [row for row in rows if row.moved]
    return render(
        request,
        "planning/evaluation_compare.html",
        {
            "evaluation": evaluation,
            "others": others.exclude(pk=evaluation.pk),
            "first": first,
            "second": second,
            "rows": rows,
            "only_moved": only_moved,
            "moved": sum(1 for row in rows if row.moved),
        },
    )


# --------------------------------------------------------------------------------------
# Public page: the current plan's progress, no personal data, no internal notes
# --------------------------------------------------------------------------------------


def public_plan(request, pk=None):
    plans = Plan.objects.exclude(status=Plan.Status.DRAFT)
    if pk is None:
        plan = plans.filter(status=Plan.Status.CURRENT).first()
        if plan is None:
            raise Http404("No hay un PLADECO vigente publicado.")
    else:
        plan = get_object_or_404(plans, pk=pk)
    roots = selectors.plan_tree(plan)
    overall, _ = plan_total(roots)
    return render(
        request,
        "planning/public_plan.html",
        {
            "plan": plan,
            "rows": selectors.flatten(roots),
            "overall": overall,
            "board": selectors.dashboard(plan),
            "other_plans": plans.exclude(pk=plan.pk).annotate(n=Count("initiatives")),
        },
    )


urlpatterns = [
    *crud(
        "plan",
        "pladeco",
        (plan_list, PlanDetailView, plan_create, plan_edit, plan_delete),
    ),
    path("pladeco/<int:pk>/vigente/", plan_activate, name="plan_activate"),
    path("pladeco/<int:pk>/tablero/", plan_dashboard, name="plan_dashboard"),
    *crud("plannode", "pladeco/elementos", node_views),
    *crud(
        "initiative",
        "pladeco/iniciativas",
        (
            initiative_list,
            initiative_detail,
            InitiativeFormView,
            InitiativeFormView,
            initiative_delete,
        ),
    ),
    path("pladeco/iniciativas/<int:pk>/avance/", initiative_report, name="initiative_report"),
    *crud("initiativestatus", "pladeco/estados", status_views),
    *crud(
        "indicatortarget",
        "pladeco/metas",
        (target_list, target_detail, TargetFormView, TargetFormView, target_delete),
    ),
    *crud(
        "evaluation",
        "pladeco/evaluaciones",
        (
            evaluation_list,
            EvaluationDetailView,
            EvaluationFormView,
            EvaluationFormView,
            EvaluationDeleteView,
        ),
    ),
    path("pladeco/evaluaciones/<int:pk>/cerrar/", evaluation_close, name="evaluation_close"),
    path("pladeco/evaluaciones/<int:pk>/comparar/", evaluation_compare, name="evaluation_compare"),
    path(
        "pladeco/evaluaciones/comentario/<int:pk>/", evaluation_comment, name="evaluation_comment"
    ),
    path("publico/pladeco/", public_plan, name="public_plan"),
    path("publico/pladeco/<int:pk>/", public_plan, name="public_plan_detail"),
]
