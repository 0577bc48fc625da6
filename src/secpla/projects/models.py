"""The investment portfolio ("cartera de proyectos"): projects with their stage, status
workflow, RATE history, funding per source and year, funding applications, schedule,
physical and financial progress, location and links to the PLADECO."""

from __future__ import annotations

import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from secpla.core.models import AuditedModel, Directorate
from secpla.projects.workflow import Status

BIP_RE = re.compile(r"^\d{8}-\d$")
YEAR = [
    MinValueValidator(1990, message="Año fuera de rango (1990–2100)."),
    MaxValueValidator(2100, message="Año fuera de rango (1990–2100)."),
]
PESOS = [MinValueValidator(0, message="El monto no puede ser negativo.")]
PERCENT = [
    MinValueValidator(Decimal(0), message="El porcentaje no puede ser menor que 0."),
    MaxValueValidator(Decimal(100), message="El porcentaje no puede superar 100."),
]


def validate_bip(value: str) -> None:
    """Format only (8 digits, hyphen, check digit): the check-digit rule is not published,
    so it is not verified (decision 0009)."""
    if value and not BIP_RE.match(value):
        raise ValidationError(
            "El código BIP tiene 8 dígitos, un guion y un dígito verificador, "
            "por ejemplo 40024120-0.",
            code="bip_format",
        )


class FundingSource(AuditedModel):
    """A fund or source of money (FNDR, FRIL, PMU, PMB, Circular 33, municipal…): a
    catalogue the administrator keeps."""

    code = models.CharField(
        "sigla",
        max_length=30,
        unique=True,
        error_messages={"unique": "Ya existe una fuente con esa sigla."},
    )
    name = models.CharField("nombre", max_length=200)
    institution = models.CharField("institución", max_length=150, blank=True)
    description = models.TextField("descripción", blank=True)
    is_external = models.BooleanField(
        "externa", default=True, help_text="Desmarque para los recursos municipales propios."
    )
    is_active = models.BooleanField("vigente", default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "fuente de financiamiento"
        verbose_name_plural = "fuentes de financiamiento"

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return reverse("projects:fundingsource_detail", args=[self.pk])


class Project(AuditedModel):
    """An investment initiative of the commune, from the idea to its operation."""

    class Kind(models.TextChoices):
        STUDY = "estudio", "Estudio básico"
        PROJECT = "proyecto", "Proyecto"
        PROGRAM = "programa", "Programa"

    class Stage(models.TextChoices):
        IDEA = "idea", "Idea"
        PROFILE = "perfil", "Perfil"
        PREFEASIBILITY = "prefactibilidad", "Prefactibilidad"
        FEASIBILITY = "factibilidad", "Factibilidad"
        DESIGN = "diseno", "Diseño"
        EXECUTION = "ejecucion", "Ejecución"
        OPERATION = "operacion", "Operación"

    code = models.CharField(
        "código interno",
        max_length=30,
        unique=True,
        error_messages={"unique": "Ya existe un proyecto con ese código interno."},
    )
    name = models.CharField("nombre", max_length=300)
    description = models.TextField("descripción", blank=True)
    kind = models.CharField("tipología", max_length=20, choices=Kind, default=Kind.PROJECT)
    bip_code = models.CharField(
        "código BIP",
        max_length=10,
        null=True,
        blank=True,
        unique=True,
        validators=[validate_bip],
        error_messages={"unique": "Ya existe un proyecto con ese código BIP."},
    )
    stage = models.CharField("etapa", max_length=20, choices=Stage, default=Stage.IDEA)
    status = models.CharField(
        "estado", max_length=20, choices=Status, default=Status.FORMULATION, editable=False
    )
    status_since = models.DateField("en este estado desde", null=True, blank=True, editable=False)
    directorate = models.ForeignKey(
        Directorate,
        on_delete=models.PROTECT,
        related_name="projects",
        verbose_name="dirección responsable",
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name="profesional responsable",
    )
    estimated_cost = models.BigIntegerField(
        "costo total estimado ($)", null=True, blank=True, validators=PESOS
    )
    territory = models.CharField(
        "territorio", max_length=150, blank=True, help_text="Sector, localidad o «comunal»."
    )
    location = models.JSONField(
        "ubicación (GeoJSON)",
        null=True,
        blank=True,
        help_text="Un punto o un polígono en WGS84, dentro de la comuna.",
    )
    initiatives = models.ManyToManyField(
        "planning.Initiative",
        blank=True,
        related_name="projects",
        verbose_name="iniciativas del PLADECO",
    )

    scope_field = "directorate"

    class Meta:
        ordering = ["code"]
        verbose_name = "proyecto"
        verbose_name_plural = "proyectos"
        constraints = [
            models.CheckConstraint(
                condition=Q(estimated_cost__isnull=True) | Q(estimated_cost__gte=0),
                name="project_cost_not_negative",
                violation_error_message="El costo no puede ser negativo.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("projects:project_detail", args=[self.pk])

    def clean(self) -> None:
        from secpla.core.geo import clean_geometry, validate_inside_comuna

        if self.bip_code == "":
            self.bip_code = None
        if self.responsible_id and self.directorate_id:
            own = self.responsible.directorate_id
            if own not in (None, self.directorate_id):
                raise ValidationError(
                    {"responsible": "El profesional responsable pertenece a otra dirección."}
                )
        try:
            self.location = clean_geometry(self.location)
            validate_inside_comuna(self.location)
        except ValidationError as exc:
            raise ValidationError({"location": exc.messages}) from exc


class StatusChange(models.Model):
    """One step of a project's status timeline; written only by projects.services."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="status_changes")
    date = models.DateField("fecha")
    from_status = models.CharField("desde", max_length=20, choices=Status, blank=True)
    to_status = models.CharField("hacia", max_length=20, choices=Status)
    comment = models.TextField("comentario", blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="registrado por",
    )
    created_at = models.DateTimeField("registrado", auto_now_add=True)

    class Meta:
        ordering = ["project", "date", "id"]
        verbose_name = "cambio de estado del proyecto"
        verbose_name_plural = "cambios de estado del proyecto"

    def __str__(self) -> str:
        return f"{self.date:%d-%m-%Y} {self.get_to_status_display()}"


class RateResult(AuditedModel):
    """A RATE (Resultado del Análisis Técnico-Económico) the project received."""

    class Result(models.TextChoices):
        RS = "RS", "RS — Recomendado satisfactoriamente"
        FI = "FI", "FI — Falta información"
        OT = "OT", "OT — Objetado técnicamente"
        IN = "IN", "IN — Incumplimiento de normativa"
        NV = "NV", "NV — No vigente"
        RF = "RF", "RF — Recomendado favorablemente (programas)"

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="rates", verbose_name="proyecto"
    )
    date = models.DateField("fecha")
    result = models.CharField("resultado", max_length=2, choices=Result)
    year = models.PositiveSmallIntegerField("año presupuestario", validators=YEAR)
    evaluator = models.CharField(
        "evaluado por", max_length=150, blank=True, help_text="MDSF, GORE, SUBDERE…"
    )
    observations = models.TextField("observaciones", blank=True)

    scope_field = "project__directorate"

    class Meta:
        ordering = ["project", "date", "id"]
        verbose_name = "RATE"
        verbose_name_plural = "historial RATE"

    def __str__(self) -> str:
        return f"{self.result} {self.date:%d-%m-%Y}"

    def get_absolute_url(self) -> str:
        return self.project.get_absolute_url() + "?tab=rate"

    def clean(self) -> None:
        if self.date and self.date > timezone.localdate():
            raise ValidationError({"date": "La fecha del RATE no puede ser futura."})


class FundingLine(AuditedModel):
    """How much a source puts into the project in one year."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="funding", verbose_name="proyecto"
    )
    source = models.ForeignKey(
        FundingSource, on_delete=models.PROTECT, related_name="lines", verbose_name="fuente"
    )
    year = models.PositiveSmallIntegerField("año", validators=YEAR)
    amount = models.BigIntegerField("monto ($)", validators=PESOS)
    is_confirmed = models.BooleanField(
        "comprometido", default=False, help_text="Marque cuando el financiamiento está aprobado."
    )

    scope_field = "project__directorate"

    class Meta:
        ordering = ["project", "year", "source"]
        verbose_name = "financiamiento"
        verbose_name_plural = "financiamiento"
        constraints = [
            models.UniqueConstraint(
                fields=["project", "source", "year"],
                name="fundingline_one_per_source_and_year",
                violation_error_message="El proyecto ya tiene un monto de esa fuente para ese año.",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="fundingline_amount_not_negative",
                violation_error_message="El monto no puede ser negativo.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.year}"

    def get_absolute_url(self) -> str:
        return self.project.get_absolute_url() + "?tab=financiamiento"


class FundingApplication(AuditedModel):
    """A postulación of the project to a fund's call."""

    class Result(models.TextChoices):
        PENDING = "pendiente", "Pendiente"
        ADMISSIBLE = "admisible", "Admisible"
        OBSERVED = "observada", "Con observaciones"
        APPROVED = "aprobada", "Aprobada"
        REJECTED = "rechazada", "Rechazada"
        WITHDRAWN = "desistida", "Desistida"

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="applications", verbose_name="proyecto"
    )
    source = models.ForeignKey(
        FundingSource, on_delete=models.PROTECT, related_name="applications", verbose_name="fondo"
    )
    call = models.CharField("convocatoria", max_length=200, blank=True)
    submitted_on = models.DateField("fecha de postulación")
    amount_requested = models.BigIntegerField("monto solicitado ($)", validators=PESOS)
    result = models.CharField("resultado", max_length=20, choices=Result, default=Result.PENDING)
    result_date = models.DateField("fecha del resultado", null=True, blank=True)
    amount_granted = models.BigIntegerField(
        "monto aprobado ($)", null=True, blank=True, validators=PESOS
    )
    notes = models.TextField("notas", blank=True)

    scope_field = "project__directorate"

    class Meta:
        ordering = ["project", "-submitted_on"]
        verbose_name = "postulación"
        verbose_name_plural = "postulaciones"

    def __str__(self) -> str:
        return f"{self.source} {self.call or ''} ({self.submitted_on:%d-%m-%Y})".replace("  ", " ")

    def get_absolute_url(self) -> str:
        return reverse("projects:fundingapplication_detail", args=[self.pk])

    def clean(self) -> None:
        errors = {}
        today = timezone.localdate()
        if self.submitted_on and self.submitted_on > today:
            errors["submitted_on"] = "La fecha de postulación no puede ser futura."
        decided = self.result not in (self.Result.PENDING,)
        if decided and self.result != self.Result.WITHDRAWN and not self.result_date:
            errors["result_date"] = "Indique la fecha del resultado."
        if self.result_date and self.submitted_on and self.result_date < self.submitted_on:
            errors["result_date"] = "El resultado no puede ser anterior a la postulación."
        if self.result == self.Result.APPROVED and self.amount_granted is None:
            errors["amount_granted"] = "Indique el monto aprobado."
        if errors:
            raise ValidationError(errors)


class ApplicationNote(AuditedModel):
    """An observation the fund sent, or the reply the municipality gave."""

    class Kind(models.TextChoices):
        OBSERVATION = "observacion", "Observación recibida"
        REPLY = "respuesta", "Respuesta enviada"

    application = models.ForeignKey(
        FundingApplication,
        on_delete=models.CASCADE,
        related_name="notes_log",
        verbose_name="postulación",
    )
    kind = models.CharField("tipo", max_length=20, choices=Kind)
    date = models.DateField("fecha")
    text = models.TextField("texto")

    scope_field = "application__project__directorate"

    class Meta:
        ordering = ["application", "date", "id"]
        verbose_name = "observación o respuesta"
        verbose_name_plural = "observaciones y respuestas"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date:%d-%m-%Y}"

    def get_absolute_url(self) -> str:
        return self.application.get_absolute_url()


class Milestone(AuditedModel):
    """A planned point of the schedule: a date with the progress expected by then."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="milestones", verbose_name="proyecto"
    )
    name = models.CharField("hito", max_length=200)
    planned_date = models.DateField("fecha planificada")
    planned_percent = models.DecimalField(
        "avance físico planificado (%)", max_digits=4, decimal_places=1, validators=PERCENT
    )
    planned_amount = models.BigIntegerField(
        "gasto acumulado planificado ($)", null=True, blank=True, validators=PESOS
    )
    actual_date = models.DateField("fecha real", null=True, blank=True)

    scope_field = "project__directorate"

    class Meta:
        ordering = ["project", "planned_date", "id"]
        verbose_name = "hito"
        verbose_name_plural = "hitos"

    def __str__(self) -> str:
        return f"{self.name} ({self.planned_date:%d-%m-%Y})"

    def get_absolute_url(self) -> str:
        return self.project.get_absolute_url() + "?tab=avance"


class ProgressReport(AuditedModel):
    """A physical progress report: date, cumulative %, comment; photos as documents."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="progress_reports", verbose_name="proyecto"
    )
    date = models.DateField("fecha")
    percent = models.DecimalField(
        "avance físico acumulado (%)", max_digits=4, decimal_places=1, validators=PERCENT
    )
    comment = models.TextField("comentario", blank=True)

    scope_field = "project__directorate"

    class Meta:
        ordering = ["project", "date", "id"]
        verbose_name = "reporte de avance"
        verbose_name_plural = "reportes de avance"

    def __str__(self) -> str:
        return f"Avance {self.percent} % al {self.date:%d-%m-%Y}"

    def get_absolute_url(self) -> str:
        return reverse("projects:progressreport_detail", args=[self.pk])

    def clean(self) -> None:
        if self.date and self.date > timezone.localdate():
            raise ValidationError({"date": "La fecha del reporte no puede ser futura."})


class Payment(AuditedModel):
    """Money actually paid for the project on a date (financial progress)."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="payments", verbose_name="proyecto"
    )
    date = models.DateField("fecha de pago")
    amount = models.BigIntegerField("monto ($)", validators=PESOS)
    source = models.ForeignKey(
        FundingSource,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name="fuente",
    )
    description = models.CharField("concepto", max_length=250, blank=True)

    scope_field = "project__directorate"

    class Meta:
        ordering = ["project", "date", "id"]
        verbose_name = "pago"
        verbose_name_plural = "pagos"

    def __str__(self) -> str:
        return f"Pago {self.date:%d-%m-%Y}"

    def get_absolute_url(self) -> str:
        return self.project.get_absolute_url() + "?tab=avance"

    def clean(self) -> None:
        if self.date and self.date > timezone.localdate():
            raise ValidationError({"date": "La fecha de pago no puede ser futura."})


class PortfolioSettings(AuditedModel):
    """The portfolio's parameters, one row the administrator or the Director keeps."""

    days_without_report = models.PositiveSmallIntegerField(
        "días sin reporte para alertar",
        default=30,
        validators=[MinValueValidator(1, message="Indique al menos 1 día.")],
        help_text="Un proyecto en ejecución sin reporte de avance en este plazo se marca "
        "«sin reporte».",
    )

    class Meta:
        verbose_name = "parámetros de la cartera"
        verbose_name_plural = "parámetros de la cartera"

    def __str__(self) -> str:
        return "Parámetros de la cartera"

    def get_absolute_url(self) -> str:
        return reverse("projects:settings")

    @classmethod
    def current(cls) -> PortfolioSettings:
        """The row, or unsaved defaults when nobody has configured it yet."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)
