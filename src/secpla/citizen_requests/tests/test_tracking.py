"""The public tracking page (status, dates, public answer and public events, never
personal data) and the citizen's reopening from it."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from secpla.citizen_requests import services
from secpla.citizen_requests.models import Request

SEARCH = reverse("citizen_requests:public_track")
REOPEN = reverse("citizen_requests:public_reopen")

NAME = "Zacarías Quintanilla Errázuriz"
EMAIL = "zq.distintivo@example.cl"
PHONE = "+56 9 8765 4321"
RUT = "11.111.111-1"
DESCRIPTION = "Texto libre de la persona que no se publica"
ADDRESS = "Pasaje Secreto 777"
NOTE = "Nota interna: el vecino es conflictivo"


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def page(code: str) -> str:
    return reverse("citizen_requests:public_track", kwargs={"code": code})


@pytest.fixture
def distinctive(file_request, personas):
    """A request with distinctive personal data, assigned, with an internal note and a
    public answer."""
    r = file_request(
        requester_name=NAME,
        requester_email=EMAIL,
        requester_phone=PHONE,
        requester_rut=RUT,
        description=DESCRIPTION,
        address=ADDRESS,
    )
    director = personas.director
    r = services.request_assign(actor=director, citizen_request=r, user=personas.enlace_dideco)
    services.request_note(actor=director, citizen_request=r, text=NOTE)
    return services.request_answer(
        actor=director, citizen_request=r, answer="Se cambió la ampolleta el martes."
    )


def test_the_page_shows_status_dates_answer_and_public_events(client, distinctive):
    r = distinctive
    response = client.get(page(r.tracking_code))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Respondida" in html
    assert timezone.localtime(r.received_at).strftime("%d-%m-%Y") in html
    assert r.due_on.strftime("%d-%m-%Y") in html
    assert timezone.localtime(r.answered_at).strftime("%d-%m-%Y") in html
    assert "Se cambió la ampolleta el martes." in html
    assert "Asignada" in html and "Luminaria apagada" in html
    assert 'data-testid="reopen-form"' in html


def test_the_page_leaks_no_personal_data_or_internal_text(client, distinctive, personas):
    html = client.get(page(distinctive.tracking_code)).content.decode()
    leaked = [
        value
        for value in (NAME, "Zacar", EMAIL, "zq.distintivo", PHONE, "8765", RUT, "11111111",
                      "111.111", DESCRIPTION, ADDRESS, NOTE, "conflictivo")
        if value in html
    ]  # fmt: skip
    assert not leaked, leaked
    enlace = personas.enlace_dideco
    for staff_name in (enlace.get_full_name(), enlace.username, personas.director.username):
        if staff_name:
            assert staff_name not in html


def test_a_lower_case_code_finds_the_request(client, distinctive):
    assert client.get(page(distinctive.tracking_code.lower())).status_code == 200


def test_an_unknown_code_is_a_spanish_404(client, municipality):
    response = client.get(page("OIRS-2026-ZZZZZZ"))
    assert response.status_code == 404
    html = response.content.decode()
    assert "No hay ninguna solicitud con el código" in html
    assert "OIRS-2026-ZZZZZZ" in html


def test_the_search_form_goes_to_the_request(client, distinctive):
    response = client.get(SEARCH, {"codigo": f"  {distinctive.tracking_code.lower()} "})
    assert response.status_code == 302
    assert response["Location"] == page(distinctive.tracking_code)


def test_the_search_form_explains_a_malformed_code(client, municipality):
    response = client.get(SEARCH, {"codigo": "12345"})
    assert response.status_code == 200
    assert "El código tiene la forma OIRS-año-seis letras o números" in response.content.decode()
    empty = client.get(SEARCH).content.decode()
    assert "Código de seguimiento" in empty and "Escriba el código" not in empty


def test_a_merged_request_names_only_the_code_it_was_merged_into(client, file_request, personas):
    original = file_request()
    duplicate = file_request(requester_name=NAME, requester_email=EMAIL)
    services.request_merge(actor=personas.director, duplicate=duplicate, original=original)
    html = client.get(page(duplicate.tracking_code)).content.decode()
    assert 'data-testid="merged-into"' in html
    assert original.tracking_code in html
    assert NAME not in html and EMAIL not in html
    assert 'data-testid="reopen-form"' not in html


def test_an_open_request_offers_no_reopening(client, file_request):
    html = client.get(page(file_request().tracking_code)).content.decode()
    assert 'data-testid="reopen-form"' not in html


# --- reopening -----------------------------------------------------------------------------


def reopen(client, r: Request, email: str = EMAIL, code: str | None = None, reason="Sigue igual"):
    return client.post(
        REOPEN, {"tracking_code": code or r.tracking_code, "email": email, "reason": reason}
    )


def test_the_citizen_reopens_with_code_and_email(client, distinctive):
    response = reopen(client, distinctive, email=EMAIL.upper())
    assert response.status_code == 302
    assert response["Location"] == page(distinctive.tracking_code)
    distinctive.refresh_from_db()
    assert distinctive.status == "reabierta"
    html = client.get(response["Location"]).content.decode()
    assert "Su solicitud fue reabierta" in html
    assert "Sigue igual" not in html  # the citizen's reason is not published


@pytest.mark.parametrize(
    ("code", "email"),
    [("OIRS-2026-ZZZZZZ", EMAIL), (None, "otra.persona@example.cl")],
    ids=["wrong code", "wrong email"],
)
def test_a_wrong_code_or_email_gets_the_same_message(client, distinctive, code, email):
    response = reopen(client, distinctive, email=email, code=code)
    assert response.status_code == 200
    html = response.content.decode()
    assert services.NO_MATCH in html
    distinctive.refresh_from_db()
    assert distinctive.status == "respondida"


def test_reopening_needs_a_reason_and_a_valid_email(client, distinctive):
    html = reopen(client, distinctive, email="no-es-correo", reason="").content.decode()
    assert "Escriba un correo electrónico válido." in html
    assert "Indique por qué reabre la solicitud." in html


def test_reopening_after_the_window_is_refused(client, distinctive):
    answered_at = timezone.now() - dt.timedelta(days=40)
    Request.objects.filter(pk=distinctive.pk).update(answered_at=answered_at)
    distinctive.refresh_from_db()
    until = services.reopen_until(distinctive)
    html = client.get(page(distinctive.tracking_code)).content.decode()
    assert 'data-testid="reopen-form"' not in html
    assert f"venció el {until:%d-%m-%Y}" in html
    response = reopen(client, distinctive)
    assert f"El plazo para reabrir la solicitud venció el {until:%d-%m-%Y}." in (
        response.content.decode()
    )
    distinctive.refresh_from_db()
    assert distinctive.status == "respondida"


def test_reopening_is_post_only_and_rate_limited(client, distinctive):
    assert client.get(REOPEN).status_code == 405
    with mock.patch("secpla.citizen_requests.ratelimit.time.time", return_value=1_000_000.0):
        for _ in range(5):
            reopen(client, distinctive, email="otra.persona@example.cl")
        response = reopen(client, distinctive)
    assert response.status_code == 429
    distinctive.refresh_from_db()
    assert distinctive.status == "respondida"
