"""The municipal budget (issue 5, data layer): the classifier by year, budget years with
their initial amounts, modifications and the dated rule for when a modification needs a
Concejo agreement. Amounts are integer pesos."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from secpla.core.models import AuditedModel

CODE_RE = re.compile(r"^(115|215)(\.\d{2}){1,2}(\.\d{3}){0,2}$")
YEAR = [
    MinValueValidator(1990, message="Año fuera de rango (1990–2100)."),
    MaxValueValidator(2100, message="Año fuera de rango (1990–2100)."),
]


def validate_account_code(value: str) -> None:
    if not CODE_RE.match(value or ""):
        raise ValidationError(
            "El código de cuenta tiene la forma 115.SS.II.AAA.SSS (ingresos) o 215.SS.II.AAA.SSS "
            "(gastos), por ejemplo 215.22.04.001.",
            code="account_format",
        )


class Kind(models.TextChoices):
    INCOME = "ingreso", "Ingreso"
    EXPENSE = "gasto", "Gasto"


class Level(models.TextChoices):
    SUBTITLE = "subtitulo", "Subtítulo"
    ITEM = "item", "Ítem"
    ALLOCATION = "asignacion", "Asignación"
    SUBALLOCATION = "subasignacion", "Subasignación"


LEVEL_BY_PARTS = {2: Level.SUBTITLE, 3: Level.ITEM, 4: Level.ALLOCATION, 5: Level.SUBALLOCATION}


def level_of(code: str) -> str:
    return LEVEL_BY_PARTS[len(code.split("."))]


def parent_code(code: str) -> str | None:
    parts = code.split(".")
    return ".".join(parts[:-1]) if len(parts) > 2 else None


class ClassifierVersion(AuditedModel):
    """The budget classifier in force for one year."""

    year = models.PositiveSmallIntegerField(
        "año",
        unique=True,
        validators=YEAR,
        error_messages={"unique": "Ya existe un clasificador para ese año."},
    )
    source = models.TextField("fuente")
    notes = models.TextField("notas", blank=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = "clasificador presupuestario"
        verbose_name_plural = "clasificadores presupuestarios"

    def __str__(self) -> str:
        return f"Clasificador {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("budget:classifierversion_detail", args=[self.pk])


class Account(AuditedModel):
    """An account of the classifier (official, or a municipal desagregación below it)."""

    version = models.ForeignKey(
        ClassifierVersion,
        on_delete=models.CASCADE,
        related_name="accounts",
        verbose_name="clasificador",
    )
    code = models.CharField("código", max_length=20, validators=[validate_account_code])
    kind = models.CharField("tipo", max_length=10, choices=Kind, editable=False)
    level = models.CharField("nivel", max_length=15, choices=Level, editable=False)
    name = models.CharField("denominación", max_length=250)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
        editable=False,
    )  # fmt: skip
    is_official = models.BooleanField(
        "del clasificador oficial",
        default=False,
        help_text="Desmarcado: una desagregación propia de la municipalidad.",
    )
    source = models.TextField("fuente", blank=True)

    class Meta:
        ordering = ["version", "code"]
        verbose_name = "cuenta presupuestaria"
        verbose_name_plural = "cuentas presupuestarias"
        constraints = [
            models.UniqueConstraint(
                fields=["version", "code"],
                name="account_code_unique_in_version",
                violation_error_message="Ya existe esa cuenta en el clasificador de ese año.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("budget:account_detail", args=[self.pk])

    def clean(self) -> None:
        if not self.code or not CODE_RE.match(self.code):
            return  # the field validator says why
        self.kind = Kind.INCOME if self.code.startswith("115") else Kind.EXPENSE
        self.level = level_of(self.code)
        above = parent_code(self.code)
        if above is None:
            self.parent = None
            return
        parent = Account.objects.filter(version_id=self.version_id, code=above).first()
        if parent is None:
            raise ValidationError(
                {"code": f"Falta la cuenta superior {above} en el clasificador de ese año."}
            )
        self.parent = parent


class BudgetYear(AuditedModel):
    """One year's budget: formulation, the Concejo, the initial budget."""

    class Status(models.TextChoices):
        FORMULATION = "formulacion", "En formulación"
        COUNCIL = "concejo", "En el Concejo"
        APPROVED = "aprobado", "Aprobado (vigente)"
        CLOSED = "cerrado", "Cerrado"

    year = models.PositiveSmallIntegerField(
        "año",
        unique=True,
        validators=YEAR,
        error_messages={"unique": "Ya existe el presupuesto de ese año."},
    )
    classifier = models.ForeignKey(
        ClassifierVersion,
        on_delete=models.PROTECT,
        related_name="budgets",
        verbose_name="clasificador",
    )
    status = models.CharField("estado", max_length=20, choices=Status, default=Status.FORMULATION)
    presented_on = models.DateField("presentado al Concejo", null=True, blank=True)
    approval_agreement = models.CharField("N° de acuerdo del Concejo", max_length=50, blank=True)
    approved_on = models.DateField("fecha de aprobación", null=True, blank=True)
    approval_decree = models.CharField("decreto alcaldicio", max_length=100, blank=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = "presupuesto anual"
        verbose_name_plural = "presupuestos anuales"

    def __str__(self) -> str:
        return f"Presupuesto {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("budget:budgetyear_detail", args=[self.pk])

    def clean(self) -> None:
        errors = {}
        if self.classifier_id and self.year and self.classifier.year != self.year:
            errors["classifier"] = "El clasificador es de otro año."
        if self.status == self.Status.APPROVED and not (self.approved_on and self.approval_decree):
            errors["approved_on"] = "Un presupuesto aprobado lleva fecha y decreto."
        if errors:
            raise ValidationError(errors)


class InitialAmount(AuditedModel):
    """The approved initial budget of one account."""

    budget_year = models.ForeignKey(
        BudgetYear, on_delete=models.CASCADE, related_name="initial", verbose_name="presupuesto"
    )
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="+", verbose_name="cuenta"
    )
    amount = models.BigIntegerField(
        "monto inicial ($)",
        validators=[MinValueValidator(0, message="El monto no puede ser negativo.")],
    )

    class Meta:
        ordering = ["budget_year", "account__code"]
        verbose_name = "presupuesto inicial de una cuenta"
        verbose_name_plural = "presupuesto inicial"
        constraints = [
            models.UniqueConstraint(
                fields=["budget_year", "account"],
                name="initialamount_one_per_account",
                violation_error_message="La cuenta ya tiene presupuesto inicial.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account.code}: {self.amount}"

    def get_absolute_url(self) -> str:
        return self.budget_year.get_absolute_url()


class AgreementRule(AuditedModel):
    """Dated configuration: which modifications need a Concejo agreement.

    Default content (CGR Dictamen 9.910/2007): changes to subtítulos and ítems, and to
    asignaciones of investment (subtítulo 31) and of subvenciones/aportes (the prefixes the
    municipality lists) need it; the Alcalde's own desagregaciones do not.
    """

    valid_from = models.DateField("vigente desde", unique=True)
    levels = models.CharField(
        "niveles cuyo total no puede cambiar sin acuerdo",
        max_length=50,
        default="subtitulo,item",
        help_text="Separados por coma: subtitulo, item.",
    )
    always_prefixes = models.CharField(
        "cuentas que siempre requieren acuerdo",
        max_length=250,
        default="215.31",
        help_text="Prefijos de código separados por coma, p. ej. 215.31, 215.24.01.",
    )
    source = models.TextField("fuente")

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = "regla de acuerdo del Concejo"
        verbose_name_plural = "reglas de acuerdo del Concejo"

    def __str__(self) -> str:
        return f"Regla vigente desde {self.valid_from:%d-%m-%Y}"

    def get_absolute_url(self) -> str:
        return reverse("budget:agreementrule_detail", args=[self.pk])

    @classmethod
    def in_force(cls, on: dt.date) -> AgreementRule | None:
        return cls.objects.filter(valid_from__lte=on).order_by("-valid_from").first()

    @property
    def level_list(self) -> list[str]:
        return [part.strip() for part in self.levels.split(",") if part.strip()]

    @property
    def prefix_list(self) -> list[str]:
        return [part.strip() for part in self.always_prefixes.split(",") if part.strip()]


class Modification(AuditedModel):
    """A modificación presupuestaria: balanced lines of + and − by account."""

    class Status(models.TextChoices):
        DRAFT = "borrador", "En preparación"
        APPROVED = "aprobada", "Aprobada"
        REJECTED = "rechazada", "Rechazada"

    budget_year = models.ForeignKey(
        BudgetYear,
        on_delete=models.PROTECT,
        related_name="modifications",
        verbose_name="presupuesto",
    )
    number = models.PositiveIntegerField("N°")
    date = models.DateField("fecha")
    description = models.TextField("fundamento")
    status = models.CharField(
        "estado", max_length=20, choices=Status, default=Status.DRAFT, editable=False
    )
    requires_agreement = models.BooleanField(
        "requiere acuerdo del Concejo", default=False, editable=False
    )
    agreement_number = models.CharField("N° de acuerdo del Concejo", max_length=50, blank=True)
    agreement_date = models.DateField("fecha del acuerdo", null=True, blank=True)
    decree = models.CharField("decreto alcaldicio", max_length=100, blank=True)
    approved_on = models.DateField("rige desde", null=True, blank=True, editable=False)

    class Meta:
        ordering = ["budget_year", "number"]
        verbose_name = "modificación presupuestaria"
        verbose_name_plural = "modificaciones presupuestarias"
        constraints = [
            models.UniqueConstraint(
                fields=["budget_year", "number"],
                name="modification_number_unique_in_year",
                violation_error_message="Ya existe una modificación con ese número en el año.",
            ),
            models.CheckConstraint(
                condition=Q(status="aprobada", approved_on__isnull=False) | ~Q(status="aprobada"),
                name="modification_approved_has_date",
                violation_error_message="Una modificación aprobada lleva la fecha en que rige.",
            ),
        ]

    def __str__(self) -> str:
        return f"Modificación N° {self.number} de {self.budget_year.year}"

    def get_absolute_url(self) -> str:
        return reverse("budget:modification_detail", args=[self.pk])


class ModificationLine(AuditedModel):
    """One account's change in a modification: positive adds, negative takes away."""

    modification = models.ForeignKey(
        Modification, on_delete=models.CASCADE, related_name="lines", verbose_name="modificación"
    )
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="+", verbose_name="cuenta"
    )
    amount = models.BigIntegerField("monto ($, + aumenta / − disminuye)")

    class Meta:
        ordering = ["modification", "account__code"]
        verbose_name = "línea de modificación"
        verbose_name_plural = "líneas de modificación"
        constraints = [
            models.CheckConstraint(
                condition=~Q(amount=0),
                name="modificationline_not_zero",
                violation_error_message="Una línea de modificación no puede ser 0.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account.code}: {self.amount:+d}"

    def get_absolute_url(self) -> str:
        return self.modification.get_absolute_url()

    def clean(self) -> None:
        if (
            self.account_id
            and self.modification_id
            and self.account.version_id != self.modification.budget_year.classifier_id
        ):
            raise ValidationError({"account": "La cuenta es de otro clasificador."})


class ExecutionMonth(models.Model):
    """One imported month of execution: which file, who, when (the rows hang from it, so
    re-importing a month replaces them in one transaction)."""

    budget_year = models.ForeignKey(
        BudgetYear, on_delete=models.PROTECT, related_name="execution_months"
    )
    month = models.PositiveSmallIntegerField(
        "mes",
        validators=[
            MinValueValidator(1, message="El mes va de 1 a 12."),
            MaxValueValidator(12, message="El mes va de 1 a 12."),
        ],
    )
    file_name = models.CharField("archivo", max_length=255)
    sha256 = models.CharField("SHA-256", max_length=64)
    rows = models.PositiveIntegerField("filas", default=0)
    imported_by = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    imported_at = models.DateTimeField("importado", auto_now=True)

    class Meta:
        ordering = ["budget_year", "month"]
        verbose_name = "mes de ejecución importado"
        verbose_name_plural = "meses de ejecución importados"
        constraints = [
            models.UniqueConstraint(
                fields=["budget_year", "month"], name="executionmonth_one_per_month"
            ),
        ]

    def __str__(self) -> str:
        return f"Ejecución {self.month:02d}-{self.budget_year.year}"


class ExecutionRow(models.Model):
    """The execution of one account in one month, as the accounting system reports it
    (cumulative to the month's end). Gastos: obligado, devengado, pagado; ingresos:
    devengado, percibido. Written only by the importer, in bulk (the month is the logged
    unit, not each of its up to 100 000 rows)."""

    month = models.ForeignKey(ExecutionMonth, on_delete=models.CASCADE, related_name="lines")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    obligated = models.BigIntegerField("obligado ($)", null=True, blank=True)
    accrued = models.BigIntegerField("devengado ($)", null=True, blank=True)
    paid = models.BigIntegerField("pagado ($)", null=True, blank=True)
    collected = models.BigIntegerField("percibido ($)", null=True, blank=True)

    class Meta:
        ordering = ["month", "account"]
        verbose_name = "ejecución de una cuenta"
        verbose_name_plural = "ejecución por cuenta"
        constraints = [
            models.UniqueConstraint(
                fields=["month", "account"], name="executionrow_one_per_account"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.month}"
