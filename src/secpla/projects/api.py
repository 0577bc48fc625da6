"""REST API of the investment portfolio under /api/v1/projects/. Reads are scoped like
the screens; writes go through the services. A project's status changes only through
`POST …/projects/{id}/transition/`, which applies the workflow."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from secpla.core.api import ScopedViewSetMixin
from secpla.core.models import Directorate, User
from secpla.projects import selectors, services
from secpla.projects.filters import (
    FundingApplicationFilterSet,
    FundingSourceFilterSet,
    ProgressReportFilterSet,
    ProjectFilterSet,
)
from secpla.projects.models import (
    FundingApplication,
    FundingLine,
    FundingSource,
    Milestone,
    Payment,
    ProgressReport,
    Project,
    RateResult,
)
from secpla.projects.workflow import Status


def register(router) -> None:
    router.register("projects/projects", ProjectViewSet, basename="project")
    router.register("projects/funding-sources", FundingSourceViewSet, basename="fundingsource")
    router.register("projects/funding-lines", FundingLineViewSet, basename="fundingline")
    router.register(
        "projects/applications", FundingApplicationViewSet, basename="fundingapplication"
    )
    router.register("projects/rates", RateResultViewSet, basename="rateresult")
    router.register("projects/milestones", MilestoneViewSet, basename="milestone")
    router.register("projects/progress-reports", ProgressReportViewSet, basename="progressreport")
    router.register("projects/payments", PaymentViewSet, basename="payment")


class FundingSourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = FundingSource
        fields = ["id", "code", "name", "institution", "description", "is_external", "is_active"]


class FundingSourceViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = FundingSource.objects.all()
    serializer_class = FundingSourceSerializer
    filterset_class = FundingSourceFilterSet


class FundingLineNestedSerializer(serializers.ModelSerializer):
    source = serializers.CharField(source="source.code")

    class Meta:
        model = FundingLine
        fields = ["source", "year", "amount", "is_confirmed"]


class ProjectSerializer(serializers.ModelSerializer):
    directorate = serializers.PrimaryKeyRelatedField(
        queryset=Directorate.objects.filter(is_active=True), label="dirección responsable"
    )
    responsible = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        allow_null=True,
        required=False,
        label="profesional responsable",
        style={"base_template": "input.html"},  # no staff list in the browsable API
    )
    funding = FundingLineNestedSerializer(many=True, read_only=True)
    flags = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = [
            "id", "code", "name", "description", "kind", "bip_code", "stage", "status",
            "status_since", "directorate", "responsible", "estimated_cost", "territory",
            "location", "initiatives", "funding", "flags",
        ]  # fmt: skip
        read_only_fields = ["status", "status_since"]
        extra_kwargs = {"code": {"required": False, "allow_blank": True}}

    def get_flags(self, project) -> list[str]:
        today = self.context.get("today")
        if today is None:
            from django.utils import timezone

            today = self.context["today"] = timezone.localdate()
        days = self.context.get("days_without_report")
        if days is None:
            from secpla.projects.models import PortfolioSettings

            days = self.context["days_without_report"] = (
                PortfolioSettings.current().days_without_report
            )
        return selectors.flags(project, today, days).labels


class TransitionSerializer(serializers.Serializer):
    to_status = serializers.ChoiceField(choices=Status.choices, label="nuevo estado")
    date = serializers.DateField(required=False, label="fecha")
    comment = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, label="comentario"
    )


class ProjectViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    """The portfolio. Creating a project starts it "en formulación"."""

    queryset = Project.objects.all()
    serializer_class = ProjectSerializer
    filterset_class = ProjectFilterSet

    def get_queryset(self):
        return selectors.with_progress(super().get_queryset()).prefetch_related("initiatives")

    def perform_create(self, serializer):
        data, links = self._split_links(serializer)
        project = Project(**data)
        services.project_create(actor=self.request.user, project=project, reason=self._reason())
        self._save_links(project, links)
        serializer.instance = project

    @extend_schema(request=TransitionSerializer, responses=ProjectSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Move the project to another status if the workflow allows it."""
        project = self.get_object()
        payload = TransitionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        project = services.project_transition(
            actor=request.user,
            project=project,
            to_status=payload.validated_data["to_status"],
            date=payload.validated_data.get("date"),
            comment=payload.validated_data.get("comment", ""),
        )
        project = self.get_queryset().get(pk=project.pk)
        return Response(self.get_serializer(project).data)


class ProjectPartSerializer(serializers.ModelSerializer):
    """Records that belong to one project: it never moves to another."""

    def validate_project(self, project):
        if self.instance is not None and project.pk != self.instance.project_id:
            raise serializers.ValidationError("No se puede cambiar el proyecto de un registro.")
        return project


def part_viewset(model, fields, filterset=None, name=""):
    serializer = type(
        f"{model.__name__}Serializer",
        (ProjectPartSerializer,),
        {"Meta": type("Meta", (), {"model": model, "fields": ["id", *fields]})},
    )
    attrs = {
        "queryset": model.objects.all(),
        "serializer_class": serializer,
        "select_related": ("project",),
        "__doc__": name,
    }
    if filterset is not None:
        attrs["filterset_class"] = filterset
    else:
        attrs["filterset_fields"] = ["project"]
    return type(f"{model.__name__}ViewSet", (ScopedViewSetMixin, viewsets.ModelViewSet), attrs)


FundingLineViewSet = part_viewset(
    FundingLine, ["project", "source", "year", "amount", "is_confirmed"], name="Financiamiento."
)
FundingApplicationViewSet = part_viewset(
    FundingApplication,
    [
        "project",
        "source",
        "call",
        "submitted_on",
        "amount_requested",
        "result",
        "result_date",
        "amount_granted",
        "notes",
    ],
    FundingApplicationFilterSet,
    name="Postulaciones a fondos.",
)
RateResultViewSet = part_viewset(
    RateResult, ["project", "date", "result", "year", "evaluator", "observations"],
    name="Historial RATE.",
)  # fmt: skip
MilestoneViewSet = part_viewset(
    Milestone, ["project", "name", "planned_date", "planned_percent", "planned_amount",
                "actual_date"], name="Hitos de la programación.",
)  # fmt: skip
ProgressReportViewSet = part_viewset(
    ProgressReport, ["project", "date", "percent", "comment"], ProgressReportFilterSet,
    name="Reportes de avance físico.",
)  # fmt: skip
PaymentViewSet = part_viewset(
    Payment, ["project", "date", "amount", "source", "description"], name="Pagos."
)
