"""Review of the OIRS intake: every channel takes a description of at most 4,000
characters (the Open311 limit), refused with a Spanish message and nothing stored; and
the change log names no staff member for what a citizen filed."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from secpla.citizen_requests import services
from secpla.citizen_requests.models import Request
from secpla.citizen_requests.tests.test_inbox import INTAKE, intake_data
from secpla.core.models import ChangeLogEntry, Document

TOO_LONG = "a" * 4001
MESSAGE = "La descripción no puede superar 4000 caracteres."


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def public_data(category, description: str) -> dict:
    return {
        "kind": "reclamo",
        "category": str(category.pk),
        "description": description,
        "location": "",
        "address": "Carrera 123",
        "requester_name": "",
        "requester_email": "",
        "requester_phone": "",
        "requester_rut": "",
        "consent_given": "on",
        "sitio_web": "",
    }


def test_the_public_form_refuses_a_huge_description_in_spanish(client, lighting):
    url = reverse("citizen_requests:public_create")
    response = client.post(url, public_data(lighting, TOO_LONG))
    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    assert not Request.objects.exists()
    response = client.post(url, public_data(lighting, "b" * 4000))
    assert response.status_code == 302
    assert len(Request.objects.get().description) == 4000


def test_the_staff_intake_refuses_a_huge_description_in_spanish(personas, lighting, client_as):
    client = client_as(personas.enlace_dideco)
    response = client.post(reverse(INTAKE), intake_data(lighting, description=TOO_LONG))
    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    assert not Request.objects.exists()


# --- who the change log names ---------------------------------------------------------------
# The public form and Open311 act as the citizen (actor None) whoever is signed in in the
# browser: their change-log entries must not name the staff member whose session cookie
# happened to travel with the request.


def _creation_entry(obj) -> ChangeLogEntry:
    ct = ContentType.objects.get_for_model(type(obj))
    return ChangeLogEntry.objects.get(content_type=ct, object_id=str(obj.pk), action="create")


def test_a_public_submission_by_a_signed_in_user_is_logged_as_the_citizen(
    personas, lighting, client_as
):
    client = client_as(personas.director)
    pdf = SimpleUploadedFile("nota.pdf", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n")
    data = {**public_data(lighting, "Poste apagado."), "attachments": [pdf]}
    response = client.post(reverse("citizen_requests:public_create"), data)
    assert response.status_code == 302
    r = Request.objects.get()
    entry = _creation_entry(r)
    assert (entry.user, entry.user_repr) == (None, "sistema")
    document = Document.objects.get()
    assert _creation_entry(document).user is None


def test_an_open311_post_with_a_session_cookie_is_logged_as_the_api(personas, lighting, client_as):
    _, raw = services.api_key_issue(actor=personas.admin, name="App Barrio")
    client = client_as(personas.director)
    response = client.post(
        "/open311/v2/requests.json",
        {
            "api_key": raw,
            "service_code": "luminaria",
            "address_string": "Carrera 1",
            "description": "Poste apagado.",
        },
    )
    assert response.status_code == 200, response.content
    entry = _creation_entry(Request.objects.get())
    assert entry.user is None
