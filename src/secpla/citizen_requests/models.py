"""The OIRS (Ley 18.695 art. 98): the community's requests, suggestions, complaints,
compliments and questions, each routed by its category to a directorate, answered within
a deadline in días hábiles, with a timeline of typed events and the requester's personal
data kept to the minimum (Ley 21.719)."""

from __future__ import annotations

import contextlib
import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from stdnum.exceptions import ValidationError as StdnumError

from secpla.citizen_requests.workflow import OPEN_STATUSES, Status
from secpla.core.models import AuditedModel, Directorate
from secpla.core.validators import normalize_rut, validate_rut

AT_LEAST_ONE = [MinValueValidator(1, message="Indique al menos 1.")]


class OirsSettings(AuditedModel):
    """Dated configuration of the OIRS: the legal maximum answer time, the default
    deadline, the reopen window, the retention of personal data, the duplicate search and
    the consent text. The row in force on a date is the latest with `valid_from` on or
    before it; a change of law or ordenanza is a new row, so past deadlines keep the rule
    that produced them."""

    valid_from = models.DateField(
        "vigente desde",
        unique=True,
        error_messages={"unique": "Ya hay parámetros OIRS vigentes desde esa fecha."},
    )
    max_answer_days = models.PositiveSmallIntegerField(
        "plazo legal máximo de respuesta (días hábiles)",
        default=30,
        validators=AT_LEAST_ONE,
        help_text="Ley 18.695 art. 98: nunca más de 30 días, según la Ley 19.880 (art. 25: "
        "días hábiles).",
    )
    default_answer_days = models.PositiveSmallIntegerField(
        "plazo de respuesta por defecto (días hábiles)",
        default=30,
        validators=AT_LEAST_ONE,
        help_text="Se usa en las categorías que no fijan su propio plazo.",
    )
    reopen_days = models.PositiveSmallIntegerField(
        "plazo para reabrir (días hábiles desde la respuesta)", default=10, validators=AT_LEAST_ONE
    )
    retention_months = models.PositiveSmallIntegerField(
        "conservación de datos personales (meses desde el cierre)",
        default=24,
        validators=AT_LEAST_ONE,
    )
    duplicate_radius_m = models.PositiveIntegerField(
        "radio para posibles duplicados (metros)", default=100, validators=AT_LEAST_ONE
    )
    duplicate_window_days = models.PositiveSmallIntegerField(
        "ventana para posibles duplicados (días corridos)", default=30, validators=AT_LEAST_ONE
    )
    consent_version = models.CharField("versión del texto de consentimiento", max_length=20)
    consent_text = models.TextField("texto de consentimiento")
    source = models.TextField("fuente", help_text="Norma u ordenanza de la que vienen los valores.")

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = "parámetros OIRS"
        verbose_name_plural = "parámetros OIRS"
        constraints = [
            models.CheckConstraint(
                condition=Q(default_answer_days__lte=F("max_answer_days")),
                name="oirssettings_default_within_max",
                violation_error_message="El plazo por defecto no puede superar el plazo legal "
                "máximo.",
            ),
        ]

    def __str__(self) -> str:
        return f"Parámetros OIRS vigentes desde {self.valid_from:%d-%m-%Y}"

    def get_absolute_url(self) -> str:
        return reverse("citizen_requests:oirssettings_detail", args=[self.pk])

    @classmethod
    def in_force(cls, on: dt.date | None = None) -> OirsSettings:
        """The row in force on `on` (today by default); unsaved defaults if none is."""
        on = on or timezone.localdate()
        row = cls.objects.filter(valid_from__lte=on).order_by("-valid_from").first()
        return row or cls(valid_from=on, source="Valores por defecto del sistema")


class Category(AuditedModel):
    """A kind of matter the community raises (luminaria, bache, microbasural…): it routes
    the request to a directorate and sets its deadline. Its code is the Open311
    `service_code`."""

    name = models.CharField("nombre", max_length=150)
    code = models.SlugField(
        "código",
        max_length=50,
        unique=True,
        error_messages={"unique": "Ya existe una categoría con ese código."},
        help_text="Letras minúsculas, números y guiones; es el «service_code» de Open311.",
    )
    description = models.TextField("descripción", blank=True)
    guidance = models.TextField(
        "orientación para la persona", blank=True, help_text="Se muestra en el formulario."
    )
    directorate = models.ForeignKey(
        Directorate,
        on_delete=models.PROTECT,
        related_name="request_categories",
        verbose_name="dirección que responde",
    )
    answer_days = models.PositiveSmallIntegerField(
        "plazo de respuesta (días hábiles)",
        null=True,
        blank=True,
        validators=AT_LEAST_ONE,
        help_text="Vacío: el plazo por defecto vigente. Nunca más que el máximo legal.",
    )
    group = models.CharField("grupo", max_length=100, blank=True)
    keywords = models.CharField(
        "palabras clave", max_length=300, blank=True, help_text="Separadas por comas."
    )
    is_active = models.BooleanField("vigente", default=True)

    class Meta:
        ordering = ["group", "name"]
        verbose_name = "categoría de solicitud"
        verbose_name_plural = "categorías de solicitud"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("citizen_requests:category_detail", args=[self.pk])

    def clean(self) -> None:
        rules = OirsSettings.in_force()
        if self.answer_days and self.answer_days > rules.max_answer_days:
            raise ValidationError(
                {
                    "answer_days": f"El plazo no puede superar el máximo legal de "
                    f"{rules.max_answer_days} días hábiles."
                }
            )

    def effective_answer_days(self, on: dt.date | None = None) -> tuple[int, OirsSettings]:
        """The days a request received on `on` gets, never above the legal maximum in
        force that day (a category set when the maximum was higher is capped)."""
        rules = OirsSettings.in_force(on)
        days = self.answer_days or rules.default_answer_days
        return min(days, rules.max_answer_days), rules

    def keyword_list(self) -> list[str]:
        return [word.strip() for word in self.keywords.split(",") if word.strip()]


class ApiKey(AuditedModel):
    """A key the administrator issues to an organisation for Open311 POST. Only its
    SHA-256 is stored: the key is 32 random bytes, so a slow password hash adds nothing."""

    name = models.CharField("nombre", max_length=150)
    organisation = models.CharField("organización", max_length=200, blank=True)
    contact = models.CharField("contacto", max_length=200, blank=True)
    prefix = models.CharField("inicio de la clave", max_length=8, editable=False)
    key_hash = models.CharField("huella de la clave", max_length=64, unique=True, editable=False)
    is_active = models.BooleanField("activa", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="emitida por",
    )
    last_used_at = models.DateTimeField("último uso", null=True, blank=True, editable=False)

    audit_exclude = AuditedModel.audit_exclude | {"last_used_at"}
    audit_redact = frozenset({"key_hash"})

    class Meta:
        ordering = ["name"]
        verbose_name = "clave de API Open311"
        verbose_name_plural = "claves de API Open311"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def get_absolute_url(self) -> str:
        return reverse("citizen_requests:apikey_detail", args=[self.pk])


PERSONAL_FIELDS = ("requester_name", "requester_email", "requester_phone", "requester_rut")


class Request(AuditedModel):
    """A request, suggestion, complaint, compliment or question from the community.

    The requester's personal data are the minimum (name, email, phone, optional RUT) and
    stay out of the change log (`audit_exclude`), so anonymising the row really removes
    them; the log still shows who changed the request and when."""

    class Kind(models.TextChoices):
        REQUEST = "solicitud", "Solicitud"
        SUGGESTION = "sugerencia", "Sugerencia"
        COMPLAINT = "reclamo", "Reclamo"
        COMPLIMENT = "felicitacion", "Felicitación"
        QUESTION = "consulta", "Consulta"

    class Channel(models.TextChoices):
        WEB = "web", "Formulario web"
        IN_PERSON = "presencial", "Presencial"
        PHONE = "telefono", "Teléfono"
        EMAIL = "correo", "Correo electrónico"
        LETTER = "carta", "Carta"
        API = "api", "API (Open311)"

    tracking_code = models.CharField(
        "código de seguimiento", max_length=20, unique=True, editable=False
    )
    kind = models.CharField("tipo", max_length=20, choices=Kind)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="requests", verbose_name="categoría"
    )
    description = models.TextField("descripción")
    channel = models.CharField("canal", max_length=20, choices=Channel, default=Channel.WEB)
    location = models.JSONField(
        "ubicación (GeoJSON)",
        null=True,
        blank=True,
        help_text="Un punto en WGS84, dentro de la comuna.",
    )
    address = models.CharField("dirección o referencia", max_length=250, blank=True)
    status = models.CharField(
        "estado", max_length=20, choices=Status, default=Status.RECEIVED, editable=False
    )
    directorate = models.ForeignKey(
        Directorate,
        on_delete=models.PROTECT,
        related_name="citizen_requests",
        verbose_name="dirección a cargo",
        editable=False,
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_requests",
        verbose_name="funcionario(a) a cargo",
        editable=False,
    )
    received_at = models.DateTimeField("recibida", default=timezone.now)
    due_on = models.DateField("plazo de respuesta", editable=False)
    due_rule = models.TextField("regla del plazo", blank=True, editable=False)
    answered_at = models.DateTimeField("respondida", null=True, blank=True, editable=False)
    closed_at = models.DateTimeField("cerrada", null=True, blank=True, editable=False)
    public_answer = models.TextField("respuesta pública", blank=True, editable=False)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name="fusionada en",
        editable=False,
    )
    api_key = models.ForeignKey(
        ApiKey,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
        verbose_name="recibida por la clave de API",
        editable=False,
    )
    requester_name = models.CharField("nombre", max_length=150, blank=True)
    requester_email = models.EmailField("correo electrónico", blank=True)
    requester_phone = models.CharField("teléfono", max_length=40, blank=True)
    requester_rut = models.CharField("RUT", max_length=12, blank=True, validators=[validate_rut])
    consent_given = models.BooleanField("consentimiento para el uso de sus datos", default=False)
    consent_version = models.CharField(
        "versión del consentimiento", max_length=20, blank=True, editable=False
    )
    anonymised_at = models.DateTimeField(
        "datos personales anonimizados", null=True, blank=True, editable=False
    )

    scope_field = "directorate"
    audit_exclude = AuditedModel.audit_exclude | set(PERSONAL_FIELDS)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = "solicitud ciudadana"
        verbose_name_plural = "solicitudes ciudadanas"
        indexes = [models.Index(fields=["category", "status", "received_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(consent_given=True)
                | Q(
                    requester_name="",
                    requester_email="",
                    requester_phone="",
                    requester_rut="",
                ),
                name="request_personal_data_needs_consent",
                violation_error_message="Para guardar datos de contacto se requiere el "
                "consentimiento de la persona.",
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=F("id")),
                name="request_not_merged_into_itself",
                violation_error_message="Una solicitud no puede fusionarse consigo misma.",
            ),
        ]

    def __str__(self) -> str:
        return self.tracking_code or "Solicitud nueva"

    def get_absolute_url(self) -> str:
        return reverse("citizen_requests:request_detail", args=[self.pk])

    def clean(self) -> None:
        from secpla.core.geo import clean_geometry, validate_inside_comuna

        if self.requester_rut:
            # When invalid, the field's validator has already given the Spanish message.
            with contextlib.suppress(StdnumError):
                self.requester_rut = normalize_rut(self.requester_rut)
        try:
            self.location = clean_geometry(self.location)
            if self.location and self.location["type"] != "Point":
                raise ValidationError("La ubicación de una solicitud es un punto del mapa.")
            validate_inside_comuna(self.location)
        except ValidationError as exc:
            raise ValidationError({"location": exc.messages}) from exc

    def has_personal_data(self) -> bool:
        return any(getattr(self, name) for name in PERSONAL_FIELDS)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, today: dt.date | None = None) -> bool:
        """Still waiting for an answer after its due date."""
        today = today or timezone.localdate()
        return self.is_open and self.due_on is not None and self.due_on < today

    def answered_on_time(self) -> bool | None:
        """None while unanswered; else whether the answer came by the due date."""
        if self.answered_at is None:
            return None
        return timezone.localdate(self.answered_at) <= self.due_on


class RequestEvent(models.Model):
    """One step of a request's timeline, written only by citizen_requests.services and
    never changed afterwards. Internal notes are never public; the public tracking page
    shows only the public events' kind and date (plus the answer and the directorate a
    request was derived to), never their free text."""

    class Kind(models.TextChoices):
        RECEIVED = "recibida", "Recibida"
        ASSIGNED = "asignada", "Asignada"
        DERIVED = "derivada", "Derivada"
        STARTED = "en_proceso", "En proceso"
        NOTE = "nota_interna", "Nota interna"
        ANSWERED = "respondida", "Respondida"
        CLOSED = "cerrada", "Cerrada"
        REOPENED = "reabierta", "Reabierta"
        MERGED = "fusionada", "Fusionada"
        NOTIFIED = "notificacion", "Notificación enviada"

    request = models.ForeignKey(
        Request, on_delete=models.CASCADE, related_name="events", verbose_name="solicitud"
    )
    kind = models.CharField("tipo", max_length=20, choices=Kind)
    at = models.DateTimeField("fecha y hora", default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="registrado por",
    )
    is_public = models.BooleanField("visible para la persona", default=False)
    text = models.TextField("texto", blank=True)
    from_directorate = models.ForeignKey(
        Directorate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="desde la dirección",
    )
    to_directorate = models.ForeignKey(
        Directorate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="hacia la dirección",
    )

    class Meta:
        ordering = ["request", "at", "id"]
        verbose_name = "evento de la solicitud"
        verbose_name_plural = "eventos de la solicitud"
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="nota_interna", is_public=True),
                name="requestevent_internal_note_never_public",
                violation_error_message="Una nota interna nunca es pública.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {timezone.localtime(self.at):%d-%m-%Y %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Los eventos de una solicitud no se modifican.")
        super().save(*args, **kwargs)
