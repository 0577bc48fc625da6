"""FilterSets of the OIRS staff screens: the catalogue, the Open311 keys and the inbox
(its HTML list and its CSV/XLSX export use the same one)."""

from __future__ import annotations

import django_filters as filters
from django import forms

from secpla.citizen_requests import selectors
from secpla.citizen_requests.models import ApiKey, Category, OirsSettings, Request
from secpla.citizen_requests.workflow import Status
from secpla.core.filters import SearchFilterSet
from secpla.core.forms import DateInput
from secpla.core.models import Directorate, Scope
from secpla.core.permissions import scope_for

YES_NO = [("true", "Sí"), ("false", "No")]


class CategoryFilterSet(SearchFilterSet):
    search_fields = ("code", "name", "group", "keywords", "description")
    directorate = filters.ModelChoiceFilter(
        queryset=Directorate.objects.order_by("name"), label="Dirección"
    )
    is_active = filters.ChoiceFilter(choices=YES_NO, label="Vigente", method="filter_active")

    class Meta:
        model = Category
        fields = ["directorate", "is_active"]

    def filter_active(self, queryset, name, value):
        return queryset.filter(is_active=value == "true")


class OirsSettingsFilterSet(SearchFilterSet):
    search_fields = ("source", "consent_version")

    class Meta:
        model = OirsSettings
        fields = []


class ApiKeyFilterSet(SearchFilterSet):
    search_fields = ("name", "organisation", "contact", "prefix")
    is_active = filters.ChoiceFilter(choices=YES_NO, label="Activa", method="filter_active")

    class Meta:
        model = ApiKey
        fields = ["is_active"]

    def filter_active(self, queryset, name, value):
        return queryset.filter(is_active=value == "true")


class RequestFilterSet(SearchFilterSet):
    """The inbox filters. The search covers the tracking code, the description and the
    requester's name (staff may see names). An Enlace is offered only its directorate."""

    search_fields = ("tracking_code", "description", "requester_name")
    directorate = filters.ModelChoiceFilter(queryset=Directorate.objects.none(), label="Dirección")
    status = filters.MultipleChoiceFilter(
        choices=Status.choices,
        label="Estado",
        widget=forms.SelectMultiple(attrs={"size": 3}),
    )
    kind = filters.ChoiceFilter(choices=Request.Kind.choices, label="Tipo")
    category = filters.ModelChoiceFilter(
        queryset=Category.objects.order_by("group", "name"), label="Categoría"
    )
    channel = filters.ChoiceFilter(choices=Request.Channel.choices, label="Canal")
    overdue = filters.ChoiceFilter(choices=YES_NO, label="Vencida", method="filter_overdue")
    received_from = filters.DateFilter(
        field_name="received_at",
        lookup_expr="date__gte",
        label="Recibida desde",
        widget=DateInput(),
    )
    received_to = filters.DateFilter(
        field_name="received_at",
        lookup_expr="date__lte",
        label="Recibida hasta",
        widget=DateInput(),
    )
    due_from = filters.DateFilter(
        field_name="due_on", lookup_expr="gte", label="Plazo desde", widget=DateInput()
    )
    due_to = filters.DateFilter(
        field_name="due_on", lookup_expr="lte", label="Plazo hasta", widget=DateInput()
    )

    class Meta:
        model = Request
        fields = ["directorate", "status", "kind", "category", "channel"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        directorates = Directorate.objects.order_by("name")
        if scope_for(user, Request, "view") != Scope.ALL:
            directorates = directorates.filter(pk=getattr(user, "directorate_id", None))
        self.filters["directorate"].queryset = directorates
        self.form.fields["directorate"].queryset = directorates
        for name in ("received_from", "received_to", "due_from", "due_to"):
            self.form.fields[name].error_messages["invalid"] = "Escriba una fecha válida."
        self.form.fields["status"].error_messages["invalid_choice"] = "Elija estados de la lista."

    def filter_overdue(self, queryset, name, value):
        overdue = selectors.overdue_q()
        return queryset.filter(overdue) if value == "true" else queryset.exclude(overdue)
