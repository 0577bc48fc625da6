"""One FilterSet per listable projects model: the HTML list, its export, the map's
GeoJSON and the API use it."""

import django_filters as filters
from django.db.models import Q

from secpla.core.filters import SearchFilterSet
from secpla.core.models import Directorate
from secpla.projects.models import (
    FundingApplication,
    FundingSource,
    ProgressReport,
    Project,
)
from secpla.projects.workflow import Status


class ProjectFilterSet(SearchFilterSet):
    search_fields = ("code", "name", "bip_code", "description", "territory")
    status = filters.MultipleChoiceFilter(choices=Status.choices, label="Estado")
    stage = filters.MultipleChoiceFilter(choices=Project.Stage.choices, label="Etapa")
    source = filters.ModelChoiceFilter(
        queryset=FundingSource.objects.all(),
        field_name="funding__source",
        label="Fuente de financiamiento",
        distinct=True,
    )
    directorate = filters.ModelChoiceFilter(
        queryset=Directorate.objects.all(), label="Dirección responsable"
    )
    territory = filters.CharFilter(lookup_expr="icontains", label="Territorio")
    year = filters.NumberFilter(
        label="Año con financiamiento", method="filter_year", min_value=1990, max_value=2100
    )
    initiative = filters.NumberFilter(
        field_name="initiatives", label="Iniciativa del PLADECO (id)", min_value=1,
        max_value=2**31,
    )  # fmt: skip
    has_location = filters.BooleanFilter(
        field_name="location", lookup_expr="isnull", exclude=True, label="Con ubicación"
    )

    class Meta:
        model = Project
        fields = ["kind"]

    def filter_year(self, queryset, name, value):
        return queryset.filter(Q(funding__year=int(value))).distinct()


class FundingSourceFilterSet(SearchFilterSet):
    search_fields = ("code", "name", "institution")

    class Meta:
        model = FundingSource
        fields = ["is_external", "is_active"]


class FundingApplicationFilterSet(SearchFilterSet):
    search_fields = ("call", "notes", "project__name", "project__code")

    class Meta:
        model = FundingApplication
        fields = ["project", "source", "result"]


class ProgressReportFilterSet(filters.FilterSet):
    class Meta:
        model = ProgressReport
        fields = ["project"]
