"""Template filters for Chilean formats: `{{ amount|clp }}`, `{{ utm|utm }}`, `{{ day|fecha }}`."""

import datetime as dt

from django import template
from django.utils import timezone

from secpla.core import money

register = template.Library()


@register.filter
def clp(value):
    return money.format_clp(value) if value not in (None, "") else ""


@register.filter
def utm(value):
    return money.format_utm(value) if value not in (None, "") else ""


@register.filter
def fecha(value):
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%d-%m-%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d-%m-%Y")
    return value or ""


@register.filter
def field_value(obj, name):
    """Human value of a field: choices as labels, dates dd-mm-aaaa, booleans Sí/No."""
    display = getattr(obj, f"get_{name}_display", None)
    if callable(display):
        return display()
    value = getattr(obj, name, "")
    if isinstance(value, bool):
        return "Sí" if value else "No"
    if isinstance(value, dt.date | dt.datetime):
        return fecha(value)
    if value is None:
        return ""
    return value


@register.filter
def verbose_name(obj, name):
    try:
        return obj._meta.get_field(name).verbose_name
    except Exception:  # a property, not a field
        return name.replace("_", " ")


@register.filter
def widget(field):
    """Render a bound field's widget with Bootstrap classes (and is-invalid on error)."""
    input_type = getattr(field.field.widget, "input_type", "")
    if input_type == "checkbox":
        css = "form-check-input"
    elif input_type == "select" or field.field.widget.__class__.__name__.endswith("Select"):
        css = "form-select"
    else:
        css = "form-control"
    if field.errors:
        css += " is-invalid"
    attrs = {"class": css}
    if field.errors:
        attrs["aria-invalid"] = "true"
        attrs["aria-describedby"] = f"{field.auto_id}_errors"
    return field.as_widget(attrs=attrs)


@register.filter
def is_checkbox(field):
    return getattr(field.field.widget, "input_type", "") == "checkbox"


@register.filter
def minutes(value):
    """A timedelta as whole minutes (rounded up)."""
    if not isinstance(value, dt.timedelta):
        return value
    return -(-int(value.total_seconds()) // 60)
