"""Importing the execution in the browser: the upload starts a job whose page shows its
progress and then the Spanish report; errors by row and column with nothing written; a dry
run writes nothing and offers «Importar ahora»; an interrupted job is marked failed; the
lists of jobs and imported months. Jobs run inline in tests (settings.INLINE_JOBS)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from secpla.budget import execution, jobs
from secpla.budget.models import (
    BudgetYear,
    ClassifierVersion,
    ExecutionImportJob,
    ExecutionMonth,
    ExecutionRow,
)
from secpla.core.audit import audit_context
from secpla.core.models import ChangeLogEntry

HEADER = "cuenta;obligado;devengado;pagado;percibido"
GOOD = [
    "215.22.04.001;1.000;900;800;",
    "215.21.01.001;5000;5000;4000;",
    "115.03.01.001;;700;;650",
]
Status = ExecutionImportJob.Status


@pytest.fixture(autouse=True)
def inline_jobs(settings, media):
    settings.INLINE_JOBS = True
    cache.clear()


@pytest.fixture
def year(db):
    with audit_context(source="test"):
        return BudgetYear.objects.create(
            year=2026, classifier=ClassifierVersion.objects.get(year=2026)
        )


def csv_file(*lines: str, name: str = "ejecucion-marzo.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ("\n".join([HEADER, *lines]) + "\n").encode("utf-8"))


def upload(client, year, file, *, month=3, dry_run=False):
    data = {"budget_year": year.pk, "month": month, "file": file}
    if dry_run:
        data["dry_run"] = "on"
    return client.post(reverse("budget:execution_import"), data)


def written() -> tuple:
    return (
        ExecutionMonth.objects.count(),
        ExecutionRow.objects.count(),
        ChangeLogEntry.objects.filter(content_type__model="executionmonth").count(),
    )


def test_an_upload_is_imported_and_its_page_shows_the_report(personas, year, client_as):
    client = client_as(personas.presupuesto)
    response = upload(client, year, csv_file(*GOOD))
    job = ExecutionImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.status == Status.DONE and job.finished_at and job.created_by == personas.presupuesto
    assert job.report["written"] and job.report["rows"] == 3

    page = client.get(job.get_absolute_url()).content.decode()
    assert "Terminada" in page
    assert (
        "Se importó la ejecución de marzo de 2026: 3 cuentas (2 de gastos y 1 de ingresos)" in page
    )
    assert "El mes no estaba importado." in page
    assert "hx-trigger" not in page  # finished: the page stops polling
    assert reverse("budget:analysis", args=[year.pk]) + "?mes=3" in page
    assert written() == (1, 3, 1)
    month = ExecutionMonth.objects.get()
    assert (month.month, month.file_name, month.imported_by) == (
        3,
        "ejecucion-marzo.csv",
        personas.presupuesto,
    )


def test_a_running_job_shows_its_progress_bar_and_keeps_polling(personas, year, client_as):
    """While it runs, the page polls every second and shows the phase and a <progress>
    bar; the import reports its progress while checking and then while writing."""
    client = client_as(personas.presupuesto)
    job = ExecutionImportJob(
        budget_year=year, month=3, original_name="ejecucion.csv", created_by=personas.presupuesto
    )
    job.file.save("ejecucion.csv", ContentFile("\n".join([HEADER, *GOOD]).encode()), save=False)
    job.save()
    jobs.set_progress(job.pk, "checking", 1, 6)
    url = job.get_absolute_url()

    partial = client.get(url + "?parcial=1").content.decode()
    assert '<div id="import-status"' in partial
    assert "<html" not in partial  # only the fragment htmx swaps in
    assert 'hx-trigger="every 1s"' in partial and f"{url}?parcial=1" in partial
    assert "Revisando el archivo… 1 de 6 (16 %)" in partial
    assert '<progress id="import-progress" class="w-100" max="6" value="1">' in partial
    assert "En cola" in client.get(url).content.decode()

    seen = []
    original = jobs.set_progress

    def record(job_pk, phase, done, total):
        seen.append((phase, done, total))
        original(job_pk, phase, done, total)

    jobs.set_progress = record
    try:
        jobs.run(job.pk)
    finally:
        jobs.set_progress = original
    phases = [phase for phase, _, _ in seen]
    assert phases.index("checking") < phases.index("writing")
    assert seen[-1][1] == seen[-1][2]  # ends at 100 %
    page = client.get(url).content.decode()
    assert "hx-trigger" not in page and "<progress" not in page
    assert "Se importó la ejecución de marzo de 2026" in page


def test_errors_are_listed_by_row_and_column_and_nothing_is_written(personas, year, client_as):
    client = client_as(personas.director)
    before = written()
    upload(
        client,
        year,
        csv_file(
            "215.22.04.001;1000;900;800;",
            "215.99.99.999;1;1;1;",
            "",
            "215.21.01.001;-5;0;0;",
            "215-22;x;1;1;",
        ),
    )
    job = ExecutionImportJob.objects.get()
    assert job.status == Status.INVALID
    page = client.get(job.get_absolute_url()).content.decode()
    assert "No se importó nada: el archivo tiene 3 errores" in page
    unknown = "La cuenta 215.99.99.999 no existe en el clasificador 2026."
    assert f'<td class="num">3</td><td>cuenta</td><td>{unknown}</td>' in page
    assert '<td class="num">5</td><td>obligado</td><td>El monto no puede ser negativo.</td>' in page
    assert '<td class="num">6</td><td>obligado</td>' in page
    assert "Importar ahora" not in page
    assert written() == before


def test_a_closed_year_takes_no_execution(personas, year, client_as):
    """A closed year is a record: its months are not replaced any more."""
    BudgetYear.objects.filter(pk=year.pk).update(status=BudgetYear.Status.CLOSED)
    client = client_as(personas.presupuesto)
    before = written()
    upload(client, year, csv_file(*GOOD))
    job = ExecutionImportJob.objects.get()
    assert job.status == Status.INVALID
    page = client.get(job.get_absolute_url()).content.decode()
    assert "El presupuesto 2026 está cerrado: su ejecución ya no se importa." in page
    assert written() == before


def test_more_errors_than_a_page_are_paginated(personas, year, client_as):
    client = client_as(personas.presupuesto)
    upload(client, year, csv_file(*(f"215.99.99.{n:03d};1;1;1;" for n in range(1, 151))))
    job = ExecutionImportJob.objects.get()
    first = client.get(job.get_absolute_url()).content.decode()
    assert "el archivo tiene 150 errores" in first
    assert "Errores 1 a 100 de 150" in first and "215.99.99.100" in first
    assert "215.99.99.101" not in first
    second = client.get(job.get_absolute_url() + "?pagina=2").content.decode()
    assert "Errores 101 a 150 de 150" in second and "215.99.99.150" in second


def test_a_dry_run_writes_nothing_then_importar_ahora_imports_the_same_file(
    personas, year, client_as
):
    client = client_as(personas.presupuesto)
    upload(client, year, csv_file(*GOOD), dry_run=True)
    checked = ExecutionImportJob.objects.get()
    assert checked.dry_run and checked.status == Status.DONE
    page = client.get(checked.get_absolute_url()).content.decode()
    assert (
        "El archivo es válido: 3 cuentas (2 de gastos y 1 de ingresos). No se guardó nada." in page
    )
    assert 'data-testid="import-now"' in page
    assert 'data-testid="analysis-link"' not in page  # nothing imported yet
    assert written() == (0, 0, 0)

    # A reader of the budget sees the report but is not offered the import.
    reader = client_as(personas.concejala).get(checked.get_absolute_url()).content.decode()
    assert "El archivo es válido" in reader and "Importar ahora" not in reader

    response = client.post(reverse("budget:execution_import_run", args=[checked.pk]))
    real = ExecutionImportJob.objects.get(dry_run=False)
    assert response["Location"] == real.get_absolute_url()
    assert real.file.name == checked.file.name and real.status == Status.DONE
    assert written() == (1, 3, 1)
    assert (
        "Se importó la ejecución de marzo de 2026"
        in client.get(real.get_absolute_url()).content.decode()
    )

    # A second click does not import the file again.
    again = client.post(reverse("budget:execution_import_run", args=[checked.pk]), follow=True)
    assert "Este archivo ya se importó o se está importando." in again.content.decode()
    assert ExecutionImportJob.objects.filter(dry_run=False).count() == 1
    assert written() == (1, 3, 1)


def test_a_failed_check_cannot_be_imported_now(personas, year, client_as):
    client = client_as(personas.presupuesto)
    upload(client, year, csv_file("215.99.99.999;1;1;1;"), dry_run=True)
    checked = ExecutionImportJob.objects.get()
    response = client.post(reverse("budget:execution_import_run", args=[checked.pk]), follow=True)
    assert "Solo se importa un archivo revisado sin errores." in response.content.decode()
    assert ExecutionImportJob.objects.count() == 1 and written() == (0, 0, 0)


def test_re_importing_a_month_says_how_many_rows_it_replaced(personas, year, client_as):
    client = client_as(personas.presupuesto)
    upload(client, year, csv_file(*GOOD))
    upload(client, year, csv_file(*GOOD[:2], name="ejecucion-marzo-corregida.csv"))
    latest = ExecutionImportJob.objects.first()
    page = client.get(latest.get_absolute_url()).content.decode()
    assert "Se reemplazó la importación anterior del mes (3 filas)." in page
    assert ExecutionRow.objects.count() == 2
    assert ExecutionMonth.objects.get().file_name == "ejecucion-marzo-corregida.csv"


def test_an_xlsx_file_is_imported(personas, year, client_as):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Código", "Comprometido", "Devengado", "Pagado", "Percibido"])
    sheet.append(["215.22.04.001", 1000, 900, 800, None])
    sheet.append(["115.03.01.001", None, 700, None, 650])
    buffer = io.BytesIO()
    workbook.save(buffer)
    client = client_as(personas.presupuesto)
    upload(client, year, SimpleUploadedFile("ejecucion.xlsx", buffer.getvalue()))
    job = ExecutionImportJob.objects.get()
    assert job.status == Status.DONE, job.report
    assert ExecutionRow.objects.count() == 2


def test_a_file_that_is_not_csv_or_xlsx_is_refused_in_spanish(personas, year, client_as):
    client = client_as(personas.presupuesto)
    pdf = SimpleUploadedFile("ejecucion.pdf", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n")
    response = upload(client, year, pdf)
    assert response.status_code == 200
    assert (
        "La ejecución se importa desde un archivo CSV o XLSX; «ejecucion.pdf» es un archivo .pdf."
        in response.content.decode()
    )
    assert not ExecutionImportJob.objects.exists()


def test_a_month_outside_the_year_is_refused_by_the_form(personas, year, client_as):
    response = upload(client_as(personas.presupuesto), year, csv_file(*GOOD), month=13)
    assert response.status_code == 200
    assert "Escoja una opción válida" in response.content.decode()
    assert not ExecutionImportJob.objects.exists()


def test_who_may_not_import_gets_403_and_nothing_is_stored(personas, year, client_as):
    for user in (personas.estudios, personas.enlace_dideco, personas.concejala, personas.admin):
        assert upload(client_as(user), year, csv_file(*GOOD)).status_code == 403
    assert not ExecutionImportJob.objects.exists() and written() == (0, 0, 0)
    checked = ExecutionImportJob.objects.create(
        budget_year=year, month=3, file="x.csv", original_name="x.csv", dry_run=True,
        status=Status.DONE, report={"ok": True},
    )  # fmt: skip
    response = client_as(personas.estudios).post(
        reverse("budget:execution_import_run", args=[checked.pk])
    )
    assert response.status_code == 403
    assert ExecutionImportJob.objects.count() == 1


def test_a_stale_job_is_marked_failed(personas, year, client_as):
    long_ago = timezone.now() - jobs.STALE_AFTER - dt.timedelta(minutes=1)
    stale = ExecutionImportJob.objects.create(
        budget_year=year, month=3, file="x.csv", original_name="x.csv",
        status=Status.RUNNING, started_at=long_ago,
    )  # fmt: skip
    fresh = ExecutionImportJob.objects.create(
        budget_year=year, month=4, file="y.csv", original_name="y.csv",
        status=Status.RUNNING, started_at=timezone.now(),
    )  # fmt: skip
    page = client_as(personas.presupuesto).get(stale.get_absolute_url()).content.decode()
    stale.refresh_from_db()
    assert stale.status == Status.FAILED and stale.finished_at
    assert jobs.INTERRUPTED in page and "hx-trigger" not in page
    # A running job with no progress in the cache says it may be stuck; it stays running.
    page = client_as(personas.presupuesto).get(fresh.get_absolute_url()).content.decode()
    assert "No hay noticias de esta importación" in page
    fresh.refresh_from_db()
    assert fresh.status == Status.RUNNING
    # The lists expire interrupted jobs too.
    ExecutionImportJob.objects.filter(pk=fresh.pk).update(created_at=long_ago, started_at=None)
    client_as(personas.presupuesto).get(reverse("budget:execution_import_list"))
    fresh.refresh_from_db()
    assert fresh.status == Status.FAILED


def test_an_unexpected_failure_is_reported_and_writes_nothing(
    personas, year, client_as, monkeypatch
):
    def broken(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(execution, "import_month", broken)
    client = client_as(personas.presupuesto)
    upload(client, year, csv_file(*GOOD))
    job = ExecutionImportJob.objects.get()
    assert job.status == Status.FAILED
    page = client.get(job.get_absolute_url()).content.decode()
    assert "La importación falló por un error inesperado: no se guardó nada." in page
    assert "disk on fire" not in page
    assert written() == (0, 0, 0)


def test_the_lists_show_the_jobs_and_the_imported_months(personas, year, client_as):
    client = client_as(personas.presupuesto)
    upload(client, year, csv_file(*GOOD))
    upload(client, year, csv_file("215.99.99.999;1;1;1;", name="malo.csv"), month=4)
    with audit_context(source="test"):
        other = BudgetYear.objects.create(
            year=2027, classifier=ClassifierVersion.objects.create(year=2027, source="prueba")
        )
    reader = client_as(personas.concejala)

    jobs_page = reader.get(reverse("budget:execution_import_list")).content.decode()
    assert "ejecucion-marzo.csv" in jobs_page and "malo.csv" in jobs_page
    assert "Con errores: no se guardó nada" in jobs_page
    assert reverse("budget:execution_import") not in jobs_page  # a reader does not import
    only_failed = reader.get(reverse("budget:execution_import_list") + "?status=errores")
    assert "malo.csv" in only_failed.content.decode()
    assert "ejecucion-marzo.csv" not in only_failed.content.decode()

    months = reader.get(reverse("budget:executionmonth_list")).content.decode()
    job = ExecutionImportJob.objects.get(original_name="ejecucion-marzo.csv")
    assert "Marzo" in months and f'href="{job.get_absolute_url()}"' in months
    assert reverse("budget:analysis", args=[year.pk]) + "?mes=3" in months
    assert "Abril" not in months  # the failed import wrote no month
    assert "Presupuesto Prueba" in months  # who imported it
    empty = reader.get(reverse("budget:executionmonth_list") + f"?budget_year={other.pk}")
    assert "No hay meses importados que coincidan con los filtros." in empty.content.decode()
