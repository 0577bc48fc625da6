"""REST API of the planning module under /api/v1/planning/. Reads are scoped like the
screens; writes go through the services (validation, permission, change log)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from secpla.core.api import ScopedViewSetMixin
from secpla.core.models import Directorate, User
from secpla.planning import services
from secpla.planning.filters import (
    CouncilAgreementFilterSet,
    EvaluationFilterSet,
    IndicatorTargetFilterSet,
    InitiativeFilterSet,
    InitiativeStatusFilterSet,
    ParticipationActivityFilterSet,
    PlanFilterSet,
    PlanNodeFilterSet,
    PolicyFilterSet,
    TaskFilterSet,
)
from secpla.planning.models import (
    CouncilAgreement,
    Evaluation,
    EvaluationItem,
    IndicatorTarget,
    Initiative,
    InitiativeStatus,
    ParticipationActivity,
    Plan,
    PlanNode,
    Policy,
    Task,
)
from secpla.planning.selectors import TreeFilter, plan_total, plan_tree, tree_as_dict


def register(router) -> None:
    router.register("planning/plans", PlanViewSet, basename="plan")
    router.register("planning/plan-nodes", PlanNodeViewSet, basename="plannode")
    router.register("planning/initiatives", InitiativeViewSet, basename="initiative")
    router.register(
        "planning/initiative-statuses", InitiativeStatusViewSet, basename="initiativestatus"
    )
    router.register(
        "planning/indicator-targets", IndicatorTargetViewSet, basename="indicatortarget"
    )
    router.register("planning/evaluations", EvaluationViewSet, basename="evaluation")
    router.register(
        "planning/participation-activities",
        ParticipationActivityViewSet,
        basename="participationactivity",
    )
    router.register("planning/policies", PolicyViewSet, basename="policy")
    router.register(
        "planning/council-agreements", CouncilAgreementViewSet, basename="councilagreement"
    )
    router.register("planning/tasks", TaskViewSet, basename="task")


ACTIVE_DIRECTORATES = Directorate.objects.filter(is_active=True)


# --------------------------------------------------------------------------------------
# PLADECO
# --------------------------------------------------------------------------------------


class PlanSerializer(serializers.ModelSerializer):
    levels = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Plan
        fields = [
            "id", "name", "start_year", "end_year", "status", "level_names", "levels",
            "approval_agreement", "approval_date", "approval_decree", "description",
        ]  # fmt: skip


class TreeNodeSerializer(serializers.Serializer):
    """Documentation of the tree's shape (the response is built by selectors)."""

    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()
    depth = serializers.IntegerField()
    is_initiative = serializers.BooleanField()
    weight = serializers.FloatField(allow_null=True)
    progress = serializers.FloatField(
        allow_null=True, help_text="0 a 100; null cuando no hay información."
    )
    initiatives = serializers.IntegerField()
    initiatives_with_information = serializers.IntegerField()
    children = serializers.ListField(child=serializers.DictField())


class PlanViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = Plan.objects.all()
    serializer_class = PlanSerializer
    filterset_class = PlanFilterSet

    @extend_schema(
        summary="El plan como árbol con su avance",
        parameters=[
            OpenApiParameter("directorate", OpenApiTypes.INT, description="id de la dirección"),
            OpenApiParameter("status", OpenApiTypes.INT, description="id del estado"),
            OpenApiParameter("year", OpenApiTypes.INT, description="iniciativas vigentes ese año"),
            OpenApiParameter("root", OpenApiTypes.INT, description="id de un eje"),
        ],
        responses=TreeNodeSerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def tree(self, request, pk=None):
        """The plan as nested nodes: code, name, level, progress (0–100 or null), children."""
        plan = self.get_object()
        tree_filter = tree_filter_from(request.query_params)
        roots = plan_tree(plan, tree_filter, user=request.user)
        progress, incomplete = plan_total(roots)
        return Response(
            {
                "plan": plan.pk,
                "name": plan.name,
                "progress": float(progress) if progress is not None else None,
                "weights_incomplete": incomplete,
                "children": [tree_as_dict(root) for root in roots],
            }
        )


def tree_filter_from(params) -> TreeFilter:
    values = {}
    for name in ("root", "directorate", "status", "year"):
        raw = params.get(name, "")
        if raw in ("", None):
            continue
        if not str(raw).isdigit() or len(str(raw)) >= 10:
            raise ValidationError({name: "Debe ser un número entero positivo."})
        values[name] = int(raw)
    return TreeFilter(**values, search=str(params.get("q", "")).strip()[:100])


class FixedPlanMixin:
    """An element or initiative never moves to another PLADECO: export and import it."""

    def validate_plan(self, plan):
        if self.instance is not None and plan.pk != self.instance.plan_id:
            raise ValidationError("No se puede cambiar el PLADECO de un registro existente.")
        return plan


class PlanNodeSerializer(FixedPlanMixin, serializers.ModelSerializer):
    level = serializers.CharField(source="level_name", read_only=True)

    class Meta:
        model = PlanNode
        fields = [
            "id", "plan", "parent", "code", "name", "description", "weight", "depth", "level",
            "position",
        ]  # fmt: skip
        read_only_fields = ["depth"]


class PlanNodeViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = PlanNode.objects.all()
    serializer_class = PlanNodeSerializer
    filterset_class = PlanNodeFilterSet
    select_related = ("plan",)


class InitiativeSerializer(FixedPlanMixin, serializers.ModelSerializer):
    directorate = serializers.PrimaryKeyRelatedField(
        queryset=ACTIVE_DIRECTORATES, label="dirección responsable"
    )
    status_name = serializers.CharField(source="status.name", read_only=True, default=None)

    class Meta:
        model = Initiative
        fields = [
            "id", "plan", "node", "code", "name", "kind", "description", "directorate",
            "weight", "start_year", "end_year", "estimated_cost", "funding_source", "status",
            "status_name", "progress", "indicator_name", "indicator_unit",
            "indicator_baseline", "indicator_baseline_year", "position",
        ]  # fmt: skip


class InitiativeViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    """Initiatives. A change of status or progress adds a step to the timeline."""

    queryset = Initiative.objects.all()
    serializer_class = InitiativeSerializer
    filterset_class = InitiativeFilterSet
    select_related = ("plan", "node", "directorate", "status")

    def perform_create(self, serializer):
        initiative = Initiative(**serializer.validated_data)
        services.initiative_save(
            actor=self.request.user, initiative=initiative, reason=self._reason()
        )
        serializer.instance = initiative

    def perform_update(self, serializer):
        initiative = serializer.instance
        for key, value in serializer.validated_data.items():
            setattr(initiative, key, value)
        services.initiative_save(
            actor=self.request.user, initiative=initiative, reason=self._reason()
        )


class InitiativeStatusSerializer(serializers.ModelSerializer):
    class Meta:
        model = InitiativeStatus
        fields = [
            "id",
            "name",
            "default_progress",
            "position",
            "is_closed",
            "counts_in_progress",
            "is_active",
        ]


class InitiativeStatusViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = InitiativeStatus.objects.all()
    serializer_class = InitiativeStatusSerializer
    filterset_class = InitiativeStatusFilterSet


class IndicatorTargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = IndicatorTarget
        fields = ["id", "initiative", "year", "target", "achieved"]


class IndicatorTargetViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = IndicatorTarget.objects.all()
    serializer_class = IndicatorTargetSerializer
    filterset_class = IndicatorTargetFilterSet
    select_related = ("initiative",)

    def perform_update(self, serializer):
        target = serializer.instance
        for key, value in serializer.validated_data.items():
            setattr(target, key, value)
        services.target_save(actor=self.request.user, target=target, reason=self._reason())


class EvaluationItemSerializer(serializers.ModelSerializer):
    directorate = serializers.CharField(source="directorate.code", default=None)

    class Meta:
        model = EvaluationItem
        fields = [
            "code", "name", "parent_code", "depth", "level_name", "is_initiative", "weight",
            "directorate", "status_name", "progress", "comment",
        ]  # fmt: skip


class EvaluationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Evaluation
        fields = ["id", "plan", "name", "as_of", "status", "notes", "closed_at"]
        read_only_fields = ["status", "closed_at"]


class EvaluationViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    """Evaluations: creating one freezes the plan as of its cut-off date."""

    queryset = Evaluation.objects.all()
    serializer_class = EvaluationSerializer
    filterset_class = EvaluationFilterSet
    select_related = ("plan",)
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def perform_create(self, serializer):
        evaluation = Evaluation(**serializer.validated_data)
        services.evaluation_create(
            actor=self.request.user, evaluation=evaluation, reason=self._reason()
        )
        serializer.instance = evaluation

    def perform_update(self, serializer):
        evaluation = serializer.instance
        data = serializer.validated_data
        if not evaluation.is_open:
            raise ValidationError({"detail": "La evaluación está cerrada."})
        if any(key in data and data[key] != getattr(evaluation, key) for key in ("plan", "as_of")):
            raise ValidationError(
                {"as_of": "El plan y la fecha de corte de una evaluación no cambian."}
            )
        super().perform_update(serializer)

    def perform_destroy(self, instance):
        if not instance.is_open:
            raise ValidationError({"detail": "Una evaluación cerrada no se elimina."})
        super().perform_destroy(instance)

    @extend_schema(
        summary="Ítems congelados de la evaluación", responses=EvaluationItemSerializer(many=True)
    )
    @action(detail=True, methods=["get"])
    def items(self, request, pk=None):
        evaluation = self.get_object()
        items = evaluation.items.select_related("directorate")
        return Response(EvaluationItemSerializer(items, many=True).data)


# --------------------------------------------------------------------------------------
# Participation and policies
# --------------------------------------------------------------------------------------


class ParticipationActivitySerializer(serializers.ModelSerializer):
    def validate(self, attrs):
        plan = attrs.get("plan") or getattr(self.instance, "plan", None)
        if "objectives" in attrs:
            objectives = attrs["objectives"]
        elif self.instance is not None:
            objectives = list(self.instance.objectives.all())
        else:
            objectives = []
        foreign = [str(node) for node in objectives if plan and node.plan_id != plan.pk]
        if foreign:
            raise ValidationError(
                {"objectives": f"Estos elementos son de otro PLADECO: {', '.join(foreign)}."}
            )
        return attrs

    class Meta:
        model = ParticipationActivity
        fields = [
            "id", "plan", "kind", "name", "date", "territory", "participants", "description",
            "objectives",
        ]  # fmt: skip


class ParticipationActivityViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = ParticipationActivity.objects.prefetch_related("objectives")
    serializer_class = ParticipationActivitySerializer
    filterset_class = ParticipationActivityFilterSet

    def get_queryset(self):
        return super().get_queryset().prefetch_related("objectives")


class PolicySerializer(serializers.ModelSerializer):
    class Meta:
        model = Policy
        fields = [
            "id", "name", "area", "status", "approval_decree", "approval_date", "description",
            "objectives",
        ]  # fmt: skip


class PolicyViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = Policy.objects.all()
    serializer_class = PolicySerializer
    filterset_class = PolicyFilterSet

    def get_queryset(self):
        return super().get_queryset().prefetch_related("objectives")


# --------------------------------------------------------------------------------------
# Council agreements and tasks
# --------------------------------------------------------------------------------------


class CouncilAgreementSerializer(serializers.ModelSerializer):
    directorate = serializers.PrimaryKeyRelatedField(
        queryset=ACTIVE_DIRECTORATES, label="dirección responsable"
    )
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = CouncilAgreement
        fields = [
            "id", "number", "session_date", "session", "text", "directorate", "due_date",
            "status", "evidence", "completed_on", "is_overdue",
        ]  # fmt: skip


class CouncilAgreementViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = CouncilAgreement.objects.all()
    serializer_class = CouncilAgreementSerializer
    filterset_class = CouncilAgreementFilterSet
    select_related = ("directorate",)


class TaskSerializer(serializers.ModelSerializer):
    directorate = serializers.PrimaryKeyRelatedField(
        queryset=ACTIVE_DIRECTORATES, label="dirección"
    )
    # A plain id box in the browsable API: no list of the municipality's staff.
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        allow_null=True,
        required=False,
        label="responsable",
        style={"base_template": "input.html"},
    )
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Task
        fields = [
            "id", "requested_by", "title", "description", "request_date", "due_date",
            "directorate", "assignee", "status", "result", "completed_on", "is_overdue",
        ]  # fmt: skip


class TaskViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = Task.objects.all()
    serializer_class = TaskSerializer
    filterset_class = TaskFilterSet
    select_related = ("directorate", "assignee")
