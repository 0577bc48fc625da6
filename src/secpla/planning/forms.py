"""Forms of the planning screens. Roles limited to their own directorate are only
offered that directorate (the services check it again)."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils import timezone

from secpla.core.forms import DateInput, staff_choices
from secpla.core.models import Directorate, Scope
from secpla.core.permissions import scope_for
from secpla.planning.models import (
    CouncilAgreement,
    Evaluation,
    EvaluationItem,
    IndicatorTarget,
    Initiative,
    InitiativeStatus,
    ParticipationActivity,
    Plan,
    PlanNode,
    Policy,
    Task,
)

TEXTAREA = forms.Textarea(attrs={"rows": 3})


def limit_directorates(form, field: str, user, model) -> None:
    """Active directorates (plus the current one); only the user's own if so scoped."""
    if user is None:
        return
    action = "change" if form.instance.pk else "add"
    current = getattr(form.instance, f"{field}_id", None)
    queryset = Directorate.objects.filter(Q(is_active=True) | Q(pk=current))
    if scope_for(user, model, action) == Scope.DIRECTORATE:
        queryset = queryset.filter(pk=user.directorate_id)
    form.fields[field].queryset = queryset


def chosen_plan(form) -> int | None:
    """The plan a form is about: the record's, the link's (?plan=) or the posted one."""
    for value in (form.instance.plan_id, form.initial.get("plan"), form.data.get("plan")):
        if value and str(value).isdigit() and len(str(value)) < 10:
            return int(value)
    return None


class PlanForm(forms.ModelForm):
    class Meta:
        model = Plan
        fields = [
            "name", "start_year", "end_year", "status", "level_names", "approval_agreement",
            "approval_date", "approval_decree", "description",
        ]  # fmt: skip
        widgets = {
            "approval_date": DateInput(),
            "level_names": forms.Textarea(attrs={"rows": 4}),
            "description": TEXTAREA,
        }


class PlanNodeForm(forms.ModelForm):
    class Meta:
        model = PlanNode
        fields = ["plan", "parent", "code", "name", "weight", "position", "description"]
        widgets = {"description": TEXTAREA}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        plan_id = chosen_plan(self)
        parents = PlanNode.objects.select_related("plan")
        if plan_id:
            parents = parents.filter(plan_id=plan_id)
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
            self.fields["plan"].disabled = True
        self.fields["parent"].queryset = parents


class InitiativeForm(forms.ModelForm):
    progress_date = forms.DateField(
        label="Fecha del avance",
        required=False,
        widget=DateInput(),
        help_text="Si cambia el estado o el avance: desde cuándo rige. Vacío: hoy.",
    )

    class Meta:
        model = Initiative
        fields = [
            "plan", "node", "code", "name", "kind", "directorate", "weight", "start_year",
            "end_year", "estimated_cost", "funding_source", "status", "progress",
            "indicator_name", "indicator_unit", "indicator_baseline",
            "indicator_baseline_year", "position", "description",
        ]  # fmt: skip
        widgets = {"description": TEXTAREA}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        limit_directorates(self, "directorate", user, Initiative)
        plan_id = chosen_plan(self)
        nodes = PlanNode.objects.select_related("plan")
        if plan_id:
            nodes = nodes.filter(plan_id=plan_id)
        self.fields["node"].queryset = nodes
        self.fields["status"].queryset = InitiativeStatus.objects.filter(
            Q(is_active=True) | Q(pk=self.instance.status_id)
        )
        if self.instance.pk:
            self.fields["plan"].disabled = True

    def clean_progress_date(self):
        date = self.cleaned_data.get("progress_date")
        if date and date > timezone.localdate():
            raise forms.ValidationError("La fecha del avance no puede ser futura.")
        return date


class ProgressReportForm(forms.Form):
    """What a directorate reports on one initiative."""

    status = forms.ModelChoiceField(
        InitiativeStatus.objects.filter(is_active=True), label="Estado", required=False
    )
    progress = forms.DecimalField(
        label="Avance (%)",
        required=False,
        min_value=0,
        max_value=100,
        decimal_places=1,
        help_text="Vacío: el avance por defecto del estado (o el que tenía).",
    )
    date = forms.DateField(label="Fecha del avance", widget=DateInput())
    comment = forms.CharField(label="Comentario", widget=TEXTAREA, max_length=2000)

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise forms.ValidationError("La fecha del avance no puede ser futura.")
        return date


class InitiativeStatusForm(forms.ModelForm):
    class Meta:
        model = InitiativeStatus
        fields = [
            "name",
            "default_progress",
            "position",
            "is_closed",
            "counts_in_progress",
            "is_active",
        ]


class IndicatorTargetForm(forms.ModelForm):
    class Meta:
        model = IndicatorTarget
        fields = ["initiative", "year", "target", "achieved"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        initiatives = Initiative.objects.exclude(indicator_name="")
        if user is not None:
            action = "change" if self.instance.pk else "add"
            initiatives = Initiative.objects.for_user(user, "view").exclude(indicator_name="")
            if scope_for(user, IndicatorTarget, action) == Scope.DIRECTORATE:
                initiatives = initiatives.filter(directorate_id=user.directorate_id)
        self.fields["initiative"].queryset = initiatives
        if self.instance.pk:
            self.fields["initiative"].disabled = True
            if user is not None and scope_for(user, IndicatorTarget, "change") == Scope.DIRECTORATE:
                # A directorate's liaison records what was achieved; Estudios sets targets.
                self.fields["year"].disabled = True
                self.fields["target"].disabled = True


class EvaluationForm(forms.ModelForm):
    class Meta:
        model = Evaluation
        fields = ["plan", "name", "as_of", "notes"]
        widgets = {"as_of": DateInput(), "notes": TEXTAREA}
        help_texts = {
            "as_of": "Se congela el avance de cada iniciativa a esta fecha según su historial."
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # The frozen copy depends on plan and date: they do not change afterwards.
            self.fields["plan"].disabled = True
            self.fields["as_of"].disabled = True


class EvaluationCommentForm(forms.ModelForm):
    class Meta:
        model = EvaluationItem
        fields = ["comment"]
        widgets = {"comment": forms.Textarea(attrs={"rows": 2})}


class ParticipationActivityForm(forms.ModelForm):
    class Meta:
        model = ParticipationActivity
        fields = [
            "plan", "kind", "name", "date", "territory", "participants", "objectives",
            "description",
        ]  # fmt: skip
        widgets = {"date": DateInput(), "description": TEXTAREA}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["objectives"].queryset = PlanNode.objects.select_related("plan")
        self.fields["objectives"].widget.attrs["size"] = 8

    def clean(self):
        data = super().clean()
        plan, objectives = data.get("plan"), data.get("objectives")
        if plan and objectives:
            foreign = [str(node) for node in objectives if node.plan_id != plan.pk]
            if foreign:
                self.add_error(
                    "objectives",
                    f"Estos elementos son de otro PLADECO: {', '.join(foreign)}.",
                )
        return data


class PolicyForm(forms.ModelForm):
    class Meta:
        model = Policy
        fields = [
            "name", "area", "status", "approval_decree", "approval_date", "objectives",
            "description",
        ]  # fmt: skip
        widgets = {"approval_date": DateInput(), "description": TEXTAREA}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["objectives"].queryset = PlanNode.objects.select_related("plan")
        self.fields["objectives"].widget.attrs["size"] = 8


class CouncilAgreementForm(forms.ModelForm):
    class Meta:
        model = CouncilAgreement
        fields = [
            "number", "session_date", "session", "text", "directorate", "due_date", "status",
            "evidence", "completed_on",
        ]  # fmt: skip
        widgets = {
            "session_date": DateInput(),
            "due_date": DateInput(),
            "completed_on": DateInput(),
            "text": TEXTAREA,
            "evidence": TEXTAREA,
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        limit_directorates(self, "directorate", user, CouncilAgreement)


class TaskForm(forms.ModelForm):
    class Meta:
        model = Task
        fields = [
            "requested_by", "title", "description", "request_date", "due_date", "directorate",
            "assignee", "status", "result", "completed_on",
        ]  # fmt: skip
        widgets = {
            "request_date": DateInput(),
            "due_date": DateInput(),
            "completed_on": DateInput(),
            "description": TEXTAREA,
            "result": TEXTAREA,
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        limit_directorates(self, "directorate", user, Task)
        self.fields["assignee"].queryset = staff_choices(
            self.fields["directorate"].queryset, self.instance.assignee_id
        )


class MatrixUploadForm(forms.Form):
    file = forms.FileField(
        label="Planilla (.xlsx)",
        help_text="La matriz del PLADECO con las columnas de la plantilla.",
    )
