"""Template filters for progress: `{{ value|pct }}` and the tree's bar."""

from decimal import Decimal

from django import template
from django.utils.html import format_html

register = template.Library()

NO_INFORMATION = "sin información"


@register.filter
def pct(value) -> str:
    """45.5 → "45,5 %"; None → "sin información" (never 0 %)."""
    if value is None or value == "":
        return NO_INFORMATION
    number = Decimal(value).quantize(Decimal("0.1"))
    text = f"{number:f}".replace(".", ",")
    return f"{text.removesuffix(',0')} %"


@register.filter
def bar(value) -> str:
    """A progress bar that needs no inline style (CSP): a <progress> element, or the words
    "sin información" when there is none."""
    if value is None or value == "":
        return format_html('<span class="text-muted small fst-italic">{}</span>', NO_INFORMATION)
    return format_html(
        '<progress class="plan-progress" max="100" value="{}" aria-label="{}"></progress> '
        '<span class="small num">{}</span>',
        Decimal(value),
        pct(value),
        pct(value),
    )


@register.filter
def signed(value) -> str:
    if value is None:
        return "—"
    text = pct(value)
    return f"+{text}" if value > 0 else text


@register.filter
def get_count(mapping, key) -> int:
    return mapping.get(key, 0) if mapping else 0
