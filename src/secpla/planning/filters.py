"""One FilterSet per listable planning model: the HTML list, its export and the API."""

import django_filters as filters
from django.db.models import Q
from django.utils import timezone

from secpla.core.filters import SearchFilterSet
from secpla.core.forms import DateInput
from secpla.core.models import User
from secpla.planning.models import (
    CouncilAgreement,
    Evaluation,
    IndicatorTarget,
    Initiative,
    InitiativeStatus,
    ParticipationActivity,
    Plan,
    PlanNode,
    Policy,
    Task,
)


class PlanFilterSet(SearchFilterSet):
    search_fields = ("name", "description", "approval_decree")

    class Meta:
        model = Plan
        fields = ["status"]


class PlanNodeFilterSet(SearchFilterSet):
    search_fields = ("code", "name")

    class Meta:
        model = PlanNode
        fields = ["plan", "depth", "parent"]


class InitiativeFilterSet(SearchFilterSet):
    search_fields = ("code", "name", "description", "funding_source")
    year = filters.NumberFilter(
        label="Vigente en el año", method="filter_year", min_value=1990, max_value=2100
    )
    without_information = filters.BooleanFilter(
        field_name="progress", lookup_expr="isnull", label="Sin información de avance"
    )

    class Meta:
        model = Initiative
        fields = ["plan", "node", "directorate", "status", "kind"]

    def filter_year(self, queryset, name, value):
        year = int(value)
        return queryset.filter(
            Q(start_year__lte=year) | Q(start_year__isnull=True, plan__start_year__lte=year),
            Q(end_year__gte=year) | Q(end_year__isnull=True, plan__end_year__gte=year),
        )


class InitiativeStatusFilterSet(SearchFilterSet):
    search_fields = ("name",)

    class Meta:
        model = InitiativeStatus
        fields = ["is_closed", "is_active"]


class IndicatorTargetFilterSet(filters.FilterSet):
    class Meta:
        model = IndicatorTarget
        fields = ["initiative", "year"]


class EvaluationFilterSet(SearchFilterSet):
    search_fields = ("name", "notes")

    class Meta:
        model = Evaluation
        fields = ["plan", "status"]


class ParticipationActivityFilterSet(SearchFilterSet):
    search_fields = ("name", "territory", "description")
    date_from = filters.DateFilter(
        field_name="date", lookup_expr="gte", label="Desde", widget=DateInput()
    )
    date_to = filters.DateFilter(
        field_name="date", lookup_expr="lte", label="Hasta", widget=DateInput()
    )

    class Meta:
        model = ParticipationActivity
        fields = ["plan", "kind", "objectives"]


class PolicyFilterSet(SearchFilterSet):
    search_fields = ("name", "area", "description", "approval_decree")

    class Meta:
        model = Policy
        fields = ["status", "area", "objectives"]


class FollowUpFilterSet(SearchFilterSet):
    """Shared by council agreements and tasks: open items and overdue ones."""

    pending = filters.BooleanFilter(label="Pendientes", method="filter_pending")
    overdue = filters.BooleanFilter(label="Vencidos", method="filter_overdue")
    due_before = filters.DateFilter(
        field_name="due_date", lookup_expr="lte", label="Plazo hasta", widget=DateInput()
    )

    def filter_pending(self, queryset, name, value):
        if value is None:
            return queryset
        open_statuses = queryset.model.OPEN_STATUSES
        return (
            queryset.filter(status__in=open_statuses)
            if value
            else queryset.exclude(status__in=open_statuses)
        )

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = Q(status__in=queryset.model.OPEN_STATUSES, due_date__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class CouncilAgreementFilterSet(FollowUpFilterSet):
    search_fields = ("number", "session", "text", "evidence")
    year = filters.NumberFilter(
        field_name="session_date__year",
        label="Año de la sesión",
        min_value=1990,
        max_value=2100,
    )

    class Meta:
        model = CouncilAgreement
        fields = ["directorate", "status"]


def task_assignees(request):
    """People the user already sees as assignees of tasks, not the whole staff list."""
    user = getattr(request, "user", None)
    if user is None:
        return User.objects.none()
    return User.objects.filter(
        pk__in=Task.objects.for_user(user, "view").values("assignee")
    ).order_by("first_name", "last_name")


class TaskFilterSet(FollowUpFilterSet):
    search_fields = ("title", "description", "result")
    assignee = filters.ModelChoiceFilter(queryset=task_assignees, label="Responsable")

    class Meta:
        model = Task
        fields = ["requested_by", "directorate", "assignee", "status"]
