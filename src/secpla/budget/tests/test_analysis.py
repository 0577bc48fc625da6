"""The execution analysis screens: the table by subtítulo and ítem with its percentages,
the month and detail controls, the narrowing by área, the drill-down to an account (month
by month, chart data, linked projects), the XLSX exports, the alerts and the home-page
attention item."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from secpla.budget import attention, execution, services
from secpla.budget.models import (
    AccountProject,
    AlertRule,
    BudgetYear,
    ClassifierVersion,
    InitialAmount,
    ManagementArea,
    Modification,
    ModificationLine,
)
from secpla.core.audit import audit_context

CODE = re.compile(r"^\d{3}(\.\d+)+$")
HEADER = "cuenta;obligado;devengado;pagado;percibido"
INITIAL = [
    ("115.03.01.001", 5_000_000),
    ("215.22.04.001", 1_000_000),
    ("215.22.04.002", 2_000_000),
    ("215.31.02.004", 2_000_000),
]
JUNE = [
    "215.22.04.001;400000;300000;200000;",
    "215.22.04.002;100000;100000;50000;",
    "215.31.02.004;900000;400000;100000;",
    "115.03.01.001;;2500000;;2000000",
]


def make_budget() -> BudgetYear:
    version = ClassifierVersion.objects.get(year=2026)
    with audit_context(source="test"):
        year = BudgetYear.objects.create(year=2026, classifier=version)
        for code, amount in INITIAL:
            InitialAmount.objects.create(
                budget_year=year, account=version.accounts.get(code=code), amount=amount
            )
    return year


def imported(budget, month, *rows, actor):
    data = ("\n".join([HEADER, *rows]) + "\n").encode()
    report = execution.import_month(
        actor=actor, budget_year=budget, month=month, source=io.BytesIO(data),
        file_name=f"ejecucion-{month:02d}.csv",
    )  # fmt: skip
    assert report.ok, report.text()


def approved(budget, number, date, lines, actor) -> Modification:
    version = budget.classifier
    with audit_context(source="test"):
        modification = Modification.objects.create(
            budget_year=budget, number=number, date=date, description=f"Traspaso N° {number}",
            agreement_number=f"A-{number}", agreement_date=date, decree=f"D.A. {number}",
        )  # fmt: skip
        for code, amount in lines:
            ModificationLine.objects.create(
                modification=modification, account=version.accounts.get(code=code), amount=amount
            )
    return services.modification_approve(actor=actor, modification=modification, on=date)


def text_of(fragment: str) -> str:
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def row(page: str, code: str) -> str:
    """The text of the table row of one account code."""
    match = re.search(rf'<tr[^>]*data-code="{re.escape(code)}"[^>]*>(.*?)</tr>', page, re.S)
    assert match, f"no row for {code}"
    return text_of(match.group(1))


def tagged(page: str, testid: str) -> str:
    match = re.search(
        rf'<(\w+)[^>]*data-testid="{testid}"[^>]*>(.*?)</\1>', page, re.S
    )  # fmt: skip
    assert match, f"nothing marked {testid}"
    return text_of(match.group(2))


@pytest.fixture
def budget(personas):
    return make_budget()


@pytest.fixture
def june(budget, personas):
    imported(budget, 6, *JUNE, actor=personas.presupuesto)
    return budget


def analysis_url(budget, query=""):
    return reverse("budget:analysis", args=[budget.pk]) + query


def account_url(budget, code, query=""):
    return reverse("budget:analysis_account", args=[budget.pk, code]) + query


def test_the_page_shows_vigente_and_execution_by_subtitle_and_item_with_percentages(
    june, personas, client_as
):
    page = client_as(personas.concejala).get(analysis_url(june)).content.decode()
    today = dt.date.today().strftime("%d-%m-%Y")
    assert (
        f"Ejecución acumulada a junio de 2026 (importada el {today} por "
        f"{personas.presupuesto.get_full_name()}, archivo «ejecucion-06.csv»)"
    ) in text_of(page)
    # Gastos, ítem 215.22.04: vigente, obligado, devengado, pagado, % obligado, % devengado.
    assert row(page, "215.22.04") == (
        "215.22.04 Materiales de Uso o Consumo $ 3.000.000 $ 0 $ 3.000.000 $ 500.000 "
        "$ 400.000 $ 250.000 16,7 % 13,3 %"
    )
    assert row(page, "215.31").endswith("$ 2.000.000 $ 900.000 $ 400.000 $ 100.000 45,0 % 20,0 %")
    # Ingresos: devengado, percibido, % devengado, % percibido.
    assert row(page, "115.03").endswith("$ 5.000.000 $ 2.500.000 $ 2.000.000 50,0 % 40,0 %")
    assert tagged(page, "total-gasto") == (
        "Total gastos $ 5.000.000 $ 0 $ 5.000.000 $ 1.400.000 $ 800.000 $ 350.000 28,0 % 16,0 %"
    )
    # Asignaciones only at the finer level of detail.
    assert 'data-code="215.22.04.001"' not in page
    finer = client_as(personas.concejala).get(analysis_url(june, "?nivel=asignacion"))
    assert row(finer.content.decode(), "215.22.04.001").endswith(
        "$ 1.000.000 $ 400.000 $ 300.000 $ 200.000 40,0 % 30,0 %"
    )
    # Each code leads to its account page.
    assert f'href="{account_url(june, "215.22.04")}"' in page


def test_without_any_import_the_page_says_so_and_still_shows_the_vigente(
    budget, personas, client_as
):
    page = client_as(personas.director).get(analysis_url(budget)).content.decode()
    assert (
        "No hay ejecución importada del presupuesto 2026: se muestra solo el presupuesto "
        "vigente al 31-12-2026."
    ) in text_of(page)
    assert (
        row(page, "215.22.04")
        == "215.22.04 Materiales de Uso o Consumo $ 3.000.000 $ 0 $ 3.000.000"
    )
    assert ">Obligado</th>" not in page and 'data-testid="alerts"' not in page


def test_the_month_selector_takes_the_latest_import_on_or_before_the_month(
    june, personas, client_as
):
    imported(june, 3, "215.22.04.001;10000;5000;1000;", actor=personas.presupuesto)
    moved = [("215.22.04.001", 300_000), ("215.22.04.002", -300_000)]
    approved(june, 1, dt.date(2026, 5, 10), moved, personas.director)
    client = client_as(personas.estudios)
    april = client.get(analysis_url(june, "?mes=4&nivel=asignacion")).content.decode()
    assert ("Ejecución acumulada a marzo de 2026 (importada el") in text_of(
        april
    ) and "es el último mes importado hasta abril de 2026" in text_of(april)
    assert row(april, "215.22.04.001").endswith("$ 1.000.000 $ 10.000 $ 5.000 $ 1.000 1,0 % 0,5 %")
    may = client.get(analysis_url(june, "?mes=5&nivel=asignacion")).content.decode()
    assert "Presupuesto vigente al 31-05-2026" in text_of(may)
    assert "$ 1.000.000 $ 300.000 $ 1.300.000 $ 10.000" in row(may, "215.22.04.001")
    latest = client.get(analysis_url(june)).content.decode()
    assert "Ejecución acumulada a junio de 2026" in text_of(latest)
    assert '<option value="" selected>Último importado</option>' in latest
    assert '<option value="item" selected>' in latest  # the default detail, shown as chosen
    assert "Junio (importado)" in latest and "Marzo (importado)" in latest


def test_the_vigente_is_shown_on_any_date_of_the_year(june, personas, client_as):
    """The issue: «the vigente of any account can be seen as of any date»."""
    moved = [("215.22.04.001", 300_000), ("215.22.04.002", -300_000)]
    approved(june, 1, dt.date(2026, 5, 10), moved, personas.director)
    client = client_as(personas.concejala)
    before = client.get(account_url(june, "215.22.04.001", "?fecha=2026-05-09")).content.decode()
    assert "Presupuesto vigente al 09-05-2026." in text_of(before)
    assert "$ 1.000.000 $ 0 $ 1.000.000 $ 400.000" in tagged(before, "own-row")
    on_the_day = client.get(account_url(june, "215.22.04.001", "?fecha=2026-05-10"))
    assert "$ 1.000.000 $ 300.000 $ 1.300.000 $ 400.000" in tagged(
        on_the_day.content.decode(), "own-row"
    )
    listing = client.get(analysis_url(june, "?fecha=2026-05-09")).content.decode()
    assert f'href="{account_url(june, "215.22.04", "?fecha=2026-05-09")}"' in listing
    wrong = client.get(analysis_url(june, "?fecha=2025-05-09"))
    assert wrong.status_code == 200
    assert "Indique una fecha de 2026." in text_of(wrong.content.decode())
    assert "Presupuesto vigente al 30-06-2026." in text_of(wrong.content.decode())


def test_a_month_that_is_not_a_month_is_refused_in_spanish(june, personas, client_as):
    response = client_as(personas.director).get(analysis_url(june, "?mes=13&nivel=x"))
    assert response.status_code == 200
    page = text_of(response.content.decode())
    assert "Escoja una opción válida. 13 no es una de las opciones disponibles." in page
    assert "Ejecución acumulada a junio de 2026" in page  # the defaults still apply


def test_narrowing_by_area_shows_only_the_budget_and_says_why(june, personas, client_as):
    area = ManagementArea.objects.get(code="04")
    version = june.classifier
    with audit_context(source="test"):
        InitialAmount.objects.create(
            budget_year=june, account=version.accounts.get(code="215.22.04.001"), area=area,
            amount=250_000,
        )  # fmt: skip
    page = client_as(personas.alcaldesa).get(analysis_url(june, f"?area={area.pk}"))
    page = page.content.decode()
    narrowed = tagged(page, "narrowed")
    assert f"Presupuesto vigente del área de gestión {area} al 30-06-2026." in narrowed
    assert "La ejecución no está disponible por área de gestión ni por programa" in narrowed
    assert row(page, "215.22.04") == "215.22.04 Materiales de Uso o Consumo $ 250.000 $ 0 $ 250.000"
    assert "% obligado" not in page


def test_alerts_are_shown_at_the_top_with_links(budget, personas, client_as):
    imported(budget, 10, "215.22.04.001;1200000;;;", "215.31.02.004;900000;400000;;",
             actor=personas.presupuesto)  # fmt: skip
    url = analysis_url(budget, "?nivel=asignacion")
    page = client_as(personas.director).get(url).content.decode()
    alerts = tagged(page, "alerts")
    assert (
        "215.22.04.001 Materiales de Oficina: obligado $ 1.200.000 supera el vigente $ 1.000.000."
    ) in alerts
    assert "215.31 Iniciativas de Inversión: devengado 20,0 % del vigente" in alerts
    assert page.index('data-testid="alerts"') < page.index('data-testid="section-gasto"')
    assert 'class="alert alert-danger' in page and 'class="alert alert-warning' in page
    assert f'href="{account_url(budget, "215.22.04.001", "?mes=10")}"' in page
    over = re.search(r'<tr class="([^"]*)" data-code="215.22.04.001">', page)
    assert over and "table-danger" in over.group(1)
    rule = AlertRule.in_force(dt.date(2026, 10, 31))
    assert f'href="{rule.get_absolute_url()}"' in page


def test_the_account_page_drills_down_with_month_by_month_and_chart_data(june, personas, client_as):
    imported(june, 3, "215.22.04.001;10000;5000;1000;", actor=personas.presupuesto)
    response = client_as(personas.enlace_dideco).get(account_url(june, "215.22.04"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Materiales de Uso o Consumo" in tagged(page, "own-row")
    assert "$ 3.000.000 $ 500.000 $ 400.000 $ 250.000 16,7 % 13,3 %" in tagged(page, "own-row")
    assert row(page, "215.22.04.002").endswith(
        "$ 2.000.000 $ 100.000 $ 100.000 $ 50.000 5,0 % 5,0 %"
    )
    assert f'href="{account_url(june, "215.22.04.001")}"' in page  # one level deeper
    assert f'href="{account_url(june, "215.22")}"' in page  # and back up
    monthly = tagged(page, "monthly")
    assert "Marzo $ 3.000.000 $ 10.000 $ 5.000 $ 1.000 0,2 %" in monthly
    assert "Junio $ 3.000.000 $ 500.000 $ 400.000 $ 250.000 13,3 %" in monthly
    assert "Abril $ 3.000.000 sin importar" in monthly
    # The chart reads its data from a json_script block; no inline code.
    data = re.search(r'<script id="account-chart-data" type="application/json">(.*?)</script>',
                     page, re.S)  # fmt: skip
    assert data and '"label": "Obligado"' in data.group(1)
    assert "vendor/chartjs/chart.umd.min.js" in page and "secpla/budget-chart.js" in page
    for tag in re.findall(r"<script[^>]*>", page):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert "Proyectos que financia" not in page  # only subtítulos 31 and 33 fund projects


def test_a_code_outside_the_classifier_is_404(budget, personas, client_as):
    client = client_as(personas.director)
    assert client.get(account_url(budget, "215.99.99")).status_code == 404
    assert client.get(account_url(budget, "no-es-cuenta")).status_code == 404
    assert client.get(account_url(budget, "215")).status_code == 404


def test_a_reported_parent_that_disagrees_with_its_children_is_flagged(budget, personas, client_as):
    imported(budget, 5, "215.22.04;999000;;1000;", "215.22.04.001;400000;;1000;",
             actor=personas.presupuesto)  # fmt: skip
    page = client_as(personas.director).get(account_url(budget, "215.22")).content.decode()
    assert "El obligado informado difiere de la suma de sus subcuentas." in row(page, "215.22.04")
    assert "$ 999.000" in row(page, "215.22.04")
    assert 'data-testid="mismatch"' not in tagged(page, "own-row")


def test_the_account_page_lists_the_projects_its_lines_fund(june, personas, client_as):
    from secpla.core.models import Directorate
    from secpla.projects.models import Project

    with audit_context(source="test"):
        project = Project.objects.create(
            code="PRY-9", name="Sede vecinal", directorate=Directorate.objects.get(code="SECPLA")
        )
        AccountProject.objects.create(
            account=june.classifier.accounts.get(code="215.31.02.004"), project=project
        )
    page = client_as(personas.concejala).get(account_url(june, "215.31")).content.decode()
    projects = tagged(page, "projects")
    assert "215.31.02.004 PRY-9 · Sede vecinal A mano" in projects
    assert f'href="{project.get_absolute_url()}"' in page
    other = client_as(personas.concejala).get(account_url(june, "215.31.01")).content.decode()
    assert "Ni esta cuenta ni las que están bajo ella están vinculadas" in other


def sheet_rows(content: bytes, title: str) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(content))
    return [tuple(r) for r in workbook[title].iter_rows(values_only=True)]


def test_the_xlsx_export_has_the_rows_of_the_screen_as_numbers(june, personas, client_as):
    response = client_as(personas.director).get(analysis_url(june, "?export=xlsx"))
    assert response["Content-Disposition"] == 'attachment; filename="ejecucion-2026-06.xlsx"'
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Gastos", "Ingresos"]
    rows = sheet_rows(response.content, "Gastos")
    assert rows[0][0] == "Ejecución presupuestaria 2026"
    assert rows[3][:10] == (
        "Código", "Denominación", "Inicial", "Modificaciones", "Vigente", "Obligado",
        "Devengado", "Pagado", "% obligado", "% devengado",
    )  # fmt: skip
    by_code = {r[0]: r for r in rows[4:] if r and CODE.match(r[0] or "")}
    assert by_code["215.22.04"][2:10] == (3_000_000, 0, 3_000_000, 500_000, 400_000, 250_000,
                                          16.7, 13.3)  # fmt: skip
    assert set(by_code) == {"215.22", "215.22.04", "215.31", "215.31.02"}
    page = client_as(personas.director).get(analysis_url(june)).content.decode()
    assert set(re.findall(r'data-code="([\d.]+)"', page)) == set(by_code) | {"115.03", "115.03.01"}
    total = next(r for r in rows if r[1] == "Total gastos")
    assert total[4:8] == (5_000_000, 1_400_000, 800_000, 350_000)
    cell = workbook["Gastos"]["E6"]
    assert cell.value == 3_000_000 and cell.number_format == "#,##0"
    income = sheet_rows(response.content, "Ingresos")
    assert income[3][5:9] == ("Devengado", "Percibido", "% devengado", "% percibido")


def test_the_account_xlsx_has_the_account_its_children_and_month_by_month(
    june, personas, client_as
):
    response = client_as(personas.director).get(account_url(june, "215.22.04", "?export=xlsx"))
    assert response["Content-Disposition"] == (
        'attachment; filename="ejecucion-2026-215.22.04.xlsx"'
    )
    rows = sheet_rows(response.content, "Cuenta")
    codes = [r[0] for r in rows[4:] if r and CODE.match(r[0] or "")]
    assert codes == ["215.22.04", "215.22.04.001", "215.22.04.002"]
    assert rows[-1][0] == "Se omiten 15 cuentas sin presupuesto ni ejecución."
    months = sheet_rows(response.content, "Mes a mes")
    june_row = next(r for r in months if r[0] == "Junio")
    assert june_row[:6] == ("Junio", 3_000_000, 500_000, 400_000, 250_000, 13.3)
    may_row = next(r for r in months if r[0] == "Mayo")
    assert may_row[1] == 3_000_000 and may_row[2] is None and may_row[-1] == "Mes sin importar"


def test_the_home_page_item_counts_the_alerts_of_the_current_year(budget, personas):
    today = dt.date(2026, 11, 5)
    assert attention.execution_alert_items(personas.director, today) == []  # nothing imported
    imported(budget, 10, "215.22.04.001;1200000;;;", "215.31.02.004;900000;400000;;",
             actor=personas.presupuesto)  # fmt: skip
    [item] = attention.execution_alert_items(personas.concejala, today)
    assert item.level == "danger"
    assert item.text == (
        "Presupuesto 2026: 2 alertas de ejecución a octubre de 2026 (1 cuenta con obligado "
        "sobre el vigente y baja ejecución de la inversión)."
    )
    assert item.url == reverse("budget:analysis", args=[budget.pk])
    assert attention.execution_alert_items(personas.admin, today) == []  # cannot read budgets
    assert attention.execution_alert_items(personas.director, dt.date(2027, 1, 5)) == []


def test_the_home_page_item_is_absent_when_execution_raises_no_alert(june, personas):
    assert attention.execution_alert_items(personas.director, dt.date(2026, 7, 1)) == []
