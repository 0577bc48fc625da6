"""The PLADECO journey in a real browser (`make test-browser`): Estudios builds the plan,
a directorate reports progress, the semester is evaluated and the public page shows it."""

from __future__ import annotations

import re

import pytest
from django.apps import apps as django_apps
from playwright.sync_api import expect

from secpla.core.models import Directorate
from secpla.core.tests.test_browser import browser, reference_data  # noqa: F401 (fixtures)
from secpla.planning.models import Initiative, InitiativeStatus, Plan

pytestmark = pytest.mark.browser


@pytest.fixture
def statuses(reference_data):  # noqa: F811 (fixture from core's browser tests)
    """The live server's flush empties the status catalogue of data migration 0002."""
    if not InitiativeStatus.objects.exists():
        import importlib

        migration = importlib.import_module("secpla.planning.migrations.0002_initiative_statuses")
        migration.create_statuses(django_apps, None)


def test_a_semester_of_the_pladeco(browser, live_server, personas, municipality, statuses):  # noqa: F811
    page = browser.page
    dideco = Directorate.objects.get(code="DIDECO")

    # Estudios creates the plan, an eje and an initiative of DIDECO.
    browser.login(personas.estudios)
    page.goto("/pladeco/nuevo/")
    page.locator("#id_name").fill("PLADECO Bulnes 2025–2030")
    page.get_by_label("Año de inicio").fill("2025")
    page.get_by_label("Año de término").fill("2030")
    page.get_by_label("Estado").select_option(label="Vigente")
    page.get_by_role("button", name="Guardar").click()
    expect(page.locator("h1")).to_contain_text("PLADECO Bulnes")
    plan = Plan.objects.get()

    page.get_by_role("link", name="Elemento").click()
    page.get_by_label("Código").fill("1")
    page.locator("#id_name").fill("Desarrollo social")
    page.get_by_role("button", name="Guardar").click()
    expect(page.locator("h1")).to_contain_text("Desarrollo social")

    page.goto(f"/pladeco/iniciativas/nuevo/?plan={plan.pk}")
    page.get_by_label("Se ubica en").select_option(label="1 Desarrollo social")
    page.get_by_label("Código").fill("1.1")
    page.locator("#id_name").fill("Centro comunitario Santa Clara")
    page.get_by_label("Dirección responsable").select_option(value=str(dideco.pk))
    page.get_by_role("button", name="Guardar").click()
    expect(page.get_by_test_id("initiative-progress")).to_contain_text("sin información")
    browser.assert_clean_console()
    page.context.clear_cookies()

    # The DIDECO liaison reports progress on its initiative.
    browser.login(personas.enlace_dideco)
    initiative = Initiative.objects.get(code="1.1")
    page.goto(f"/pladeco/iniciativas/{initiative.pk}/")
    page.get_by_role("link", name="Registrar avance").click()
    page.get_by_label("Estado").select_option(label="En ejecución")
    page.get_by_label("Fecha del avance").fill("2026-05-04")
    page.get_by_label("Comentario").fill("Licitación adjudicada")
    page.get_by_role("button", name="Registrar").click()
    expect(page.get_by_test_id("initiative-progress")).to_contain_text("50 %")
    page.get_by_role("link", name=re.compile("Línea de tiempo")).click()
    expect(page.get_by_test_id("timeline")).to_contain_text("04-05-2026")

    # The tree rolls the progress up.
    page.goto(f"/pladeco/{plan.pk}/")
    expect(page.get_by_test_id("plan-progress")).to_contain_text("50 %")
    browser.assert_clean_console()
    page.context.clear_cookies()

    # Estudios freezes the semester; the public page shows the plan without logging in.
    browser.login(personas.estudios)
    page.goto(f"/pladeco/evaluaciones/nuevo/?plan={plan.pk}")
    page.get_by_label("Nombre").fill("Primer semestre 2026")
    page.get_by_label("Fecha de corte").fill("2026-06-30")
    page.get_by_role("button", name="Guardar").click()
    expect(page.get_by_test_id("evaluation-items")).to_contain_text("Centro comunitario")
    expect(page.get_by_test_id("evaluation-progress")).to_contain_text("50 %")
    browser.assert_clean_console()
    page.context.clear_cookies()

    page.goto("/publico/pladeco/")
    expect(page.get_by_test_id("public-progress")).to_have_text("50 %")
    expect(page.locator("body")).not_to_contain_text("Licitación adjudicada")
    browser.assert_clean_console()
