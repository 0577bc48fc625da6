"""Forms for the core records. They parse and validate input; services write."""

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.db.models import Q

from secpla.core.models import (
    Agreement,
    Comuna,
    Contact,
    Department,
    Directorate,
    LocalHoliday,
    Municipality,
    Organisation,
    RegionalHoliday,
    Role,
    Scope,
    User,
    UTMValue,
)
from secpla.core.permissions import scope_for
from secpla.core.validators import normalize_rut


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class RutFormMixin:
    """Accepts 12345678-5, 12.345.678-5 or 123456785 and stores 12.345.678-5."""

    def clean_rut(self):
        value = self.cleaned_data.get("rut", "").strip()
        if not value:
            return ""
        from secpla.core.validators import validate_rut

        validate_rut(value)
        return normalize_rut(value)


class MunicipalityForm(RutFormMixin, forms.ModelForm):
    comuna_cut = forms.CharField(
        label="Código CUT de la comuna",
        max_length=5,
        help_text="5 dígitos, según la lista oficial de SUBDERE (Decreto 1.115/2018).",
    )

    class Meta:
        model = Municipality
        fields = ["name", "rut", "address", "phone", "email", "website", "is_demo"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance and self.instance.comuna_id:
            self.fields["comuna_cut"].initial = self.instance.comuna.cut
        self.order_fields(["name", "comuna_cut"])

    def clean_comuna_cut(self):
        code = self.cleaned_data["comuna_cut"].strip()
        if not code.isdigit() or len(code) != 5:
            raise forms.ValidationError("El código CUT tiene 5 dígitos, por ejemplo 16102.")
        comuna = Comuna.objects.select_related("province__region").filter(cut=code).first()
        if comuna is None:
            raise forms.ValidationError(
                f"El código CUT {code} no existe en la lista oficial de comunas."
            )
        return comuna

    def save(self, commit=True):
        self.instance.comuna = self.cleaned_data["comuna_cut"]
        return super().save(commit=commit)


class DirectorateForm(forms.ModelForm):
    class Meta:
        model = Directorate
        fields = ["code", "name", "head_name", "email", "is_active"]

    def clean_code(self):
        return self.cleaned_data["code"].strip().upper()


class DepartmentForm(forms.ModelForm):
    class Meta:
        model = Department
        fields = ["directorate", "code", "name", "is_active"]

    def clean_code(self):
        return self.cleaned_data["code"].strip().upper()


class UserForm(forms.ModelForm):
    class Meta:
        model = User
        fields = [
            "username", "first_name", "last_name", "email", "role", "directorate",
            "department", "position", "phone", "is_active",
        ]  # fmt: skip
        labels = {"username": "Nombre de usuario", "is_active": "Cuenta activa"}


def check_password_pair(form: forms.Form, user) -> None:
    """Both entries equal and acceptable to the password validators (messages in Spanish)."""
    p1, p2 = form.cleaned_data.get("password1"), form.cleaned_data.get("password2")
    if p1 and p2 and p1 != p2:
        form.add_error("password2", "Las contraseñas no coinciden.")
    elif p1:
        try:
            validate_password(p1, user)
        except forms.ValidationError as exc:
            form.add_error("password1", exc)


def password_field(label: str) -> forms.CharField:
    return forms.CharField(label=label, widget=forms.PasswordInput, strip=False)


class UserCreateForm(UserForm):
    password1 = password_field("Contraseña")
    password2 = password_field("Repita la contraseña")

    def clean(self):
        cleaned = super().clean()
        check_password_pair(self, self.instance)
        return cleaned


class SetPasswordForm(forms.Form):
    """An administrator gives a user a new password (e.g. a forgotten one)."""

    password1 = password_field("Nueva contraseña")
    password2 = password_field("Repita la contraseña")
    change_reason = forms.CharField(label="Motivo (opcional)", required=False, max_length=500)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self):
        cleaned = super().clean()
        check_password_pair(self, self.user)
        return cleaned


class UTMConversionForm(forms.Form):
    DIRECTIONS = [("clp", "Pesos → UTM"), ("utm", "UTM → pesos")]

    direction = forms.ChoiceField(label="Conversión", choices=DIRECTIONS)
    amount = forms.DecimalField(
        label="Monto",
        min_value=0,
        max_digits=18,
        decimal_places=2,
        help_text="En pesos sin decimales, o en UTM con hasta 2 decimales.",
    )
    year = forms.IntegerField(label="Año", min_value=1990, max_value=2100)
    month = forms.IntegerField(label="Mes", min_value=1, max_value=12)

    def clean(self):
        cleaned = super().clean()
        amount = cleaned.get("amount")
        if cleaned.get("direction") == "clp" and amount is not None and amount != int(amount):
            self.add_error("amount", "Los pesos se ingresan sin decimales.")
        return cleaned


class RoleForm(forms.ModelForm):
    class Meta:
        model = Role
        fields = ["code", "name", "description"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Default roles are found by their code after each migrate: it never changes.
            self.fields["code"].disabled = True


class UTMValueForm(forms.ModelForm):
    class Meta:
        model = UTMValue
        fields = ["year", "month", "value", "source", "source_url", "verified"]


class RegionalHolidayForm(forms.ModelForm):
    class Meta:
        model = RegionalHoliday
        fields = [
            "name", "region", "comunas_cut", "month", "day", "valid_from", "valid_until",
            "legal_source",
        ]  # fmt: skip
        widgets = {"valid_from": DateInput(), "valid_until": DateInput()}


class LocalHolidayForm(forms.ModelForm):
    class Meta:
        model = LocalHoliday
        fields = ["date", "name", "kind", "legal_source"]
        widgets = {"date": DateInput()}


class OrganisationForm(RutFormMixin, forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "kind", "rut", "address", "email", "phone", "website", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["organisation", "name", "position", "email", "phone"]


class AgreementForm(forms.ModelForm):
    class Meta:
        model = Agreement
        fields = [
            "organisation", "title", "kind", "status", "directorate", "start_date", "end_date",
            "amount", "decree", "description",
        ]  # fmt: skip
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            # A role limited to its own directorate is only offered that directorate.
            action = "change" if self.instance.pk else "add"
            queryset = Directorate.objects.filter(
                Q(is_active=True) | Q(pk=self.instance.directorate_id)
            )
            if scope_for(user, Agreement, action) == Scope.DIRECTORATE:
                queryset = queryset.filter(pk=user.directorate_id)
            self.fields["directorate"].queryset = queryset

    def clean_amount(self):
        amount = self.cleaned_data.get("amount")
        if amount is not None and amount < 0:
            raise forms.ValidationError("El monto no puede ser negativo.")
        return amount


class DocumentForm(forms.Form):
    title = forms.CharField(label="Título", max_length=200, required=False)
    kind = forms.ChoiceField(label="Tipo", choices=[])
    file = forms.FileField(label="Archivo")
    change_reason = forms.CharField(label="Motivo (opcional)", required=False, max_length=500)

    def __init__(self, *args, **kwargs):
        from secpla.core.models import Document

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = Document.Kind.choices


class CalendarForm(forms.Form):
    start = forms.DateField(label="Fecha de inicio", widget=DateInput())
    days = forms.IntegerField(label="Días hábiles", min_value=-3650, max_value=3650)


def staff_choices(directorates, current_pk=None):
    """Active people of the given directorates, or of none (like the Alcaldía) but with a
    role, plus whoever is already chosen: a responsible person is picked within the
    record's directorates, and a form is no staff directory."""
    return User.objects.filter(
        Q(is_active=True)
        & (Q(directorate__in=directorates) | Q(directorate__isnull=True, role__isnull=False))
        | Q(pk=current_pk)
    ).order_by("first_name", "last_name")
