"""Money in Chilean formats: pesos ($ 1.234.567), UTM (1.234,56 UTM), dates dd-mm-aaaa,
conversions with the UTM of the month, and the UTM table kept by the administrator."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from secpla.core.audit import audit_context
from secpla.core.models import UTMValue
from secpla.core.money import (
    UTMMissing,
    clp_to_utm,
    format_clp,
    format_date,
    format_utm,
    utm_to_clp,
    utm_value,
    utm_value_on,
)
from secpla.core.templatetags.secpla import clp, fecha, utm

# A year far from the seeded values (2024-10, 2026-01, 2026-06), so the test owns the table.
YEAR = 2030


def add_utm(year: int, month: int, value: int) -> UTMValue:
    with audit_context(source="test"):
        return UTMValue.objects.create(
            year=year, month=month, value=value, source="Tabla UTM del SII (prueba)"
        )


@pytest.fixture
def utm_march(db) -> UTMValue:
    return add_utm(YEAR, 3, 80_000)


@pytest.fixture
def utm_april(db) -> UTMValue:
    return add_utm(YEAR, 4, 71_505)


@pytest.fixture
def utm_may(db) -> UTMValue:
    return add_utm(YEAR, 5, 66_561)


# --- format_clp ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (0, "$ 0"),
        (7, "$ 7"),
        (999, "$ 999"),
        (1000, "$ 1.000"),
        (1234567, "$ 1.234.567"),
        (12_345_678_901, "$ 12.345.678.901"),
        (-1234567, "-$ 1.234.567"),
        (-5, "-$ 5"),
        ("1234567", "$ 1.234.567"),
        (Decimal("1234567"), "$ 1.234.567"),
    ],
)
def test_format_clp_groups_thousands_with_dots(amount, text):
    assert format_clp(amount) == text


def test_format_clp_of_none_is_empty():
    assert format_clp(None) == ""


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_format_clp_reads_back_as_the_same_amount(amount):
    text = format_clp(amount)
    sign = -1 if text.startswith("-") else 1
    digits = text.removeprefix("-").removeprefix("$ ")

    assert sign * int(digits.replace(".", "")) == amount
    assert all(len(group) == 3 for group in digits.split(".")[1:])


# --- format_utm ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("1234.56"), "1.234,56 UTM"),
        (Decimal("0"), "0,00 UTM"),
        (Decimal("12.3"), "12,30 UTM"),
        (1234567, "1.234.567,00 UTM"),
        ("0.5", "0,50 UTM"),
        (Decimal("-1234.56"), "-1.234,56 UTM"),
    ],
)
def test_format_utm_uses_decimal_comma_and_thousands_dots(value, text):
    assert format_utm(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("0.005"), "0,01 UTM"),
        (Decimal("2.675"), "2,68 UTM"),
        (Decimal("2.665"), "2,67 UTM"),  # half up, not half even
        (Decimal("1234.564"), "1.234,56 UTM"),
        (Decimal("999.995"), "1.000,00 UTM"),
        (Decimal("-1234.565"), "-1.234,57 UTM"),
        (Decimal("-0.004"), "0,00 UTM"),  # no "-0,00"
    ],
)
def test_format_utm_rounds_half_up_to_two_decimals(value, text):
    assert format_utm(value) == text


def test_format_utm_of_none_is_empty():
    assert format_utm(None) == ""


# --- Conversions with the UTM of the month ------------------------------------------------------


def test_utm_value_reads_the_month_from_the_table(utm_march):
    assert utm_value(YEAR, 3) == 80_000
    assert utm_value_on(dt.date(YEAR, 3, 31)) == 80_000


def test_clp_to_utm_divides_by_the_month_value_with_two_decimals(utm_march):
    result = clp_to_utm(1_000_000, YEAR, 3)

    assert result == Decimal("12.50")
    assert str(result) == "12.50"
    assert isinstance(result, Decimal)
    assert clp_to_utm(80_000, YEAR, 3) == Decimal("1.00")
    assert clp_to_utm(0, YEAR, 3) == Decimal("0.00")


def test_clp_to_utm_rounds_half_up(utm_march):
    # 400 / 80.000 = 0,005 exactly: half up gives 0,01 (half even would give 0,00).
    assert clp_to_utm(400, YEAR, 3) == Decimal("0.01")
    assert clp_to_utm(399, YEAR, 3) == Decimal("0.00")
    # 1.200 / 80.000 = 0,015 → 0,02 (half even would also give 0,02); 2.000 → 0,025 → 0,03.
    assert clp_to_utm(1_200, YEAR, 3) == Decimal("0.02")
    assert clp_to_utm(2_000, YEAR, 3) == Decimal("0.03")
    # Negative amounts round away from zero, symmetrically.
    assert clp_to_utm(-400, YEAR, 3) == Decimal("-0.01")


def test_utm_to_clp_multiplies_by_the_month_value_in_whole_pesos(utm_march, utm_april):
    assert utm_to_clp(Decimal("12.50"), YEAR, 3) == 1_000_000
    assert utm_to_clp(2, YEAR, 3) == 160_000
    assert utm_to_clp("1.5", YEAR, 3) == 120_000
    assert isinstance(utm_to_clp(Decimal("1"), YEAR, 4), int)
    assert utm_to_clp(Decimal("1"), YEAR, 4) == 71_505


def test_utm_to_clp_rounds_half_up(utm_april):
    # 0,5 × 71.505 = 35.752,5 → 35.753 (half even would give 35.752).
    assert utm_to_clp(Decimal("0.5"), YEAR, 4) == 35_753
    # 0,01 × 71.505 = 715,05 → 715.
    assert utm_to_clp(Decimal("0.01"), YEAR, 4) == 715
    # -0,5 × 71.505 = -35.752,5 → -35.753 (away from zero).
    assert utm_to_clp(Decimal("-0.5"), YEAR, 4) == -35_753


def test_each_month_uses_its_own_value(utm_march, utm_april):
    assert utm_to_clp(Decimal("10"), YEAR, 3) == 800_000
    assert utm_to_clp(Decimal("10"), YEAR, 4) == 715_050


def test_a_month_missing_from_the_table_is_an_error_naming_month_and_year(db):
    with pytest.raises(UTMMissing) as excinfo:
        clp_to_utm(1_000_000, 2031, 3)

    message = str(excinfo.value)
    assert "Falta el valor de la UTM de marzo de 2031" in message
    assert "Valores UTM" in message
    assert (excinfo.value.year, excinfo.value.month) == (2031, 3)
    assert isinstance(excinfo.value, LookupError)


@pytest.mark.parametrize(("month", "name"), [(1, "enero"), (9, "septiembre"), (12, "diciembre")])
def test_utm_missing_names_every_month_in_spanish(db, month, name):
    with pytest.raises(UTMMissing, match=f"de {name} de 2031"):
        utm_to_clp(Decimal("1"), 2031, month)


def test_a_neighbouring_month_is_never_used_as_a_guess(utm_march):
    with pytest.raises(UTMMissing, match="febrero de 2030"):
        utm_value_on(dt.date(YEAR, 2, 28))


@hypothesis_settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    amount=st.integers(min_value=-(10**12), max_value=10**12),
    month=st.sampled_from([3, 4, 5]),
)
def test_clp_to_utm_and_back_stays_within_half_a_utm_cent(
    utm_march, utm_april, utm_may, amount, month
):
    value = utm_value(YEAR, month)

    in_utm = clp_to_utm(amount, YEAR, month)
    back = utm_to_clp(in_utm, YEAR, month)

    half_cent_in_pesos = Decimal(value) / 200  # 0,005 UTM
    # Rounding to 0,01 UTM loses at most half a UTM-cent ...
    assert abs(in_utm * value - amount) <= half_cent_in_pesos
    # ... and rounding the result to whole pesos adds at most half a peso.
    assert abs(back - amount) <= half_cent_in_pesos + Decimal("0.5")


# --- Template filters ---------------------------------------------------------------------------


def render(source: str, **context) -> str:
    return Template("{% load secpla %}" + source).render(Context(context))


def test_the_clp_filter_formats_pesos():
    assert render("{{ x|clp }}", x=1234567) == "$ 1.234.567"
    assert render("{{ x|clp }}", x=0) == "$ 0"
    assert render("{{ x|clp }}", x=-1500) == "-$ 1.500"
    assert render("{{ x|clp }}", x=None) == ""
    assert render("{{ x|clp }}", x="") == ""
    assert clp(1234567) == "$ 1.234.567"


def test_the_utm_filter_formats_utm():
    assert render("{{ x|utm }}", x=Decimal("1234.56")) == "1.234,56 UTM"
    assert render("{{ x|utm }}", x=Decimal("0.005")) == "0,01 UTM"
    assert render("{{ x|utm }}", x=None) == ""
    assert utm(Decimal("0")) == "0,00 UTM"


def test_the_fecha_filter_writes_dates_dd_mm_aaaa():
    assert render("{{ x|fecha }}", x=dt.date(2026, 9, 18)) == "18-09-2026"
    assert render("{{ x|fecha }}", x=dt.date(2027, 1, 5)) == "05-01-2027"
    assert render("{{ x|fecha }}", x=None) == ""
    assert fecha(dt.date(2026, 10, 9)) == "09-10-2026"
    assert format_date(dt.date(2026, 10, 9)) == "09-10-2026"
    assert format_date(None) == ""


def test_the_fecha_filter_shows_datetimes_in_santiago_time():
    # 17-07-2026 02:00 UTC is still 16 July in Santiago (UTC-4 in winter).
    moment = dt.datetime(2026, 7, 17, 2, 0, tzinfo=dt.UTC)

    assert fecha(moment) == "16-07-2026 22:00"
    assert render("{{ x|fecha }}", x=moment) == "16-07-2026 22:00"


# --- The UTM table through the API and the screen ---------------------------------------------


UTM_API = "/api/v1/utm-values/"


def utm_payload(**overrides) -> dict:
    return {
        "year": YEAR,
        "month": 3,
        "value": 80_000,
        "source": "Tabla UTM del SII",
        "source_url": "https://www.sii.cl/valores_y_fechas/utm/utm2030.htm",
        "verified": True,
    } | overrides


def test_the_utm_api_path_is_under_api_v1():
    assert reverse("api:utmvalue-list") == UTM_API


def test_the_administrator_creates_a_utm_value_through_the_api(personas, client_as):
    response = client_as(personas.admin).post(
        UTM_API, utm_payload(), content_type="application/json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["value"] == 80_000
    assert utm_value(YEAR, 3) == 80_000


def test_a_second_value_for_the_same_month_is_rejected_in_spanish(personas, client_as, utm_march):
    response = client_as(personas.admin).post(
        UTM_API, utm_payload(value=81_000), content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Ya existe un valor UTM para ese mes."]}
    assert utm_value(YEAR, 3) == 80_000


@pytest.mark.parametrize("value", [-1, 0])
def test_a_negative_or_zero_utm_value_is_rejected_in_spanish(personas, client_as, value):
    response = client_as(personas.admin).post(
        UTM_API, utm_payload(value=value), content_type="application/json"
    )

    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["value"]
    assert "mayor o igual a 1" in body["value"][0], body
    assert not UTMValue.objects.filter(year=YEAR, month=3).exists()


def test_a_month_outside_1_to_12_is_rejected_in_spanish(personas, client_as):
    response = client_as(personas.admin).post(
        UTM_API, utm_payload(month=13), content_type="application/json"
    )

    assert response.status_code == 400
    assert "menor o igual a 12" in response.json()["month"][0]


def test_the_concejala_may_read_the_utm_table_but_not_add_to_it(personas, client_as):
    client = client_as(personas.concejala)

    created = client.post(UTM_API, utm_payload(), content_type="application/json")
    listed = client.get(UTM_API)

    assert created.status_code == 403
    assert not UTMValue.objects.filter(year=YEAR, month=3).exists()
    assert listed.status_code == 200


def test_the_utm_screen_rejects_a_second_value_for_the_same_month(personas, client_as, utm_march):
    data = utm_payload(value=81_000, verified="on")
    response = client_as(personas.admin).post(reverse("core:utmvalue_create"), data)

    assert response.status_code == 200  # the form again, with the error
    assert "Ya existe un valor UTM para ese mes." in response.content.decode()
    assert utm_value(YEAR, 3) == 80_000


def test_the_utm_screen_is_closed_to_the_concejala(personas, client_as):
    client = client_as(personas.concejala)

    assert client.get(reverse("core:utmvalue_create")).status_code == 403
    assert client.post(reverse("core:utmvalue_create"), utm_payload()).status_code == 403
    assert not UTMValue.objects.filter(year=YEAR, month=3).exists()
