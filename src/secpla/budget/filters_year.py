"""FilterSets of the budget-year screens: the lists, their exports and totals use them."""

from __future__ import annotations

import django_filters as filters
from django.db.models import Q

from secpla.budget.models import (
    Account,
    BudgetRequest,
    BudgetYear,
    InitialAmount,
    Kind,
    Level,
    ManagementArea,
    Program,
)
from secpla.core.filters import SearchFilterSet
from secpla.core.models import Directorate


def subtitle_choices() -> list[tuple[str, str]]:
    """Every subtítulo of any classifier, once per code (the newest name)."""
    found: dict[str, str] = {}
    for code, name in (
        Account.objects.filter(level=Level.SUBTITLE)
        .order_by("code", "-version__year")
        .values_list("code", "name")
    ):
        found.setdefault(code, f"{code} {name}")
    return list(found.items())


class AccountFiltersMixin(filters.FilterSet):
    """Subtítulo, kind and account text (code or name) for records that carry an account."""

    subtitle = filters.ChoiceFilter(label="Subtítulo", choices=subtitle_choices, method="by_code")
    kind = filters.ChoiceFilter(field_name="account__kind", choices=Kind.choices, label="Tipo")
    account_text = filters.CharFilter(label="Cuenta (código o nombre)", method="by_account_text")

    def by_code(self, queryset, name, value):
        return queryset.filter(Q(account__code=value) | Q(account__code__startswith=f"{value}."))

    def by_account_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        code = value.replace("-", ".")
        return queryset.filter(
            Q(account__code__startswith=code) | Q(account__name__icontains=value)
        )


class BudgetYearFilterSet(filters.FilterSet):
    year = filters.NumberFilter(label="Año", min_value=1990, max_value=2100)

    class Meta:
        model = BudgetYear
        fields = ["year", "status"]


class BudgetRequestFilterSet(AccountFiltersMixin, SearchFilterSet):
    search_fields = ("justification", "adjustment_note")
    budget_year = filters.ModelChoiceFilter(queryset=BudgetYear.objects.all(), label="Presupuesto")
    directorate = filters.ModelChoiceFilter(queryset=Directorate.objects.all(), label="Dirección")
    adjusted = filters.ChoiceFilter(
        label="Ajustada por SECPLA", choices=[("si", "Sí"), ("no", "No")], method="by_adjusted"
    )

    class Meta:
        model = BudgetRequest
        fields = ["budget_year", "directorate", "area", "program"]

    def by_adjusted(self, queryset, name, value):
        return queryset.filter(adjusted__isnull=value != "si")


class InitialAmountFilterSet(AccountFiltersMixin, filters.FilterSet):
    budget_year = filters.ModelChoiceFilter(queryset=BudgetYear.objects.all(), label="Presupuesto")

    class Meta:
        model = InitialAmount
        fields = ["budget_year", "area", "program"]


class ProgramFilterSet(SearchFilterSet):
    search_fields = ("code", "name", "description")
    budget_year = filters.ModelChoiceFilter(queryset=BudgetYear.objects.all(), label="Presupuesto")
    area = filters.ModelChoiceFilter(queryset=ManagementArea.objects.all(), label="Área de gestión")
    directorate = filters.ModelChoiceFilter(
        queryset=Directorate.objects.all(), label="Dirección responsable"
    )

    class Meta:
        model = Program
        fields = ["budget_year", "area", "directorate"]
