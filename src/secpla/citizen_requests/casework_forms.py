"""Forms of the OIRS staff screens: the actions of the request page, the SLA dashboard's
period and the map's filters. Every message in Spanish."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from secpla.citizen_requests.models import Category, Request
from secpla.citizen_requests.workflow import Status
from secpla.core.forms import staff_choices
from secpla.core.models import Directorate

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_FORMATS = ["%Y-%m-%d", "%d-%m-%Y"]


def _date(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=DATE_INPUT,
        input_formats=DATE_FORMATS,
        error_messages={"invalid": "Ingrese una fecha válida (dd-mm-aaaa)."},
    )


class AssignForm(forms.Form):
    user = forms.ModelChoiceField(
        label="Asignar a",
        queryset=None,
        error_messages={
            "required": "Elija a quién asignar la solicitud.",
            "invalid_choice": "Elija una persona activa de la dirección a cargo.",
        },
    )
    comment = forms.CharField(label="Comentario", required=False, max_length=500)

    def __init__(self, *args, citizen_request: Request, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = staff_choices([citizen_request.directorate_id]).filter(
            directorate_id=citizen_request.directorate_id
        )


class DeriveForm(forms.Form):
    directorate = forms.ModelChoiceField(
        label="Derivar a",
        queryset=None,
        error_messages={
            "required": "Elija la dirección a la que deriva.",
            "invalid_choice": "Elija una dirección vigente.",
        },
    )
    reason = forms.CharField(
        label="Motivo",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Indique el motivo de la derivación."},
    )

    def __init__(self, *args, citizen_request: Request, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["directorate"].queryset = Directorate.objects.filter(is_active=True).exclude(
            pk=citizen_request.directorate_id
        )


class CommentForm(forms.Form):
    comment = forms.CharField(label="Comentario", required=False, max_length=500)


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label="Respuesta pública",
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Escriba la respuesta para la persona."},
    )


class NoteForm(forms.Form):
    text = forms.CharField(
        label="Nota interna",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Escriba la nota."},
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label="Motivo de la reapertura",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Indique por qué reabre la solicitud."},
    )


class MergeForm(forms.Form):
    """Merge with another request: «into_this» merges the other into this one; «this_into»
    marks this one as a duplicate of the other."""

    DIRECTIONS = [("into_this", "Fusionar en esta"), ("this_into", "Es duplicado de…")]

    other = forms.IntegerField(min_value=1, error_messages={"required": "Elija la otra solicitud."})
    direction = forms.ChoiceField(
        choices=DIRECTIONS, error_messages={"invalid_choice": "Elija una acción de fusión."}
    )
    reason = forms.CharField(label="Comentario", required=False, max_length=500)


class PeriodForm(forms.Form):
    """The SLA dashboard's period (default: this year) and optional directorate."""

    desde = _date("Desde")
    hasta = _date("Hasta")
    direccion = forms.ModelChoiceField(
        label="Dirección",
        queryset=None,
        required=False,
        empty_label="Todas",
        error_messages={"invalid_choice": "Elija una dirección de la lista."},
    )

    def __init__(self, *args, directorates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["direccion"].queryset = directorates

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        start = data.get("desde") or dt.date(today.year, 1, 1)
        end = data.get("hasta") or today
        if "desde" in self.errors or "hasta" in self.errors:
            return data
        if start > end:
            raise forms.ValidationError("La fecha «desde» no puede ser posterior a «hasta».")
        if (end - start).days > 366 * 5:
            raise forms.ValidationError("Elija un período de a lo más cinco años.")
        data["desde"], data["hasta"] = start, end
        return data


class MapFilterForm(forms.Form):
    estado = forms.ChoiceField(
        label="Estado",
        required=False,
        choices=[("", "Todos"), ("abiertas", "Abiertas"), *Status.choices],
        error_messages={"invalid_choice": "Elija un estado de la lista."},
    )
    categoria = forms.ModelChoiceField(
        label="Categoría",
        queryset=Category.objects.all(),
        required=False,
        empty_label="Todas",
        error_messages={"invalid_choice": "Elija una categoría de la lista."},
    )
    desde = _date("Recibidas desde")
    hasta = _date("Recibidas hasta")

    def clean(self):
        data = super().clean()
        if data.get("desde") and data.get("hasta") and data["desde"] > data["hasta"]:
            raise forms.ValidationError("La fecha «desde» no puede ser posterior a «hasta».")
        return data
