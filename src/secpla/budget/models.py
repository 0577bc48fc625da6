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
from secpla.core.money import format_clp

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


class ClassifiedLine(AuditedModel):
    """An amount of one account, optionally by área de gestión and program: initial
    amounts, formulation requests and modification lines (rules: clean_classification)."""

    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="+", verbose_name="cuenta"
    )
    area = models.ForeignKey(
        "ManagementArea",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="área de gestión",
    )
    program = models.ForeignKey(
        "Program",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="programa",
    )

    class Meta:
        abstract = True

    def classification_year(self) -> BudgetYear | None:
        """The budget year whose classifier, áreas and programs the line must use."""
        raise NotImplementedError

    def clean(self) -> None:
        clean_classification(self, self.classification_year())


class InitialAmount(ClassifiedLine):
    """The approved initial budget of one account."""

    budget_year = models.ForeignKey(
        BudgetYear, on_delete=models.CASCADE, related_name="initial", verbose_name="presupuesto"
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
            # One amount per account and classification (none, an área, or a program).
            models.UniqueConstraint(
                fields=["budget_year", "account"],
                condition=Q(area__isnull=True, program__isnull=True),
                name="initialamount_one_per_account",
                violation_error_message="La cuenta ya tiene presupuesto inicial.",
            ),
            models.UniqueConstraint(
                fields=["budget_year", "account", "area"],
                condition=Q(area__isnull=False, program__isnull=True),
                name="initialamount_one_per_account_area",
                violation_error_message="La cuenta ya tiene presupuesto inicial en esa área.",
            ),
            models.UniqueConstraint(
                fields=["budget_year", "account", "program"],
                condition=Q(program__isnull=False),
                name="initialamount_one_per_account_program",
                violation_error_message="La cuenta ya tiene presupuesto inicial en ese programa.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account.code}: {format_clp(self.amount)}"

    def get_absolute_url(self) -> str:
        return self.budget_year.get_absolute_url()

    def classification_year(self) -> BudgetYear | None:
        return self.budget_year if self.budget_year_id else None


def clean_classification(line, budget_year) -> None:
    """Shared by initial amounts, modification lines and requests: the account belongs to
    the year's classifier; áreas and programs classify gastos only; a program fixes the
    área (filled in when left empty)."""
    errors = {}
    account = line.account if line.account_id else None
    if account and budget_year and account.version_id != budget_year.classifier_id:
        errors["account"] = "La cuenta es de otro clasificador."
    if line.program_id:
        program = line.program
        if budget_year and program.budget_year_id != budget_year.pk:
            errors["program"] = "El programa es de otro año."
        if line.area_id and line.area_id != program.area_id:
            errors["area"] = f"El programa {program.code} es del área {program.area}."
        line.area_id = program.area_id
    if account and account.kind == Kind.INCOME and (line.area_id or line.program_id):
        errors["area"] = "Las áreas de gestión y los programas clasifican solo gastos."
    if errors:
        raise ValidationError(errors)


class ManagementArea(AuditedModel):
    """An área de gestión of municipal gastos (01 Gestión Interna … 06 Programas
    Culturales), as SINIM and the CGR report them; editable catalogue."""

    code = models.CharField(
        "código",
        max_length=10,
        unique=True,
        error_messages={"unique": "Ya existe un área con ese código."},
    )
    name = models.CharField("nombre", max_length=150)
    sinim_code = models.CharField("código SINIM", max_length=20, blank=True)
    is_active = models.BooleanField("vigente", default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "área de gestión"
        verbose_name_plural = "áreas de gestión"

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("budget:managementarea_detail", args=[self.pk])


class Program(AuditedModel):
    """A municipal program of one budget year (e.g. «Programa Adulto Mayor»), inside an
    área de gestión, run by a directorate."""

    budget_year = models.ForeignKey(
        "BudgetYear", on_delete=models.PROTECT, related_name="programs", verbose_name="presupuesto"
    )
    code = models.CharField("código", max_length=20)
    name = models.CharField("nombre", max_length=200)
    area = models.ForeignKey(
        ManagementArea, on_delete=models.PROTECT, related_name="programs", verbose_name="área"
    )
    directorate = models.ForeignKey(
        "core.Directorate",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="dirección responsable",
    )
    description = models.TextField("descripción", blank=True)

    class Meta:
        ordering = ["budget_year", "code"]
        verbose_name = "programa municipal"
        verbose_name_plural = "programas municipales"
        constraints = [
            models.UniqueConstraint(
                fields=["budget_year", "code"],
                name="program_code_unique_in_year",
                violation_error_message="Ya existe un programa con ese código en el año.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("budget:program_detail", args=[self.pk])


class BudgetRequest(ClassifiedLine):
    """Formulation: a directorate's request for one account, with its justification, and
    SECPLA's adjustment when it consolidates the proposal."""

    budget_year = models.ForeignKey(
        "BudgetYear", on_delete=models.CASCADE, related_name="requests", verbose_name="presupuesto"
    )
    directorate = models.ForeignKey(
        "core.Directorate",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="dirección",
    )
    requested = models.BigIntegerField(
        "monto solicitado ($)",
        validators=[MinValueValidator(0, message="El monto no puede ser negativo.")],
    )
    justification = models.TextField("justificación")
    adjusted = models.BigIntegerField(
        "monto ajustado por SECPLA ($)",
        null=True,
        blank=True,
        editable=False,
        validators=[MinValueValidator(0, message="El monto no puede ser negativo.")],
    )
    adjustment_note = models.TextField("motivo del ajuste", blank=True, editable=False)

    scope_field = "directorate"

    class Meta:
        ordering = ["budget_year", "account__code", "directorate__code"]
        verbose_name = "solicitud presupuestaria"
        verbose_name_plural = "solicitudes presupuestarias"

    def __str__(self) -> str:
        return f"{self.directorate.code} · {self.account.code}"

    def get_absolute_url(self) -> str:
        return reverse("budget:budgetrequest_detail", args=[self.pk])

    @property
    def final(self) -> int:
        """What goes into the proposal: SECPLA's adjustment, or else the request."""
        return self.requested if self.adjusted is None else self.adjusted

    def classification_year(self) -> BudgetYear | None:
        return self.budget_year if self.budget_year_id else None


class BudgetCalendar(AuditedModel):
    """Dated configuration: the legal calendar of the budget in the Concejo (Ley 18.695
    arts. 65 and 82: the Alcalde presents it in the first week of October; the Concejo
    decides before 15 December). The budget of year N is presented and decided in N−1."""

    valid_from = models.DateField(
        "vigente desde",
        unique=True,
        error_messages={"unique": "Ya hay un calendario vigente desde esa fecha."},
    )
    present_from = models.CharField("presentación: desde (dd-mm)", max_length=5, default="01-10")
    present_until = models.CharField("presentación: hasta (dd-mm)", max_length=5, default="07-10")
    decide_by = models.CharField(
        "el Concejo resuelve antes del (dd-mm)", max_length=5, default="15-12"
    )
    source = models.TextField("fuente")

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = "calendario presupuestario"
        verbose_name_plural = "calendarios presupuestarios"

    def __str__(self) -> str:
        return f"Calendario vigente desde {self.valid_from:%d-%m-%Y}"

    def get_absolute_url(self) -> str:
        return reverse("budget:budgetcalendar_detail", args=[self.pk])

    def clean(self) -> None:
        errors, dates = {}, {}
        for name in ("present_from", "present_until", "decide_by"):
            try:
                dates[name] = day_month(getattr(self, name), 2001)
            except ValueError:
                errors[name] = "Use día y mes como dd-mm, por ejemplo 07-10."
        if errors:
            raise ValidationError(errors)
        if dates["present_until"] < dates["present_from"]:
            raise ValidationError(
                {"present_until": "La presentación termina antes de empezar: revise las fechas."}
            )
        if dates["decide_by"] <= dates["present_until"]:
            raise ValidationError(
                {"decide_by": "El Concejo resuelve después del plazo de presentación."}
            )

    @classmethod
    def in_force(cls, on: dt.date) -> BudgetCalendar | None:
        return cls.objects.filter(valid_from__lte=on).order_by("-valid_from").first()

    def deadlines(self, budget_year: int) -> dict[str, dt.date]:
        """The dates for the budget of `budget_year` (they fall in the year before)."""
        year = budget_year - 1
        return {
            "present_from": day_month(self.present_from, year),
            "present_until": day_month(self.present_until, year),
            "decide_by": day_month(self.decide_by, year),
        }


def day_month(text: str, year: int) -> dt.date:
    """'07-10' and a year → 7 October of that year (ValueError when malformed)."""
    day, _, month = (text or "").partition("-")
    if not (day.isdigit() and month.isdigit()):
        raise ValueError(text)
    return dt.date(year, int(month), int(day))


class AlertRule(AuditedModel):
    """Dated configuration of the execution alerts: low execution of investment
    (subtítulo 31 by default) late in the year."""

    valid_from = models.DateField(
        "vigente desde",
        unique=True,
        error_messages={"unique": "Ya hay una regla vigente desde esa fecha."},
    )
    investment_prefix = models.CharField(
        "cuentas de inversión (prefijo)", max_length=30, default="215.31",
        validators=[validate_account_code],
    )  # fmt: skip
    from_month = models.PositiveSmallIntegerField(
        "alertar desde el mes",
        default=9,
        validators=[
            MinValueValidator(1, message="El mes va de 1 a 12."),
            MaxValueValidator(12, message="El mes va de 1 a 12."),
        ],
    )
    min_accrued_percent = models.DecimalField(
        "% devengado mínimo sobre el vigente",
        max_digits=5,
        decimal_places=1,
        default=50,
        validators=[
            MinValueValidator(0, message="El porcentaje va de 0 a 100."),
            MaxValueValidator(100, message="El porcentaje va de 0 a 100."),
        ],
    )
    source = models.TextField("fundamento", blank=True)

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = "regla de alertas de ejecución"
        verbose_name_plural = "reglas de alertas de ejecución"

    def __str__(self) -> str:
        return f"Alertas vigentes desde {self.valid_from:%d-%m-%Y}"

    def get_absolute_url(self) -> str:
        return reverse("budget:alertrule_detail", args=[self.pk])

    @classmethod
    def in_force(cls, on: dt.date) -> AlertRule | None:
        return cls.objects.filter(valid_from__lte=on).order_by("-valid_from").first()


class AccountProject(AuditedModel):
    """A budget line (an account of subtítulo 31 or 33) that funds an investment project:
    found by the BIP code in the account's name, or linked by hand."""

    class Method(models.TextChoices):
        BIP = "bip", "Por código BIP"
        MANUAL = "manual", "A mano"

    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="project_links", verbose_name="cuenta"
    )
    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.CASCADE,
        related_name="budget_links",
        verbose_name="proyecto",
    )
    method = models.CharField("vínculo", max_length=10, choices=Method, default=Method.MANUAL)

    scope_field = "project__directorate"

    class Meta:
        ordering = ["account__code"]
        verbose_name = "cuenta de un proyecto"
        verbose_name_plural = "cuentas de proyectos"
        constraints = [
            models.UniqueConstraint(
                fields=["account", "project"],
                name="accountproject_once",
                violation_error_message="La cuenta ya está vinculada a ese proyecto.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account.code} → {self.project.code}"

    def get_absolute_url(self) -> str:
        return reverse("budget:accountproject_detail", args=[self.pk])

    def clean(self) -> None:
        if self.account_id and not self.account.code.startswith(LINKABLE_PREFIXES):
            raise ValidationError(
                {"account": "Solo se vinculan a proyectos cuentas de los subtítulos 31 y 33."}
            )


LINKABLE_PREFIXES = ("215.31.", "215.33.")


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


class ModificationLine(ClassifiedLine):
    """One account's change in a modification: positive adds, negative takes away."""

    modification = models.ForeignKey(
        Modification, on_delete=models.CASCADE, related_name="lines", verbose_name="modificación"
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
        sign = "+" if self.amount > 0 else "−"
        return f"{self.account.code}: {sign}{format_clp(abs(self.amount))}"

    def get_absolute_url(self) -> str:
        return self.modification.get_absolute_url()

    def classification_year(self) -> BudgetYear | None:
        return self.modification.budget_year if self.modification_id else None


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


def execution_upload_to(instance, filename: str) -> str:
    from django.utils import timezone

    return f"importaciones/ejecucion/{timezone.now():%Y/%m}/{filename}"


class ExecutionImportJob(models.Model):
    """An execution file uploaded in the browser, imported (or only checked) in the
    background by budget.jobs; the outcome is `execution.Report.as_dict()`. The imported
    month itself is logged by the importer, so the job is not an audited record."""

    class Status(models.TextChoices):
        QUEUED = "cola", "En cola"
        RUNNING = "procesando", "Procesando"
        DONE = "terminada", "Terminada"
        INVALID = "errores", "Con errores: no se guardó nada"
        FAILED = "fallida", "Falló: no se guardó nada"

    budget_year = models.ForeignKey(
        BudgetYear, on_delete=models.CASCADE, related_name="import_jobs", verbose_name="presupuesto"
    )
    month = models.PositiveSmallIntegerField(
        "mes",
        validators=[
            MinValueValidator(1, message="El mes va de 1 a 12."),
            MaxValueValidator(12, message="El mes va de 1 a 12."),
        ],
    )
    file = models.FileField("archivo", upload_to=execution_upload_to, max_length=300)
    original_name = models.CharField("nombre del archivo", max_length=255)
    dry_run = models.BooleanField("solo revisar (no guardar)", default=False)
    status = models.CharField("estado", max_length=20, choices=Status, default=Status.QUEUED)
    report = models.JSONField("resultado", default=dict, blank=True)
    error = models.TextField("error", blank=True)
    created_by = models.ForeignKey(
        "core.User",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="subido por",
    )
    created_at = models.DateTimeField("subido", auto_now_add=True)
    started_at = models.DateTimeField("iniciado", null=True, blank=True)
    finished_at = models.DateTimeField("terminado", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "importación de la ejecución"
        verbose_name_plural = "importaciones de la ejecución"

    def __str__(self) -> str:
        return f"{self.original_name} ({self.month:02d}-{self.budget_year.year})"

    def get_absolute_url(self) -> str:
        return reverse("budget:execution_import_detail", args=[self.pk])
