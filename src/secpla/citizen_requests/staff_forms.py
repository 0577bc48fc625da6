"""Forms of the OIRS staff screens: the catalogue (categories, OIRS parameters), the
Open311 keys and the staff intake of requests received by other channels. They parse and
validate input; citizen_requests.services and core.services write (and check again)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from secpla.citizen_requests.forms import LocationField, limit_description
from secpla.citizen_requests.models import PERSONAL_FIELDS, Category, OirsSettings, Request
from secpla.core.forms import DateInput
from secpla.core.models import Directorate

TEXTAREA = forms.Textarea(attrs={"rows": 3})
STAFF_CHANNELS = [
    (value, label)
    for value, label in Request.Channel.choices
    if value not in {Request.Channel.WEB, Request.Channel.API}
]


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = [
            "code",
            "name",
            "description",
            "guidance",
            "directorate",
            "answer_days",
            "group",
            "keywords",
            "is_active",
        ]
        widgets = {"description": TEXTAREA, "guidance": TEXTAREA}
        error_messages = {
            "code": {
                "invalid": "Use solo letras minúsculas sin tildes, números y guiones.",
                "required": "Indique el código.",
            },
            "name": {"required": "Indique el nombre."},
            "directorate": {"required": "Elija la dirección que responde."},
            "answer_days": {"invalid": "Indique un número entero de días hábiles."},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = getattr(self.instance, "directorate_id", None)
        self.fields["directorate"].queryset = Directorate.objects.filter(
            is_active=True
        ) | Directorate.objects.filter(pk=current)
        self.fields["answer_days"].widget.attrs.update(
            {"min": 1, "max": OirsSettings.in_force().max_answer_days}
        )


class OirsSettingsForm(forms.ModelForm):
    class Meta:
        model = OirsSettings
        fields = [
            "valid_from",
            "max_answer_days",
            "default_answer_days",
            "reopen_days",
            "retention_months",
            "duplicate_radius_m",
            "duplicate_window_days",
            "consent_version",
            "consent_text",
            "source",
        ]
        widgets = {
            "valid_from": DateInput(),
            "consent_text": forms.Textarea(attrs={"rows": 5}),
            "source": TEXTAREA,
        }

    def clean_max_answer_days(self):
        value = self.cleaned_data.get("max_answer_days")
        if value is not None and value > 30:
            raise ValidationError(
                "El plazo legal de la OIRS nunca supera los 30 días hábiles (Ley 18.695, art. 98)."
            )
        return value


class ApiKeyIssueForm(forms.Form):
    name = forms.CharField(
        label="Nombre",
        max_length=150,
        error_messages={"required": "Indique un nombre para la clave."},
    )
    organisation = forms.CharField(label="Organización", max_length=200, required=False)
    contact = forms.CharField(
        label="Contacto",
        max_length=200,
        required=False,
        help_text="Persona o correo institucional responsable del uso de la clave.",
    )


class ApiKeyRevokeForm(forms.Form):
    change_reason = forms.CharField(
        label="Motivo (opcional)", max_length=500, required=False, widget=TEXTAREA
    )


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class StaffRequestForm(forms.ModelForm):
    """A request received in person, by phone, e-mail or letter: the public form's rules
    (the model validates the RUT, the point inside the comuna and consent for contact
    data), plus the channel and the real date of receipt (never in the future)."""

    category = forms.ModelChoiceField(
        queryset=Category.objects.none(),
        label="Categoría",
        empty_label="Elija una categoría",
        error_messages={
            "required": "Elija una categoría.",
            "invalid_choice": "Elija una categoría de la lista.",
        },
    )
    channel = forms.ChoiceField(
        label="Canal",
        choices=[("", "Elija el canal"), *STAFF_CHANNELS],
        error_messages={
            "required": "Elija el canal por el que llegó.",
            "invalid_choice": "Elija un canal de la lista (presencial, teléfono, correo o carta).",
        },
    )
    received_at = forms.DateTimeField(
        label="Recibida el",
        widget=LocalDateTimeInput(),
        error_messages={
            "required": "Indique la fecha y hora de recepción.",
            "invalid": "Escriba una fecha y hora válidas.",
        },
        help_text="Puede ser una fecha pasada (una carta o un correo que llegó antes); nunca "
        "futura.",
    )
    location = LocationField(
        required=False,
        widget=forms.HiddenInput(attrs={"data-oirs-location": ""}),
        error_messages={"invalid": "La ubicación marcada en el mapa no es válida."},
    )
    consent_given = forms.BooleanField(
        required=False,
        label="La persona aceptó el tratamiento de sus datos personales según el texto de "
        "consentimiento.",
    )

    class Meta:
        model = Request
        fields = [
            "channel",
            "received_at",
            "kind",
            "category",
            "description",
            "location",
            "address",
            "requester_name",
            "requester_email",
            "requester_phone",
            "requester_rut",
            "consent_given",
        ]
        labels = {
            "kind": "Tipo",
            "description": "Descripción",
            "address": "Dirección o referencia (opcional)",
            "requester_name": "Nombre",
            "requester_email": "Correo electrónico",
            "requester_phone": "Teléfono",
            "requester_rut": "RUT (opcional)",
        }
        error_messages = {
            "kind": {
                "required": "Elija el tipo de solicitud.",
                "invalid_choice": "Elija un tipo de la lista.",
            },
            "description": {"required": "Describa la solicitud."},
            "requester_email": {"invalid": "Escriba un correo electrónico válido."},
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 5}), "kind": forms.Select}

    def __init__(self, *args, directorate_id: int | None = None, **kwargs):
        """`directorate_id`: only the categories routed to it (an Enlace registers only
        the requests of its own directorate; 0 for a user without one: none)."""
        super().__init__(*args, **kwargs)
        self.rules = OirsSettings.in_force()
        categories = Category.objects.filter(is_active=True).select_related("directorate")
        if directorate_id is not None:
            categories = categories.filter(directorate_id=directorate_id)
        self.fields["category"].queryset = categories.order_by("group", "name")
        self.fields["kind"].choices = [("", "Elija el tipo"), *Request.Kind.choices]
        self.fields["category"].widget.attrs["data-oirs-category"] = ""
        limit_description(self)
        if not self.is_bound:
            self.initial.setdefault(
                "received_at", timezone.localtime().replace(second=0, microsecond=0)
            )

    def clean_received_at(self):
        value = self.cleaned_data.get("received_at")
        if value and value > timezone.now():
            raise ValidationError("La fecha de recepción no puede ser futura.")
        return value

    def clean_location(self):
        return self.cleaned_data.get("location") or None

    def clean(self):
        cleaned = super().clean()
        # The service refuses it too, in the words of the citizen's form; staff read why.
        personal = any(cleaned.get(name) for name in PERSONAL_FIELDS)
        if personal and not cleaned.get("consent_given"):
            self.add_error(
                "consent_given",
                "Para registrar datos de contacto, la persona debe aceptar el tratamiento de "
                "sus datos personales.",
            )
        return cleaned
