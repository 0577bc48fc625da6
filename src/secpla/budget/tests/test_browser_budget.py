"""The budget in a real browser (`make test-browser`): Control y Presupuesto imports a
month of execution, reads it by ítem and drills down to the account's chart, then moves
money between two asignaciones with a modification and approves it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from secpla.budget import rules
from secpla.budget.models import (
    Account,
    AgreementRule,
    BudgetYear,
    ClassifierVersion,
    InitialAmount,
    Modification,
)
from secpla.budget.reference import load_classifier
from secpla.core.audit import audit_context
from secpla.core.tests.test_browser import browser, reference_data  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser

CSV = (
    "Imputación;Compromiso;Devengado;Pagado;Percibido\n"
    "215.22.04.001;1.200.000;800.000;500.000;\n"
    "115.03.01.001;;900.000;;850.000\n"
)


@pytest.fixture
def budget(reference_data):  # noqa: F811 (fixture from core's browser tests)
    """The live server's flush empties the classifier of the data migration: load it again."""
    if not ClassifierVersion.objects.filter(year=2026).exists():
        load_classifier(ClassifierVersion, Account)
    with audit_context(source="test"):
        AgreementRule.objects.get_or_create(
            valid_from=dt.date(2007, 1, 1), defaults={"source": "CGR Dictamen 9.910/2007"}
        )
        year = BudgetYear.objects.create(
            year=2026,
            classifier=ClassifierVersion.objects.get(year=2026),
            status=BudgetYear.Status.APPROVED,
            approved_on=dt.date(2025, 12, 10),
            approval_decree="D.A. 1.234",
        )
        for code, amount in [
            ("115.03.01.001", 4_000_000),
            ("215.22.04.001", 2_000_000),
            ("215.22.04.002", 2_000_000),
        ]:
            InitialAmount.objects.create(
                budget_year=year, account=year.classifier.accounts.get(code=code), amount=amount
            )
    return year


def test_import_analyse_and_modify(
    browser,  # noqa: F811 (a fixture from core's browser tests)
    live_server,
    personas,
    municipality,
    budget,
):
    page = browser.page
    browser.login(personas.presupuesto)

    # Import June's execution from the accounting system's CSV.
    page.goto(reverse("budget:execution_import"))
    form = page.get_by_test_id("import-form")
    form.get_by_label("Presupuesto").select_option(label="Presupuesto 2026")
    form.get_by_label("Mes").select_option(value="6")
    form.get_by_label("Archivo (CSV o XLSX)").set_input_files(
        files=[{"name": "ejecucion-junio.csv", "mimeType": "text/csv", "buffer": CSV.encode()}]
    )
    form.get_by_role("button", name="Subir e importar").click()
    expect(page.get_by_test_id("import-summary")).to_be_visible()
    expect(page.get_by_test_id("import-state")).to_contain_text("Terminada")

    # The execution by ítem, then the account with its month-by-month chart.
    page.get_by_test_id("analysis-link").click()
    expect(page.get_by_test_id("execution-source")).to_contain_text("junio de 2026")
    gastos = page.get_by_test_id("section-gasto")
    expect(gastos).to_contain_text("$ 1.200.000")
    gastos.get_by_role("link", name="215.22.04").first.click()
    expect(page.locator("h1")).to_contain_text("215.22.04")
    expect(page.locator("canvas[data-budget-chart]")).to_be_visible()
    expect(page.get_by_test_id("monthly")).to_contain_text("$ 800.000")
    browser.assert_clean_console()

    # Move $ 300.000 between two asignaciones of the same ítem: no Concejo agreement.
    page.goto(reverse("budget:modification_create"))
    page.locator("#id_budget_year").select_option(label="Presupuesto 2026")
    page.locator("#id_date").fill("2026-07-01")
    page.locator("#id_description").fill("Refuerzo de materiales de oficina")
    page.get_by_role("button", name="Guardar").click()
    expect(page.get_by_test_id("modification-status")).to_contain_text("En preparación")
    modification = Modification.objects.get(budget_year=budget)
    for code, amount in [("215.22.04.001", "300000"), ("215.22.04.002", "-300000")]:
        page.get_by_role("link", name="Agregar línea").click()
        account = budget.classifier.accounts.get(code=code)
        page.locator("#id_account").select_option(value=str(account.pk))
        page.locator("#id_amount").fill(amount)
        page.get_by_role("button", name="Guardar").click()
        expect(page.get_by_test_id("modification-lines")).to_contain_text(code)
    expect(page.get_by_test_id("balance")).to_contain_text("La modificación cuadra")

    approve = page.get_by_test_id("approve-form")
    approve.locator("#id_on").fill("2026-07-02")
    approve.get_by_role("button", name="Aprobar").click()
    expect(page.get_by_test_id("modification-status")).to_contain_text("Aprobada")
    modification.refresh_from_db()
    assert modification.status == Modification.Status.APPROVED
    assert rules.vigente(budget, "215.22.04.001", dt.date(2026, 7, 2)) == 2_300_000
    assert rules.vigente(budget, "215.22.04.001", dt.date(2026, 7, 1)) == 2_000_000
    browser.assert_clean_console()
