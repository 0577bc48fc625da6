"""REST API of the budget under /api/v1/budget/: read-only. Budget records change through
the screens, where the balance and agreement rules are shown as they are applied (see
docs/decisions/0013). Reads are scoped like the screens."""

from __future__ import annotations

import datetime as dt

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from secpla.budget import selectors
from secpla.budget.models import (
    Account,
    AccountProject,
    BudgetRequest,
    BudgetYear,
    InitialAmount,
    Level,
    Modification,
    ModificationLine,
)
from secpla.core.api import ScopedViewSetMixin


def register(router) -> None:
    router.register("budget/years", BudgetYearViewSet, basename="budgetyear")
    router.register("budget/accounts", AccountViewSet, basename="account")
    router.register("budget/initial-amounts", InitialAmountViewSet, basename="initialamount")
    router.register("budget/modifications", ModificationViewSet, basename="modification")
    router.register("budget/requests", BudgetRequestViewSet, basename="budgetrequest")
    router.register("budget/project-links", AccountProjectViewSet, basename="accountproject")


class ReadOnlyScoped(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class BudgetYearSerializer(serializers.ModelSerializer):
    classifier_year = serializers.IntegerField(source="classifier.year", read_only=True)

    class Meta:
        model = BudgetYear
        fields = [
            "id", "year", "status", "classifier_year", "presented_on", "approval_agreement",
            "approved_on", "approval_decree",
        ]  # fmt: skip


LINE_FIELDS = (
    "code", "name", "kind", "level", "initial", "modified", "vigente", "obligated", "accrued",
    "paid", "collected", "pct_obligated", "pct_accrued",
)  # fmt: skip
LEVELS = [value for value, _ in Level.choices]
MONTH_HELP = "1–12; por omisión, el último mes importado"
LEVEL_HELP = "nivel de detalle; por omisión, ítem"
DATE_HELP = "fecha del vigente (AAAA-MM-DD, dentro del año); por omisión, fin del mes"


class BudgetYearViewSet(ReadOnlyScoped):
    """Budget years. `execution/` gives the execution table of a month."""

    queryset = BudgetYear.objects.all()
    serializer_class = BudgetYearSerializer
    select_related = ("classifier",)
    filterset_fields = ["year", "status"]

    @extend_schema(
        parameters=[
            OpenApiParameter("month", OpenApiTypes.INT, description=MONTH_HELP),
            OpenApiParameter("level", OpenApiTypes.STR, enum=LEVELS, description=LEVEL_HELP),
            OpenApiParameter("date", OpenApiTypes.DATE, description=DATE_HELP),
        ],
        responses=inline_serializer(
            "BudgetExecution",
            {
                "year": serializers.IntegerField(),
                "month": serializers.IntegerField(allow_null=True),
                "vigente_on": serializers.DateField(),
                "lines": serializers.ListField(child=serializers.DictField()),
                "alerts": serializers.ListField(child=serializers.DictField()),
            },
        ),
    )  # fmt: skip
    @action(detail=True, methods=["get"])
    def execution(self, request, pk=None):
        """Vigente and execution by account down to `level` (subtítulos and ítems by
        default), with the alerts. `month`: the latest import on or before it is used;
        `date`: the vigente as of that day (default: the month's end)."""
        budget_year = self.get_object()
        month = request.query_params.get("month")
        level = request.query_params.get("level", "item")
        if month is not None and not (month.isdigit() and 1 <= int(month) <= 12):
            raise ValidationError({"month": "El mes debe ir de 1 a 12."})
        if level not in LEVELS:
            raise ValidationError({"level": f"Nivel desconocido; use {', '.join(LEVELS)}."})
        on = None
        if request.query_params.get("date"):
            try:
                on = dt.date.fromisoformat(request.query_params["date"])
            except ValueError:
                raise ValidationError({"date": "Use una fecha AAAA-MM-DD."}) from None
            if on.year != budget_year.year:
                raise ValidationError({"date": f"Indique una fecha de {budget_year.year}."})
        table = selectors.execution_table(budget_year, month=int(month) if month else None, on=on)
        depth = LEVELS.index(level)
        lines = [
            {name: getattr(line, name) for name in LINE_FIELDS}
            for line in table.lines.values()
            if LEVELS.index(line.level) <= depth and not line.is_empty
        ]
        return Response(
            {
                "year": budget_year.year,
                "month": table.month,
                "vigente_on": table.on,
                "lines": lines,
                "alerts": [
                    {"level": a.level, "code": a.code, "text": a.text}
                    for a in selectors.alerts(table)
                ],
            }
        )


class AccountSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="version.year", read_only=True)
    parent = serializers.CharField(source="parent.code", read_only=True, allow_null=True)

    class Meta:
        model = Account
        fields = ["id", "year", "code", "name", "kind", "level", "parent", "is_official", "source"]


class AccountViewSet(ReadOnlyScoped):
    """The classifier by year, official accounts and municipal desagregaciones."""

    queryset = Account.objects.all()
    serializer_class = AccountSerializer
    select_related = ("version", "parent")
    filterset_fields = {"version__year": ["exact"], "kind": ["exact"], "level": ["exact"],
                        "is_official": ["exact"], "code": ["exact", "startswith"]}  # fmt: skip


class InitialAmountSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="budget_year.year", read_only=True)
    account = serializers.CharField(source="account.code", read_only=True)
    area = serializers.CharField(source="area.code", read_only=True, allow_null=True)
    program = serializers.CharField(source="program.code", read_only=True, allow_null=True)

    class Meta:
        model = InitialAmount
        fields = ["id", "year", "account", "area", "program", "amount"]


class InitialAmountViewSet(ReadOnlyScoped):
    """The initial budget by account (and área or program)."""

    queryset = InitialAmount.objects.all()
    serializer_class = InitialAmountSerializer
    select_related = ("budget_year", "account", "area", "program")
    filterset_fields = {"budget_year__year": ["exact"], "account__code": ["exact", "startswith"]}


class ModificationLineSerializer(serializers.ModelSerializer):
    account = serializers.CharField(source="account.code", read_only=True)
    area = serializers.CharField(source="area.code", read_only=True, allow_null=True)
    program = serializers.CharField(source="program.code", read_only=True, allow_null=True)

    class Meta:
        model = ModificationLine
        fields = ["account", "area", "program", "amount"]


class ModificationSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="budget_year.year", read_only=True)
    lines = ModificationLineSerializer(many=True, read_only=True)

    class Meta:
        model = Modification
        fields = [
            "id", "year", "number", "date", "description", "status", "requires_agreement",
            "agreement_number", "agreement_date", "decree", "approved_on", "lines",
        ]  # fmt: skip


class ModificationViewSet(ReadOnlyScoped):
    """Modificaciones presupuestarias with their lines (+ increases, − decreases)."""

    queryset = Modification.objects.all()
    serializer_class = ModificationSerializer
    select_related = ("budget_year",)
    filterset_fields = {"budget_year__year": ["exact"], "status": ["exact"]}

    def get_queryset(self):
        return super().get_queryset().prefetch_related("lines__account", "lines__area",
                                                       "lines__program")  # fmt: skip


class BudgetRequestSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="budget_year.year", read_only=True)
    directorate = serializers.CharField(source="directorate.code", read_only=True)
    account = serializers.CharField(source="account.code", read_only=True)

    class Meta:
        model = BudgetRequest
        fields = [
            "id", "year", "directorate", "account", "area", "program", "requested",
            "justification", "adjusted", "adjustment_note", "final",
        ]  # fmt: skip


class BudgetRequestViewSet(ReadOnlyScoped):
    """Formulation requests of the directorates (an Enlace sees its own directorate's)."""

    queryset = BudgetRequest.objects.all()
    serializer_class = BudgetRequestSerializer
    select_related = ("budget_year", "directorate", "account")
    filterset_fields = {"budget_year__year": ["exact"], "directorate__code": ["exact"]}


class AccountProjectSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="account.version.year", read_only=True)
    account = serializers.CharField(source="account.code", read_only=True)
    project_code = serializers.CharField(source="project.code", read_only=True)

    class Meta:
        model = AccountProject
        fields = ["id", "year", "account", "project", "project_code", "method"]


class AccountProjectViewSet(ReadOnlyScoped):
    """Budget lines (subtítulos 31 and 33) and the investment projects they fund."""

    queryset = AccountProject.objects.all()
    serializer_class = AccountProjectSerializer
    select_related = ("account__version", "project")
    filterset_fields = {"project": ["exact"], "account__version__year": ["exact"]}
