"""Forms of the OIRS public pages: the intake form (with its honeypot and attachments),
the tracking-code search and the citizen's reopening. They only parse and validate
input; the writes are citizen_requests.services."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator

from secpla.citizen_requests.models import Category, OirsSettings, Request
from secpla.core.documents import inspect_upload

MAX_ATTACHMENTS = 5
# The longest description any channel takes: Open311's POST limit ("limited to 4,000
# characters"), so a request reads the same whichever way it came in.
MAX_DESCRIPTION = 4000
HONEYPOT_FIELD = "sitio_web"
# The longest location text read: a GeoJSON point, with room to spare.
MAX_LOCATION_CHARS = 1000
TRACKING_CODE = re.compile(r"^OIRS-\d{4}-[0-9A-Z]{6}$")


def limit_description(form: forms.ModelForm) -> None:
    """Cap the form's description at MAX_DESCRIPTION characters, in Spanish."""
    field = form.fields["description"]
    field.max_length = MAX_DESCRIPTION
    field.validators.append(MaxLengthValidator(MAX_DESCRIPTION))
    field.widget.attrs["maxlength"] = str(MAX_DESCRIPTION)
    field.error_messages["max_length"] = (
        f"La descripción no puede superar {MAX_DESCRIPTION} caracteres."
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Several files at once, each checked like every upload of the system
    (core.documents.inspect_upload: sniffed type, size, zip bombs)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if len(files) > MAX_ATTACHMENTS:
            raise ValidationError(f"Adjunte como máximo {MAX_ATTACHMENTS} archivos.")
        errors, cleaned = [], []
        for upload in files:
            upload = super().clean(upload, initial)
            try:
                info = inspect_upload(upload)
            except ValidationError as exc:
                errors.extend(f"{upload.name}: {message}" for message in exc.messages)
                continue
            cleaned.append((upload, info))
        if errors:
            raise ValidationError(errors)
        return cleaned


class _CategoryIterator(forms.models.ModelChoiceIterator):
    """The options from the field's already loaded categories (their days computed once
    with the settings in force, instead of one settings query per category)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.field.loaded:
            yield self.choice(obj)

    def __len__(self):
        return len(self.field.loaded) + (self.field.empty_label is not None)


class LocationField(forms.JSONField):
    """The GeoJSON point the map picker writes in a hidden input ("" when none).

    A point is under 100 characters: a longer value is refused unparsed, and one nested
    so deeply that `json.loads` gives up (RecursionError) is refused too. Either way the
    form comes back with the field's message and without the value, never a 500."""

    def _too_long(self, value) -> bool:
        return isinstance(value, str) and len(value) > MAX_LOCATION_CHARS

    def to_python(self, value):
        if self._too_long(value):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            return super().to_python(value)
        except RecursionError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None

    def bound_data(self, data, initial):
        if self._too_long(data):
            return None
        try:
            return super().bound_data(data, initial)
        except RecursionError:
            return None

    def prepare_value(self, value):
        return "" if value is None else super().prepare_value(value)


class CategoryChoiceField(forms.ModelChoiceField):
    iterator = _CategoryIterator
    loaded: list = []

    def label_from_instance(self, obj: Category) -> str:
        return f"{obj.name} — responde en {obj.days} días hábiles"


class PublicRequestForm(forms.ModelForm):
    """The public intake form. The model's own validation runs too (RUT, a point inside
    the comuna, consent for contact data), so its Spanish messages reach the fields."""

    category = CategoryChoiceField(
        queryset=Category.objects.none(),
        label="Categoría",
        empty_label="Elija una categoría",
        error_messages={
            "required": "Elija una categoría.",
            "invalid_choice": "Elija una categoría de la lista.",
        },
    )
    location = LocationField(
        required=False,
        widget=forms.HiddenInput(attrs={"data-oirs-location": ""}),
        error_messages={"invalid": "La ubicación marcada en el mapa no es válida."},
    )
    attachments = AttachmentsField(
        required=False,
        label="Archivos adjuntos (opcional)",
        help_text=f"Hasta {MAX_ATTACHMENTS} archivos: PDF, imágenes (PNG, JPG), documentos "
        "de Word, Excel u OpenDocument, CSV o texto.",
    )
    consent_given = forms.BooleanField(
        required=True,
        error_messages={"required": "Debe aceptar el tratamiento de sus datos personales."},
    )
    # Honeypot: hidden from people by a CSS class (and from screen readers), filled only
    # by bots that complete every input.
    sitio_web = forms.CharField(required=False, label="Sitio web (no complete este campo)")

    class Meta:
        model = Request
        fields = [
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
        help_texts = {
            "description": "Cuente qué pasa, dónde y desde cuándo. No incluya datos de otras "
            "personas.",
            "address": "Si no marca un punto en el mapa, indique la calle y número o una "
            "referencia.",
            "requester_email": "Para avisarle de cada cambio y poder reabrir la solicitud.",
            "requester_rut": "Por ejemplo 12.345.678-5.",
        }
        error_messages = {
            "kind": {
                "required": "Elija el tipo de solicitud.",
                "invalid_choice": "Elija un tipo de la lista.",
            },
            "description": {"required": "Describa su solicitud."},
            "requester_email": {"invalid": "Escriba un correo electrónico válido."},
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "kind": forms.Select,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        rules = OirsSettings.in_force()
        self.rules = rules
        categories = list(
            Category.objects.filter(is_active=True)
            .only("id", "name", "guidance", "answer_days", "group")
            .order_by("group", "name")
        )
        for category in categories:
            days = category.answer_days or rules.default_answer_days
            category.days = min(days, rules.max_answer_days)
        self.categories = categories
        field = self.fields["category"]
        field.queryset = Category.objects.filter(is_active=True)
        field.loaded = categories
        field.widget.attrs["data-oirs-category"] = ""
        self.fields["kind"].choices = [("", "Elija el tipo"), *Request.Kind.choices]
        self.fields["consent_given"].label = (
            "Acepto el tratamiento de mis datos personales según el texto de consentimiento "
            f"(versión {rules.consent_version})."
            if rules.consent_version
            else "Acepto el tratamiento de mis datos personales según el texto de consentimiento."
        )
        limit_description(self)
        self.fields[HONEYPOT_FIELD].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})

    @property
    def honeypot_filled(self) -> bool:
        return bool((self.data.get(HONEYPOT_FIELD) or "").strip())

    def clean_location(self):
        value = self.cleaned_data.get("location")
        return value or None


class TrackingSearchForm(forms.Form):
    codigo = forms.CharField(
        label="Código de seguimiento",
        max_length=30,
        error_messages={"required": "Escriba el código de seguimiento."},
        help_text="Por ejemplo OIRS-2026-7KQ4MZ.",
    )

    def clean_codigo(self) -> str:
        code = re.sub(r"\s+", "", self.cleaned_data["codigo"]).upper()
        if not TRACKING_CODE.match(code):
            raise ValidationError(
                "El código tiene la forma OIRS-año-seis letras o números, por ejemplo "
                "OIRS-2026-7KQ4MZ."
            )
        return code


class ReopenForm(forms.Form):
    tracking_code = forms.CharField(
        widget=forms.HiddenInput,
        max_length=30,
        error_messages={"required": "Falta el código de seguimiento."},
    )
    email = forms.EmailField(
        label="Correo electrónico que dio al ingresar la solicitud",
        max_length=254,
        error_messages={
            "required": "Escriba el correo que dio al ingresar la solicitud.",
            "invalid": "Escriba un correo electrónico válido.",
        },
    )
    reason = forms.CharField(
        label="Motivo",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Indique por qué reabre la solicitud."},
    )
