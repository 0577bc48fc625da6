"""The public cache (decision 0015): the blank form and the Open311 GETs are built once
and served to everyone, and any change to what they show is visible on the next request."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from secpla.citizen_requests import public_cache, services
from secpla.citizen_requests.models import Category, OirsSettings
from secpla.core.audit import audit_context

FORM = "citizen_requests:public_create"
SERVICES = "/open311/v2/services.json"
REQUESTS = "/open311/v2/requests.json"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def codes(client, address: str, key: str) -> list[str]:
    response = client.get(address)
    assert response.status_code == 200
    return [item[key] for item in response.json()]


def test_the_blank_form_is_built_once_then_served_from_the_cache(
    client, lighting, django_assert_max_num_queries
):
    client.get(reverse(FORM))
    with django_assert_max_num_queries(1):  # the municipality, for the page heading
        response = client.get(reverse(FORM))
    page = response.content.decode()
    assert "Luminaria apagada" in page
    assert '<select name="category"' in page  # the cached fields are HTML, not escaped text


def test_every_visitor_gets_a_csrf_token_of_their_own_and_can_submit(client, lighting):
    from django.test import Client

    other = Client()
    tokens = []
    for browser in (client, other):
        page = browser.get(reverse(FORM)).content.decode()
        [token] = CSRF_INPUT.findall(page)
        tokens.append(token)
    assert tokens[0] != tokens[1]
    checked = Client(enforce_csrf_checks=True)
    page = checked.get(reverse(FORM)).content.decode()
    [token] = CSRF_INPUT.findall(page)
    data = {
        "csrfmiddlewaretoken": token,
        "kind": "reclamo",
        "category": str(lighting.pk),
        "description": "Poste apagado.",
        "address": "Carrera 123",
        "consent_given": "on",
    }
    assert checked.post(reverse(FORM), data).status_code == 302


def test_the_form_shows_a_new_category_and_new_consent_text_at_once(client, lighting, dom):
    assert "Bache" not in client.get(reverse(FORM)).content.decode()
    with audit_context(source="test"):
        Category.objects.create(name="Bache", code="bache", directorate=dom)
        rules = OirsSettings.in_force()
        rules.consent_text = "Texto de consentimiento nuevo."
        rules.save()
    page = client.get(reverse(FORM)).content.decode()
    assert "Bache" in page and "Texto de consentimiento nuevo." in page


def test_the_form_with_errors_is_never_the_cached_one(client, lighting):
    client.get(reverse(FORM))
    response = client.post(reverse(FORM), {"kind": "reclamo", "consent_given": "on"})
    assert response.status_code == 200
    assert "Describa su solicitud." in response.content.decode()
    assert "Describa su solicitud." not in client.get(reverse(FORM)).content.decode()


def test_open311_services_follow_a_renamed_or_retired_category(client, lighting, pothole):
    assert sorted(codes(client, SERVICES, "service_code")) == ["bache", "luminaria"]
    with audit_context(source="test"):
        pothole.is_active = False
        pothole.save()
    assert codes(client, SERVICES, "service_code") == ["luminaria"]
    with audit_context(source="test"):
        lighting.name = "Alumbrado público"
        lighting.save()
    assert [s["service_name"] for s in client.get(SERVICES).json()] == ["Alumbrado público"]


def test_open311_requests_follow_new_requests_and_status_changes(
    client, personas, file_request, django_assert_max_num_queries
):
    first = file_request()
    assert codes(client, REQUESTS, "service_request_id") == [first.tracking_code]
    with django_assert_max_num_queries(0):
        client.get(REQUESTS)
    second = file_request(description="Otra luminaria apagada.")
    assert set(codes(client, REQUESTS, "service_request_id")) == {
        first.tracking_code,
        second.tracking_code,
    }
    services.request_answer(actor=personas.director, citizen_request=first, answer="Reparada.")
    rows = client.get(REQUESTS).json()
    [row] = [r for r in rows if r["service_request_id"] == first.tracking_code]
    assert (row["status"], row["status_notes"]) == ("closed", "Reparada.")
    detail = client.get(f"/open311/v2/requests/{first.tracking_code}.json").json()
    assert detail[0]["status"] == "closed"


def test_each_query_and_format_is_cached_apart(client, file_request, pothole):
    file_request()
    assert len(client.get(REQUESTS).json()) == 1
    assert client.get(REQUESTS, {"service_code": "bache"}).json() == []
    xml = client.get("/open311/v2/requests.xml")
    assert xml["Content-Type"].startswith("text/xml") and b"<service_requests>" in xml.content


@pytest.mark.parametrize("params", [{"start_date": "ayer"}, {"status": "pendiente"}])
def test_errors_are_not_cached(client, lighting, params):
    for _ in range(2):
        assert client.get(REQUESTS, params).status_code == 400


def test_a_page_built_between_a_write_and_its_commit_is_not_served_after_it(
    lighting, django_capture_on_commit_callbacks
):
    before = public_cache.generation()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with audit_context(source="test"):
            lighting.name = "Alumbrado"
            lighting.save()
        during = public_cache.generation()
    assert during != before  # the writer's own next read is already fresh
    for callback in callbacks:  # the commit
        callback()
    assert public_cache.generation() not in (before, during)
