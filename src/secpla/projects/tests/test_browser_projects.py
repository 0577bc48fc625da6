"""The portfolio in a real browser (`make test-browser`): Estudios registers a located
project, submits it to a fund, and finds it on the map and on the public map."""

from __future__ import annotations

import json

import pytest
from django.apps import apps as django_apps
from playwright.sync_api import expect

from secpla.core.audit import audit_context
from secpla.core.models import Directorate, Municipality
from secpla.core.reference import comuna_boundary
from secpla.core.tests.test_browser import browser, reference_data  # noqa: F401 (fixtures)
from secpla.projects.models import FundingSource, Project

pytestmark = pytest.mark.browser

BULNES_POINT = {"type": "Point", "coordinates": [-72.3016, -36.7425]}


@pytest.fixture
def catalogue(reference_data):  # noqa: F811 (fixture from core's browser tests)
    """The live server's flush empties the funding-source catalogue of migration 0002."""
    if not FundingSource.objects.exists():
        import importlib

        migration = importlib.import_module("secpla.projects.migrations.0002_funding_sources")
        migration.create_sources(django_apps, None)


def test_a_project_from_formulation_to_the_map(
    browser,  # noqa: F811 (a fixture from core's browser tests)
    live_server,
    personas,
    municipality,
    catalogue,
):
    municipality = Municipality.current()
    municipality.boundary = comuna_boundary(municipality.comuna.cut)
    with audit_context(source="test"):
        municipality.save()
    page = browser.page
    browser.login(personas.estudios)

    page.goto("/cartera/nuevo/")
    page.locator("#id_name").fill("Multicancha techada de Santa Clara")
    secpla = Directorate.objects.get(code="SECPLA")
    page.locator("#id_directorate").select_option(value=str(secpla.pk))
    page.locator("#id_location").fill(json.dumps(BULNES_POINT))
    page.get_by_role("button", name="Guardar").click()
    expect(page.locator("h1")).to_contain_text("Multicancha techada de Santa Clara")
    project = Project.objects.get(name="Multicancha techada de Santa Clara")
    assert project.status == "formulacion" and project.code.startswith("PRY-")

    page.goto(f"/cartera/{project.pk}/?tab=estado")
    form = page.get_by_test_id("transition-form")
    form.get_by_label("Nuevo estado").select_option(label="Postulado")
    form.get_by_label("Comentario").fill("FRIL 2027")
    form.get_by_role("button", name="Cambiar estado").click()
    expect(page.locator("body")).to_contain_text("Postulado")
    project.refresh_from_db()
    assert project.status == "postulado"

    page.goto("/cartera/mapa/")
    expect(page.locator(".leaflet-interactive").first).to_be_visible()
    browser.assert_clean_console()
    page.context.clear_cookies()

    page.goto("/publico/cartera/mapa/")
    expect(page.locator(".leaflet-interactive").first).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("FRIL 2027")
    browser.assert_clean_console()
