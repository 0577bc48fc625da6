"""Template tags of the portfolio: the S-curve as an inline SVG drawn on the server.

CSP allows no style attributes and no inline scripts, so the chart uses only SVG
presentation attributes (stroke, fill…) and needs no JavaScript library.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from secpla.core.money import format_clp

register = template.Library()

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 70, 16, 16, 44
PLANNED = "#6c757d"
ACTUAL = "#0d6efd"


def _pct(value: Decimal) -> str:
    text = f"{Decimal(value).quantize(Decimal('0.1')):f}".replace(".", ",")
    return f"{text.removesuffix(',0')} %"


def _axis_dates(series) -> tuple[dt.date, dt.date] | None:
    dates = [point.date for points in series for point in points]
    if not dates:
        return None
    first, last = min(dates), max(dates)
    if first == last:
        first, last = first - dt.timedelta(days=15), last + dt.timedelta(days=15)
    return first, last


def _chart(series, *, top: Decimal, label, caption: str, testid: str, tooltip=None):
    """series: [(points, colour, name, dashed)]; label(value) -> text for the y ticks;
    tooltip(value) -> text for each point (the label by default)."""
    tooltip = tooltip or label
    span = _axis_dates([points for points, *_ in series])
    if span is None:
        return ""
    first, last = span
    days = (last - first).days
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = top if top and top > 0 else Decimal(1)

    def x(day: dt.date) -> str:
        return f"{LEFT + plot_w * (day - first).days / days:.1f}"

    def y(value: Decimal) -> str:
        return f"{TOP + plot_h * (1 - float(value) / float(top)):.1f}"

    parts = [
        format_html(
            '<svg class="s-curve" viewBox="0 0 {} {}" width="100%" role="img" '
            'aria-labelledby="{}-title" data-testid="{}" xmlns="http://www.w3.org/2000/svg">'
            '<title id="{}-title">{}</title>'
            '<rect x="0" y="0" width="{}" height="{}" fill="#ffffff"/>',
            WIDTH, HEIGHT, testid, testid, testid, caption, WIDTH, HEIGHT,
        )
    ]  # fmt: skip
    for i in range(5):
        value = top * Decimal(i) / Decimal(4)
        parts.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#dee2e6" stroke-width="1"/>'
                '<text x="{}" y="{}" font-size="11" text-anchor="end" fill="#495057">{}</text>',
                LEFT, y(value), WIDTH - RIGHT, y(value), LEFT - 6, y(value), label(value),
            )
        )  # fmt: skip
    # The end labels align inwards so they stay inside the drawing.
    for day, anchor in ((first, "start"), (first + (last - first) / 2, "middle"), (last, "end")):
        parts.append(
            format_html(
                '<text x="{}" y="{}" font-size="11" text-anchor="{}" fill="#495057">{}'
                "</text>",
                x(day), HEIGHT - BOTTOM + 16, anchor, day.strftime("%d-%m-%Y"),
            )
        )  # fmt: skip
    legend_x = LEFT
    for points, colour, name, dashed in series:
        if not points:
            continue
        coords = " ".join(f"{x(p.date)},{y(p.value)}" for p in points)
        dash = ' stroke-dasharray="6 4"' if dashed else ""
        parts.append(
            format_html(
                '<polyline points="{}" fill="none" stroke="{}" stroke-width="2"{}'
                ' data-series="{}"/>',
                coords, colour, mark_safe(dash), name,
            )
        )  # fmt: skip
        parts.append(
            format_html_join(
                "",
                '<circle cx="{}" cy="{}" r="3" fill="{}"><title>{}: {} al {}</title></circle>',
                (
                    (x(p.date), y(p.value), colour, name, tooltip(p.value),
                     p.date.strftime("%d-%m-%Y"))
                    for p in points
                ),
            )
        )  # fmt: skip
        parts.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2"{}/>'
                '<text x="{}" y="{}" font-size="11" fill="#212529">{}</text>',
                legend_x, HEIGHT - 10, legend_x + 24, HEIGHT - 10, colour, mark_safe(dash),
                legend_x + 30, HEIGHT - 6, name,
            )
        )  # fmt: skip
        legend_x += 200
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(str(part) for part in parts))


@register.simple_tag
def s_curve_physical(curve):
    """Planned physical % (milestones) against reported %."""
    return _chart(
        [(curve.planned, PLANNED, "Planificado", True), (curve.actual, ACTUAL, "Real", False)],
        top=Decimal(100),
        label=_pct,
        caption="Curva S: avance físico planificado y real (%)",
        testid="s-curve-physical",
    )


def money_label(value: Decimal) -> str:
    """Axis labels short enough for the margin: millions from $ 10 millones up."""
    if value >= 10_000_000:
        millions = int((value / 1_000_000).to_integral_value())
        return f"$ {millions:,} M".replace(",", ".")
    return format_clp(int(value))


@register.simple_tag
def s_curve_money(curve):
    """Planned cumulative spending against cumulative payments."""
    values = [p.value for p in (*curve.planned_amount, *curve.paid)]
    return _chart(
        [
            (curve.planned_amount, PLANNED, "Gasto planificado", True),
            (curve.paid, ACTUAL, "Pagado", False),
        ],
        top=max(values, default=Decimal(1)),
        label=money_label,
        tooltip=lambda value: format_clp(int(value)),
        caption="Curva S: gasto acumulado planificado y pagado ($)",
        testid="s-curve-money",
    )
