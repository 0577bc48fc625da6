"""Money: integer pesos (CLP) and UTM (Decimal), converted with the UTM of the month.

A month missing from the UTM table is an error with a clear message, never a guess.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from secpla.core.models import UTMValue

# The largest amount of pesos any screen or import takes: $ 1.000 billones, far above any
# municipal line, and low enough that adding up thousands of them stays inside 64-bit
# integers (SQLite raises «integer overflow» on a SUM beyond 2**63, so a single absurd
# amount would break every total).
MAX_PESOS = 10**15

MONTHS_ES = [
    "enero", "febrero", "marzo", "abril", "mayo", "junio",
    "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre",
]  # fmt: skip


class UTMMissing(LookupError):
    """The UTM of a month is not in the table."""

    def __init__(self, year: int, month: int):
        self.year, self.month = year, month
        super().__init__(
            f"Falta el valor de la UTM de {MONTHS_ES[month - 1]} de {year}. "
            "El administrador debe ingresarlo en Configuración → Valores UTM "
            "(fuente: tabla UTM del SII)."
        )


def utm_value(year: int, month: int) -> int:
    row = UTMValue.objects.filter(year=year, month=month).values_list("value", flat=True).first()
    if row is None:
        raise UTMMissing(year, month)
    return row


def utm_value_on(day: dt.date) -> int:
    return utm_value(day.year, day.month)


def clp_to_utm(amount: int, year: int, month: int) -> Decimal:
    """Pesos to UTM with two decimals (rounded half up)."""
    return (Decimal(int(amount)) / Decimal(utm_value(year, month))).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def utm_to_clp(utm: Decimal | int | str, year: int, month: int) -> int:
    """UTM to whole pesos (rounded half up)."""
    pesos = Decimal(str(utm)) * Decimal(utm_value(year, month))
    return int(pesos.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def _group_thousands(digits: str) -> str:
    groups = []
    while digits:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    return ".".join(groups) or "0"


def format_clp(amount: int | None) -> str:
    """1234567 -> '$ 1.234.567'; negative -> '-$ 1.234.567'."""
    if amount is None:
        return ""
    amount = int(amount)
    sign = "-" if amount < 0 else ""
    return f"{sign}$ {_group_thousands(str(abs(amount)))}"


def format_utm(value: Decimal | int | str | None) -> str:
    """Decimal('1234.56') -> '1.234,56 UTM'."""
    if value is None:
        return ""
    quantized = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if quantized < 0 else ""
    integer, _, decimals = f"{abs(quantized):.2f}".partition(".")
    return f"{sign}{_group_thousands(integer)},{decimals} UTM"


def format_date(value: dt.date | None) -> str:
    return value.strftime("%d-%m-%Y") if value else ""
