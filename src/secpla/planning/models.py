"""Planning records: the PLADECO (plan, its tree of levels, initiatives, statuses,
indicators, evaluations and participation), communal policies, council agreements and
the tasks the Alcalde or the Administrador Municipal give SECPLA."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from secpla.core.models import AuditedModel, Directorate, ScopedQuerySet

PERCENT = [
    MinValueValidator(Decimal(0), message="El avance no puede ser menor que 0 %."),
    MaxValueValidator(Decimal(100), message="El avance no puede superar 100 %."),
]
POSITIVE_WEIGHT = [MinValueValidator(Decimal("0.01"), message="El peso debe ser mayor que 0.")]
YEAR = [
    MinValueValidator(1990, message="Año fuera de rango (1990–2100)."),
    MaxValueValidator(2100, message="Año fuera de rango (1990–2100)."),
]
DEFAULT_LEVELS = "Eje estratégico\nObjetivo estratégico\nLineamiento"
MIN_PERIOD_YEARS = 4  # Ley 18.695 art. 7: the PLADECO covers at least four years.


def progress_field(verbose_name="avance (%)", **kwargs):
    return models.DecimalField(
        verbose_name,
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=PERCENT,
        **kwargs,
    )


# --------------------------------------------------------------------------------------
# PLADECO
# --------------------------------------------------------------------------------------


class Plan(AuditedModel):
    """A Plan de Desarrollo Comunal: its period, approval and the names of its levels."""

    class Status(models.TextChoices):
        DRAFT = "elaboracion", "En elaboración"
        CURRENT = "vigente", "Vigente"
        CLOSED = "cerrado", "Cerrado"

    name = models.CharField("nombre", max_length=200)
    start_year = models.PositiveSmallIntegerField("año de inicio", validators=YEAR)
    end_year = models.PositiveSmallIntegerField("año de término", validators=YEAR)
    status = models.CharField("estado", max_length=20, choices=Status, default=Status.DRAFT)
    level_names = models.TextField(
        "niveles de la estructura",
        default=DEFAULT_LEVELS,
        help_text="Un nivel por línea, del más general al más específico. Las iniciativas "
        "cuelgan de cualquier nivel.",
    )
    approval_agreement = models.CharField("N° de acuerdo del Concejo", max_length=50, blank=True)
    approval_date = models.DateField("fecha del acuerdo", null=True, blank=True)
    approval_decree = models.CharField("decreto alcaldicio", max_length=100, blank=True)
    description = models.TextField("descripción", blank=True)

    class Meta:
        ordering = ["-start_year", "name"]
        verbose_name = "PLADECO"
        verbose_name_plural = "PLADECO"
        constraints = [
            models.CheckConstraint(
                condition=Q(end_year__gte=models.F("start_year") + MIN_PERIOD_YEARS - 1),
                name="plan_period_at_least_four_years",
                violation_error_message="El PLADECO debe abarcar al menos cuatro años.",
            ),
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status="vigente"),
                name="plan_one_current",
                violation_error_message="Ya hay un PLADECO vigente: ciérrelo antes.",
            ),
        ]

    def __str__(self) -> str:
        period = f"{self.start_year}–{self.end_year}"
        return self.name if period in self.name else f"{self.name} ({period})"

    def get_absolute_url(self) -> str:
        return reverse("planning:plan_detail", args=[self.pk])

    @property
    def levels(self) -> list[str]:
        return [line.strip() for line in self.level_names.splitlines() if line.strip()]

    def level_name(self, depth: int) -> str:
        levels = self.levels
        return levels[depth] if depth < len(levels) else f"Nivel {depth + 1}"

    def clean(self) -> None:
        errors = {}
        if not self.levels:
            errors["level_names"] = "Indique al menos un nivel."
        elif len(self.levels) > 8:
            errors["level_names"] = "La estructura admite hasta 8 niveles."
        if (
            self.start_year
            and self.end_year
            and (self.end_year - self.start_year + 1 < MIN_PERIOD_YEARS)
        ):
            errors["end_year"] = "El PLADECO debe abarcar al menos cuatro años."
        if self.approval_date and not self.approval_agreement:
            errors["approval_agreement"] = "Indique el número del acuerdo del Concejo."
        if self.pk and self.levels:
            deepest = self.nodes.aggregate(models.Max("depth"))["depth__max"]
            if deepest is not None and deepest >= len(self.levels):
                errors["level_names"] = (
                    f"El plan ya tiene elementos en el nivel {deepest + 1}: "
                    "no puede tener menos niveles."
                )
        if errors:
            raise ValidationError(errors)


class PlanNode(AuditedModel):
    """One element of the plan's structure above the initiatives (eje, objetivo, …)."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="nodes")
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name="depende de",
    )
    code = models.CharField("código", max_length=30)
    name = models.CharField("nombre", max_length=300)
    description = models.TextField("descripción", blank=True)
    weight = models.DecimalField(
        "peso",
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=POSITIVE_WEIGHT,
        help_text="Opcional. Sin pesos, el avance del nivel superior es el promedio simple.",
    )
    depth = models.PositiveSmallIntegerField("nivel", default=0, editable=False)
    position = models.PositiveIntegerField("orden", default=0)

    class Meta:
        ordering = ["plan", "depth", "position", "code"]
        verbose_name = "elemento del plan"
        verbose_name_plural = "elementos del plan"
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "code"],
                name="plannode_code_unique_in_plan",
                violation_error_message="Ya existe un elemento con ese código en el plan.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("planning:plannode_detail", args=[self.pk])

    @property
    def level_name(self) -> str:
        return self.plan.level_name(self.depth)

    def ancestors(self) -> list[PlanNode]:
        chain, node = [], self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))

    def clean(self) -> None:
        errors = {}
        if self.parent_id:
            if self.parent.plan_id != self.plan_id:
                errors["parent"] = "El elemento superior pertenece a otro plan."
            elif self.pk and any(a.pk == self.pk for a in [self.parent, *self.parent.ancestors()]):
                errors["parent"] = "Un elemento no puede depender de sí mismo."
            else:
                self.depth = self.parent.depth + 1
        else:
            self.depth = 0
        levels = len(self.plan.levels) if self.plan_id else 0
        if self.plan_id and "parent" not in errors:
            deepest = self.depth + self.subtree_height()
            if deepest >= levels:
                errors["parent"] = f"El plan tiene {levels} niveles: " + (
                    f"este elemento quedaría en el nivel {self.depth + 1}."
                    if deepest == self.depth
                    else f"los elementos que dependen de este quedarían en el nivel {deepest + 1}."
                )
        if errors:
            raise ValidationError(errors)

    def descendants(self) -> list[PlanNode]:
        """Every element below this one (one query per level)."""
        found, frontier = [], [self.pk] if self.pk else []
        while frontier:
            children = list(PlanNode.objects.filter(parent_id__in=frontier))
            found += children
            frontier = [child.pk for child in children]
        return found

    def subtree_height(self) -> int:
        """How many levels hang below this element."""
        if not self.pk:
            return 0
        own_depth = PlanNode.objects.filter(pk=self.pk).values_list("depth", flat=True).first()
        below = [node.depth for node in self.descendants()]
        return max(below) - own_depth if below and own_depth is not None else 0

    def save(self, *args, **kwargs):
        """Keep `depth` right here and, when the element moves, in everything below it."""
        self.depth = self.parent.depth + 1 if self.parent_id else 0
        old_depth = (
            PlanNode.objects.filter(pk=self.pk).values_list("depth", flat=True).first()
            if self.pk
            else None
        )
        super().save(*args, **kwargs)
        if old_depth is not None and old_depth != self.depth:
            shift = self.depth - old_depth
            for node in self.descendants():
                PlanNode.objects.filter(pk=node.pk).update(depth=node.depth + shift)


class InitiativeStatus(AuditedModel):
    """A status of the configurable catalogue; each carries a default progress."""

    name = models.CharField("nombre", max_length=80, unique=True)
    default_progress = progress_field(
        "avance por defecto (%)",
        help_text="Al pasar a este estado, la iniciativa toma este avance si no se indica "
        "otro. Vacío: conserva el avance que tenía.",
    )
    position = models.PositiveSmallIntegerField("orden", default=0)
    is_closed = models.BooleanField(
        "estado final", default=False, help_text="Terminada, descartada u otro estado de cierre."
    )
    counts_in_progress = models.BooleanField(
        "cuenta en el avance del plan",
        default=True,
        help_text="Desmarque para estados como «Descartada»: esas iniciativas se muestran, "
        "pero no entran en el avance de los niveles superiores.",
    )
    is_active = models.BooleanField("vigente", default=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = "estado de iniciativa"
        verbose_name_plural = "estados de iniciativa"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("planning:initiativestatus_detail", args=[self.pk])


class Initiative(AuditedModel):
    """A plan, programa, proyecto, estudio or gestión of the PLADECO."""

    class Kind(models.TextChoices):
        PLAN = "plan", "Plan"
        PROGRAM = "programa", "Programa"
        PROJECT = "proyecto", "Proyecto"
        STUDY = "estudio", "Estudio"
        MANAGEMENT = "gestion", "Gestión"

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="initiatives")
    node = models.ForeignKey(
        PlanNode,
        on_delete=models.PROTECT,
        related_name="initiatives",
        verbose_name="se ubica en",
    )
    code = models.CharField("código", max_length=30)
    name = models.CharField("nombre", max_length=300)
    kind = models.CharField("tipo", max_length=20, choices=Kind, default=Kind.PROJECT)
    description = models.TextField("descripción", blank=True)
    directorate = models.ForeignKey(
        Directorate,
        on_delete=models.PROTECT,
        related_name="initiatives",
        verbose_name="dirección responsable",
    )
    weight = models.DecimalField(
        "peso", max_digits=7, decimal_places=2, null=True, blank=True, validators=POSITIVE_WEIGHT
    )
    start_year = models.PositiveSmallIntegerField(
        "año de inicio", null=True, blank=True, validators=YEAR
    )
    end_year = models.PositiveSmallIntegerField(
        "año de término", null=True, blank=True, validators=YEAR
    )
    estimated_cost = models.BigIntegerField(
        "costo estimado ($)",
        null=True,
        blank=True,
        validators=[MinValueValidator(0, message="El costo no puede ser negativo.")],
        help_text="En pesos, sin decimales.",
    )
    funding_source = models.CharField("fuente de financiamiento", max_length=200, blank=True)
    status = models.ForeignKey(
        InitiativeStatus,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="initiatives",
        verbose_name="estado",
    )
    progress = progress_field(help_text="Vacío: sin información.")
    indicator_name = models.CharField("indicador", max_length=250, blank=True)
    indicator_unit = models.CharField("unidad de medida", max_length=50, blank=True)
    indicator_baseline = models.DecimalField(
        "línea base", max_digits=14, decimal_places=2, null=True, blank=True
    )
    indicator_baseline_year = models.PositiveSmallIntegerField(
        "año de la línea base", null=True, blank=True, validators=YEAR
    )
    position = models.PositiveIntegerField("orden", default=0)

    scope_field = "directorate"

    class Meta:
        ordering = ["plan", "position", "code"]
        verbose_name = "iniciativa"
        verbose_name_plural = "iniciativas"
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "code"],
                name="initiative_code_unique_in_plan",
                violation_error_message="Ya existe una iniciativa con ese código en el plan.",
            ),
            models.CheckConstraint(
                condition=Q(end_year__isnull=True)
                | Q(start_year__isnull=True)
                | Q(end_year__gte=models.F("start_year")),
                name="initiative_years_in_order",
                violation_error_message="El año de término es anterior al de inicio.",
            ),
            models.CheckConstraint(
                condition=Q(estimated_cost__isnull=True) | Q(estimated_cost__gte=0),
                name="initiative_cost_not_negative",
                violation_error_message="El costo no puede ser negativo.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("planning:initiative_detail", args=[self.pk])

    def clean(self) -> None:
        errors = {}
        if self.node_id and self.plan_id and self.node.plan_id != self.plan_id:
            errors["node"] = "El elemento elegido pertenece a otro plan."
        if self.indicator_baseline is not None and not self.indicator_name:
            errors["indicator_name"] = "Indique el indicador al que corresponde la línea base."
        if errors:
            raise ValidationError(errors)

    def active_in(self, year: int) -> bool:
        start = self.start_year or self.plan.start_year
        end = self.end_year or self.plan.end_year
        return start <= year <= end


class IndicatorTarget(AuditedModel):
    """The target (and what was achieved) of an initiative's indicator for one year."""

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="targets", verbose_name="iniciativa"
    )
    year = models.PositiveSmallIntegerField("año", validators=YEAR)
    target = models.DecimalField("meta", max_digits=14, decimal_places=2)
    achieved = models.DecimalField(
        "logrado", max_digits=14, decimal_places=2, null=True, blank=True
    )

    scope_field = "initiative__directorate"

    class Meta:
        ordering = ["initiative", "year"]
        verbose_name = "meta anual"
        verbose_name_plural = "metas anuales"
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "year"],
                name="indicatortarget_one_per_year",
                violation_error_message="La iniciativa ya tiene una meta para ese año.",
            ),
        ]

    def __str__(self) -> str:
        return f"Meta {self.year}: {self.target}"

    def get_absolute_url(self) -> str:
        return self.initiative.get_absolute_url() + "?tab=indicador"

    def clean(self) -> None:
        if self.initiative_id and not self.initiative.indicator_name:
            raise ValidationError({"initiative": "Defina primero el indicador de la iniciativa."})


class StatusChange(models.Model):
    """One step of an initiative's timeline: its status and progress from a date on.

    Written by planning.services whenever status or progress change, never edited, so
    "the progress as of a date" can always be answered.
    """

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="status_changes"
    )
    date = models.DateField("fecha")
    status = models.ForeignKey(
        InitiativeStatus,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="estado",
    )
    progress = progress_field()
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
        ordering = ["initiative", "date", "id"]
        verbose_name = "cambio de estado"
        verbose_name_plural = "cambios de estado"
        indexes = [models.Index(fields=["initiative", "date"])]

    def __str__(self) -> str:
        return f"{self.date:%d-%m-%Y} {self.status or 'sin estado'}"


# --------------------------------------------------------------------------------------
# Evaluations
# --------------------------------------------------------------------------------------


class Evaluation(AuditedModel):
    """The plan's progress frozen as of a cut-off date (at least every semester).

    Its items are a copy of the tree at that date; later changes to the plan never
    rewrite them. While open, each directorate comments on its initiatives; closing it
    makes it read-only.
    """

    class Status(models.TextChoices):
        OPEN = "abierta", "Abierta a comentarios"
        CLOSED = "cerrada", "Cerrada"

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="evaluations")
    name = models.CharField("nombre", max_length=200)
    as_of = models.DateField("fecha de corte")
    status = models.CharField("estado", max_length=20, choices=Status, default=Status.OPEN)
    notes = models.TextField("observaciones generales", blank=True)
    closed_at = models.DateTimeField("cerrada el", null=True, blank=True, editable=False)

    class Meta:
        ordering = ["plan", "-as_of", "-id"]
        verbose_name = "evaluación del PLADECO"
        verbose_name_plural = "evaluaciones del PLADECO"

    def __str__(self) -> str:
        cut_off = f"{self.as_of:%d-%m-%Y}"
        return self.name if cut_off in self.name else f"{self.name} (corte {cut_off})"

    def get_absolute_url(self) -> str:
        return reverse("planning:evaluation_detail", args=[self.pk])

    def clean(self) -> None:
        if self.as_of and self.as_of > timezone.localdate():
            raise ValidationError({"as_of": "La fecha de corte no puede ser futura."})

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class EvaluationItem(AuditedModel):
    """One frozen row of an evaluation: a node (rolled-up progress) or an initiative."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="items")
    is_initiative = models.BooleanField("es iniciativa", default=False)
    initiative = models.ForeignKey(
        Initiative, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    code = models.CharField("código", max_length=30)
    name = models.CharField("nombre", max_length=300)
    parent_code = models.CharField("código superior", max_length=30, blank=True)
    depth = models.PositiveSmallIntegerField("nivel")
    level_name = models.CharField("nivel", max_length=100)
    weight = models.DecimalField("peso", max_digits=7, decimal_places=2, null=True, blank=True)
    directorate = models.ForeignKey(
        Directorate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="dirección responsable",
    )
    status_name = models.CharField("estado", max_length=80, blank=True)
    progress = progress_field()
    comment = models.TextField("comentario de la dirección", blank=True)
    position = models.PositiveIntegerField("orden", default=0)

    scope_field = "directorate"

    class Meta:
        ordering = ["evaluation", "position"]
        verbose_name = "ítem de evaluación"
        verbose_name_plural = "ítems de evaluación"
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "is_initiative", "code"],
                name="evaluationitem_code_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("planning:evaluation_detail", args=[self.evaluation_id]) + f"#i{self.pk}"


# --------------------------------------------------------------------------------------
# Participation behind the plan
# --------------------------------------------------------------------------------------


class ParticipationActivity(AuditedModel):
    """A cabildo, survey, COSOC session or workshop that informed the plan."""

    class Kind(models.TextChoices):
        CABILDO = "cabildo", "Cabildo o asamblea territorial"
        SURVEY = "encuesta", "Encuesta"
        COSOC = "cosoc", "Sesión del COSOC"
        WORKSHOP = "taller", "Taller"
        INTERVIEW = "entrevista", "Entrevista o grupo focal"
        OTHER = "otro", "Otra"

    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, related_name="participation", verbose_name="PLADECO"
    )
    kind = models.CharField("tipo", max_length=20, choices=Kind)
    name = models.CharField("nombre", max_length=200)
    date = models.DateField("fecha")
    territory = models.CharField(
        "territorio", max_length=150, blank=True, help_text="Sector, unidad vecinal o «comunal»."
    )
    participants = models.PositiveIntegerField("participantes", default=0)
    description = models.TextField("resumen", blank=True)
    objectives = models.ManyToManyField(
        PlanNode,
        blank=True,
        related_name="participation",
        verbose_name="elementos del plan que informó",
    )

    class Meta:
        ordering = ["-date", "name"]
        verbose_name = "actividad de participación"
        verbose_name_plural = "actividades de participación"

    def __str__(self) -> str:
        return f"{self.name} ({self.date:%d-%m-%Y})"

    def get_absolute_url(self) -> str:
        return reverse("planning:participationactivity_detail", args=[self.pk])

    def clean(self) -> None:
        if self.date and self.date > timezone.localdate():
            raise ValidationError({"date": "Registre las actividades ya realizadas."})


# --------------------------------------------------------------------------------------
# Communal policies
# --------------------------------------------------------------------------------------


class Policy(AuditedModel):
    """A communal policy SECPLA proposes, and the plan objectives it serves."""

    class Status(models.TextChoices):
        PROPOSED = "propuesta", "Propuesta"
        CONSULTATION = "consulta", "En consulta"
        APPROVED = "aprobada", "Aprobada"
        REPEALED = "derogada", "Derogada"

    name = models.CharField("nombre", max_length=200)
    area = models.CharField("área", max_length=100)
    status = models.CharField("estado", max_length=20, choices=Status, default=Status.PROPOSED)
    approval_decree = models.CharField("decreto de aprobación", max_length=100, blank=True)
    approval_date = models.DateField("fecha de aprobación", null=True, blank=True)
    description = models.TextField("descripción", blank=True)
    objectives = models.ManyToManyField(
        PlanNode, blank=True, related_name="policies", verbose_name="objetivos del plan que sirve"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "política comunal"
        verbose_name_plural = "políticas comunales"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("planning:policy_detail", args=[self.pk])

    def clean(self) -> None:
        if self.status == self.Status.APPROVED and not self.approval_decree:
            raise ValidationError(
                {"approval_decree": "Una política aprobada lleva su decreto de aprobación."}
            )


# --------------------------------------------------------------------------------------
# Technical secretariat: council agreements and tasks
# --------------------------------------------------------------------------------------


class FollowUpQuerySet(ScopedQuerySet):
    def pending(self):
        return self.filter(status__in=self.model.OPEN_STATUSES)

    def overdue(self, today: dt.date | None = None):
        return self.pending().filter(due_date__lt=today or timezone.localdate())


class FollowUpMixin:
    """What council agreements and tasks share: a due date and an open/closed status."""

    OPEN_STATUSES: tuple[str, ...] = ()
    overdue_word = "Vencido"  # agrees with the record's gender in Spanish

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def is_overdue(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.is_open and self.due_date is not None and self.due_date < today

    def days_overdue(self, today: dt.date | None = None) -> int:
        today = today or timezone.localdate()
        return (today - self.due_date).days if self.is_overdue(today) else 0


class CouncilAgreement(FollowUpMixin, AuditedModel):
    """An acuerdo del Concejo Municipal that a directorate must carry out."""

    class Status(models.TextChoices):
        PENDING = "pendiente", "Pendiente"
        IN_PROGRESS = "en_curso", "En curso"
        DONE = "cumplido", "Cumplido"
        NOT_APPLICABLE = "sin_efecto", "Sin efecto"

    OPEN_STATUSES = (Status.PENDING, Status.IN_PROGRESS)

    number = models.CharField("N° de acuerdo", max_length=30)
    session_date = models.DateField("fecha de la sesión")
    session = models.CharField(
        "sesión", max_length=100, blank=True, help_text="Ej.: «Sesión ordinaria N° 45»."
    )
    text = models.TextField("texto del acuerdo")
    directorate = models.ForeignKey(
        Directorate,
        on_delete=models.PROTECT,
        related_name="council_agreements",
        verbose_name="dirección responsable",
    )
    due_date = models.DateField("plazo", null=True, blank=True)
    status = models.CharField("estado", max_length=20, choices=Status, default=Status.PENDING)
    evidence = models.TextField(
        "evidencia de cumplimiento", blank=True, help_text="Qué se hizo; adjunte los documentos."
    )
    completed_on = models.DateField("fecha de cumplimiento", null=True, blank=True)

    objects = models.Manager.from_queryset(FollowUpQuerySet)()
    scope_field = "directorate"

    class Meta:
        ordering = ["-session_date", "number"]
        verbose_name = "acuerdo del Concejo"
        verbose_name_plural = "acuerdos del Concejo"
        constraints = [
            models.CheckConstraint(
                condition=Q(due_date__isnull=True) | Q(due_date__gte=models.F("session_date")),
                name="councilagreement_due_after_session",
                violation_error_message="El plazo es anterior a la sesión.",
            ),
        ]

    def __str__(self) -> str:
        return f"Acuerdo N° {self.number} ({self.session_date:%d-%m-%Y})"

    def get_absolute_url(self) -> str:
        return reverse("planning:councilagreement_detail", args=[self.pk])

    def clean(self) -> None:
        errors = {}
        if self.session_date and self.number:
            clash = CouncilAgreement.objects.filter(
                number=self.number.strip(), session_date__year=self.session_date.year
            ).exclude(pk=self.pk)
            if clash.exists():
                errors["number"] = (
                    f"Ya existe el acuerdo N° {self.number} de {self.session_date.year}."
                )
        if self.status == self.Status.DONE and not self.completed_on:
            errors["completed_on"] = "Indique la fecha en que se cumplió."
        if self.status == self.Status.DONE and not self.evidence:
            errors["evidence"] = "Describa la evidencia de cumplimiento."
        if self.completed_on and self.completed_on > timezone.localdate():
            errors["completed_on"] = "La fecha de cumplimiento no puede ser futura."
        if errors:
            raise ValidationError(errors)


class Task(FollowUpMixin, AuditedModel):
    """A task for SECPLA from the Alcalde(sa) or the Administrador(a) Municipal."""

    class Requester(models.TextChoices):
        MAYOR = "alcaldia", "Alcalde(sa)"
        ADMINISTRATOR = "administrador", "Administrador(a) Municipal"
        COUNCIL = "concejo", "Concejo Municipal"
        OTHER = "otro", "Otro"

    class Status(models.TextChoices):
        PENDING = "pendiente", "Pendiente"
        IN_PROGRESS = "en_curso", "En curso"
        DONE = "cumplida", "Cumplida"
        CANCELLED = "cancelada", "Cancelada"

    OPEN_STATUSES = (Status.PENDING, Status.IN_PROGRESS)
    overdue_word = "Vencida"

    requested_by = models.CharField("encargada por", max_length=20, choices=Requester)
    title = models.CharField("tarea", max_length=250)
    description = models.TextField("detalle", blank=True)
    request_date = models.DateField("fecha del encargo", default=dt.date.today)
    due_date = models.DateField("plazo", null=True, blank=True)
    directorate = models.ForeignKey(
        Directorate,
        on_delete=models.PROTECT,
        related_name="tasks",
        verbose_name="dirección",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="planning_tasks",
        verbose_name="responsable",
    )
    status = models.CharField("estado", max_length=20, choices=Status, default=Status.PENDING)
    result = models.TextField("resultado", blank=True)
    completed_on = models.DateField("fecha de término", null=True, blank=True)

    objects = models.Manager.from_queryset(FollowUpQuerySet)()
    scope_field = "directorate"

    class Meta:
        ordering = [models.F("due_date").asc(nulls_last=True), "title"]
        verbose_name = "tarea encargada"
        verbose_name_plural = "tareas encargadas"
        constraints = [
            models.CheckConstraint(
                condition=Q(due_date__isnull=True) | Q(due_date__gte=models.F("request_date")),
                name="task_due_after_request",
                violation_error_message="El plazo es anterior al encargo.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("planning:task_detail", args=[self.pk])

    def clean(self) -> None:
        errors = {}
        if (
            self.assignee_id
            and self.directorate_id
            and self.assignee.directorate_id
            not in (
                None,
                self.directorate_id,
            )
        ):
            errors["assignee"] = "El responsable pertenece a otra dirección."
        if self.status == self.Status.DONE and not self.completed_on:
            errors["completed_on"] = "Indique la fecha de término."
        if self.completed_on and self.completed_on > timezone.localdate():
            errors["completed_on"] = "La fecha de término no puede ser futura."
        if errors:
            raise ValidationError(errors)


# --------------------------------------------------------------------------------------
# Imports of the PLADECO matrix
# --------------------------------------------------------------------------------------


def import_upload_to(instance, filename: str) -> str:
    return f"importaciones/{timezone.now():%Y/%m}/{filename}"


class ImportJob(models.Model):
    """An upload of the PLADECO matrix: analysed (dry run), then applied all or nothing.

    The report lists what would be (or was) created, updated and rejected; progress
    while it runs lives in the cache (see planning.jobs).
    """

    class Status(models.TextChoices):
        ANALYSING = "analizando", "Analizando"
        READY = "lista", "Vista previa lista"
        INVALID = "rechazada", "Con errores: no se puede aplicar"
        APPLYING = "aplicando", "Aplicando"
        APPLIED = "aplicada", "Aplicada"
        FAILED = "fallida", "Falló: el plan quedó como estaba"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="imports")
    file = models.FileField("archivo", upload_to=import_upload_to, max_length=300)
    original_name = models.CharField("nombre del archivo", max_length=255)
    status = models.CharField(max_length=20, choices=Status, default=Status.ANALYSING)
    total_rows = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)  # of the running phase

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "importación de la matriz PLADECO"
        verbose_name_plural = "importaciones de la matriz PLADECO"

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("planning:import_detail", args=[self.pk])
