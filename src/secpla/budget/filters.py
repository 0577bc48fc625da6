"""One FilterSet per listable model of the budget's reference catalogues and
modifications: the HTML list and its CSV/XLSX export use the same one."""

from __future__ import annotations

import django_filters as filters

from secpla.budget.models import (
    Account,
    AgreementRule,
    AlertRule,
    BudgetCalendar,
    BudgetYear,
    ClassifierVersion,
    Kind,
    Level,
    ManagementArea,
    Modification,
    ModificationLine,
)
from secpla.core.filters import SearchFilterSet

YES_NO = [("true", "Sí"), ("false", "No")]


class ClassifierVersionFilterSet(SearchFilterSet):
    search_fields = ("source", "notes")

    class Meta:
        model = ClassifierVersion
        fields = ["year"]


class AccountFilterSet(SearchFilterSet):
    search_fields = ("code", "name")
    version = filters.ModelChoiceFilter(
        queryset=ClassifierVersion.objects.order_by("-year"), label="Clasificador"
    )
    kind = filters.ChoiceFilter(choices=Kind.choices, label="Tipo")
    level = filters.ChoiceFilter(choices=Level.choices, label="Nivel")
    is_official = filters.ChoiceFilter(
        label="Origen",
        choices=[("true", "Clasificador oficial"), ("false", "Desagregación municipal")],
        method="filter_official",
    )

    class Meta:
        model = Account
        fields = ["version", "kind", "level", "is_official"]

    def filter_official(self, queryset, name, value):
        return queryset.filter(is_official=value == "true")


class ManagementAreaFilterSet(SearchFilterSet):
    search_fields = ("code", "name", "sinim_code")
    is_active = filters.ChoiceFilter(choices=YES_NO, label="Vigente", method="filter_active")

    class Meta:
        model = ManagementArea
        fields = ["is_active"]

    def filter_active(self, queryset, name, value):
        return queryset.filter(is_active=value == "true")


class AgreementRuleFilterSet(SearchFilterSet):
    search_fields = ("levels", "always_prefixes", "source")

    class Meta:
        model = AgreementRule
        fields = []


class BudgetCalendarFilterSet(SearchFilterSet):
    search_fields = ("source",)

    class Meta:
        model = BudgetCalendar
        fields = []


class AlertRuleFilterSet(SearchFilterSet):
    search_fields = ("investment_prefix", "source")

    class Meta:
        model = AlertRule
        fields = []


class ModificationFilterSet(SearchFilterSet):
    search_fields = ("description", "agreement_number", "decree")
    budget_year = filters.ModelChoiceFilter(
        queryset=BudgetYear.objects.order_by("-year"), label="Presupuesto"
    )
    status = filters.ChoiceFilter(choices=Modification.Status.choices, label="Estado")
    requires_agreement = filters.ChoiceFilter(
        choices=YES_NO, label="Requiere acuerdo", method="filter_agreement"
    )

    class Meta:
        model = Modification
        fields = ["budget_year", "status", "requires_agreement"]

    def filter_agreement(self, queryset, name, value):
        return queryset.filter(requires_agreement=value == "true")


class ModificationLineFilterSet(SearchFilterSet):
    search_fields = ("account__code", "account__name")
    budget_year = filters.ModelChoiceFilter(
        queryset=BudgetYear.objects.order_by("-year"),
        field_name="modification__budget_year",
        label="Presupuesto",
    )
    modification = filters.ModelChoiceFilter(
        queryset=Modification.objects.select_related("budget_year"), label="Modificación"
    )

    class Meta:
        model = ModificationLine
        fields = ["budget_year", "modification"]
