"""The OIRS catalogue screens: categories (deadline never above the legal maximum),
the OIRS parameters and the Open311 keys (shown once, stored hashed, revocable)."""

from __future__ import annotations

import hashlib

import pytest
from django.urls import reverse

from secpla.citizen_requests import services
from secpla.citizen_requests.models import ApiKey, Category
from secpla.core.models import ChangeLogEntry

pytestmark = pytest.mark.django_db


def category_data(dideco, **extra):
    data = {
        "code": "microbasural",
        "name": "Microbasural",
        "description": "Acumulación de basura en la vía pública.",
        "guidance": "Indique la esquina más cercana.",
        "directorate": dideco.pk,
        "answer_days": "15",
        "group": "Aseo",
        "keywords": "basura, escombros",
        "is_active": "on",
    }
    data.update(extra)
    return data


def test_admin_creates_a_category(personas, dideco, client_as):
    client = client_as(personas.admin)
    response = client.post(reverse("citizen_requests:category_create"), category_data(dideco))
    category = Category.objects.get(code="microbasural")
    assert response.status_code == 302
    assert response.url == reverse("citizen_requests:category_detail", args=[category.pk])
    assert category.answer_days == 15 and category.directorate == dideco
    assert category.keyword_list() == ["basura", "escombros"]
    detail = client.get(response.url).content.decode()
    assert "15 días hábiles" in detail


def test_category_deadline_above_the_legal_maximum_is_refused_in_spanish(
    personas, dideco, client_as
):
    client = client_as(personas.director)
    response = client.post(
        reverse("citizen_requests:category_create"), category_data(dideco, answer_days="31")
    )
    assert response.status_code == 200
    assert "El plazo no puede superar el máximo legal de 30 días hábiles." in (
        response.content.decode()
    )
    assert not Category.objects.filter(code="microbasural").exists()


def test_category_list_filters_and_export(personas, lighting, pothole, client_as):
    client = client_as(personas.concejala)
    listing = client.get(reverse("citizen_requests:category_list"), {"q": "lumin"})
    assert listing.status_code == 200
    body = listing.content.decode()
    assert "Luminaria apagada" in body and "Bache" not in body
    export = client.get(reverse("citizen_requests:category_list"), {"export": "csv"})
    assert export["Content-Type"].startswith("text/csv")
    assert "Luminaria apagada" in export.content.decode("utf-8-sig")


def test_a_reader_cannot_change_the_catalogue(personas, lighting, client_as):
    client = client_as(personas.enlace_dideco)
    url = reverse("citizen_requests:category_edit", args=[lighting.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"name": "Otra"}).status_code == 403


def test_oirs_settings_never_above_thirty_days(personas, client_as):
    client = client_as(personas.admin)
    response = client.post(
        reverse("citizen_requests:oirssettings_create"),
        {
            "valid_from": "2030-01-01",
            "max_answer_days": "45",
            "default_answer_days": "20",
            "reopen_days": "10",
            "retention_months": "24",
            "duplicate_radius_m": "100",
            "duplicate_window_days": "30",
            "consent_version": "2030-1",
            "consent_text": "Texto",
            "source": "Ordenanza",
        },
    )
    assert response.status_code == 200
    assert "nunca supera los 30 días hábiles" in response.content.decode()


def test_api_key_is_shown_once_and_stored_hashed(personas, client_as):
    client = client_as(personas.admin)
    response = client.post(
        reverse("citizen_requests:apikey_create"),
        {"name": "App Barrio", "organisation": "Junta de vecinos 4", "contact": "jv4@example.cl"},
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    raw = response.context["raw_key"]
    assert len(raw) >= 40 and raw in response.content.decode()
    key = ApiKey.objects.get(name="App Barrio")
    assert key.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert key.prefix == raw[:8] and key.is_active and key.created_by == personas.admin
    assert services.api_key_check(raw) == key
    # Never again: not on its page, not in the list, not in the change log.
    for url in (
        key.get_absolute_url(),
        key.get_absolute_url() + "?tab=historial",
        reverse("citizen_requests:apikey_list"),
    ):
        assert raw not in client.get(url).content.decode()
    for entry in ChangeLogEntry.objects.all():
        logged = f"{entry.before} {entry.after} {entry.object_repr} {entry.reason}"
        assert raw not in logged and key.key_hash not in logged


def test_api_key_name_is_required(personas, client_as):
    client = client_as(personas.admin)
    response = client.post(reverse("citizen_requests:apikey_create"), {"name": " "})
    assert response.status_code == 200
    assert "Indique un nombre para la clave." in response.content.decode()
    assert not ApiKey.objects.exists()


def test_revoke_deactivates_the_key(personas, client_as):
    key, raw = services.api_key_issue(actor=personas.admin, name="App Barrio")
    client = client_as(personas.director)
    url = reverse("citizen_requests:apikey_revoke", args=[key.pk])
    assert client.get(url).status_code == 405
    detail = client.get(key.get_absolute_url()).content.decode()
    assert 'data-testid="revoke-form"' in detail and "data-confirm=" in detail
    response = client.post(url, {"change_reason": "Convenio terminado"})
    assert response.status_code == 302 and response.url == key.get_absolute_url()
    key.refresh_from_db()
    assert not key.is_active
    assert services.api_key_check(raw) is None
    entry = ChangeLogEntry.objects.filter(object_id=str(key.pk)).order_by("-pk").first()
    assert entry.reason == "Convenio terminado"
    assert 'data-testid="key-revoked"' in client.get(key.get_absolute_url()).content.decode()


def test_only_keepers_see_or_revoke_keys(personas, client_as):
    key, _ = services.api_key_issue(actor=personas.admin, name="App Barrio")
    client = client_as(personas.enlace_dideco)
    assert client.get(reverse("citizen_requests:apikey_list")).status_code == 403
    assert client.get(key.get_absolute_url()).status_code == 404
    response = client.post(reverse("citizen_requests:apikey_revoke", args=[key.pk]))
    assert response.status_code == 404
    key.refresh_from_db()
    assert key.is_active


def test_a_category_in_use_is_not_deleted(personas, file_request, lighting, client_as):
    file_request()
    client = client_as(personas.director)
    response = client.post(reverse("citizen_requests:category_delete", args=[lighting.pk]))
    assert response.status_code == 200
    assert "No se puede eliminar" in response.content.decode()
    assert Category.objects.filter(pk=lighting.pk).exists()
    # Retiring it instead keeps its requests and hides it from the forms.
    edit = client.post(
        reverse("citizen_requests:category_edit", args=[lighting.pk]),
        category_data(lighting.directorate, code="luminaria", is_active=""),
    )
    assert edit.status_code == 302
    lighting.refresh_from_db()
    assert not lighting.is_active
