"""Receiving a request: tracking code, routing, due dates in días hábiles (weekends,
national and regional holidays, Ley 19.880 art. 25), the OIRS maximum, personal data with
consent, RUT and location checks."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from secpla.citizen_requests import services
from secpla.citizen_requests.models import Category, OirsSettings, Request, RequestEvent
from secpla.citizen_requests.tests.conftest import INSIDE, OUTSIDE, local
from secpla.core.audit import audit_context
from secpla.core.calendar import Calendar
from secpla.core.models import Comuna, Municipality

CODE = re.compile(r"^OIRS-\d{4}-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{6}$")


def staff_request(actor, category, received_at, **fields) -> Request:
    values = {
        "kind": Request.Kind.COMPLAINT,
        "category": category,
        "description": "Reclamo recibido por carta.",
        "channel": Request.Channel.LETTER,
        "received_at": received_at,
    }
    values.update(fields)
    return services.request_create(actor=actor, citizen_request=Request(**values))


def set_days(category: Category, days: int | None) -> None:
    Category.objects.filter(pk=category.pk).update(answer_days=days)
    category.refresh_from_db()


# --- tracking code, routing, channel -------------------------------------------------------


def test_a_citizen_request_gets_a_random_code_routing_and_a_received_event(
    file_request, dideco, personas
):
    first, second = file_request(), file_request()
    assert CODE.match(first.tracking_code) and CODE.match(second.tracking_code)
    assert first.tracking_code != second.tracking_code
    assert (first.status, first.directorate, first.channel) == ("recibida", dideco, "web")
    assert first.consent_version == OirsSettings.in_force().consent_version
    [event] = first.events.all()
    assert (event.kind, event.is_public, event.user) == ("recibida", True, None)


def test_the_public_form_cannot_choose_channel_status_or_directorate(file_request, dom):
    request = file_request(channel=Request.Channel.PHONE, status="cerrada", directorate=dom)
    assert (request.channel, request.status, request.directorate.code) == (
        "web",
        "recibida",
        "DIDECO",
    )


def test_staff_register_a_letter_with_its_real_date_of_receipt(personas, lighting):
    request = staff_request(personas.director, lighting, local(2026, 9, 16, 10))
    assert request.channel == "carta"
    assert request.events.get().user == personas.director


def test_staff_cannot_use_the_api_channel_or_a_future_date(personas, lighting):
    with pytest.raises(ValidationError, match="Open311"):
        staff_request(personas.director, lighting, None, channel=Request.Channel.API)
    with pytest.raises(ValidationError, match="futura"):
        staff_request(personas.director, lighting, local(2099, 1, 5, 10))


def test_an_enlace_registers_only_requests_routed_to_its_directorate(personas, lighting, pothole):
    assert staff_request(personas.enlace_dideco, lighting, None).directorate.code == "DIDECO"
    with pytest.raises(PermissionDenied):
        staff_request(personas.enlace_dideco, pothole, None)


@pytest.mark.parametrize("who", ["concejala", "admin", "sin_rol"])
def test_roles_without_add_cannot_register(who, personas, lighting):
    with pytest.raises(PermissionDenied):
        staff_request(getattr(personas, who), lighting, None)


def test_an_inactive_category_is_refused_in_spanish(file_request, lighting):
    Category.objects.filter(pk=lighting.pk).update(is_active=False)
    lighting.refresh_from_db()
    with pytest.raises(ValidationError, match="ya no está vigente"):
        file_request(category=lighting)


def test_a_request_needs_a_category_then_a_valid_kind_and_a_description(personas, lighting):
    with pytest.raises(ValidationError) as error:
        services.request_create(actor=None, citizen_request=Request(kind="solicitud"))
    assert error.value.message_dict == {"category": ["Elija una categoría."]}
    with pytest.raises(ValidationError) as error:
        services.request_create(
            actor=None, citizen_request=Request(kind="queja", category=lighting)
        )
    assert set(error.value.message_dict) == {"kind", "description"}


# --- due dates -----------------------------------------------------------------------------


def test_due_date_crosses_fiestas_patrias_and_the_weekend(personas, lighting):
    set_days(lighting, 3)
    request = staff_request(personas.director, lighting, local(2026, 9, 16, 10))
    # Thu 17 (1); Fri 18 and Sat 19 feriados, Sun 20; Mon 21 (2); Tue 22 (3).
    assert request.due_on == dt.date(2026, 9, 22)
    assert "Ley 19.880, art. 25" in request.due_rule and "3 días hábiles" in request.due_rule


def test_the_default_thirty_days_cross_christmas_and_new_year(personas, lighting):
    set_days(lighting, None)
    request = staff_request(personas.director, lighting, local(2025, 11, 28, 9))
    # 30 días hábiles from Fri 28-11-2025, skipping 8 and 25 December and 1 January.
    assert request.due_on == dt.date(2026, 1, 14)
    assert "máximo legal vigente: 30" in request.due_rule


def test_a_request_filed_on_a_saturday_counts_as_filed_on_monday(personas, lighting):
    set_days(lighting, 3)
    request = staff_request(personas.director, lighting, local(2026, 9, 12, 22))
    # Deemed filed Mon 14; the period runs Tue 15, Wed 16, Thu 17 (not Wed 16).
    assert request.due_on == dt.date(2026, 9, 17)
    assert "día inhábil (12-09-2026)" in request.due_rule


def test_a_regional_holiday_of_the_municipality_comuna_is_skipped(personas, lighting):
    set_days(lighting, 1)
    in_bulnes = staff_request(personas.director, lighting, local(2026, 8, 19, 10))
    assert in_bulnes.due_on == dt.date(2026, 8, 20)
    Municipality.objects.filter(pk=1).update(comuna=Comuna.objects.get(cut="16101"))
    in_chillan = staff_request(personas.director, lighting, local(2026, 8, 19, 10))
    # 20 August is a holiday in Chillán (Ñuble, some comunas only).
    assert in_chillan.due_on == dt.date(2026, 8, 21)


# --- the OIRS maximum ----------------------------------------------------------------------


def test_a_category_deadline_above_the_legal_maximum_is_refused_in_spanish(dideco):
    category = Category(name="Otra", code="otra", directorate=dideco, answer_days=31)
    with pytest.raises(ValidationError) as error:
        category.full_clean()
    assert error.value.message_dict["answer_days"] == [
        "El plazo no puede superar el máximo legal de 30 días hábiles."
    ]


def test_settings_refuse_a_default_above_the_maximum(db):
    rules = OirsSettings(
        valid_from=dt.date(2031, 1, 1),
        max_answer_days=20,
        default_answer_days=25,
        consent_version="x",
        consent_text="x",
        source="x",
    )
    with pytest.raises(ValidationError, match="no puede superar el plazo legal máximo"):
        rules.full_clean()


@pytest.mark.parametrize("days", [1, 15, 30, 45, 90])
def test_the_maximum_in_force_on_the_day_of_receipt_is_never_exceeded(days, personas, lighting):
    with audit_context(source="test"):
        OirsSettings.objects.create(
            valid_from=dt.date(2026, 6, 1),
            max_answer_days=20,
            default_answer_days=20,
            consent_version="2026-2",
            consent_text="Texto",
            source="Ordenanza de participación (prueba)",
        )
    set_days(lighting, days)  # a value set before the maximum was lowered
    received = local(2026, 9, 16, 10)
    request = staff_request(personas.director, lighting, received)
    counted = Calendar().business_days_between(received.date(), request.due_on)
    assert counted == min(days, 20)
    before = staff_request(personas.director, lighting, local(2026, 5, 20, 10))
    assert Calendar().business_days_between(dt.date(2026, 5, 20), before.due_on) == min(days, 30)


# --- personal data, RUT, location ----------------------------------------------------------


def test_contact_data_without_consent_is_refused_in_spanish(file_request):
    with pytest.raises(ValidationError) as error:
        file_request(consent_given=False)
    assert "debe aceptar" in error.value.message_dict["consent_given"][0]


def test_an_anonymous_request_needs_no_consent_and_keeps_no_version(file_request):
    request = file_request(
        requester_name="", requester_email="", requester_phone="", consent_given=False
    )
    assert (request.consent_given, request.consent_version) == (False, "")


def test_the_database_refuses_contact_data_without_consent(file_request):
    from django.db import IntegrityError, transaction

    request = file_request()
    with pytest.raises(IntegrityError), transaction.atomic():
        Request.objects.filter(pk=request.pk).update(consent_given=False)


@pytest.mark.parametrize(
    ("rut", "message"),
    [("12.345.678-9", "módulo 11"), ("12345", "formato válido")],
)
def test_a_wrong_rut_is_refused_in_spanish(rut, message, file_request):
    with pytest.raises(ValidationError) as error:
        file_request(requester_rut=rut)
    assert message in error.value.message_dict["requester_rut"][0]


def test_a_valid_rut_is_stored_formatted_and_the_email_lowercase(file_request):
    request = file_request(requester_rut="123456785", requester_email="Ana@Example.CL ")
    assert (request.requester_rut, request.requester_email) == ("12.345.678-5", "ana@example.cl")


def test_a_location_inside_the_comuna_is_kept(file_request, bounded):
    assert file_request(location=INSIDE).location == INSIDE


def test_a_location_outside_the_comuna_is_refused_with_a_clear_message(file_request, bounded):
    with pytest.raises(ValidationError) as error:
        file_request(location=OUTSIDE)
    assert error.value.message_dict["location"] == [
        "La ubicación queda fuera de la comuna de Bulnes."
    ]
    assert not Request.objects.exists()


def test_a_request_location_must_be_a_point(file_request, bounded):
    square = {
        "type": "Polygon",
        "coordinates": [[[-72.302, -36.743], [-72.301, -36.743], [-72.301, -36.742],
                         [-72.302, -36.742], [-72.302, -36.743]]],
    }  # fmt: skip
    with pytest.raises(ValidationError, match="es un punto"):
        file_request(location=square)


def test_nothing_is_saved_when_validation_fails(file_request):
    with pytest.raises(ValidationError):
        file_request(description="")
    assert not Request.objects.exists() and not RequestEvent.objects.exists()
