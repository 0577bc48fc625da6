"""Forms of the budget-year screens (years, requests, initial amounts, programs and the
transitions). They parse input; budget.formulation and core.services validate and write.
Choices are narrowed to what may be used (years still open, the year's classifier, the
user's own directorate) and the services check it again."""

from __future__ import annotations

from django import forms
from django.db.models import Q

from secpla.budget.forms import TEXTAREA, TOO_LARGE, AccountChoiceField, limit_pesos
from secpla.budget.formulation import INITIAL_OPEN
from secpla.budget.models import (
    Account,
    BudgetRequest,
    BudgetYear,
    InitialAmount,
    ManagementArea,
    ModificationLine,
    Program,
)
from secpla.core.forms import DateInput
from secpla.core.money import MAX_PESOS
from secpla.planning.forms import limit_directorates

Status = BudgetYear.Status


def chosen_year(form, field: str = "budget_year") -> int | None:
    """The budget year a form is about: the record's, the link's (?budget_year=) or the
    posted one."""
    for value in (
        getattr(form.instance, f"{field}_id", None),
        form.initial.get(field),
        form.data.get(field),
    ):
        if value and str(value).isdigit() and len(str(value)) < 10:
            return int(value)
    return None


def limit_to_years(form, statuses) -> None:
    """Years in `statuses` (plus the record's own), and the accounts, áreas and programs
    of the chosen year (or of those years)."""
    current = getattr(form.instance, "budget_year_id", None)
    years = BudgetYear.objects.filter(Q(status__in=statuses) | Q(pk=current)).select_related(
        "classifier"
    )
    form.fields["budget_year"].queryset = years
    form.fields["budget_year"].empty_label = None if len(years) == 1 else "---------"
    if len(years) == 1 and not form.instance.pk and "budget_year" not in form.initial:
        form.initial["budget_year"] = years[0].pk
    year = chosen_year(form)
    chosen = [y for y in years if y.pk == year] or list(years)
    classifiers = [y.classifier_id for y in chosen]
    form.fields["account"].queryset = Account.objects.filter(version_id__in=classifiers).order_by(
        "version", "code"
    )
    if "program" in form.fields:
        form.fields["program"].queryset = Program.objects.filter(
            budget_year__in=[y.pk for y in chosen]
        ).select_related("area")
    if "area" in form.fields:
        current_area = getattr(form.instance, "area_id", None)
        form.fields["area"].queryset = ManagementArea.objects.filter(
            Q(is_active=True) | Q(pk=current_area)
        )
    if not years:
        form.fields["budget_year"].help_text = "No hay presupuestos abiertos para esta operación."


class BudgetYearCreateForm(forms.ModelForm):
    class Meta:
        model = BudgetYear
        fields = ["year"]
        help_texts = {
            "year": "Se usa el clasificador presupuestario del mismo año; el presupuesto "
            "comienza en formulación."
        }


class BudgetYearEditForm(forms.ModelForm):
    """Corrections of the data the transitions recorded: the presentation date once the
    year went to the Concejo, and the approval data once it was approved."""

    class Meta:
        model = BudgetYear
        fields = ["presented_on", "approval_agreement", "approved_on", "approval_decree"]
        widgets = {"presented_on": DateInput(), "approved_on": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        status = self.instance.status
        keep = []
        if status != Status.FORMULATION:
            keep.append("presented_on")
        if status in (Status.APPROVED, Status.CLOSED):
            keep += ["approval_agreement", "approved_on", "approval_decree"]
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        for name in self.fields:
            self.fields[name].required = True


class PresentForm(forms.Form):
    presented_on = forms.DateField(
        label="Fecha de presentación al Concejo",
        widget=DateInput(),
        error_messages={"required": "Indique la fecha de presentación al Concejo."},
    )
    change_reason = forms.CharField(label="Observación (opcional)", required=False, max_length=500)


class ApproveForm(forms.Form):
    approval_agreement = forms.CharField(
        label="N° de acuerdo del Concejo",
        max_length=50,
        error_messages={"required": "Indique el número de acuerdo del Concejo."},
    )
    approved_on = forms.DateField(
        label="Fecha de aprobación",
        widget=DateInput(),
        error_messages={"required": "Indique la fecha de aprobación."},
    )
    approval_decree = forms.CharField(
        label="Decreto alcaldicio",
        max_length=100,
        error_messages={"required": "Indique el decreto alcaldicio."},
    )
    change_reason = forms.CharField(label="Observación (opcional)", required=False, max_length=500)


class CloseForm(forms.Form):
    change_reason = forms.CharField(label="Observación (opcional)", required=False, max_length=500)


class BudgetRequestForm(forms.ModelForm):
    account = AccountChoiceField(queryset=Account.objects.none(), label="Cuenta")

    class Meta:
        model = BudgetRequest
        fields = [
            "budget_year", "directorate", "account", "area", "program", "requested",
            "justification",
        ]  # fmt: skip
        widgets = {"justification": TEXTAREA}
        help_texts = {
            "budget_year": "Solo presupuestos en formulación.",
            "program": "Opcional; fija el área de gestión. Áreas y programas clasifican solo "
            "gastos.",
            "requested": "En pesos, sin puntos.",
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        limit_to_years(self, (Status.FORMULATION,))
        limit_directorates(self, "directorate", user, BudgetRequest)
        limit_pesos(self.fields["requested"])


class BudgetRequestAdjustForm(forms.Form):
    adjusted = forms.IntegerField(
        label="Monto ajustado por SECPLA ($)",
        required=False,
        min_value=0,
        max_value=MAX_PESOS,
        help_text="En pesos, sin puntos. Vacío: la propuesta toma el monto solicitado.",
        error_messages={"min_value": "El monto no puede ser negativo.", "max_value": TOO_LARGE},
    )
    adjustment_note = forms.CharField(
        label="Motivo del ajuste", required=False, widget=TEXTAREA, max_length=2000
    )

    def clean(self):
        data = super().clean()
        if data.get("adjusted") is not None and not (data.get("adjustment_note") or "").strip():
            self.add_error("adjustment_note", "Indique el motivo del ajuste.")
        return data


class InitialAmountForm(forms.ModelForm):
    account = AccountChoiceField(queryset=Account.objects.none(), label="Cuenta")

    class Meta:
        model = InitialAmount
        fields = ["budget_year", "account", "area", "program", "amount"]
        help_texts = {
            "budget_year": "Solo presupuestos aún no aprobados: después, el presupuesto "
            "inicial cambia mediante modificaciones.",
            "amount": "En pesos, sin puntos.",
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        limit_to_years(self, INITIAL_OPEN)
        limit_pesos(self.fields["amount"])


class ProgramForm(forms.ModelForm):
    class Meta:
        model = Program
        fields = ["budget_year", "code", "name", "area", "directorate", "description"]
        widgets = {"description": TEXTAREA}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.area_id
        self.fields["area"].queryset = ManagementArea.objects.filter(
            Q(is_active=True) | Q(pk=current)
        )
        limit_directorates(self, "directorate", user, Program)
        if self.instance.pk:
            # A program belongs to its year; and the amounts that name it store its área
            # (clean_classification), so once there are any its área stays too.
            self.fields["budget_year"].disabled = True
            self.fields["budget_year"].help_text = "Un programa no cambia de presupuesto."
            if classifies_amounts(self.instance):
                self.fields["area"].disabled = True
                self.fields["area"].help_text = (
                    "Hay montos clasificados en este programa (presupuesto inicial, "
                    "solicitudes o modificaciones): su área de gestión ya no cambia."
                )


def classifies_amounts(program: Program) -> bool:
    return any(
        model.objects.filter(program=program).exists()
        for model in (InitialAmount, BudgetRequest, ModificationLine)
    )
