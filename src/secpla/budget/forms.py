"""Forms of the budget's reference catalogues and modifications. They parse and validate
input; budget.services and core.services write (and check the rules again)."""

from __future__ import annotations

import unicodedata

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.utils import timezone

from secpla.budget.models import (
    CODE_RE,
    Account,
    AgreementRule,
    AlertRule,
    BudgetCalendar,
    BudgetYear,
    ClassifierVersion,
    ManagementArea,
    Modification,
    ModificationLine,
    Program,
)
from secpla.core.forms import DateInput
from secpla.core.money import MAX_PESOS, format_clp

TEXTAREA = forms.Textarea(attrs={"rows": 3})

TOO_LARGE = f"El monto no puede superar {format_clp(MAX_PESOS)}."


def limit_pesos(field: forms.IntegerField, *, signed: bool = False) -> None:
    """Keep a money field within ±MAX_PESOS, with a Spanish message (in place of the
    64-bit bounds a BigIntegerField's form field brings, so one message is shown)."""
    field.validators = [
        v for v in field.validators if not isinstance(v, MinValueValidator | MaxValueValidator)
    ]
    field.validators.append(MaxValueValidator(MAX_PESOS, message=TOO_LARGE))
    field.widget.attrs["max"] = MAX_PESOS
    if signed:
        field.validators.append(
            MinValueValidator(
                -MAX_PESOS, message=f"La disminución no puede superar {format_clp(MAX_PESOS)}."
            )
        )
        field.widget.attrs["min"] = -MAX_PESOS


def _plain(text: str) -> str:
    """Lower case without accents: «Ítem» → «item»."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip().lower()


# --------------------------------------------------------------------------------------
# Classifier and accounts
# --------------------------------------------------------------------------------------


class ClassifierVersionForm(forms.ModelForm):
    class Meta:
        model = ClassifierVersion
        fields = ["year", "source", "notes"]
        widgets = {"source": TEXTAREA, "notes": TEXTAREA}
        help_texts = {
            "source": "Decreto o documento del que proviene el clasificador.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.budgets.exists():
            # The budget of that year is built on it: its year no longer changes.
            self.fields["year"].disabled = True
            self.fields["year"].help_text = "Lo usa un presupuesto anual: el año no se cambia."


class ClassifierCopyForm(forms.Form):
    year = forms.IntegerField(
        label="Año del nuevo clasificador",
        min_value=1990,
        max_value=2100,
        error_messages={
            "min_value": "Año fuera de rango (1990–2100).",
            "max_value": "Año fuera de rango (1990–2100).",
        },
    )
    change_reason = forms.CharField(
        label="Motivo (opcional)",
        required=False,
        max_length=400,
        help_text="Queda en el historial del nuevo clasificador.",
    )

    def __init__(self, *args, source: ClassifierVersion, **kwargs):
        super().__init__(*args, **kwargs)
        self.source = source
        self.fields["year"].initial = source.year + 1

    def clean_year(self):
        year = self.cleaned_data["year"]
        if ClassifierVersion.objects.filter(year=year).exists():
            raise forms.ValidationError(
                f"Ya existe un clasificador para {year}: ábralo y agréguele lo que falte, o "
                "elija otro año."
            )
        return year


class AccountChoiceField(forms.ModelChoiceField):
    """Accounts shown by code and name (with the classifier's year when several)."""

    def __init__(self, *args, with_year: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.with_year = with_year

    def label_from_instance(self, obj):
        label = f"{obj.code} {obj.name}"
        return f"{obj.version.year} · {label}" if self.with_year else label


class AccountForm(forms.ModelForm):
    """A municipal desagregación: classifier, code and name (kind, level and parent come
    from the code). On an official account only the name and source can change."""

    class Meta:
        model = Account
        fields = ["version", "code", "name", "source"]
        widgets = {"source": TEXTAREA}
        help_texts = {
            "code": "Código completo, por ejemplo 215.22.04.001.901 (una subasignación bajo "
            "215.22.04.001). La cuenta superior debe existir en el clasificador de ese año.",
            "source": "Decreto alcaldicio u otro documento que crea la desagregación.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = ClassifierVersion.objects.order_by("-year")
        if self.instance.pk:
            self.fields["version"].disabled = True
            if self.instance.is_official:
                self.fields["code"].disabled = True
                self.fields[
                    "code"
                ].help_text = "Cuenta del clasificador oficial: su código no se cambia."

    def clean_code(self):
        return (self.cleaned_data.get("code") or "").strip()


# --------------------------------------------------------------------------------------
# Catalogues and dated configuration
# --------------------------------------------------------------------------------------


class ManagementAreaForm(forms.ModelForm):
    class Meta:
        model = ManagementArea
        fields = ["code", "name", "sinim_code", "is_active"]

    def clean_code(self):
        return (self.cleaned_data.get("code") or "").strip()


AGREEMENT_LEVELS = {"subtitulo": "subtitulo", "item": "item"}


class AgreementRuleForm(forms.ModelForm):
    class Meta:
        model = AgreementRule
        fields = ["valid_from", "levels", "always_prefixes", "source"]
        widgets = {"valid_from": DateInput(), "source": TEXTAREA}
        help_texts = {
            "source": "Dictamen de la Contraloría u otra norma que funda la regla.",
        }

    def clean_levels(self):
        parts = [_plain(p) for p in (self.cleaned_data.get("levels") or "").split(",")]
        parts = [p for p in parts if p]
        unknown = [p for p in parts if p not in AGREEMENT_LEVELS]
        if unknown:
            raise forms.ValidationError(
                f"Nivel desconocido: {', '.join(unknown)}. Use subtitulo, item o ambos, "
                "separados por coma."
            )
        if not parts:
            raise forms.ValidationError("Indique al menos un nivel: subtitulo, item.")
        return ",".join(dict.fromkeys(AGREEMENT_LEVELS[p] for p in parts))

    def clean_always_prefixes(self):
        parts = [p.strip() for p in (self.cleaned_data.get("always_prefixes") or "").split(",")]
        parts = [p for p in parts if p]
        wrong = [p for p in parts if not CODE_RE.match(p)]
        if wrong:
            raise forms.ValidationError(
                f"Prefijo mal escrito: {', '.join(wrong)}. Use códigos de cuenta como 215.31 "
                "o 215.24.01, separados por coma."
            )
        if not parts:
            raise forms.ValidationError("Indique al menos un prefijo, por ejemplo 215.31.")
        return ", ".join(dict.fromkeys(parts))


class BudgetCalendarForm(forms.ModelForm):
    class Meta:
        model = BudgetCalendar
        fields = ["valid_from", "present_from", "present_until", "decide_by", "source"]
        widgets = {"valid_from": DateInput(), "source": TEXTAREA}
        help_texts = {"source": "Ley u otra norma que fija las fechas."}


class AlertRuleForm(forms.ModelForm):
    class Meta:
        model = AlertRule
        fields = ["valid_from", "investment_prefix", "from_month", "min_accrued_percent", "source"]
        widgets = {"valid_from": DateInput(), "source": TEXTAREA}


# --------------------------------------------------------------------------------------
# Modifications
# --------------------------------------------------------------------------------------


class ModificationForm(forms.ModelForm):
    """Number (suggested: the next free of the year), date, fundamento, agreement, decree.
    The year is chosen when creating and stays."""

    class Meta:
        model = Modification
        fields = [
            "budget_year", "number", "date", "description", "agreement_number",
            "agreement_date", "decree",
        ]  # fmt: skip
        widgets = {
            "date": DateInput(),
            "agreement_date": DateInput(),
            "description": TEXTAREA,
        }
        help_texts = {
            "agreement_number": "Si requiere acuerdo del Concejo, no se aprueba sin el número "
            "y la fecha del acuerdo.",
        }

    def __init__(self, *args, **kwargs):
        from secpla.budget.services import next_modification_number

        super().__init__(*args, **kwargs)
        years = BudgetYear.objects.order_by("-year")
        self.fields["number"].required = False
        self.fields["number"].help_text = "Vacío: el siguiente número libre del año."
        if self.instance.pk:
            self.fields["budget_year"].queryset = years
            self.fields["budget_year"].disabled = True
            return
        self.fields["budget_year"].queryset = years.exclude(status=BudgetYear.Status.CLOSED)
        year = self.initial.get("budget_year")
        if year is None:
            year = self.fields["budget_year"].queryset.first()
            self.initial["budget_year"] = year.pk if year else None
        elif not isinstance(year, BudgetYear):
            year = BudgetYear.objects.filter(pk=year).first()
        if year is not None and not self.initial.get("number"):
            self.initial["number"] = next_modification_number(year)
            self.fields["number"].help_text = (
                f"Sugerido: {self.initial['number']}, el siguiente número libre de "
                f"{year.year}. Vacío: se asigna al guardar."
            )
        self.initial.setdefault("date", timezone.localdate())


def _digits(value) -> int | None:
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) < 10 else None


class ModificationLineForm(forms.ModelForm):
    """An account of the year's classifier, optional área or program, and an amount: + adds,
    − takes away, never 0."""

    class Meta:
        model = ModificationLine
        fields = ["modification", "account", "area", "program", "amount"]
        field_classes = {"account": AccountChoiceField}
        help_texts = {
            "amount": "En pesos, sin puntos: positivo aumenta la cuenta, negativo la disminuye "
            "(por ejemplo -1500000).",
            "program": "Solo gastos; el programa fija el área.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        modification = self._modification()
        self.fields["modification"].queryset = Modification.objects.select_related(
            "budget_year"
        ).filter(Q(status=Modification.Status.DRAFT) | Q(pk=getattr(modification, "pk", None)))
        if self.instance.pk:
            self.fields["modification"].disabled = True
        accounts = Account.objects.select_related("version").order_by("version__year", "code")
        programs = Program.objects.select_related("budget_year")
        if modification is not None:
            year = modification.budget_year
            accounts = accounts.filter(version_id=year.classifier_id)
            programs = programs.filter(budget_year=year)
        else:
            self.fields["account"].with_year = True
        self.fields["account"].queryset = accounts
        self.fields["program"].queryset = programs
        self.fields["area"].queryset = ManagementArea.objects.filter(
            Q(is_active=True) | Q(pk=self.instance.area_id)
        )
        limit_pesos(self.fields["amount"], signed=True)

    def _modification(self) -> Modification | None:
        if self.instance.modification_id:
            return self.instance.modification
        pk = _digits(self.data.get("modification")) if self.is_bound else None
        if pk is None:
            pk = _digits(self.initial.get("modification"))
        if pk is None:
            return None
        return Modification.objects.select_related("budget_year").filter(pk=pk).first()

    def clean_amount(self):
        amount = self.cleaned_data.get("amount")
        if amount == 0:
            raise forms.ValidationError(
                "El monto no puede ser 0: positivo aumenta la cuenta, negativo la disminuye."
            )
        return amount


class ModificationApproveForm(forms.Form):
    on = forms.DateField(
        label="Rige desde",
        widget=DateInput(),
        help_text="Desde esta fecha cambia el presupuesto vigente.",
    )
    change_reason = forms.CharField(label="Observación (opcional)", required=False, max_length=500)


class ModificationRejectForm(forms.Form):
    reason = forms.CharField(
        label="Motivo del rechazo",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Indique el motivo del rechazo."},
    )
