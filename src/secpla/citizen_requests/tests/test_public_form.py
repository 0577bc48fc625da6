"""The public intake form: Spanish validation messages, a point inside the comuna,
attachments checked like every upload, the honeypot and the per-IP rate limit."""

from __future__ import annotations

import json
from unittest import mock

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache, caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from secpla.citizen_requests import ratelimit
from secpla.citizen_requests.models import Category, Request
from secpla.citizen_requests.tests.conftest import INSIDE, OUTSIDE
from secpla.core.audit import audit_context
from secpla.core.models import ChangeLogEntry, Document
from secpla.core.validators import normalize_rut

URL = reverse("citizen_requests:public_create")
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


@pytest.fixture(autouse=True)
def fresh_cache():
    """The rate-limit counters live in the (locmem) cache: none carried between tests."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def form_data(lighting):
    def make(**changes) -> dict:
        data = {
            "kind": "reclamo",
            "category": str(lighting.pk),
            "description": "La luminaria de la esquina lleva una semana apagada.",
            "location": "",
            "address": "Carrera 123",
            "requester_name": "Ana Pérez",
            "requester_email": "ana@example.cl",
            "requester_phone": "+56 9 1234 5678",
            "requester_rut": "",
            "consent_given": "on",
            "sitio_web": "",
        }
        data.update(changes)
        return {k: v for k, v in data.items() if v is not None}

    return make


def errors(response) -> str:
    return response.content.decode()


# --- the page ------------------------------------------------------------------------------


def test_the_form_lists_active_categories_with_guidance_and_deadline(client, lighting, dom):
    with audit_context(source="test"):
        Category.objects.filter(pk=lighting.pk).update(guidance="Indique el número del poste.")
        Category.objects.create(name="Antigua", code="antigua", directorate=dom, is_active=False)
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Luminaria apagada — responde en 10 días hábiles" in html
    assert "Indique el número del poste." in html
    assert "Antigua" not in html
    assert "Felicitación" in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert "oirs-form.js" in html
    assert "<script>" not in html and 'style="' not in html


def test_the_map_picker_needs_the_comuna_boundary(client, lighting, bounded):
    html = client.get(URL).content.decode()
    assert 'data-testid="location-map"' in html
    assert "leaflet.js" in html


def test_without_a_boundary_only_the_address_is_offered(client, lighting, municipality):
    html = client.get(URL).content.decode()
    assert 'data-testid="location-map"' not in html
    assert 'name="address"' in html


def test_the_consent_text_and_version_are_shown(client, lighting):
    from secpla.citizen_requests.models import OirsSettings

    rules = OirsSettings.in_force()
    html = client.get(URL).content.decode()
    assert rules.consent_version and f"versión {rules.consent_version}" in html
    assert rules.consent_text.split()[0] in html


# --- a valid submission --------------------------------------------------------------------


def test_a_valid_request_is_stored_as_web_and_the_confirmation_shows_code_and_due_date(
    client, form_data, bounded
):
    location = json.dumps(INSIDE)
    response = client.post(URL, form_data(location=location, requester_rut="12.345.678-5"))
    assert response.status_code == 302
    assert response["Location"] == reverse("citizen_requests:public_received")
    r = Request.objects.get()
    assert (r.channel, r.kind, r.status, r.requester_rut) == (
        "web",
        "reclamo",
        "recibida",
        normalize_rut("12345678-5"),
    )
    assert r.location == INSIDE
    assert r.consent_given and r.consent_version
    page = client.get(response["Location"])
    html = page.content.decode()
    assert r.tracking_code in html
    assert r.due_on.strftime("%d-%m-%Y") in html
    assert 'data-testid="emailed"' in html
    # Shown once: the confirmation is not a page anybody can reload for a code.
    assert client.get(response["Location"]).status_code == 302


def test_without_an_email_the_confirmation_says_no_notice_will_come(client, form_data):
    client.post(URL, form_data(requester_email="", requester_name="", requester_phone=""))
    html = client.get(reverse("citizen_requests:public_received")).content.decode()
    assert "No dejó un correo" in html and 'data-testid="emailed"' not in html
    assert Request.objects.get().requester_email == ""


def test_a_signed_in_official_files_as_a_citizen(client_as, personas, form_data):
    response = client_as(personas.director).post(URL, form_data())
    assert response.status_code == 302
    r = Request.objects.get()
    assert r.channel == "web"
    assert r.events.get().user is None


# --- validation errors in Spanish ----------------------------------------------------------


def test_consent_is_required(client, form_data):
    response = client.post(URL, form_data(consent_given=None))
    assert response.status_code == 200
    assert "Debe aceptar el tratamiento de sus datos personales." in errors(response)
    assert not Request.objects.exists()


def test_a_bad_rut_is_refused_in_spanish(client, form_data):
    response = client.post(URL, form_data(requester_rut="12.345.678-9"))
    assert response.status_code == 200
    html = errors(response)
    assert 'data-testid="error-requester_rut"' in html
    assert "RUT" in html.split('data-testid="error-requester_rut"')[1][:300]
    assert not Request.objects.exists()


def test_a_bad_email_is_refused_in_spanish(client, form_data):
    response = client.post(URL, form_data(requester_email="ana(at)example"))
    assert "Escriba un correo electrónico válido." in errors(response)
    assert not Request.objects.exists()


def test_missing_category_kind_and_description(client, form_data):
    response = client.post(URL, form_data(category="", kind="", description=""))
    html = errors(response)
    assert "Elija una categoría." in html
    assert "Elija el tipo de solicitud." in html
    assert "Describa su solicitud." in html


def test_an_inactive_category_cannot_be_posted(client, form_data, lighting):
    Category.objects.filter(pk=lighting.pk).update(is_active=False)
    response = client.post(URL, form_data())
    assert "Elija una categoría de la lista." in errors(response)


def test_a_location_outside_the_comuna_is_refused(client, form_data, bounded):
    response = client.post(URL, form_data(location=json.dumps(OUTSIDE)))
    assert response.status_code == 200
    assert "La ubicación queda fuera de la comuna de Bulnes." in errors(response)
    assert not Request.objects.exists()


@pytest.mark.parametrize(
    "location",
    ["{no es json", json.dumps({"type": "Point", "coordinates": [500, 500]}), '"texto"'],
)
def test_a_broken_location_gets_a_spanish_message_not_a_500(client, form_data, bounded, location):
    response = client.post(URL, form_data(location=location))
    assert response.status_code == 200
    assert 'data-testid="error-location"' in errors(response)
    assert not Request.objects.exists()


# --- attachments ---------------------------------------------------------------------------


def test_a_valid_pdf_is_kept_as_a_document_of_the_request(client, form_data, media):
    upload = SimpleUploadedFile("foto-poste.pdf", PDF, content_type="application/pdf")
    response = client.post(URL, {**form_data(), "attachments": [upload]})
    assert response.status_code == 302
    r = Request.objects.get()
    [document] = Document.objects.all()
    assert (document.target, document.mime_type, document.original_name) == (
        r,
        "application/pdf",
        "foto-poste.pdf",
    )
    assert document.uploaded_by is None
    [entry] = ChangeLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Document), object_id=str(document.pk)
    )
    assert (entry.action, entry.user, entry.source) == ("create", None, "web")


def test_an_exe_is_refused_and_nothing_is_stored(client, form_data, media):
    upload = SimpleUploadedFile("setup.exe", b"MZ\x90\x00" + b"\x00" * 64)
    response = client.post(URL, {**form_data(), "attachments": [upload]})
    assert response.status_code == 200
    html = errors(response)
    assert "setup.exe: No se aceptan archivos con extensión .exe" in html
    assert not Request.objects.exists() and not Document.objects.exists()


def test_a_pdf_that_is_not_a_pdf_is_refused(client, form_data, media):
    upload = SimpleUploadedFile("acta.pdf", b"MZ\x90\x00" + b"\x00" * 64)
    response = client.post(URL, {**form_data(), "attachments": [upload]})
    assert "no corresponde a la extensión .pdf" in errors(response)
    assert not Request.objects.exists()


def test_at_most_five_attachments(client, form_data, media):
    uploads = [SimpleUploadedFile(f"a{i}.pdf", PDF) for i in range(6)]
    response = client.post(URL, {**form_data(), "attachments": uploads})
    assert "Adjunte como máximo 5 archivos." in errors(response)


# --- honeypot ------------------------------------------------------------------------------


def test_the_honeypot_is_hidden_by_a_css_class_not_an_inline_style(client, lighting):
    html = client.get(URL).content.decode()
    wrapper = html.index('<div class="d-none" aria-hidden="true">')
    field = html.index('name="sitio_web"')
    assert wrapper < field and "</div>" not in html[wrapper:field]
    assert 'tabindex="-1"' in html[field : field + 100]


def test_a_filled_honeypot_gets_400_and_stores_nothing(client, form_data):
    response = client.post(URL, form_data(sitio_web="https://spam.example"))
    assert response.status_code == 400
    assert "No pudimos recibir su solicitud" in response.content.decode()
    assert not Request.objects.exists()


# --- rate limit ----------------------------------------------------------------------------


def test_the_sixth_post_in_a_minute_gets_429_in_spanish(client, form_data):
    with mock.patch("secpla.citizen_requests.ratelimit.time.time", return_value=1_000_000.0):
        for _ in range(5):
            assert client.post(URL, form_data()).status_code == 302
        response = client.post(URL, form_data())
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    html = response.content.decode()
    assert "Demasiados envíos desde su conexión" in html
    assert "Espere un minuto" in html
    assert Request.objects.count() == 5
    # GETs are not counted: the form still opens.
    assert client.get(URL).status_code == 200


def test_invalid_posts_count_too(client, form_data):
    with mock.patch("secpla.citizen_requests.ratelimit.time.time", return_value=1_000_000.0):
        for _ in range(5):
            assert client.post(URL, form_data(consent_given=None)).status_code == 200
        assert client.post(URL, form_data()).status_code == 429


def test_the_next_minute_is_allowed_again_until_the_day_limit(client, form_data):
    start = 86_400.0 * 20_000  # the start of a UTC day
    for i in range(20):
        at = start + 60 * (i // 5)  # 5 per minute, over 4 minutes
        with mock.patch("secpla.citizen_requests.ratelimit.time.time", return_value=at):
            assert client.post(URL, form_data(consent_given=None)).status_code == 200
    with mock.patch("secpla.citizen_requests.ratelimit.time.time", return_value=start + 600):
        response = client.post(URL, form_data())
    assert response.status_code == 429
    assert response["Retry-After"] == "86400"
    assert "Vuelva a intentarlo mañana" in response.content.decode()
    with mock.patch("secpla.citizen_requests.ratelimit.time.time", return_value=start + 86_400):
        assert client.post(URL, form_data()).status_code == 302


def test_the_day_limit_through_the_cache_key(client, form_data):
    day, now = ratelimit.WINDOWS[1], 1_000_000.0
    caches["ratelimit"].set(ratelimit.cache_key("public_create", day, "127.0.0.1", now), 20, 3600)
    with mock.patch("secpla.citizen_requests.ratelimit.time.time", return_value=now):
        assert client.post(URL, form_data()).status_code == 429
        # Another address is not affected.
        assert client.post(URL, form_data(), REMOTE_ADDR="10.0.0.7").status_code == 302


def test_x_forwarded_for_is_not_trusted(client, form_data):
    with mock.patch("secpla.citizen_requests.ratelimit.time.time", return_value=1_000_000.0):
        for i in range(5):
            client.post(URL, form_data(), HTTP_X_FORWARDED_FOR=f"10.0.0.{i}")
        response = client.post(URL, form_data(), HTTP_X_FORWARDED_FOR="10.0.0.99")
    assert response.status_code == 429


def test_an_exempt_ip_is_not_limited(client, form_data, settings):
    settings.SECPLA_OIRS_RATE_LIMIT_EXEMPT = ["127.0.0.1"]
    with mock.patch("secpla.citizen_requests.ratelimit.time.time", return_value=1_000_000.0):
        for _ in range(7):
            assert client.post(URL, form_data(consent_given=None)).status_code == 200
        assert client.post(URL, form_data(), REMOTE_ADDR="10.1.1.1").status_code == 302
