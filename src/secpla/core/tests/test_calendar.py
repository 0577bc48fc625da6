"""Días hábiles on real Chilean cases: national, regional and comunal holidays.

The municipality of the tests is Bulnes (CUT 16102, Región de Ñuble). Ñuble's 20 August
rige only in Chillán (16101) and Chillán Viejo (16103); Arica y Parinacota's 7 June rige
in the whole region (15). Both are seeded by core/migrations/0002_reference_data.py.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.authentication import TokenAuthentication
from rest_framework.settings import api_settings

from secpla.core import services
from secpla.core.calendar import Calendar, CalendarError
from secpla.core.models import Comuna, LocalHoliday, Municipality

pytestmark = pytest.mark.django_db

BULNES = "16102"
CHILLAN = "16101"
CHILLAN_VIEJO = "16103"
ARICA = "15101"


def calendar_for(cut: str) -> Calendar:
    return Calendar(comuna=Comuna.objects.get(cut=cut))


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def error(body: dict, field: str) -> str:
    """The message for `field` in a 400 body.

    The calendar endpoints raise ValidationError({field: "texto"}), which DRF renders as
    a plain string; serializer errors are lists. Accept both shapes.
    """
    value = body[field]
    return value[0] if isinstance(value, list) else value


# --- Fiestas Patrias and the 20 días hábiles of a plazo --------------------------------------


def test_twenty_business_days_from_10_september_2026_end_on_9_october_2026():
    answer = calendar_for(BULNES).add_business_days(d("2026-09-10"), 20)

    assert answer.date == d("2026-10-09")
    assert answer.start == d("2026-09-10")
    assert answer.days == 20
    assert "20 días hábiles desde el 10-09-2026" in answer.rule
    assert "Ley 19.880" in answer.rule


def test_the_count_skips_fiestas_patrias_with_a_rule_naming_each_skipped_day():
    answer = calendar_for(BULNES).add_business_days(d("2026-09-10"), 20)
    skipped = {s.date: s for s in answer.skipped}

    # 18-09-2026 is a Friday: the national holiday is the rule that makes it inhábil.
    assert not skipped[d("2026-09-18")].is_business_day
    assert "Feriado nacional" in skipped[d("2026-09-18")].rule
    assert "Independencia" in skipped[d("2026-09-18")].rule
    # 19-09-2026 (Glorias del Ejército) falls on a Saturday: the weekend rule comes first.
    assert not skipped[d("2026-09-19")].is_business_day
    assert skipped[d("2026-09-19")].rule.startswith("Sábado")
    # Four weekends plus 18 September; nothing else between 10-09 and 09-10.
    assert [s.date for s in answer.skipped] == [
        d("2026-09-12"),
        d("2026-09-13"),
        d("2026-09-18"),
        d("2026-09-19"),
        d("2026-09-20"),
        d("2026-09-26"),
        d("2026-09-27"),
        d("2026-10-03"),
        d("2026-10-04"),
    ]
    assert f"se omitieron {len(answer.skipped)} días inhábiles" in answer.rule


def test_glorias_del_ejercito_on_a_weekday_is_named_in_the_rule():
    # In 2025, 19 September is a Friday.
    answer = calendar_for(BULNES).check(d("2025-09-19"))

    assert not answer.is_business_day
    assert "Glorias del Ejército" in answer.rule


def test_the_start_day_is_not_counted():
    calendar = calendar_for(BULNES)

    # Thursday 10-09-2026 + 1 día hábil is Friday 11-09-2026, not the Thursday itself.
    assert calendar.add_business_days(d("2026-09-10"), 1).date == d("2026-09-11")
    # Starting on a holiday: the next día hábil after Fiestas Patrias.
    assert calendar.add_business_days(d("2026-09-18"), 1).date == d("2026-09-21")


# --- Weekends ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "name"),
    [("2026-09-12", "Sábado"), ("2026-09-13", "Domingo"), ("2027-01-02", "Sábado")],
)
def test_weekends_are_not_business_days_and_the_rule_says_sabado_or_domingo(day, name):
    answer = calendar_for(BULNES).check(d(day))

    assert answer.is_business_day is False
    assert answer.rule.startswith(name)
    assert not calendar_for(BULNES).is_business_day(d(day))


def test_an_ordinary_weekday_is_a_business_day_with_its_rule():
    answer = calendar_for(BULNES).check(d("2026-09-10"))

    assert answer.is_business_day is True
    assert answer.rule.startswith("Día hábil")


# --- Regional holidays: Ñuble (some comunas) and Arica y Parinacota (whole region) -------------


def test_20_august_2026_is_a_business_day_in_bulnes():
    assert d("2026-08-20").weekday() == 3  # a Thursday

    answer = calendar_for(BULNES).check(d("2026-08-20"))

    assert answer.is_business_day is True


@pytest.mark.parametrize("cut", [CHILLAN, CHILLAN_VIEJO])
def test_20_august_2026_is_a_holiday_in_chillan_and_chillan_viejo(cut):
    answer = calendar_for(cut).check(d("2026-08-20"))

    assert answer.is_business_day is False
    assert answer.rule.startswith("Feriado regional")
    assert "Nacimiento del Prócer de la Independencia" in answer.rule
    assert "Ley 20.678" in answer.rule


def test_a_deadline_in_chillan_crossing_20_august_ends_one_day_later_than_in_bulnes():
    start = d("2026-08-19")

    assert calendar_for(BULNES).add_business_days(start, 1).date == d("2026-08-20")
    assert calendar_for(CHILLAN).add_business_days(start, 1).date == d("2026-08-21")


def test_7_june_applies_in_arica_y_parinacota_but_not_in_bulnes():
    day = d("2027-06-07")
    assert day.weekday() == 0  # a Monday

    in_arica = calendar_for(ARICA).check(day)
    in_bulnes = calendar_for(BULNES).check(day)

    assert in_arica.is_business_day is False
    assert "Asalto y Toma del Morro de Arica" in in_arica.rule
    assert "toda la región" in in_arica.rule
    assert "Ley 20.663" in in_arica.rule
    assert in_bulnes.is_business_day is True


def test_7_june_applies_in_every_comuna_of_arica_y_parinacota():
    comunas = Comuna.objects.filter(province__region__code="15")
    assert comunas.count() == 4  # Arica, Camarones, Putre, General Lagos

    for comuna in comunas:
        assert not Calendar(comuna=comuna).is_business_day(d("2027-06-07")), comuna


# --- Feriados agregados by the administrator ----------------------------------------------------


def test_a_feriado_comunal_added_by_the_administrator_makes_the_day_inhabil(personas):
    day = d("2026-11-20")  # a Friday, hábil in Bulnes
    assert calendar_for(BULNES).is_business_day(day)

    holiday = services.record_create(
        actor=personas.admin,
        instance=LocalHoliday(
            date=day,
            name="Aniversario de la comuna",
            kind=LocalHoliday.Kind.COMUNAL,
            legal_source="Decreto Alcaldicio N° 1.234/2026",
        ),
    )

    answer = calendar_for(BULNES).check(day)
    assert answer.is_business_day is False
    assert "Feriado comunal" in answer.rule
    assert "Aniversario de la comuna" in answer.rule
    assert "Decreto Alcaldicio N° 1.234/2026" in answer.rule
    # A plazo that crosses it takes one more day.
    assert calendar_for(BULNES).add_business_days(d("2026-11-19"), 1).date == d("2026-11-23")

    services.record_delete(actor=personas.admin, instance=holiday)

    again = calendar_for(BULNES).check(day)
    assert again.is_business_day is True
    assert calendar_for(BULNES).add_business_days(d("2026-11-19"), 1).date == day


def test_a_national_day_created_by_a_special_law_is_named_as_such(personas):
    day = d("2026-11-27")  # a Friday
    services.record_create(
        actor=personas.admin,
        instance=LocalHoliday(
            date=day,
            name="Feriado por elección",
            kind=LocalHoliday.Kind.NATIONAL,
            legal_source="Ley 99.999",
        ),
    )

    answer = calendar_for(BULNES).check(day)

    assert answer.is_business_day is False
    assert answer.rule.startswith("Feriado nacional adicional (ley especial)")
    assert "Ley 99.999" in answer.rule


# --- Counting backwards, zero, between, limits ---------------------------------------------------


def test_negative_days_count_backwards_across_fiestas_patrias():
    answer = calendar_for(BULNES).add_business_days(d("2026-10-09"), -20)

    assert answer.date == d("2026-09-10")
    assert d("2026-09-18") in {s.date for s in answer.skipped}


def test_zero_days_returns_the_start_date_even_on_a_holiday():
    calendar = calendar_for(BULNES)

    assert calendar.add_business_days(d("2026-09-10"), 0).date == d("2026-09-10")
    assert calendar.add_business_days(d("2026-09-18"), 0).date == d("2026-09-18")
    assert calendar.add_business_days(d("2026-09-18"), 0).skipped == []


def test_business_days_between_counts_across_a_holiday():
    calendar = calendar_for(BULNES)

    # Thu 17-09 → Mon 21-09-2026: 18 (feriado), 19 and 20 (fin de semana), 21 (hábil).
    assert calendar.business_days_between(d("2026-09-17"), d("2026-09-21")) == 1
    assert calendar.business_days_between(d("2026-09-10"), d("2026-10-09")) == 20
    # Chillán loses 20 August; Bulnes does not.
    assert calendar.business_days_between(d("2026-08-17"), d("2026-08-21")) == 4
    assert calendar_for(CHILLAN).business_days_between(d("2026-08-17"), d("2026-08-21")) == 3


def test_business_days_between_is_antisymmetric():
    calendar = calendar_for(BULNES)
    pairs = [
        ("2026-09-10", "2026-10-09"),
        ("2026-09-17", "2026-09-21"),
        ("2026-12-24", "2027-01-04"),
        ("2026-05-05", "2026-05-05"),
    ]
    for start, end in pairs:
        forward = calendar.business_days_between(d(start), d(end))
        assert calendar.business_days_between(d(end), d(start)) == -forward


def test_too_many_days_raise_a_calendar_error_in_spanish():
    calendar = calendar_for(BULNES)

    with pytest.raises(CalendarError, match=r"El número de días debe estar entre -3650 y 3650"):
        calendar.add_business_days(d("2026-01-01"), 3651)
    with pytest.raises(CalendarError, match=r"El número de días debe estar entre"):
        calendar.add_business_days(d("2026-01-01"), -3651)
    with pytest.raises(CalendarError, match=r"El intervalo es demasiado largo"):
        calendar.business_days_between(d("2000-01-01"), d("2030-01-01"))


# --- The municipality's own comuna ---------------------------------------------------------------


def test_the_default_calendar_uses_the_municipality_comuna(municipality):
    calendar = Calendar()

    assert calendar.comuna == Comuna.objects.get(cut=BULNES)
    assert calendar.comuna == municipality.comuna
    assert calendar.is_business_day(d("2026-08-20"))  # Ñuble's day does not rige in Bulnes


def test_the_default_calendar_follows_a_change_of_comuna(municipality):
    Municipality.objects.filter(pk=1).update(comuna=Comuna.objects.get(cut=CHILLAN))

    assert not Calendar().is_business_day(d("2026-08-20"))


def test_without_a_municipality_the_calendar_still_knows_national_holidays():
    assert not Municipality.objects.exists()
    calendar = Calendar()

    assert calendar.comuna is None
    assert not calendar.is_business_day(d("2026-09-18"))
    assert calendar.is_business_day(d("2026-08-20"))


# --- Property: adding n días hábiles and counting them back agree ----------------------------


@hypothesis_settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    start=st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2028, 12, 31)),
    n=st.integers(min_value=0, max_value=60),
    cut=st.sampled_from([BULNES, CHILLAN, ARICA]),
)
def test_adding_n_business_days_lands_on_a_business_day_n_business_days_away(start, n, cut):
    calendar = calendar_for(cut)

    result = calendar.add_business_days(start, n).date

    if n > 0:
        assert calendar.is_business_day(result)
        assert result > start
    else:
        assert result == start
    assert calendar.business_days_between(start, result) == n
    assert calendar.business_days_between(result, start) == -n


# --- API ---------------------------------------------------------------------------------------


ADD = reverse("api:calendar-add")
CHECK = reverse("api:calendar-check")
BETWEEN = reverse("api:calendar-between")


def test_api_paths_are_under_api_v1():
    assert ADD == "/api/v1/calendar/add-business-days"
    assert CHECK == "/api/v1/calendar/is-business-day"
    assert BETWEEN == "/api/v1/calendar/business-days-between"


def test_api_adds_twenty_business_days_for_a_logged_in_persona(personas, client_as):
    response = client_as(personas.concejala).get(ADD, {"start": "2026-09-10", "days": "20"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["start"] == "2026-09-10"
    assert body["days"] == 20
    assert body["date"] == "2026-10-09"
    assert body["rule"]
    skipped = {s["date"]: s["rule"] for s in body["skipped"]}
    assert "Independencia" in skipped["2026-09-18"]
    assert skipped["2026-09-19"].startswith("Sábado")


def test_api_any_role_may_use_the_calendar(personas, client_as):
    for user in personas.by_role().values():
        response = client_as(user).get(ADD, {"start": "2026-09-10", "days": "20"})
        assert response.status_code == 200, user.username


def test_api_anonymous_gets_401_with_a_token_challenge(db):
    # DRF answers NotAuthenticated with 401 only when the *first* authentication class
    # gives a WWW-Authenticate header; otherwise it coerces the answer to 403.
    # settings.REST_FRAMEWORK lists TokenAuthentication first (its header is "Token"),
    # so an anonymous call is 401. With SessionAuthentication first (no header) it
    # would be 403.
    first = api_settings.DEFAULT_AUTHENTICATION_CLASSES[0]
    assert first is TokenAuthentication

    response = Client().get(ADD, {"start": "2026-09-10", "days": "20"})

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"
    assert "credenciales" in response.json()["detail"]


def test_api_a_wrong_token_gets_401(db):
    response = Client().get(
        ADD,
        {"start": "2026-09-10", "days": "20"},
        headers={"Authorization": "Token no-es-un-token"},
    )

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"


def test_api_accepts_a_token(personas):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=personas.concejala)
    response = Client().get(
        ADD,
        {"start": "2026-09-10", "days": "20"},
        headers={"Authorization": f"Token {token.key}"},
    )

    assert response.status_code == 200
    assert response.json()["date"] == "2026-10-09"


def test_api_rejects_an_impossible_date_naming_the_field(personas, client_as):
    response = client_as(personas.estudios).get(ADD, {"start": "2026-02-30", "days": "20"})

    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["start"]
    assert "Fecha inválida" in error(body, "start")
    assert "AAAA-MM-DD" in error(body, "start")
    assert "2026-02-30" in error(body, "start")


@pytest.mark.parametrize("days", ["veinte", "2.5", " "])
def test_api_rejects_days_that_are_not_an_integer_naming_the_field(personas, client_as, days):
    response = client_as(personas.estudios).get(ADD, {"start": "2026-09-10", "days": days})

    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["days"]
    assert "Debe ser un número entero" in error(body, "days")


def test_api_rejects_too_many_days_with_the_calendar_message(personas, client_as):
    response = client_as(personas.estudios).get(ADD, {"start": "2026-09-10", "days": "5000"})

    assert response.status_code == 400
    assert "El número de días debe estar entre" in error(response.json(), "days")


@pytest.mark.parametrize(
    ("params", "field"),
    [({"days": "20"}, "start"), ({"start": "2026-09-10"}, "days")],
    ids=["sin start", "sin days"],
)
def test_api_a_missing_parameter_gets_a_spanish_message_without_python_none(
    personas, client_as, params, field
):
    response = client_as(personas.estudios).get(ADD, params)

    assert response.status_code == 400
    message = error(response.json(), field)
    assert "None" not in message, f"the Spanish message leaks Python's None: {message!r}"


def test_api_is_business_day(personas, client_as):
    client = client_as(personas.enlace_dideco)

    holiday = client.get(CHECK, {"date": "2026-09-18"})
    assert holiday.status_code == 200
    assert holiday.json()["date"] == "2026-09-18"
    assert holiday.json()["is_business_day"] is False
    assert "Independencia" in holiday.json()["rule"]

    # The municipality is Bulnes: Ñuble's 20 August does not rige there.
    ordinary = client.get(CHECK, {"date": "2026-08-20"})
    assert ordinary.json()["is_business_day"] is True

    bad = client.get(CHECK, {"date": "20-08-2026"})
    assert bad.status_code == 400
    assert "Fecha inválida" in error(bad.json(), "date")


def test_api_business_days_between(personas, client_as):
    client = client_as(personas.director)

    response = client.get(BETWEEN, {"start": "2026-09-10", "end": "2026-10-09"})
    assert response.status_code == 200
    assert response.json() == {"start": "2026-09-10", "end": "2026-10-09", "business_days": 20}

    backwards = client.get(BETWEEN, {"start": "2026-10-09", "end": "2026-09-10"})
    assert backwards.json()["business_days"] == -20

    bad = client.get(BETWEEN, {"start": "2026-09-10", "end": "2026-13-01"})
    assert bad.status_code == 400
    assert "Fecha inválida" in error(bad.json(), "end")

    too_long = client.get(BETWEEN, {"start": "2000-01-01", "end": "2030-01-01"})
    assert too_long.status_code == 400
    assert "demasiado largo" in error(too_long.json(), "end")


def test_api_calendar_follows_a_feriado_comunal(personas, client_as):
    client = client_as(personas.admin)
    created = client.post(
        reverse("api:localholiday-list"),
        {
            "date": "2026-11-20",
            "name": "Aniversario de la comuna",
            "kind": "comunal",
            "legal_source": "Decreto Alcaldicio N° 1.234/2026",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content

    answer = client.get(CHECK, {"date": "2026-11-20"}).json()
    assert answer["is_business_day"] is False
    assert "Decreto Alcaldicio N° 1.234/2026" in answer["rule"]
