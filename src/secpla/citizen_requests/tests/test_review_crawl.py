"""Defects found by crawling the demo OIRS: a location nested deeply enough to make
`json.loads` give up must come back as the field's Spanish message (never a 500), on
the public form and on the staff intake; and the e-mails keep the tracking code as
issued (upper case) in every message."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from secpla.citizen_requests import services
from secpla.citizen_requests.forms import MAX_LOCATION_CHARS
from secpla.citizen_requests.models import Request

pytestmark = pytest.mark.django_db

PUBLIC = reverse("citizen_requests:public_create")
INTAKE = reverse("citizen_requests:request_create")
INVALID = "La ubicación marcada en el mapa no es válida."

DEEP_ARRAY = "[" * 100_000 + "]" * 100_000
DEEP_POINT = '{"type":"Point","coordinates":' + "[" * 50_000 + "]" * 50_000 + "}"
SHALLOW_NEST = '{"type":"Point","coordinates":' + "[" * 400 + "]" * 400 + "}"
TOO_LONG = '{"type":"Point","coordinates":[-72.3016,-36.7425],"x":"' + "a" * 2000 + '"}'


@pytest.fixture(autouse=True)
def fresh_cache():
    """The public form's rate limit counts in the (locmem) cache: none carried over."""
    cache.clear()
    yield
    cache.clear()


def public_data(category, location: str) -> dict:
    return {
        "kind": "reclamo",
        "category": str(category.pk),
        "description": "La luminaria de la esquina lleva una semana apagada.",
        "location": location,
        "address": "Carrera 123",
        "consent_given": "on",
        "sitio_web": "",
    }


@pytest.mark.parametrize("location", [DEEP_ARRAY, DEEP_POINT, TOO_LONG])
def test_public_form_refuses_a_nested_or_oversized_location_in_spanish(
    client, lighting, bounded, location
):
    response = client.post(PUBLIC, public_data(lighting, location))
    assert response.status_code == 200
    body = response.content.decode()
    assert INVALID in body
    assert location not in body  # the form comes back without the refused value
    assert not Request.objects.exists()


def test_a_nested_point_under_the_limit_gets_the_geometry_message(client, lighting, bounded):
    response = client.post(PUBLIC, public_data(lighting, SHALLOW_NEST))
    assert response.status_code == 200
    assert "La geometría de la ubicación no es válida" in response.content.decode()
    assert not Request.objects.exists()


def test_the_location_limit_leaves_room_for_any_point():
    point = '{"type":"Point","coordinates":[-72.30161234567891,-36.74251234567891]}'
    assert len(point) * 5 < MAX_LOCATION_CHARS


@pytest.mark.parametrize("location", [DEEP_ARRAY, DEEP_POINT, TOO_LONG])
def test_staff_intake_refuses_a_nested_or_oversized_location_in_spanish(
    personas, lighting, bounded, client_as, location
):
    client = client_as(personas.director)
    data = {
        **public_data(lighting, location),
        "channel": "carta",
        "received_at": "2026-11-02T10:30",
    }
    response = client.post(INTAKE, data)
    assert response.status_code == 200
    assert INVALID in response.content.decode()
    assert not Request.objects.exists()


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


def test_every_mail_keeps_the_tracking_code_in_upper_case(
    file_request, personas, dom, mailoutbox, on_commit
):
    director = personas.director
    r = on_commit(file_request)
    steps = [
        (services.request_assign, {"user": personas.enlace_dideco}),
        (services.request_derive, {"directorate": dom, "reason": "Competencia de DOM."}),
        (services.request_start, {}),
        (services.request_answer, {"answer": "Reparada el lunes."}),
        (services.request_close, {}),
    ]
    for service, extra in steps:
        r = on_commit(service, actor=director, citizen_request=r, **extra)
    duplicate = file_request(requester_email="otro@example.cl")
    on_commit(services.request_merge, actor=director, duplicate=duplicate, original=r)
    assert len(mailoutbox) == 7
    for mail in mailoutbox[1:]:
        code = duplicate.tracking_code if mail.to == ["otro@example.cl"] else r.tracking_code
        assert f"Su solicitud {code}" in mail.body, mail.body
        assert code.lower() not in mail.body


def test_a_complaint_reads_in_the_feminine_of_solicitud(
    file_request, personas, mailoutbox, on_commit
):
    r = on_commit(file_request, kind="reclamo")
    on_commit(
        services.request_assign,
        actor=personas.director,
        citizen_request=r,
        user=personas.enlace_dideco,
    )
    assert mailoutbox[0].body.count("Recibimos su reclamo") == 1
    assert f"Su solicitud {r.tracking_code} (reclamo) fue asignada" in mailoutbox[1].body


def test_a_key_revoked_during_an_open311_post_gets_the_spec_403(
    client, personas, lighting, monkeypatch
):
    _, raw = services.api_key_issue(actor=personas.admin, name="App Barrio")

    def revoked(**kwargs):
        raise PermissionDenied("La clave de API no es válida o fue desactivada.")

    monkeypatch.setattr(services, "request_create", revoked)
    response = client.post(
        "/open311/v2/requests.json",
        {"api_key": raw, "service_code": "luminaria", "address_string": "Carrera 1",
         "description": "Poste apagado."},
    )  # fmt: skip
    assert response.status_code == 403
    assert response.json() == [
        {"code": 403, "description": "La clave de API no es válida o fue desactivada."}
    ]
