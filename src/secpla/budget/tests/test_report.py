"""The quarterly report to the Concejo: which import it uses, its tables and totals, the
alerts and the quarter's approved modifications, as HTML preview, XLSX and PDF; a quarter
without any import says so; the PDF reads no URL outside the static files."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from secpla.budget import report
from secpla.budget.tests.test_analysis import (
    CODE,
    JUNE,
    approved,
    imported,
    make_budget,
    tagged,
    text_of,
)
from secpla.core.models import Municipality


@pytest.fixture
def budget(personas):
    return make_budget()


@pytest.fixture
def june(budget, personas):
    imported(budget, 6, *JUNE, actor=personas.presupuesto)
    for number, date, amount in [
        (1, dt.date(2026, 2, 10), 50_000),
        (2, dt.date(2026, 5, 20), 100_000),
        (3, dt.date(2026, 7, 1), 10_000),
    ]:
        lines = [("215.22.04.001", amount), ("215.22.04.002", -amount)]
        approved(budget, number, date, lines, personas.director)
    return budget


def report_url(budget, query=""):
    return reverse("budget:quarterly_report", args=[budget.pk]) + query


def test_the_preview_has_the_header_the_execution_used_and_the_quarters_modifications(
    june, personas, client_as
):
    response = client_as(personas.concejala).get(report_url(june, "?trimestre=2"))
    page = response.content.decode()
    header = text_of(page[page.index('class="report-header') : page.index("</header>")])
    assert Municipality.current().name in header
    assert (
        "Presupuesto 2026 · Segundo trimestre: abril a junio de 2026 (01-04-2026 al 30-06-2026)"
        in header
    )
    assert f"Emitido el {dt.date.today():%d-%m-%Y}" in header
    source = tagged(page, "report-source")
    assert source.startswith(
        "Ejecución acumulada a junio de 2026 según el sistema contable (importada el"
    )
    assert "Presupuesto vigente al 30-06-2026." in source
    total = tagged(page, "total-gasto")
    assert total == (
        "Total gastos $ 5.000.000 $ 0 $ 5.000.000 $ 1.400.000 $ 800.000 $ 350.000 28,0 % 16,0 %"
    )
    modifications = tagged(page, "report-modifications")
    assert "2 20-05-2026 20-05-2026 Traspaso N° 2 N° A-2 del 20-05-2026 D.A. 2" in modifications
    assert "Traspaso N° 1" not in modifications and "Traspaso N° 3" not in modifications
    assert tagged(page, "report-alerts") == "Sin alertas de ejecución."
    assert 'href="?trimestre=2&amp;formato=pdf"' in page


def test_the_default_quarter_is_the_one_of_the_latest_import(june, personas, client_as):
    page = client_as(personas.director).get(report_url(june)).content.decode()
    assert "Segundo trimestre" in page


def test_a_quarter_without_any_import_says_so_instead_of_showing_zeros(budget, personas, client_as):
    client = client_as(personas.presupuesto)
    page = client.get(report_url(budget, "?trimestre=1")).content.decode()
    assert tagged(page, "report-source") == (
        "No hay ejecución importada del presupuesto 2026 hasta marzo de 2026: este informe no "
        "puede informar la ejecución del trimestre y muestra solo el presupuesto vigente al "
        "31-03-2026."
    )
    assert ">Obligado</th>" not in page and ">Devengado</th>" not in page
    assert tagged(page, "report-alerts") == "Sin ejecución importada: no se pueden evaluar alertas."
    workbook = load_workbook(io.BytesIO(client.get(
        report_url(budget, "?trimestre=1&formato=xlsx")).content))  # fmt: skip
    rows = list(workbook["Gastos"].iter_rows(values_only=True))
    header = next(r for r in rows if r[0] == "Código")
    assert header == ("Código", "Denominación", "Inicial", "Modificaciones", "Vigente",
                      "Observación")  # fmt: skip
    assert any("No hay ejecución importada" in (r[0] or "") for r in rows[:5])


def test_a_quarter_whose_last_month_is_not_imported_says_which_month_it_uses(
    june, personas, client_as
):
    page = client_as(personas.director).get(report_url(june, "?trimestre=3")).content.decode()
    source = tagged(page, "report-source")
    assert source.startswith("Ejecución acumulada a junio de 2026")
    assert source.endswith(
        "Aún no se importa la ejecución de septiembre de 2026: las cifras de ejecución no "
        "llegan al cierre del trimestre."
    )
    assert "Traspaso N° 3" in tagged(page, "report-modifications")


def test_a_bad_quarter_is_refused_in_spanish(june, personas, client_as):
    response = client_as(personas.director).get(report_url(june, "?trimestre=5&formato=pdf"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    page = text_of(response.content.decode())
    assert "Escoja una opción válida. 5 no es una de las opciones disponibles." in page
    assert "el informe no se generó" in page


def test_the_xlsx_totals_add_up_the_subtitles(june, personas, client_as):
    imported(june, 6, *JUNE, "215.21.01.001;700000;650000;600000;", actor=personas.presupuesto)
    response = client_as(personas.director).get(report_url(june, "?trimestre=2&formato=xlsx"))
    assert response["Content-Disposition"] == (
        'attachment; filename="informe-trimestral-2026-T2.xlsx"'
    )
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Gastos", "Ingresos", "Alertas", "Modificaciones"]
    for title in ("Gastos", "Ingresos"):
        rows = list(workbook[title].iter_rows(values_only=True))
        header = next(r for r in rows if r[0] == "Código")
        subtitles = [r for r in rows[4:] if r[0] and CODE.match(r[0]) and r[0].count(".") == 1]
        total = next(r for r in rows if r[1] and r[1].startswith("Total "))
        for index, label in enumerate(header):
            if label in ("Inicial", "Modificaciones", "Vigente", "Obligado", "Devengado",
                         "Pagado", "Percibido"):  # fmt: skip
                assert total[index] == sum(r[index] or 0 for r in subtitles), (title, label)
    gastos = list(workbook["Gastos"].iter_rows(values_only=True))
    total = next(r for r in gastos if r[1] == "Total gastos")
    assert total[5] == 1_400_000 + 700_000  # obligado, with subtítulo 21 added
    assert total[8] == pytest.approx(42.0)  # % obligado over a vigente of $ 5.000.000
    modifications = list(workbook["Modificaciones"].iter_rows(values_only=True))
    assert modifications[2] == ("N°", "Fecha", "Rige desde", "Fundamento",
                                "Acuerdo del Concejo", "Decreto")  # fmt: skip
    assert modifications[3] == (2, "20-05-2026", "20-05-2026", "Traspaso N° 2",
                                "N° A-2 del 20-05-2026", "D.A. 2")  # fmt: skip
    assert len(modifications) == 4


def test_the_alerts_of_the_quarter_are_in_the_report(budget, personas, client_as):
    imported(budget, 9, "215.22.04.001;1200000;;;", "215.31.02.004;900000;400000;;",
             actor=personas.presupuesto)  # fmt: skip
    client = client_as(personas.director)
    page = client.get(report_url(budget, "?trimestre=3")).content.decode()
    alerts = tagged(page, "report-alerts")
    assert "Grave: 215.22.04.001 Materiales de Oficina: obligado $ 1.200.000 supera" in alerts
    assert "Advertencia: 215.31 Iniciativas de Inversión: devengado 20,0 % del vigente" in alerts
    workbook = load_workbook(io.BytesIO(client.get(
        report_url(budget, "?trimestre=3&formato=xlsx")).content))  # fmt: skip
    rows = list(workbook["Alertas"].iter_rows(values_only=True))
    assert [r[:2] for r in rows[1:]] == [("Grave", "215.22.04.001"), ("Advertencia", "215.31")]


def test_the_pdf_is_a_pdf_named_by_year_and_quarter(june, personas, client_as):
    response = client_as(personas.concejala).get(report_url(june, "?trimestre=2&formato=pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="informe-trimestral-2026-T2.pdf"'
    )
    assert response.content.startswith(b"%PDF-")
    assert len(response.content) > 10_000
    assert response.content.rstrip().endswith(b"%%EOF")


def test_the_pdf_reads_only_local_static_files():
    static = settings.STATICFILES_DIRS[0]
    vendored = (static / "vendor/chartjs/LICENSE.md").resolve().as_uri()
    assert report.is_local_static(vendored)
    assert report.is_local_static("data:text/css,body{}")
    assert not report.is_local_static("https://cdn.example.com/style.css")
    assert not report.is_local_static("http://localhost:8000/static/secpla/secpla.css")
    assert not report.is_local_static("file:///etc/passwd")
    assert not report.is_local_static((static / "../settings.py").as_uri())
    assert not report.is_local_static("file://otra-maquina/share/x.css")
    fetcher = report.local_url_fetcher()
    with pytest.raises(ValueError, match="Recurso no permitido"):
        fetcher("https://cdn.example.com/style.css")
    resource = fetcher(vendored)
    try:
        assert b"MIT License" in resource.read()
    finally:
        resource.close()


def test_only_readers_of_the_budget_get_the_report_in_any_format(june, personas, client_as):
    for query in ("", "?trimestre=2&formato=pdf", "?trimestre=2&formato=xlsx"):
        assert client_as(personas.admin).get(report_url(june, query)).status_code == 404
        assert client_as(personas.sin_rol).get(report_url(june, query)).status_code == 404
    assert client_as(personas.enlace_dom).get(report_url(june, "?formato=xlsx")).status_code == 200
