"""The OIRS in a real browser (`make test-browser`): a visitor files a request on the
public form (with a point clicked on the map and contact data with consent), gets the
tracking code and opens the tracking page; the DIDECO liaison finds it in the inbox, opens
it and answers it; the tracking page then shows «Respondida» and the answer, and never the
requester's name, e-mail, phone or RUT."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse
from playwright.sync_api import expect
from shapely.geometry import Point, shape

from secpla.citizen_requests.models import Category, OirsSettings, Request
from secpla.citizen_requests.reference import CONSENT_TEXT, CONSENT_VERSION, SETTINGS_SOURCE
from secpla.core.audit import audit_context
from secpla.core.models import Directorate
from secpla.core.reference import comuna_boundary
from secpla.core.tests.test_browser import browser, reference_data  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser

NAME = "Ana María Soto Prueba"
EMAIL = "ana.soto@example.cl"
PHONE = "+56 9 8765 4321"
RUT = "12.345.678-5"
ANSWER = "La asistente social la visitará el próximo martes para evaluar el apoyo."


@pytest.fixture
def oirs(reference_data, personas, municipality):  # noqa: F811 (core's browser fixture)
    """The live server's flush empties the OIRS settings row of data migration 0002 and the
    catalogue: create them again, with the comuna's real boundary for the map."""
    with audit_context(source="test"):
        municipality.boundary = comuna_boundary(municipality.comuna.cut)
        municipality.save()
        OirsSettings.objects.get_or_create(
            valid_from=dt.date(2000, 1, 1),
            defaults={
                "consent_version": CONSENT_VERSION,
                "consent_text": CONSENT_TEXT,
                "source": SETTINGS_SOURCE,
            },
        )
        category = Category.objects.create(
            name="Ayudas sociales",
            code="ayudas-sociales",
            directorate=Directorate.objects.get(code="DIDECO"),
            answer_days=15,
            guidance="Describa la situación del hogar.",
        )
        Category.objects.create(
            name="Baches y veredas",
            code="baches-veredas",
            directorate=Directorate.objects.get(code="DOM"),
        )
    return category


def test_a_visitor_files_a_request_and_reads_the_answer(
    browser,  # noqa: F811 (a fixture from core's browser tests)
    live_server,
    personas,
    municipality,
    oirs,
):
    page = browser.page

    # The public form, no login: category, type, description, a point on the map, contact.
    page.goto(reverse("citizen_requests:public_create"))
    form = page.get_by_test_id("oirs-form")
    form.locator("#id_category").select_option(value=str(oirs.pk))
    expect(page.get_by_test_id("category-guidance")).to_contain_text(
        "Describa la situación del hogar."
    )
    form.locator("#id_kind").select_option(value="solicitud")
    form.locator("#id_description").fill("Necesitamos leña para el invierno; vivo sola.")
    map_box = page.get_by_test_id("location-map")
    expect(map_box.locator(".leaflet-overlay-pane path").first).to_be_attached()  # the boundary
    map_box.click()  # the centre of the map: the centre of the comuna, inside it
    expect(form.locator("[data-oirs-map-status]")).to_contain_text("Punto marcado")
    form.locator("#id_requester_name").fill(NAME)
    form.locator("#id_requester_email").fill(EMAIL)
    form.locator("#id_requester_phone").fill(PHONE)
    form.locator("#id_requester_rut").fill(RUT)
    expect(page.get_by_test_id("consent-text")).to_contain_text("Ley 21.719")
    form.locator("#id_consent_given").check()
    browser.assert_clean_console()
    form.get_by_role("button", name="Enviar solicitud").click()

    # The tracking code, then the public tracking page.
    expect(page.get_by_test_id("received")).to_be_visible()
    code = page.get_by_test_id("tracking-code").inner_text().strip()
    request = Request.objects.get(tracking_code=code)
    assert request.channel == Request.Channel.WEB
    assert request.directorate.code == "DIDECO" and request.requester_email == EMAIL
    boundary = shape(municipality.boundary)
    assert request.location and boundary.covers(Point(request.location["coordinates"]))
    browser.assert_clean_console()
    page.get_by_role("link", name="Ver el estado de la solicitud").click()
    expect(page.get_by_test_id("status")).to_have_text("Recibida")
    assert_no_personal_data(page)
    browser.assert_clean_console()

    # The DIDECO liaison finds it in the inbox, opens it and answers it.
    page.context.clear_cookies()
    browser.login(personas.enlace_dideco)
    page.goto(reverse("citizen_requests:request_list"))
    inbox = page.get_by_test_id("inbox")
    expect(inbox).to_contain_text(code)
    browser.assert_clean_console()
    inbox.get_by_role("link", name=code).click()
    expect(page.get_by_test_id("tracking-code")).to_have_text(code)
    expect(page.get_by_test_id("contact")).to_contain_text(NAME)  # staff see the contact
    expect(page.get_by_test_id("request-map")).to_have_attribute("data-loaded", "1")  # its point
    browser.assert_clean_console()
    page.goto(reverse("citizen_requests:map"))
    requests_map = page.get_by_test_id("oirs-map")
    expect(requests_map).to_have_attribute("data-loaded", "1")
    expect(requests_map.locator(".leaflet-interactive").first).to_be_visible()
    expect(page.locator("[data-map-status]")).to_have_text("1 solicitud en el mapa.")
    browser.assert_clean_console()
    page.go_back()
    answer = page.get_by_test_id("action-answer")
    answer.get_by_label("Respuesta pública").fill(ANSWER)
    answer.get_by_role("button", name="Responder").click()
    expect(page.get_by_test_id("status")).to_have_text("Respondida")
    expect(page.get_by_test_id("public-answer")).to_contain_text(ANSWER)
    browser.assert_clean_console()

    # The visitor's tracking page shows the answer, still without personal data.
    page.context.clear_cookies()
    page.goto(reverse("citizen_requests:public_track", kwargs={"code": code}))
    expect(page.get_by_test_id("status")).to_have_text("Respondida")
    expect(page.get_by_test_id("public-answer")).to_contain_text(ANSWER)
    expect(page.get_by_test_id("answered-at")).not_to_have_text("—")
    assert_no_personal_data(page)
    browser.assert_clean_console()
    request.refresh_from_db()
    assert request.status == "respondida" and request.public_answer == ANSWER


def assert_no_personal_data(page) -> None:
    html = page.content()
    for value in (NAME, "Soto Prueba", EMAIL, PHONE, RUT, "12345678", json.dumps(EMAIL)):
        assert value not in html, f"The public page shows personal data: {value!r}"
    # No staff name either: the liaison who answered is «Javier».
    assert "Javier" not in html
