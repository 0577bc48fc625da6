"""One FilterSet per listable model: the HTML list, its export and the API use it."""

import django_filters as filters
from django.db.models import Q

from secpla.core.models import (
    Agreement,
    ChangeAction,
    ChangeLogEntry,
    Contact,
    Department,
    Directorate,
    LocalHoliday,
    Organisation,
    RegionalHoliday,
    Role,
    User,
    UTMValue,
)


class SearchFilterSet(filters.FilterSet):
    """Adds `q`: a case-insensitive search over `search_fields`."""

    search_fields: tuple[str, ...] = ()
    q = filters.CharFilter(label="Buscar", method="search")

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value})
        return queryset.filter(condition)


class DirectorateFilterSet(SearchFilterSet):
    search_fields = ("code", "name", "head_name")

    class Meta:
        model = Directorate
        fields = ["is_active"]


class DepartmentFilterSet(SearchFilterSet):
    search_fields = ("code", "name")

    class Meta:
        model = Department
        fields = ["directorate", "is_active"]


class UserFilterSet(SearchFilterSet):
    search_fields = ("username", "first_name", "last_name", "email", "position")
    without_role = filters.BooleanFilter(field_name="role", lookup_expr="isnull", label="Sin rol")

    class Meta:
        model = User
        fields = ["role", "directorate", "is_active"]


class RoleFilterSet(SearchFilterSet):
    search_fields = ("code", "name")

    class Meta:
        model = Role
        fields = []


class UTMValueFilterSet(filters.FilterSet):
    class Meta:
        model = UTMValue
        fields = ["year", "verified"]


class RegionalHolidayFilterSet(SearchFilterSet):
    search_fields = ("name", "legal_source")

    class Meta:
        model = RegionalHoliday
        fields = ["region"]


class LocalHolidayFilterSet(SearchFilterSet):
    search_fields = ("name", "legal_source")
    year = filters.NumberFilter(field_name="date", lookup_expr="year", label="Año")

    class Meta:
        model = LocalHoliday
        fields = ["kind"]


class OrganisationFilterSet(SearchFilterSet):
    search_fields = ("name", "rut", "email", "notes")

    class Meta:
        model = Organisation
        fields = ["kind"]


class ContactFilterSet(SearchFilterSet):
    search_fields = ("name", "position", "email", "organisation__name")

    class Meta:
        model = Contact
        fields = ["organisation"]


class AgreementFilterSet(SearchFilterSet):
    search_fields = ("title", "decree", "organisation__name", "description")
    ends_before = filters.DateFilter(
        field_name="end_date", lookup_expr="lte", label="Termina antes de"
    )

    class Meta:
        model = Agreement
        fields = ["status", "kind", "directorate", "organisation"]


class ChangeLogEntryFilterSet(SearchFilterSet):
    search_fields = ("object_repr", "user_repr", "reason", "request_id")
    action = filters.ChoiceFilter(choices=ChangeAction.choices, label="Acción")
    since = filters.DateFilter(field_name="timestamp", lookup_expr="date__gte", label="Desde")
    until = filters.DateFilter(field_name="timestamp", lookup_expr="date__lte", label="Hasta")

    class Meta:
        model = ChangeLogEntry
        fields = ["action", "content_type", "user", "source"]
