"""Forms of the portfolio screens. They parse and validate input; projects.services and
core.services write. Roles limited to their own directorate are only offered that
directorate's projects (the services check it again)."""

from __future__ import annotations

import json

from django import forms
from django.db.models import Q
from django.utils import timezone

from secpla.core.forms import DateInput, staff_choices
from secpla.core.models import Scope
from secpla.core.permissions import scope_for
from secpla.planning.forms import limit_directorates
from secpla.projects.models import (
    ApplicationNote,
    FundingApplication,
    FundingLine,
    FundingSource,
    Milestone,
    Payment,
    PortfolioSettings,
    ProgressReport,
    Project,
    RateResult,
)
from secpla.projects.workflow import Status

TEXTAREA = forms.Textarea(attrs={"rows": 3})


class GeoJSONField(forms.CharField):
    """A GeoJSON geometry typed or pasted as text; a Feature gives its geometry."""

    widget = forms.Textarea(attrs={"rows": 4, "spellcheck": "false"})

    def prepare_value(self, value):
        if isinstance(value, dict):
            return json.dumps(value, ensure_ascii=False)
        return value

    def to_python(self, value):
        text = (value or "").strip()
        if not text:
            return None
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise forms.ValidationError(
                "La ubicación no es un texto GeoJSON válido (revise llaves, comas y comillas).",
                code="json",
            ) from exc
        if isinstance(data, dict) and data.get("type") == "Feature":
            data = data.get("geometry")
        if not isinstance(data, dict):
            raise forms.ValidationError(
                "La ubicación debe ser una geometría GeoJSON, por ejemplo "
                '{"type": "Point", "coordinates": [-72.30, -36.74]}.',
                code="geojson",
            )
        return data

    def has_changed(self, initial, data):
        try:
            return self.to_python(data) != initial
        except forms.ValidationError:
            return True


class ProjectForm(forms.ModelForm):
    location = GeoJSONField(
        label="Ubicación (GeoJSON)",
        required=False,
        help_text="Un punto o un polígono en longitud/latitud (WGS84), dentro de la comuna; "
        'por ejemplo {"type": "Point", "coordinates": [-72.30, -36.74]}. Vacío: sin ubicación.',
    )

    class Meta:
        model = Project
        fields = [
            "code", "name", "description", "kind", "bip_code", "stage", "directorate",
            "responsible", "estimated_cost", "territory", "location", "initiatives",
        ]  # fmt: skip
        widgets = {"description": TEXTAREA}
        help_texts = {
            "code": "Vacío: se genera (PRY-año-número).",
            "bip_code": "Ocho dígitos, guion y dígito verificador (por ejemplo 40024120-0). "
            "Se valida solo el formato.",
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        from secpla.planning.models import Initiative, Plan

        self.fields["code"].required = not self.instance._state.adding
        limit_directorates(self, "directorate", user, Project)
        self.fields["responsible"].queryset = staff_choices(
            self.fields["directorate"].queryset, self.instance.responsible_id
        )
        current = (
            list(self.instance.initiatives.values_list("pk", flat=True))
            if (self.instance.pk)
            else []
        )
        initiatives = Initiative.objects.all()
        if user is not None:
            initiatives = Initiative.objects.for_user(user, "view")
        self.fields["initiatives"].queryset = (
            Initiative.objects.filter(
                Q(pk__in=initiatives.filter(plan__status__in=[Plan.Status.CURRENT,
                                                               Plan.Status.DRAFT]).values("pk"))
                | Q(pk__in=current)
            )
            .select_related("plan")
            .order_by("plan__start_year", "code")
        )  # fmt: skip
        self.fields[
            "initiatives"
        ].help_text = (
            "Iniciativas de un PLADECO vigente o en elaboración a las que responde el proyecto."
        )
        self.fields["initiatives"].widget.attrs["size"] = 8

    def clean_bip_code(self):
        return (self.cleaned_data.get("bip_code") or "").strip() or None

    def clean_code(self):
        return (self.cleaned_data.get("code") or "").strip()


class TransitionForm(forms.Form):
    """Move a project: the select offers only what the workflow allows from here; a stale
    page that posts another status gets the workflow's refusal."""

    to_status = forms.ChoiceField(label="Nuevo estado", choices=Status.choices)
    date = forms.DateField(
        label="Fecha", required=False, widget=DateInput(), help_text="Vacío: hoy."
    )
    comment = forms.CharField(label="Comentario", required=False, max_length=2000,
                              widget=TEXTAREA)  # fmt: skip

    def __init__(self, *args, project=None, **kwargs):
        super().__init__(*args, **kwargs)
        if project is not None:
            from secpla.projects import workflow

            self.fields["to_status"].widget.choices = [
                (value, Status(value).label) for value in workflow.allowed(project.status)
            ]

    def clean_date(self):
        date = self.cleaned_data.get("date")
        if date and date > timezone.localdate():
            raise forms.ValidationError("La fecha del cambio de estado no puede ser futura.")
        return date


class ProjectChildForm(forms.ModelForm):
    """A record that belongs to a project: offered the projects the user may add it to."""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if "project" not in self.fields:
            return
        projects = Project.objects.all()
        if user is not None:
            model = self._meta.model
            action = "add" if self.instance._state.adding else "change"
            projects = Project.objects.for_user(user, "view")
            if scope_for(user, model, action) == Scope.DIRECTORATE:
                projects = projects.filter(directorate_id=user.directorate_id)
        self.fields["project"].queryset = projects.order_by("code")
        if not self.instance._state.adding:
            self.fields["project"].disabled = True
        if "source" in self.fields:
            self.fields["source"].queryset = FundingSource.objects.filter(
                Q(is_active=True) | Q(pk=getattr(self.instance, "source_id", None))
            )


class FundingLineForm(ProjectChildForm):
    class Meta:
        model = FundingLine
        fields = ["project", "source", "year", "amount", "is_confirmed"]


class RateResultForm(ProjectChildForm):
    class Meta:
        model = RateResult
        fields = ["project", "date", "result", "year", "evaluator", "observations"]
        widgets = {"date": DateInput(), "observations": TEXTAREA}


class FundingApplicationForm(ProjectChildForm):
    class Meta:
        model = FundingApplication
        fields = [
            "project", "source", "call", "submitted_on", "amount_requested", "result",
            "result_date", "amount_granted", "notes",
        ]  # fmt: skip
        widgets = {"submitted_on": DateInput(), "result_date": DateInput(), "notes": TEXTAREA}


class ApplicationNoteForm(forms.ModelForm):
    class Meta:
        model = ApplicationNote
        fields = ["kind", "date", "text"]
        widgets = {"date": DateInput(), "text": forms.Textarea(attrs={"rows": 4})}

    def clean_date(self):
        date = self.cleaned_data.get("date")
        if date and date > timezone.localdate():
            raise forms.ValidationError("La fecha no puede ser futura.")
        return date


class MilestoneForm(ProjectChildForm):
    class Meta:
        model = Milestone
        fields = ["project", "name", "planned_date", "planned_percent", "planned_amount",
                  "actual_date"]  # fmt: skip
        widgets = {"planned_date": DateInput(), "actual_date": DateInput()}


class ProgressReportForm(ProjectChildForm):
    class Meta:
        model = ProgressReport
        fields = ["project", "date", "percent", "comment"]
        widgets = {"date": DateInput(), "comment": TEXTAREA}
        help_texts = {"comment": "Las fotos y documentos se adjuntan en la ficha del reporte."}


class PaymentForm(ProjectChildForm):
    class Meta:
        model = Payment
        fields = ["project", "date", "amount", "source", "description"]
        widgets = {"date": DateInput()}


class FundingSourceForm(forms.ModelForm):
    class Meta:
        model = FundingSource
        fields = ["code", "name", "institution", "description", "is_external", "is_active"]
        widgets = {"description": TEXTAREA}


class PortfolioSettingsForm(forms.ModelForm):
    change_reason = forms.CharField(
        label="Motivo del cambio (opcional)", required=False, max_length=500
    )

    class Meta:
        model = PortfolioSettings
        fields = ["days_without_report"]
