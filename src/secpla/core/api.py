"""REST API of the core module under /api/v1/. Reads are scoped like the screens;
writes go through core.services (validation, permission, change log)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import api_view
from rest_framework.exceptions import ParseError, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from secpla.core import services
from secpla.core.calendar import Calendar, CalendarError
from secpla.core.filters import (
    AgreementFilterSet,
    ChangeLogEntryFilterSet,
    ContactFilterSet,
    DepartmentFilterSet,
    DirectorateFilterSet,
    LocalHolidayFilterSet,
    OrganisationFilterSet,
    RegionalHolidayFilterSet,
    UTMValueFilterSet,
)
from secpla.core.models import (
    Agreement,
    ChangeLogEntry,
    Comuna,
    Contact,
    Department,
    Directorate,
    LocalHoliday,
    Municipality,
    Organisation,
    Region,
    RegionalHoliday,
    Role,
    User,
    UTMValue,
)
from secpla.core.validators import normalize_rut, validate_rut

# DRF messages its Spanish catalogue lacks or builds without translation.
UNTRANSLATED = {
    "No data provided": "No se enviaron datos.",
    "A valid biginteger is required.": "Introduzca un número entero válido.",
}


def exception_handler(exc, context):
    """Django's ValidationError and PermissionDenied from services become 400 and 403;
    every message is in Spanish."""
    if isinstance(exc, ParseError):
        exc = ParseError("El cuerpo de la solicitud no es un JSON válido.")
    if isinstance(exc, ValidationError) and isinstance(exc.detail, dict):
        exc.detail = {
            key: [UNTRANSLATED.get(str(m), m) for m in value] if isinstance(value, list) else value
            for key, value in exc.detail.items()
        }
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = ValidationError(detail)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = PermissionDenied(str(exc) or "No tiene permiso para realizar esta acción.")
    return drf_exception_handler(exc, context)


class ScopedViewSetMixin:
    """Reads restricted to what the user may see; writes through the record services."""

    def get_queryset(self):
        return self.queryset.model.objects.for_user(self.request.user, "view").select_related(
            *getattr(self, "select_related", ())
        )

    def _reason(self) -> str:
        return str(self.request.headers.get("X-Change-Reason", ""))[:500]

    # The services record the actor; the middleware already marks the source "api".
    def perform_create(self, serializer):
        data, links = self._split_links(serializer)
        instance = serializer.Meta.model(**data)
        with transaction.atomic():
            services.record_create(
                actor=self.request.user, instance=instance, reason=self._reason()
            )
            self._save_links(instance, links)
        serializer.instance = instance

    def perform_update(self, serializer):
        data, links = self._split_links(serializer)
        instance = serializer.instance
        for key, value in data.items():
            setattr(instance, key, value)
        with transaction.atomic():
            services.record_update(
                actor=self.request.user, instance=instance, reason=self._reason()
            )
            self._save_links(instance, links)

    def _split_links(self, serializer) -> tuple[dict, dict]:
        """Plain fields, and many-to-many fields (saved after the record, logged once)."""
        m2m = {field.name for field in serializer.Meta.model._meta.many_to_many}
        data = dict(serializer.validated_data)
        links = {name: data.pop(name) for name in list(data) if name in m2m}
        return data, links

    def _save_links(self, instance, links: dict) -> None:
        for name, values in links.items():
            services.record_set_links(
                actor=self.request.user,
                instance=instance,
                field=name,
                values=values,
                reason=self._reason(),
            )

    def perform_destroy(self, instance):
        services.record_delete(actor=self.request.user, instance=instance, reason=self._reason())


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name", "abbreviation"]


class ComunaSerializer(serializers.ModelSerializer):
    province = serializers.CharField(source="province.name", read_only=True)
    region = serializers.CharField(source="province.region.code", read_only=True)

    class Meta:
        model = Comuna
        fields = ["cut", "name", "province", "region"]


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """Regions of Chile (official CUT list). Any logged-in user."""

    queryset = Region.objects.all()
    serializer_class = RegionSerializer
    lookup_field = "code"
    lookup_value_regex = r"\d{2}"
    pagination_class = None
    login_only = True  # public reference data: any logged-in user may read it


class ComunaViewSet(viewsets.ReadOnlyModelViewSet):
    """Comunas of Chile with their CUT code (official list, SUBDERE 2018)."""

    queryset = Comuna.objects.select_related("province__region")
    serializer_class = ComunaSerializer
    lookup_field = "cut"
    lookup_value_regex = r"\d{5}"
    filterset_fields = ["province__region__code"]
    login_only = True


class MunicipalitySerializer(serializers.ModelSerializer):
    comuna = ComunaSerializer(read_only=True)

    class Meta:
        model = Municipality
        fields = ["name", "comuna", "rut", "address", "phone", "email", "website", "is_demo"]


class MunicipalityViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Municipality.objects.all()
    serializer_class = MunicipalitySerializer
    select_related = ("comuna__province__region",)
    pagination_class = None


class DirectorateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Directorate
        fields = ["id", "code", "name", "head_name", "email", "is_active"]


class DirectorateViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = Directorate.objects.all()
    serializer_class = DirectorateSerializer
    filterset_class = DirectorateFilterSet


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "directorate", "code", "name", "is_active"]


class DepartmentViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = Department.objects.all()
    serializer_class = DepartmentSerializer
    filterset_class = DepartmentFilterSet


class RoleSerializer(serializers.ModelSerializer):
    class Meta:
        model = Role
        fields = ["id", "code", "name", "description"]


class RoleViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Role.objects.all()
    serializer_class = RoleSerializer


class UserSerializer(serializers.ModelSerializer):
    role = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "email",
            "role",
            "directorate",
            "department",
            "position",
            "is_active",
        ]


class UserViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = User.objects.all()
    serializer_class = UserSerializer
    select_related = ("role",)


class UTMValueSerializer(serializers.ModelSerializer):
    class Meta:
        model = UTMValue
        fields = ["id", "year", "month", "value", "source", "source_url", "verified"]


class UTMValueViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = UTMValue.objects.all()
    serializer_class = UTMValueSerializer
    filterset_class = UTMValueFilterSet


class RegionalHolidaySerializer(serializers.ModelSerializer):
    class Meta:
        model = RegionalHoliday
        fields = [
            "id",
            "name",
            "region",
            "comunas_cut",
            "month",
            "day",
            "valid_from",
            "valid_until",
            "legal_source",
        ]


class RegionalHolidayViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = RegionalHoliday.objects.all()
    serializer_class = RegionalHolidaySerializer
    filterset_class = RegionalHolidayFilterSet


class LocalHolidaySerializer(serializers.ModelSerializer):
    class Meta:
        model = LocalHoliday
        fields = ["id", "date", "name", "kind", "legal_source"]


class LocalHolidayViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = LocalHoliday.objects.all()
    serializer_class = LocalHolidaySerializer
    filterset_class = LocalHolidayFilterSet


class OrganisationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "kind", "rut", "address", "email", "phone", "website", "notes"]

    def validate_rut(self, value):
        if not value:
            return ""
        try:
            validate_rut(value)
        except DjangoValidationError as exc:
            raise ValidationError(exc.messages) from exc
        return normalize_rut(value)


class OrganisationViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = Organisation.objects.all()
    serializer_class = OrganisationSerializer
    filterset_class = OrganisationFilterSet


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = ["id", "organisation", "name", "position", "email", "phone"]


class ContactViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = Contact.objects.all()
    serializer_class = ContactSerializer
    filterset_class = ContactFilterSet


class AgreementSerializer(serializers.ModelSerializer):
    directorate = serializers.PrimaryKeyRelatedField(
        queryset=Directorate.objects.filter(is_active=True), label="dirección responsable"
    )

    class Meta:
        model = Agreement
        fields = [
            "id",
            "organisation",
            "title",
            "kind",
            "status",
            "directorate",
            "start_date",
            "end_date",
            "amount",
            "decree",
            "description",
        ]
        extra_kwargs = {
            "amount": {"error_messages": {"min_value": "El monto no puede ser negativo."}}
        }


class AgreementViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = Agreement.objects.all()
    serializer_class = AgreementSerializer
    filterset_class = AgreementFilterSet
    select_related = ("organisation", "directorate")


class ChangeLogEntrySerializer(serializers.ModelSerializer):
    content_type = serializers.CharField(source="content_type.model", read_only=True)

    class Meta:
        model = ChangeLogEntry
        fields = [
            "id",
            "timestamp",
            "user",
            "user_repr",
            "action",
            "content_type",
            "object_id",
            "object_repr",
            "before",
            "after",
            "request_id",
            "source",
            "reason",
        ]


class ChangeLogEntryViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = ChangeLogEntry.objects.all()
    serializer_class = ChangeLogEntrySerializer
    filterset_class = ChangeLogEntryFilterSet
    select_related = ("content_type",)


def _parse_date(value: str | None, name: str) -> dt.date:
    if not value:
        raise ValidationError({name: ["Este parámetro es obligatorio (fecha AAAA-MM-DD)."]})
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError(
            {name: [f"Fecha inválida: use AAAA-MM-DD (recibido «{value}»)."]}
        ) from exc


def _parse_int(value: str | None, name: str) -> int:
    if not value:
        raise ValidationError({name: ["Este parámetro es obligatorio (número entero)."]})
    try:
        return int(value)
    except ValueError as exc:
        raise ValidationError({name: [f"Debe ser un número entero (recibido «{value}»)."]}) from exc


@extend_schema(
    summary="Sumar días hábiles",
    description="La fecha que resulta de sumar N días hábiles a una fecha (sin contar ese día), "
    "con los feriados nacionales, regionales y comunales que rigen en la comuna.",
    parameters=[
        OpenApiParameter("start", OpenApiTypes.DATE, required=True),
        OpenApiParameter("days", OpenApiTypes.INT, required=True),
    ],
    responses=inline_serializer(
        "AddBusinessDays",
        {
            "start": serializers.DateField(),
            "days": serializers.IntegerField(),
            "date": serializers.DateField(),
            "rule": serializers.CharField(),
            "skipped": serializers.ListField(child=serializers.DictField()),
        },
    ),
)
@api_view(["GET"])
def add_business_days(request):
    start = _parse_date(request.query_params.get("start"), "start")
    days = _parse_int(request.query_params.get("days"), "days")
    try:
        answer = Calendar().add_business_days(start, days)
    except CalendarError as exc:
        raise ValidationError({"days": [str(exc)]}) from exc
    return Response(
        {
            "start": answer.start.isoformat(),
            "days": answer.days,
            "date": answer.date.isoformat(),
            "rule": answer.rule,
            "skipped": [{"date": s.date.isoformat(), "rule": s.rule} for s in answer.skipped],
        }
    )


@extend_schema(
    summary="¿Es día hábil?",
    parameters=[OpenApiParameter("date", OpenApiTypes.DATE, required=True)],
    responses=inline_serializer(
        "BusinessDay",
        {
            "date": serializers.DateField(),
            "is_business_day": serializers.BooleanField(),
            "rule": serializers.CharField(),
        },
    ),
)
@api_view(["GET"])
def is_business_day(request):
    day = _parse_date(request.query_params.get("date"), "date")
    answer = Calendar().check(day)
    return Response(
        {"date": day.isoformat(), "is_business_day": answer.is_business_day, "rule": answer.rule}
    )


@extend_schema(
    summary="Días hábiles entre dos fechas",
    parameters=[
        OpenApiParameter("start", OpenApiTypes.DATE, required=True),
        OpenApiParameter("end", OpenApiTypes.DATE, required=True),
    ],
    responses=inline_serializer(
        "BusinessDaysBetween",
        {
            "start": serializers.DateField(),
            "end": serializers.DateField(),
            "business_days": serializers.IntegerField(),
        },
    ),
)
@api_view(["GET"])
def business_days_between(request):
    start = _parse_date(request.query_params.get("start"), "start")
    end = _parse_date(request.query_params.get("end"), "end")
    try:
        count = Calendar().business_days_between(start, end)
    except CalendarError as exc:
        raise ValidationError({"end": [str(exc)]}) from exc
    return Response({"start": start.isoformat(), "end": end.isoformat(), "business_days": count})
