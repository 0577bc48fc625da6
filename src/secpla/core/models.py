"""Core records: the municipality, its directorates, people and roles, the change log,
reference data (territory, UTM, holidays), organisations and agreements, documents."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Permission
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from secpla.core.validators import validate_cut, validate_rut

# --------------------------------------------------------------------------------------
# Scoped access: one path to every record
# --------------------------------------------------------------------------------------


class ScopedQuerySet(models.QuerySet):
    """A queryset that knows how to restrict itself to what a user may see or change."""

    def for_user(self, user, action: str = "view") -> ScopedQuerySet:
        from secpla.core.permissions import restrict_queryset

        return restrict_queryset(self, user, action)


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):
    pass


class AuditedModel(models.Model):
    """Base for every domain record: its writes land in the change log (see core.audit).

    `scope_field` names the path to the Directorate that owns a row; a role whose
    grant is limited to its own directorate only reaches rows where it matches.
    """

    created_at = models.DateTimeField("creado", auto_now_add=True)
    updated_at = models.DateTimeField("modificado", auto_now=True)

    objects = ScopedManager()

    scope_field: str | None = None
    audited = True
    audit_exclude: frozenset[str] = frozenset({"created_at", "updated_at"})

    class Meta:
        abstract = True


# --------------------------------------------------------------------------------------
# Territory (reference data from the official CUT list, loaded by a data migration)
# --------------------------------------------------------------------------------------


class Region(models.Model):
    """A region of Chile (Decreto 1.115/2018): code 1..16."""

    code = models.CharField("código", max_length=2, unique=True)
    name = models.CharField("nombre", max_length=100)
    abbreviation = models.CharField("abreviatura", max_length=10)
    holidays_subdivision = models.CharField(
        "subdivisión en el paquete holidays", max_length=4, blank=True
    )

    class Meta:
        ordering = ["code"]
        verbose_name = "región"
        verbose_name_plural = "regiones"

    def __str__(self) -> str:
        return self.name


class Province(models.Model):
    """A province: 3-digit code (region + 1)."""

    code = models.CharField("código", max_length=3, unique=True)
    name = models.CharField("nombre", max_length=100)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="provinces")

    class Meta:
        ordering = ["code"]
        verbose_name = "provincia"
        verbose_name_plural = "provincias"

    def __str__(self) -> str:
        return self.name


class Comuna(models.Model):
    """A comuna, identified by its 5-digit CUT code (RRPCC)."""

    cut = models.CharField("código CUT", max_length=5, unique=True, validators=[validate_cut])
    name = models.CharField("nombre", max_length=100)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="comunas")

    class Meta:
        ordering = ["name"]
        verbose_name = "comuna"
        verbose_name_plural = "comunas"

    def __str__(self) -> str:
        return f"{self.name} ({self.cut})"

    @property
    def region(self) -> Region:
        return self.province.region


# --------------------------------------------------------------------------------------
# The municipality and its organisation
# --------------------------------------------------------------------------------------


class Municipality(AuditedModel):
    """The one municipality this deployment serves (a single row, id = 1)."""

    name = models.CharField("nombre", max_length=150)
    comuna = models.ForeignKey(Comuna, on_delete=models.PROTECT, verbose_name="comuna")
    rut = models.CharField("RUT", max_length=12, blank=True, validators=[validate_rut])
    address = models.CharField("dirección", max_length=200, blank=True)
    phone = models.CharField("teléfono", max_length=40, blank=True)
    email = models.EmailField("correo", blank=True)
    website = models.URLField("sitio web", blank=True)
    boundary = models.JSONField(
        "límite comunal (GeoJSON WGS84)", null=True, blank=True, editable=False
    )
    boundary_source = models.CharField("fuente del límite", max_length=300, blank=True)
    is_demo = models.BooleanField(
        "datos de demostración",
        default=False,
        help_text="Marca todos los registros como ficticios en cada pantalla.",
    )

    audit_exclude = AuditedModel.audit_exclude | {"boundary"}

    class Meta:
        verbose_name = "municipalidad"
        verbose_name_plural = "municipalidad"
        constraints = [
            models.CheckConstraint(
                condition=Q(id=1),
                name="municipality_single_row",
                violation_error_message="Solo puede existir una municipalidad.",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("core:municipality")

    @property
    def region(self) -> Region:
        return self.comuna.province.region

    @classmethod
    def current(cls, *, with_boundary: bool = True) -> Municipality | None:
        """The municipality this installation serves; without its boundary (a large JSON)
        for pages that only show its name and place."""
        rows = cls.objects.select_related("comuna__province__region")
        if not with_boundary:
            rows = rows.defer("boundary")
        return rows.filter(pk=1).first()


class Directorate(AuditedModel):
    """A municipal directorate (DIDECO, DOM, DAF, SECPLA, …)."""

    code = models.CharField(
        "sigla",
        max_length=20,
        unique=True,
        error_messages={"unique": "Ya existe una dirección con esa sigla."},
    )
    name = models.CharField("nombre", max_length=150)
    head_name = models.CharField("director(a)", max_length=150, blank=True)
    email = models.EmailField("correo", blank=True)
    is_active = models.BooleanField("vigente", default=True)

    scope_field = "pk"

    class Meta:
        ordering = ["code"]
        verbose_name = "dirección"
        verbose_name_plural = "direcciones"

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("core:directorate_detail", args=[self.pk])


class Department(AuditedModel):
    """A department inside a directorate (SECPLA has Estudios, Control y Presupuesto, …)."""

    directorate = models.ForeignKey(
        Directorate,
        on_delete=models.PROTECT,
        related_name="departments",
        verbose_name="dirección",
    )
    code = models.CharField("sigla", max_length=20)
    name = models.CharField("nombre", max_length=150)
    is_active = models.BooleanField("vigente", default=True)

    scope_field = "directorate"

    class Meta:
        ordering = ["directorate__code", "name"]
        verbose_name = "departamento"
        verbose_name_plural = "departamentos"
        constraints = [
            models.UniqueConstraint(
                fields=["directorate", "code"],
                name="department_code_unique_in_directorate",
                violation_error_message="Esa dirección ya tiene un departamento con esa sigla.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.directorate.code})"

    def get_absolute_url(self) -> str:
        return reverse("core:department_detail", args=[self.pk])


# --------------------------------------------------------------------------------------
# People and roles: permissions are data (role grants with a scope)
# --------------------------------------------------------------------------------------


class Role(AuditedModel):
    """A role of the architecture sketch; what it may do is the set of its grants."""

    code = models.SlugField("código", max_length=40, unique=True)
    name = models.CharField("nombre", max_length=100)
    description = models.TextField("descripción", blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "rol"
        verbose_name_plural = "roles"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("core:role_detail", args=[self.pk])


class Scope(models.TextChoices):
    ALL = "all", "Toda la municipalidad"
    DIRECTORATE = "directorate", "Solo su dirección"


class AppliedGrantSet(models.Model):
    """A module's initial grant set already given to the roles (see core.roles)."""

    name = models.CharField("conjunto", max_length=50, unique=True)
    applied_at = models.DateTimeField("aplicado", auto_now_add=True)

    class Meta:
        verbose_name = "conjunto de permisos aplicado"
        verbose_name_plural = "conjuntos de permisos aplicados"

    def __str__(self) -> str:
        return self.name


class RoleGrant(AuditedModel):
    """One permission given to a role, for the whole municipality or only its directorate."""

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="grants")
    permission = models.ForeignKey(Permission, on_delete=models.CASCADE, verbose_name="permiso")
    scope = models.CharField("alcance", max_length=20, choices=Scope, default=Scope.ALL)

    class Meta:
        verbose_name = "permiso de rol"
        verbose_name_plural = "permisos de rol"
        constraints = [
            models.UniqueConstraint(
                fields=["role", "permission"],
                name="rolegrant_unique",
                violation_error_message="El rol ya tiene ese permiso.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.role}: {self.permission.codename} ({self.get_scope_display()})"


class UserManager(DjangoUserManager.from_queryset(ScopedQuerySet)):
    pass


class User(AbstractUser):
    """A municipal official who logs in. Citizens never log in."""

    role = models.ForeignKey(
        Role, on_delete=models.PROTECT, null=True, blank=True, verbose_name="rol"
    )
    directorate = models.ForeignKey(
        Directorate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name="dirección",
        related_name="users",
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name="departamento",
        related_name="users",
    )
    position = models.CharField("cargo", max_length=150, blank=True)
    phone = models.CharField("teléfono", max_length=40, blank=True)

    objects = UserManager()

    scope_field = "directorate"
    audit_exclude = frozenset({"last_login"})  # logging in is not a change of the record
    audit_redact = frozenset({"password"})

    class Meta:
        ordering = ["last_name", "first_name", "username"]
        verbose_name = "usuario"
        verbose_name_plural = "usuarios"

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def get_absolute_url(self) -> str:
        return reverse("core:user_detail", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        if self.department_id and self.department.directorate_id != self.directorate_id:
            raise ValidationError(
                {"department": "El departamento no pertenece a la dirección elegida."}
            )


# --------------------------------------------------------------------------------------
# Change log
# --------------------------------------------------------------------------------------


class ChangeAction(models.TextChoices):
    CREATE = "create", "Creación"
    UPDATE = "update", "Modificación"
    DELETE = "delete", "Eliminación"


class ChangeLogEntry(models.Model):
    """One write to one domain record: who, when, before and after, why.

    Written by core.audit in the same transaction as the change; never edited.
    """

    timestamp = models.DateTimeField("fecha", default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="usuario",
    )
    user_repr = models.CharField("usuario (texto)", max_length=150, blank=True)
    action = models.CharField("acción", max_length=10, choices=ChangeAction)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name="tipo"
    )
    object_id = models.CharField("id del registro", max_length=64, db_index=True)
    object_repr = models.CharField("registro", max_length=200)
    before = models.JSONField("antes", null=True, blank=True)
    after = models.JSONField("después", null=True, blank=True)
    request_id = models.CharField("id de solicitud", max_length=64, blank=True, db_index=True)
    source = models.CharField("origen", max_length=20, blank=True)
    reason = models.CharField("motivo", max_length=500, blank=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["-timestamp", "-id"]
        verbose_name = "registro de cambio"
        verbose_name_plural = "registro de cambios"
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"

    def changed_fields(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for each field that differs, as stored."""
        before, after = self.before or {}, self.after or {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]

    def readable_changes(self) -> list[tuple[str, str, str]]:
        """The same, for people: field names in Spanish, choices as labels, dates dd-mm-aaaa."""
        model = self.content_type.model_class()
        fields = {f.attname: f for f in model._meta.concrete_fields} if model else {}
        if model:
            fields.update({f.name: f for f in model._meta.many_to_many})
        rows = []
        for key, before, after in self.changed_fields():
            field = fields.get(key)
            label = str(field.verbose_name) if field is not None else key
            rows.append((label, _readable(field, before), _readable(field, after)))
        return rows


def _readable(field, value) -> str:
    if value is None or value == "":
        return "—"
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "Sí" if value else "No"
    if isinstance(value, str) and len(value) >= 10 and value[4] == "-" and value[7] == "-":
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        if len(value) == 10:
            return parsed.strftime("%d-%m-%Y")
        return (
            timezone.localtime(parsed).strftime("%d-%m-%Y %H:%M")
            if timezone.is_aware(parsed)
            else parsed.strftime("%d-%m-%Y %H:%M")
        )
    if isinstance(value, list) and field is not None and field.many_to_many:
        found = field.related_model._base_manager.in_bulk(value)
        return "; ".join(str(found.get(pk, f"#{pk} (eliminado)")) for pk in value) or "—"
    if field is not None and field.is_relation and field.related_model is not None:
        related = field.related_model._base_manager.filter(pk=value).first()
        return str(related) if related is not None else f"#{value} (eliminado)"
    return str(value)


# --------------------------------------------------------------------------------------
# Money and calendar reference data (dated configuration the administrator keeps)
# --------------------------------------------------------------------------------------


class UTMValue(AuditedModel):
    """The UTM of one month in pesos, with where the figure came from."""

    year = models.PositiveSmallIntegerField(
        "año", validators=[MinValueValidator(1990), MaxValueValidator(2100)]
    )
    month = models.PositiveSmallIntegerField(
        "mes", validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    value = models.PositiveIntegerField("valor ($)", validators=[MinValueValidator(1)])
    source = models.CharField("fuente", max_length=300)
    source_url = models.URLField("URL de la fuente", blank=True)
    verified = models.BooleanField(
        "verificado en fuente oficial",
        default=False,
        help_text="Marque solo si confirmó el valor en la tabla del SII o del Banco Central.",
    )

    class Meta:
        ordering = ["-year", "-month"]
        verbose_name = "valor UTM"
        verbose_name_plural = "valores UTM"
        constraints = [
            models.UniqueConstraint(
                fields=["year", "month"],
                name="utm_one_value_per_month",
                violation_error_message="Ya existe un valor UTM para ese mes.",
            )
        ]

    def __str__(self) -> str:
        return f"UTM {self.month:02d}-{self.year}"

    def get_absolute_url(self) -> str:
        return reverse("core:utmvalue_detail", args=[self.pk])


class RegionalHoliday(AuditedModel):
    """A yearly holiday set by law for a region or for some of its comunas.

    The `holidays` package cannot say that Ñuble's 20 August applies only in
    Chillán and Chillán Viejo, so regional holidays are data here.
    """

    name = models.CharField("nombre", max_length=200)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, verbose_name="región")
    comunas_cut = models.CharField(
        "comunas (códigos CUT)",
        max_length=500,
        blank=True,
        help_text="Códigos CUT separados por coma. Vacío: rige en toda la región.",
    )
    month = models.PositiveSmallIntegerField(
        "mes", validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    day = models.PositiveSmallIntegerField(
        "día", validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    valid_from = models.DateField("rige desde")
    valid_until = models.DateField("rige hasta", null=True, blank=True)
    legal_source = models.CharField("norma", max_length=300)

    class Meta:
        ordering = ["region__code", "month", "day"]
        verbose_name = "feriado regional"
        verbose_name_plural = "feriados regionales"

    def __str__(self) -> str:
        return f"{self.day:02d}-{self.month:02d} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("core:regionalholiday_detail", args=[self.pk])

    def clean(self) -> None:
        try:
            dt.date(2024, self.month or 1, self.day or 1)  # 2024: leap year accepts 29-02
        except ValueError as exc:
            raise ValidationError({"day": "Ese día no existe en ese mes."}) from exc
        if self.valid_until and self.valid_from and self.valid_until < self.valid_from:
            raise ValidationError({"valid_until": "Debe ser posterior a «rige desde»."})
        codes = self.comuna_codes()
        if codes and self.region_id:
            known = set(
                Comuna.objects.filter(
                    cut__in=codes, province__region_id=self.region_id
                ).values_list("cut", flat=True)
            )
            unknown = [c for c in codes if c not in known]
            if unknown:
                listed = ", ".join(unknown)
                raise ValidationError(
                    {"comunas_cut": f"Estos códigos no son comunas de la región: {listed}."}
                )
            self.comunas_cut = ", ".join(codes)

    def comuna_codes(self) -> list[str]:
        return [
            c.strip() for c in (self.comunas_cut or "").replace(";", ",").split(",") if c.strip()
        ]

    def applies_to(self, comuna: Comuna) -> bool:
        if comuna.province.region_id != self.region_id:
            return False
        codes = self.comuna_codes()
        return not codes or comuna.cut in codes

    def date_in(self, year: int) -> dt.date | None:
        try:
            day = dt.date(year, self.month, self.day)
        except ValueError:
            return None
        if day < self.valid_from or (self.valid_until and day > self.valid_until):
            return None
        return day


class LocalHoliday(AuditedModel):
    """A one-off holiday the administrator adds: a feriado comunal, or a national day
    created by a special law before the `holidays` package knows it."""

    class Kind(models.TextChoices):
        COMUNAL = "comunal", "Feriado comunal"
        NATIONAL = "nacional", "Feriado nacional adicional (ley especial)"

    date = models.DateField("fecha", unique=True, error_messages={"unique": "Esa fecha ya está."})
    name = models.CharField("nombre", max_length=200)
    kind = models.CharField("tipo", max_length=20, choices=Kind, default=Kind.COMUNAL)
    legal_source = models.CharField("norma o decreto", max_length=300)

    class Meta:
        ordering = ["-date"]
        verbose_name = "feriado agregado"
        verbose_name_plural = "feriados agregados"

    def __str__(self) -> str:
        return f"{self.date:%d-%m-%Y} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("core:localholiday_detail", args=[self.pk])


# --------------------------------------------------------------------------------------
# Links with public services and the private sector ("vinculaciones")
# --------------------------------------------------------------------------------------


class Organisation(AuditedModel):
    """A public service, company, university or community organisation SECPLA works with."""

    class Kind(models.TextChoices):
        PUBLIC = "publico", "Servicio público"
        MUNICIPAL = "municipal", "Municipalidad o asociación municipal"
        PRIVATE = "privado", "Empresa privada"
        ACADEMIC = "academico", "Universidad o centro de estudios"
        NGO = "ong", "Fundación u ONG"
        COMMUNITY = "comunitaria", "Organización comunitaria"
        INTERNATIONAL = "internacional", "Organismo internacional"
        OTHER = "otro", "Otro"

    name = models.CharField("nombre", max_length=200)
    kind = models.CharField("tipo", max_length=20, choices=Kind)
    rut = models.CharField(
        "RUT",
        max_length=12,
        blank=True,
        validators=[validate_rut],
        help_text="Con dígito verificador, por ejemplo 69.141.200-8.",
    )
    address = models.CharField("dirección", max_length=200, blank=True)
    email = models.EmailField("correo", blank=True)
    phone = models.CharField("teléfono", max_length=40, blank=True)
    website = models.URLField("sitio web", blank=True)
    notes = models.TextField("observaciones", blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "organización"
        verbose_name_plural = "organizaciones"
        constraints = [
            models.UniqueConstraint(
                fields=["rut"],
                condition=~Q(rut=""),
                name="organisation_rut_unique",
                violation_error_message="Ya existe una organización con ese RUT.",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("core:organisation_detail", args=[self.pk])


class Contact(AuditedModel):
    """A person to talk to at an organisation."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="contacts", verbose_name="organización"
    )
    name = models.CharField("nombre", max_length=150)
    position = models.CharField("cargo", max_length=150, blank=True)
    email = models.EmailField("correo", blank=True)
    phone = models.CharField("teléfono", max_length=40, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "contacto"
        verbose_name_plural = "contactos"

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"

    def get_absolute_url(self) -> str:
        return reverse("core:contact_detail", args=[self.pk])


class Agreement(AuditedModel):
    """A convenio with an organisation: dates, status, the directorate that follows it."""

    class Kind(models.TextChoices):
        COLLABORATION = "colaboracion", "Convenio de colaboración"
        TRANSFER = "transferencia", "Convenio de transferencia de recursos"
        MANDATE = "mandato", "Convenio mandato"
        LOAN = "comodato", "Comodato"
        FRAMEWORK = "marco", "Convenio marco"
        OTHER = "otro", "Otro"

    class Status(models.TextChoices):
        DRAFT = "borrador", "En preparación"
        SIGNED = "firmado", "Firmado, en tramitación"
        ACTIVE = "vigente", "Vigente"
        EXPIRED = "vencido", "Vencido"
        TERMINATED = "terminado", "Terminado"

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="agreements",
        verbose_name="organización",
    )
    title = models.CharField("nombre del convenio", max_length=250)
    kind = models.CharField("tipo", max_length=20, choices=Kind)
    status = models.CharField("estado", max_length=20, choices=Status, default=Status.DRAFT)
    directorate = models.ForeignKey(
        Directorate,
        on_delete=models.PROTECT,
        related_name="agreements",
        verbose_name="dirección responsable",
    )
    start_date = models.DateField("fecha de inicio", null=True, blank=True)
    end_date = models.DateField("fecha de término", null=True, blank=True)
    amount = models.BigIntegerField(
        "monto ($)",
        null=True,
        blank=True,
        validators=[MinValueValidator(0, message="El monto no puede ser negativo.")],
        help_text="En pesos, sin decimales.",
    )
    decree = models.CharField("decreto aprobatorio", max_length=100, blank=True)
    description = models.TextField("descripción", blank=True)

    scope_field = "directorate"

    class Meta:
        ordering = [models.F("start_date").desc(nulls_last=True), "title"]
        verbose_name = "convenio"
        verbose_name_plural = "convenios"
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="agreement_amount_not_negative",
                violation_error_message="El monto no puede ser negativo.",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="agreement_dates_in_order",
                violation_error_message="La fecha de término es anterior a la de inicio.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("core:agreement_detail", args=[self.pk])

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "La fecha de término es anterior a la de inicio."})

    def days_to_end(self, today: dt.date | None = None) -> int | None:
        if not self.end_date:
            return None
        return (self.end_date - (today or timezone.localdate())).days

    def is_expiring_soon(self, today: dt.date | None = None, within_days: int = 60) -> bool:
        """A vigente agreement whose end date falls within the next `within_days` days."""
        days = self.days_to_end(today)
        return self.status == self.Status.ACTIVE and days is not None and 0 <= days <= within_days


# --------------------------------------------------------------------------------------
# Documents attached to any record
# --------------------------------------------------------------------------------------


def document_upload_to(instance: Document, filename: str) -> str:
    # The stored name never comes from the user: a hash-based path under a dated folder.
    today = timezone.localdate()
    return f"documentos/{today:%Y/%m}/{instance.sha256[:2]}/{instance.sha256}.{instance.extension}"


class Document(AuditedModel):
    """A file (decreto, acta, evidence…) attached to any record; served only to those
    who may see that record."""

    class Kind(models.TextChoices):
        DECREE = "decreto", "Decreto"
        MINUTES = "acta", "Acta"
        AGREEMENT = "convenio", "Convenio firmado"
        EVIDENCE = "evidencia", "Evidencia"
        PHOTO = "foto", "Fotografía"
        REPORT = "informe", "Informe"
        OTHER = "otro", "Otro"

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64, db_index=True)
    target = GenericForeignKey("content_type", "object_id")
    title = models.CharField("título", max_length=200)
    kind = models.CharField("tipo", max_length=20, choices=Kind, default=Kind.OTHER)
    file = models.FileField("archivo", upload_to=document_upload_to, max_length=300)
    original_name = models.CharField("nombre original", max_length=255)
    extension = models.CharField("extensión", max_length=10)
    mime_type = models.CharField("tipo de contenido", max_length=100)
    size = models.PositiveBigIntegerField("tamaño (bytes)")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="subido por",
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "documento"
        verbose_name_plural = "documentos"
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("core:document_download", args=[self.pk])
