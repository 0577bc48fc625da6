"""The PLADECO matrix as XLSX: export, template, preview (dry run), import (all or
nothing), the job page, the command line and the permission rows of this area."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from types import SimpleNamespace

import openpyxl
import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from secpla.core.audit import audit_context
from secpla.core.documents import XLSX
from secpla.core.models import ChangeLogEntry, Directorate
from secpla.planning import jobs, matrix, services
from secpla.planning.models import (
    ImportJob,
    IndicatorTarget,
    Initiative,
    InitiativeStatus,
    Plan,
    PlanNode,
    StatusChange,
)
from secpla.planning.tests import cases_import

D = Decimal


# --------------------------------------------------------------------------------------
# Fixtures and helpers
# --------------------------------------------------------------------------------------


@pytest.fixture
def plan(personas, media):
    """Three levels; initiatives at level 3 and at level 1; an eje with nothing below."""
    secpla = Directorate.objects.get(code="SECPLA")
    dideco = Directorate.objects.get(code="DIDECO")
    in_progress = InitiativeStatus.objects.get(name="En ejecución")
    with audit_context(source="test"):
        plan = Plan.objects.create(name="PLADECO Matriz", start_year=2025, end_year=2030)
        eje = PlanNode.objects.create(plan=plan, code="1", name="Desarrollo social", weight=D(2))
        objective = PlanNode.objects.create(plan=plan, parent=eje, code="1.1", name="Vivienda")
        line = PlanNode.objects.create(
            plan=plan, parent=objective, code="1.1.1", name="Campamentos", weight=D("1.5")
        )
        PlanNode.objects.create(plan=plan, code="2", name="Medio ambiente")
    director = personas.director
    services.initiative_save(
        actor=director,
        initiative=Initiative(
            plan=plan, node=line, code="I-1", name="=Viviendas sociales", kind="programa",
            directorate=dideco, weight=D(3), start_year=2025, end_year=2028,
            estimated_cost=1_234_567_890, funding_source="FNDR", status=in_progress,
            progress=D("45.5"), indicator_name="Viviendas entregadas", indicator_unit="viviendas",
            indicator_baseline=D("12.5"), indicator_baseline_year=2024,
            description="Primera línea\r\nSegunda línea",
        ),
        date=dt.date(2025, 3, 1),
    )  # fmt: skip
    first = Initiative.objects.get(plan=plan, code="I-1")
    for year, target, achieved in ((2025, D(10), D(8)), (2026, D("20.5"), None)):
        with audit_context(source="test"):
            IndicatorTarget.objects.create(
                initiative=first, year=year, target=target, achieved=achieved
            )
    for code in ("I-3", "I-2"):  # positions left at 0: the order comes from the codes
        services.initiative_save(
            actor=director,
            initiative=Initiative(
                plan=plan, node=eje, code=code, name=f"Iniciativa {code}", directorate=secpla
            ),
        )
    return plan


def snapshot(plan: Plan) -> dict:
    """Everything an import may touch, to compare before and after."""
    return {
        "nodes": sorted(
            PlanNode.objects.filter(plan=plan).values_list(
                "code", "name", "weight", "parent__code", "depth", "position", "description"
            )
        ),
        "initiatives": sorted(
            Initiative.objects.filter(plan=plan).values_list(
                "code", "node__code", "name", "kind", "directorate__code", "weight",
                "start_year", "end_year", "estimated_cost", "funding_source", "status__name",
                "progress", "indicator_name", "indicator_unit", "indicator_baseline",
                "indicator_baseline_year", "position", "description",
            )
        ),
        "targets": sorted(
            IndicatorTarget.objects.filter(initiative__plan=plan).values_list(
                "initiative__code", "year", "target", "achieved"
            )
        ),
        "timeline": StatusChange.objects.filter(initiative__plan=plan).count(),
        "log": ChangeLogEntry.objects.count(),
    }  # fmt: skip


def workbook(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content))


def to_bytes(book) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def sheet_rows(content: bytes, sheet: str = matrix.SHEET) -> list[tuple]:
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    try:
        rows = [tuple(row) for row in book[sheet].iter_rows(values_only=True)]
        width = max((len(row) for row in rows), default=0)
        return [row + (None,) * (width - len(row)) for row in rows]
    finally:
        book.close()


class Matrix:
    """An exported matrix to edit by column header: m.set(row, "Avance (%)", 60)."""

    def __init__(self, content: bytes):
        self.book = workbook(content)
        self.sheet = self.book[matrix.SHEET]
        self.headers = [c.value for c in self.sheet[1]]

    def row_of(self, code: str) -> int:
        column = self.headers.index("Código iniciativa") + 1
        for row in range(2, self.sheet.max_row + 1):
            if self.sheet.cell(row, column).value == code:
                return row
        raise KeyError(code)

    def get(self, row: int, header: str):
        return self.sheet.cell(row, self.headers.index(header) + 1).value

    def set(self, row: int, header: str, value) -> None:
        self.sheet.cell(row, self.headers.index(header) + 1).value = value

    def content(self) -> bytes:
        return to_bytes(self.book)


def new_row(m: Matrix, **values) -> int:
    row = m.sheet.max_row + 1
    for header, value in values.items():
        m.set(row, header, value)
    return row


def upload(client, plan: Plan, content: bytes, name: str = "matriz.xlsx"):
    return client.post(
        reverse("planning:plan_import", args=[plan.pk]),
        {"file": SimpleUploadedFile(name, content, content_type=XLSX)},
    )


def analyse(plan, content, user):
    return matrix.analyse(plan, content, user=user)


def rejection_for(report_or_result, row: int, column: str) -> dict | None:
    rejected = (
        report_or_result.rejected
        if isinstance(report_or_result, matrix.Analysis)
        else report_or_result["rejected"]
    )
    return next((r for r in rejected if r["row"] == row and r["column"] == column), None)


# --------------------------------------------------------------------------------------
# Export and round trip
# --------------------------------------------------------------------------------------


def test_the_export_writes_exactly_the_columns_the_import_reads(plan):
    content = matrix.write_matrix(plan)
    header, *rows = sheet_rows(content)
    assert list(header) == [c.header for c in matrix.columns(plan)]
    assert header[:3] == ("Código nivel 1", "Nombre nivel 1", "Peso nivel 1")
    assert len(header) == 3 * 3 + 17
    by_code = {row[header.index("Código iniciativa")]: row for row in rows}
    first = dict(zip(header, by_code["I-1"], strict=True))
    assert first["Código nivel 3"] == "1.1.1" and first["Nombre nivel 2"] == "Vivienda"
    assert first["Tipo"] == "Programa" and first["Dirección"] == "DIDECO"
    assert first["Costo estimado ($)"] == 1_234_567_890 and first["Avance (%)"] == 45.5
    assert first["Estado"] == "En ejecución"
    assert first["Metas anuales"] == "2025=10/8; 2026=20,5"
    # A text that looks like a formula stays text.
    assert first["Iniciativa"] == "=Viviendas sociales"
    # An initiative hanging at level 1: deeper level columns empty.
    second = dict(zip(header, by_code["I-2"], strict=True))
    assert second["Código nivel 1"] == "1" and second["Código nivel 2"] is None
    # The eje without children or initiatives has a row of its own.
    assert by_code[None][header.index("Código nivel 1")] == "2"
    # Order of the tree; siblings by (position, code).
    assert [row[header.index("Código iniciativa")] for row in rows] == ["I-2", "I-3", "I-1", None]
    assert "Instrucciones" in workbook(content).sheetnames


def test_round_trip_export_import_changes_nothing(plan, personas):
    before = snapshot(plan)
    content = matrix.write_matrix(plan)
    preview = analyse(plan, content, personas.director)
    assert preview.ok, preview.rejected
    assert preview.counts["initiatives"] == {"created": 0, "updated": 0, "unchanged": 3}
    assert preview.counts["nodes"] == {"created": 0, "updated": 0, "unchanged": 4}
    assert preview.created == [] and preview.updated == [] and preview.changes == 0

    applied = matrix.apply(plan, content, user=personas.director)
    assert applied.changes == 0
    assert snapshot(plan) == before  # no change, no change-log entry, no timeline step
    assert sheet_rows(matrix.write_matrix(plan)) == sheet_rows(content)


def test_round_trip_through_the_screens(plan, personas, client_as):
    before = snapshot(plan)
    client = client_as(personas.estudios)
    content = client.get(reverse("planning:plan_export", args=[plan.pk])).content
    response = upload(client, plan, content)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.status == ImportJob.Status.READY
    assert job.report["counts"]["initiatives"]["unchanged"] == 3
    page = client.get(job.get_absolute_url()).content.decode()
    assert "El archivo no trae cambios" in page and 'data-testid="apply-import"' not in page
    assert snapshot(plan) == before


# --------------------------------------------------------------------------------------
# Upsert and preview
# --------------------------------------------------------------------------------------


def test_an_import_updates_by_code_creates_what_is_new_and_deletes_nothing(plan, personas):
    m = Matrix(matrix.write_matrix(plan))
    first = m.row_of("I-1")
    m.set(first, "Avance (%)", "60,5")
    m.set(first, "Metas anuales", "2025=10/8; 2026=20,5; 2027=30")
    m.set(m.row_of("I-2"), "Iniciativa", "Iniciativa renombrada")
    m.set(m.row_of("I-2"), "Tipo", "gestion")
    m.sheet.delete_rows(m.row_of("I-3"))  # absent from the file: kept as it is
    new = new_row(
        m,
        **{
            "Código nivel 1": "3",
            "Nombre nivel 1": "Seguridad",
            "Código nivel 2": "3.1",
            "Nombre nivel 2": "Prevención",
            "Código iniciativa": "I-9",
            "Iniciativa": "Plan de alarmas",
            "Dirección": "dideco",
            "Tipo": "estudio",
            "Costo estimado ($)": "1.500.000",
            "Año inicio": 2026.0,
            "Estado": "sin iniciar",
        },
    )
    content = m.content()
    steps_before = StatusChange.objects.filter(initiative__code="I-1").count()

    preview = analyse(plan, content, personas.director)
    assert preview.ok, preview.rejected
    assert [(c["kind"], c["code"], c["row"]) for c in preview.created] == [
        ("Eje estratégico", "3", new),
        ("Objetivo estratégico", "3.1", new),
        ("Iniciativa", "I-9", new),
    ]
    updated = {u["code"]: u for u in preview.updated}
    assert set(updated) == {"I-1", "I-2"}
    assert {"field": "Avance", "before": "45,5 %", "after": "60,5 %"} in updated["I-1"]["changes"]
    assert {"field": "Meta 2027", "before": "—", "after": "30"} in updated["I-1"]["changes"]
    assert updated["I-2"]["changes"] == [
        {"field": "Nombre", "before": "Iniciativa I-2", "after": "Iniciativa renombrada"},
        {"field": "Tipo", "before": "Proyecto", "after": "Gestión"},
    ]
    assert preview.missing == ["I-3"]
    assert not Initiative.objects.filter(code="I-9").exists()  # the preview writes nothing

    matrix.apply(plan, content, user=personas.director)
    created = Initiative.objects.get(plan=plan, code="I-9")
    assert (created.node.code, created.node.parent.code, created.node.depth) == ("3.1", "3", 1)
    assert created.kind == "estudio" and created.directorate.code == "DIDECO"
    assert created.estimated_cost == 1_500_000 and created.start_year == 2026
    assert created.progress == D(0)  # "Sin iniciar" gives its default progress
    assert Initiative.objects.get(plan=plan, code="I-1").progress == D("60.5")
    assert Initiative.objects.get(plan=plan, code="I-2").name == "Iniciativa renombrada"
    assert Initiative.objects.filter(plan=plan, code="I-3").exists()
    assert IndicatorTarget.objects.get(initiative__code="I-1", year=2027).target == D(30)
    assert StatusChange.objects.filter(initiative__code="I-1").count() == steps_before + 1
    entry = ChangeLogEntry.objects.filter(object_repr__startswith="I-2").latest("id")
    assert entry.action == "update" and entry.source == "importacion"
    assert entry.user == personas.director and "Importación" in entry.reason

    # Exporting again and importing that changes nothing.
    again = analyse(plan, matrix.write_matrix(plan), personas.director)
    assert again.ok and again.changes == 0 and not again.updated


def test_rows_give_the_order_and_consistent_positions_are_kept(plan, personas):
    m = Matrix(matrix.write_matrix(plan))
    # Swap I-2 and I-3 (both hang from eje 1): the file's order wins.
    two, three = m.row_of("I-2"), m.row_of("I-3")
    for header in m.headers:
        a, b = m.get(two, header), m.get(three, header)
        m.set(two, header, b)
        m.set(three, header, a)
    preview = analyse(plan, m.content(), personas.director)
    assert [u["code"] for u in preview.updated] == ["I-2"]
    assert preview.updated[0]["changes"] == [{"field": "Orden", "before": "0", "after": "1"}]
    matrix.apply(plan, m.content(), user=personas.director)
    header, *rows = sheet_rows(matrix.write_matrix(plan))
    codes = [row[header.index("Código iniciativa")] for row in rows]
    assert codes.index("I-3") < codes.index("I-2")


def test_the_preview_page_lists_created_updated_and_rejected(plan, personas, client_as):
    m = Matrix(matrix.write_matrix(plan))
    m.set(m.row_of("I-2"), "Avance (%)", 15)
    bad = m.row_of("I-3")
    m.set(bad, "Año término", "dos mil")
    new_row(
        m,
        **{
            "Código nivel 1": "2",
            "Código iniciativa": "I-7",
            "Iniciativa": "Nueva",
            "Dirección": "SECPLA",
        },
    )
    client = client_as(personas.director)
    upload(client, plan, m.content())
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.INVALID
    page = client.get(job.get_absolute_url()).content.decode()
    assert 'data-testid="created-table"' in page and "I-7" in page
    assert 'data-testid="updated-table"' in page and "—</span> → <span" in page
    assert 'data-testid="rejected-table"' in page and "«dos mil» no es un año" in page
    assert 'data-testid="apply-import"' not in page
    partial = client.get(job.get_absolute_url() + "?parcial=1").content.decode()
    assert partial.lstrip().startswith('<div id="import-status"') and "<html" not in partial
    assert "hx-trigger" not in partial  # finished: the page stops polling


def test_a_running_job_shows_its_progress_and_keeps_polling(plan, personas, client_as):
    job = ImportJob.objects.create(
        plan=plan, file="importaciones/x.xlsx", original_name="x.xlsx",
        status=ImportJob.Status.ANALYSING, created_by=personas.director,
    )  # fmt: skip
    jobs.set_progress(job.pk, jobs.ANALYSE, 250, 1000)
    partial = client_as(personas.director).get(job.get_absolute_url() + "?parcial=1")
    html = partial.content.decode()
    assert 'hx-trigger="every 1s"' in html and "?parcial=1" in html
    assert 'max="1000" value="250"' in html and "250 de 1000 (25 %)" in html
    cache.delete(jobs.progress_key(job.pk))  # e.g. the server restarted
    html = client_as(personas.director).get(job.get_absolute_url()).content.decode()
    assert "puede haberse interrumpido" in html and "hx-trigger" not in html


def stuck(job: ImportJob, status: str, minutes: int) -> None:
    """As if the server restarted `minutes` after the job's phase started."""
    ImportJob.objects.filter(pk=job.pk).update(
        status=status, started_at=timezone.now() - dt.timedelta(minutes=minutes)
    )
    job.refresh_from_db()


def previewed(plan, client, progress) -> ImportJob:
    """A job whose preview is ready, changing I-2's progress."""
    m = Matrix(matrix.write_matrix(plan))
    m.set(m.row_of("I-2"), "Avance (%)", progress)
    upload(client, plan, m.content(), f"avance-{progress}.xlsx")
    job = ImportJob.objects.latest("pk")
    assert job.status == ImportJob.Status.READY, job.report
    return job


def test_each_phase_records_when_it_started(plan, personas, client_as):
    client = client_as(personas.director)
    before = timezone.now()
    job = previewed(plan, client, 40)
    assert job.started_at is not None and job.started_at >= before
    stuck(job, ImportJob.Status.READY, 90)  # an old preview, applied today
    before_apply = timezone.now()
    assert jobs.request_apply(job, personas.director) == ""
    job.refresh_from_db()
    assert job.status == ImportJob.Status.APPLIED and job.started_at >= before_apply


def test_an_interrupted_apply_does_not_block_the_plan(plan, personas, client_as):
    client = client_as(personas.director)
    dead = previewed(plan, client, 40)
    stuck(dead, ImportJob.Status.APPLYING, jobs.STALE_AFTER.seconds // 60 + 1)
    job = previewed(plan, client, 60)
    before = snapshot(plan)

    assert jobs.request_apply(job, personas.director) == ""
    job.refresh_from_db()
    assert job.status == ImportJob.Status.APPLIED
    assert Initiative.objects.get(plan=plan, code="I-2").progress == D(60)
    assert snapshot(plan) != before
    dead.refresh_from_db()
    assert dead.status == ImportJob.Status.FAILED and dead.error == jobs.INTERRUPTED


def test_an_apply_that_is_still_running_blocks_the_plan(plan, personas, client_as):
    client = client_as(personas.director)
    running = previewed(plan, client, 40)
    stuck(running, ImportJob.Status.APPLYING, jobs.STALE_AFTER.seconds // 60 - 5)
    job = previewed(plan, client, 60)
    before = snapshot(plan)

    response = client.post(reverse("planning:import_apply", args=[job.pk]), follow=True)
    assert "Ya se está aplicando otra importación de este plan" in response.content.decode()
    job.refresh_from_db()
    running.refresh_from_db()
    assert job.status == ImportJob.Status.READY
    assert running.status == ImportJob.Status.APPLYING
    assert snapshot(plan) == before


@pytest.mark.parametrize("status", [ImportJob.Status.APPLYING, ImportJob.Status.ANALYSING])
def test_the_page_of_an_interrupted_job_says_so_and_marks_it_failed(
    plan, personas, client_as, status
):
    client = client_as(personas.director)
    job = previewed(plan, client, 40)
    before = snapshot(plan)
    stuck(job, status, jobs.STALE_AFTER.seconds // 60 + 1)
    jobs.set_progress(job.pk, jobs.APPLY, 3, 10)  # the cache outlived the restart

    html = client.get(job.get_absolute_url() + "?parcial=1").content.decode()
    assert jobs.INTERRUPTED in html and "hx-trigger" not in html
    assert "Falló: el plan quedó como estaba" in html and "3 de 10" not in html
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and job.error == jobs.INTERRUPTED
    assert jobs.get_progress(job.pk) is None
    assert snapshot(plan) == before
    response = client.post(reverse("planning:import_apply", args=[job.pk]), follow=True)
    assert "no se puede aplicar" in response.content.decode()


def test_a_job_never_started_is_stale_from_its_creation(plan, personas, client_as):
    job = ImportJob.objects.create(
        plan=plan, file="importaciones/x.xlsx", original_name="x.xlsx",
        status=ImportJob.Status.ANALYSING, created_by=personas.director,
    )  # fmt: skip
    assert job.started_at is None and not jobs.is_stale(job)
    page = client_as(personas.director).get(reverse("planning:plan_import", args=[plan.pk]))
    assert "Falló" not in page.content.decode()
    ImportJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - jobs.STALE_AFTER - dt.timedelta(minutes=1)
    )
    page = client_as(personas.director).get(reverse("planning:plan_import", args=[plan.pk]))
    assert "Falló: el plan quedó como estaba" in page.content.decode()  # the history
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and job.error == jobs.INTERRUPTED


# --------------------------------------------------------------------------------------
# Rejections: nothing is written
# --------------------------------------------------------------------------------------


def test_one_bad_row_writes_nothing_and_names_its_row_and_column(plan, personas, client_as):
    before = snapshot(plan)
    m = Matrix(matrix.write_matrix(plan))
    m.set(m.row_of("I-2"), "Iniciativa", "Cambio que no debe guardarse")
    bad = new_row(
        m,
        **{
            "Código nivel 1": "2",
            "Código iniciativa": "I-8",
            "Iniciativa": "Mala",
            "Dirección": "NOEXISTE",
        },
    )
    client = client_as(personas.director)
    upload(client, plan, m.content())
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.INVALID
    assert job.report["counts"]["rejected"] == 1
    [rejection] = job.report["rejected"]
    assert (rejection["row"], rejection["column"]) == (bad, "Dirección")
    assert "«NOEXISTE» no existe" in rejection["message"]
    page = client.get(job.get_absolute_url()).content.decode()
    assert f'<td class="num">{bad}</td><td>Dirección</td>' in page

    response = client.post(reverse("planning:import_apply", args=[job.pk]), follow=True)
    assert "no se puede aplicar" in response.content.decode()
    with pytest.raises(matrix.Rejected):
        matrix.apply(plan, m.content(), user=personas.director)
    assert snapshot(plan) == before


def test_a_failed_apply_leaves_the_plan_exactly_as_it_was(plan, personas, client_as, monkeypatch):
    m = Matrix(matrix.write_matrix(plan))
    m.set(m.row_of("I-1"), "Avance (%)", 70)
    m.set(m.row_of("I-2"), "Avance (%)", 20)
    m.set(m.row_of("I-3"), "Avance (%)", 30)
    new_row(
        m,
        **{
            "Código nivel 1": "9",
            "Nombre nivel 1": "Eje nuevo",
            "Código iniciativa": "I-10",
            "Iniciativa": "Nueva",
            "Dirección": "DOM",
        },
    )
    client = client_as(personas.director)
    upload(client, plan, m.content())
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.READY
    before = snapshot(plan)

    real = services.initiative_save
    calls = []

    def fails_on_the_third(**kwargs):
        calls.append(kwargs["initiative"].code)
        if len(calls) == 3:
            raise RuntimeError("disco lleno")
        return real(**kwargs)

    monkeypatch.setattr(services, "initiative_save", fails_on_the_third)
    client.post(reverse("planning:import_apply", args=[job.pk]))
    job.refresh_from_db()
    assert len(calls) == 3  # two initiatives were written before the failure…
    assert job.status == ImportJob.Status.FAILED
    assert "quedó exactamente como estaba" in job.error
    assert snapshot(plan) == before  # …and rolled back with the new eje
    assert not PlanNode.objects.filter(plan=plan, code="9").exists()
    assert job.applied_at is None


def test_apply_validates_again_against_the_plan_as_it_is_now(plan, personas, client_as):
    m = Matrix(matrix.write_matrix(plan))
    new_row(
        m,
        **{
            "Código nivel 1": "2",
            "Código iniciativa": "I-11",
            "Iniciativa": "Nueva",
            "Dirección": "DOM",
        },
    )
    client = client_as(personas.director)
    upload(client, plan, m.content())
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.READY
    with audit_context(source="test"):
        Directorate.objects.filter(code="DOM").update(is_active=False)
    client.post(reverse("planning:import_apply", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.INVALID
    assert rejection_for(job.report, m.sheet.max_row, "Dirección")
    assert not Initiative.objects.filter(code="I-11").exists()


def test_a_job_is_applied_once(plan, personas, client_as):
    m = Matrix(matrix.write_matrix(plan))
    m.set(m.row_of("I-2"), "Avance (%)", 20)
    client = client_as(personas.director)
    upload(client, plan, m.content())
    job = ImportJob.objects.get()
    client.post(reverse("planning:import_apply", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.APPLIED and job.applied_at is not None
    steps = StatusChange.objects.count()
    response = client.post(reverse("planning:import_apply", args=[job.pk]), follow=True)
    assert "no se puede aplicar" in response.content.decode()
    assert StatusChange.objects.count() == steps


@pytest.mark.parametrize(
    ("header", "value", "message"),
    [
        ("Avance (%)", 120, "entre 0 y 100"),
        ("Avance (%)", "mucho", "no es un número"),
        ("Costo estimado ($)", -5, "no puede ser negativo"),
        ("Costo estimado ($)", "12,5", "sin decimales"),
        ("Año inicio", 1850, "fuera de rango"),
        ("Año inicio", "20266", "no es un año"),
        ("Año término", 2024, "anterior al de inicio"),
        ("Estado", "Inventado", "«Inventado» no existe"),
        ("Tipo", "Obra", "Tipos válidos"),
        ("Peso", 0, "mayor que 0"),
        ("Metas anuales", "2025:10; 2025=3", "aparece dos veces"),
        ("Metas anuales", "diez", "no tiene el formato"),
        ("Línea base", "abc", "no es un número"),
        # Absurdly large numbers are a rejection of their cell, not a failed import.
        ("Línea base", 1e30, "El número es demasiado grande."),
        ("Línea base", "1e30", "El número es demasiado grande."),
        ("Avance (%)", 1e30, "El número es demasiado grande."),
        ("Avance (%)", "-1e400", "El número es demasiado grande."),
        ("Peso", 1e30, "El número es demasiado grande."),
        ("Peso nivel 1", 1e40, "El número es demasiado grande."),
        ("Metas anuales", "2025=1e400", "Meta 2025: El número es demasiado grande."),
        ("Metas anuales", "2025=10/1e400", "Meta 2025: El número es demasiado grande."),
        ("Costo estimado ($)", 10**30, "El número es demasiado grande."),
        ("Costo estimado ($)", 10**15, "El costo es demasiado grande."),
        ("Año inicio", 10**30, "no es un año"),
        ("Año línea base", 1e30, "no es un año"),
    ],
)
def test_bad_values_are_rejected_in_their_cell(plan, personas, header, value, message):
    m = Matrix(matrix.write_matrix(plan))
    row = m.row_of("I-1")
    m.set(row, header, value)
    result = analyse(plan, m.content(), personas.director)
    rejection = rejection_for(result, row, header)
    assert rejection is not None, result.rejected
    assert message in rejection["message"]
    assert result.node_ops == [] and result.initiative_ops == []


def test_cell_values_are_normalised():
    assert matrix.year_value(2026.0) == 2026 and matrix.year_value("2026") == 2026
    assert matrix.pesos_value("1.234.567") == 1_234_567 == matrix.pesos_value(1234567.0)
    assert matrix.pesos_value("$ 1.234.567") == 1_234_567
    assert matrix.progress_value("45,5") == D("45.5") == matrix.progress_value(45.5)
    assert matrix.progress_value("45.5 %") == D("45.5")
    assert matrix.progress_value(0.455, percent_format=True) == D("45.5")
    assert matrix.progress_value(33.333) == D("33.3")
    assert matrix.decimal_value("1.500", places=2, max_digits=14) == D(1500)
    assert matrix.decimal_value("1,5", places=2, max_digits=14) == D("1.5")
    assert matrix.targets_value("2025=10; 2026=20,5/8") == [
        (2025, D(10), None),
        (2026, D("20.5"), D(8)),
    ]
    assert matrix.text_value(12.0) == "12" and matrix.text_value(1.1) == "1.1"
    with pytest.raises(matrix.CellError):
        matrix.year_value(dt.datetime(2026, 1, 1))


def test_numbers_up_to_the_field_sizes_are_read_and_beyond_them_rejected():
    assert matrix.pesos_value(10**15 - 1) == 10**15 - 1  # fits the BigIntegerField
    assert matrix.decimal_value("999.999.999.999,99", places=2, max_digits=14) == D(
        "999999999999.99"
    )
    assert matrix.decimal_value("0e999999", places=2, max_digits=14) == D(0)
    assert matrix.decimal_value("1e-400", places=2, max_digits=14) == D(0)
    for value in (10**18, 1e30, "1e999999999", "1" * 60, float("inf"), D("1e400")):
        with pytest.raises(matrix.CellError):
            matrix.decimal_value(value, places=2, max_digits=14)
        with pytest.raises(matrix.CellError):
            matrix.progress_value(value, percent_format=True)
        with pytest.raises(matrix.CellError):
            matrix.pesos_value(value)
    with pytest.raises(matrix.CellError, match="demasiado grande"):
        matrix.decimal_value(10**13, places=2, max_digits=14)
    with pytest.raises(matrix.CellError, match="demasiado grande"):
        matrix.weight_value(100_000)  # max_digits=7 with 2 decimals
    with pytest.raises(matrix.CellError) as error:
        matrix.year_value(1e300)
    assert len(str(error.value)) < 120  # the 301 digits are not quoted whole


def test_a_huge_number_is_a_rejected_cell_not_a_failed_import(plan, personas, client_as):
    before = snapshot(plan)
    m = Matrix(matrix.write_matrix(plan))
    row = m.row_of("I-1")
    m.set(row, "Línea base", 1e30)
    m.set(row, "Metas anuales", "2025=1e400")
    m.set(m.row_of("I-2"), "Costo estimado ($)", 10**30)
    client = client_as(personas.director)
    upload(client, plan, m.content())
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.INVALID and not job.error
    assert {(r["row"], r["column"]) for r in job.report["rejected"]} == {
        (row, "Línea base"),
        (row, "Metas anuales"),
        (m.row_of("I-2"), "Costo estimado ($)"),
    }
    page = client.get(job.get_absolute_url()).content.decode()
    assert f'<td class="num">{row}</td><td>Línea base</td><td>El número es demasiado' in page
    assert snapshot(plan) == before


def test_a_percent_formatted_progress_cell_counts_as_percent(plan, personas):
    m = Matrix(matrix.write_matrix(plan))
    row = m.row_of("I-2")
    m.set(row, "Avance (%)", 0.25)
    m.sheet.cell(row, m.headers.index("Avance (%)") + 1).number_format = "0%"
    result = analyse(plan, m.content(), personas.director)
    [update] = result.updated
    assert update["changes"] == [{"field": "Avance", "before": "—", "after": "25 %"}]


def test_duplicate_initiative_codes_name_both_rows(plan, personas):
    m = Matrix(matrix.write_matrix(plan))
    first = m.row_of("I-2")
    copy = new_row(m, **{h: m.get(first, h) for h in m.headers})
    result = analyse(plan, m.content(), personas.director)
    rejection = rejection_for(result, copy, "Código iniciativa")
    assert f"filas {first} y {copy}" in rejection["message"]


def test_missing_required_columns_are_named(plan, personas):
    m = Matrix(matrix.write_matrix(plan))
    m.sheet.delete_cols(m.headers.index("Dirección") + 1)
    m.sheet.delete_cols(1)  # Código nivel 1
    result = analyse(plan, m.content(), personas.director)
    messages = {(r["row"], r["column"]): r["message"] for r in result.rejected}
    assert messages[(1, "Dirección")] == "Falta la columna obligatoria «Dirección»."
    assert messages[(1, "Código nivel 1")] == "Falta la columna obligatoria «Código nivel 1»."


def test_optional_columns_left_out_are_left_untouched(plan, personas):
    m = Matrix(matrix.write_matrix(plan))
    m.sheet.delete_cols(m.headers.index("Metas anuales") + 1)
    m.sheet.delete_cols(m.headers.index("Avance (%)") + 1)
    result = analyse(plan, m.content(), personas.director)
    assert result.ok and result.changes == 0


def test_a_node_must_be_the_same_in_all_its_rows(plan, personas):
    m = Matrix(matrix.write_matrix(plan))
    row = m.row_of("I-3")
    m.set(row, "Nombre nivel 1", "Otro nombre")
    result = analyse(plan, m.content(), personas.director)
    rejection = rejection_for(result, row, "Nombre nivel 1")
    assert "se llama «Desarrollo social» en la fila 2" in rejection["message"]

    m = Matrix(matrix.write_matrix(plan))
    row = m.row_of("I-1")
    m.set(row, "Código nivel 1", "2")  # 1.1 would depend on 2 here and on 1 nowhere else
    m.set(row, "Nombre nivel 1", "Medio ambiente")
    m.set(row, "Peso nivel 1", None)
    assert analyse(plan, m.content(), personas.director).ok  # moving 1.1 under eje 2 is fine
    other = new_row(
        m, **{"Código nivel 1": "1", "Código nivel 2": "1.1", "Código nivel 3": "1.1.1"}
    )
    result = analyse(plan, m.content(), personas.director)
    assert "depende de 2 en la fila" in rejection_for(result, other, "Código nivel 2")["message"]


def test_a_level_gap_and_an_initiative_without_a_place_are_rejected(plan, personas):
    m = Matrix(matrix.write_matrix(plan))
    gap = new_row(
        m,
        **{
            "Código nivel 2": "X",
            "Nombre nivel 2": "Sin eje",
            "Código iniciativa": "I-20",
            "Iniciativa": "x",
            "Dirección": "DOM",
        },
    )
    nowhere = new_row(m, **{"Código iniciativa": "I-21", "Iniciativa": "x", "Dirección": "DOM"})
    nameless = new_row(
        m,
        **{
            "Código nivel 1": "7",
            "Código iniciativa": "I-22",
            "Iniciativa": "x",
            "Dirección": "DOM",
        },
    )
    result = analyse(plan, m.content(), personas.director)
    assert "Falta el código del nivel 1" in rejection_for(result, gap, "Código nivel 2")["message"]
    assert "debe ubicarse" in rejection_for(result, nowhere, "Código nivel 1")["message"]
    assert "Falta el nombre" in rejection_for(result, nameless, "Nombre nivel 1")["message"]


def test_files_that_are_not_a_matrix_are_refused_in_spanish(plan, personas, client_as):
    client = client_as(personas.director)
    response = upload(client, plan, b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n", "matriz.pdf")
    assert response.status_code == 200
    assert "planilla Excel (.xlsx)" in response.content.decode()
    response = upload(client, plan, b"esto no es un excel", "matriz.xlsx")
    assert response.status_code == 200 and "no corresponde a la extensión" in (
        response.content.decode()
    )
    assert not ImportJob.objects.exists()

    result = analyse(plan, b"PK\x03\x04 basura", personas.director)
    assert not result.ok and "No se pudo leer el archivo" in result.file_error


def test_a_formula_without_a_computed_value_is_rejected(plan, personas):
    m = Matrix(matrix.write_matrix(plan))
    row = m.row_of("I-2")
    m.set(row, "Peso", "=1+1")  # openpyxl saves the formula without its value
    result = analyse(plan, m.content(), personas.director)
    assert "fórmula sin valor calculado" in rejection_for(result, row, "Peso")["message"]


def test_moving_a_node_to_another_level_cannot_strand_its_children(plan, personas):
    m = Matrix(matrix.write_matrix(plan))
    row = m.row_of("I-1")  # 1 > 1.1 > 1.1.1: make 1.1 an eje of its own, leaving 1.1.1 out
    m.set(row, "Código nivel 1", "1.1")
    m.set(row, "Nombre nivel 1", "Vivienda")
    m.set(row, "Peso nivel 1", None)
    for header in ("Código nivel 2", "Nombre nivel 2", "Peso nivel 2", "Código nivel 3",
                   "Nombre nivel 3", "Peso nivel 3"):  # fmt: skip
        m.set(row, header, None)
    result = analyse(plan, m.content(), personas.director)
    assert (
        "dependen elementos que no están en el archivo (1.1.1)"
        in (rejection_for(result, row, "Código nivel 1")["message"])
    )


def test_analysing_a_large_file_takes_a_constant_number_of_queries(
    plan, personas, django_assert_max_num_queries
):
    m = Matrix(matrix.write_matrix(plan))
    for i in range(300):
        new_row(m, **{"Código nivel 1": "2", "Código nivel 2": f"2.{i % 10}",
                      "Nombre nivel 2": f"Objetivo {i % 10}", "Código iniciativa": f"N-{i}",
                      "Iniciativa": f"Nueva {i}", "Dirección": "DOM", "Estado": "En diseño",
                      "Metas anuales": "2026=1", "Indicador": "x"})  # fmt: skip
    content = m.content()
    with django_assert_max_num_queries(12):
        result = analyse(plan, content, personas.director)
    assert result.ok and result.counts["initiatives"]["created"] == 300


# --------------------------------------------------------------------------------------
# Template, permissions, command line
# --------------------------------------------------------------------------------------


def test_the_template_has_the_plan_levels_and_instructions(plan, personas, client_as):
    response = client_as(personas.concejala).get(reverse("planning:plan_template", args=[plan.pk]))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    rows = sheet_rows(response.content)
    assert rows == [tuple(c.header for c in matrix.columns(plan))]
    notes = [
        " ".join(str(v) for v in row if v) for row in sheet_rows(response.content, "Instrucciones")
    ]
    assert "Nivel 2 Objetivo estratégico" in notes
    assert any(line.startswith("Metas anuales No") for line in notes)
    assert any(line.startswith("DIDECO") for line in notes)
    # The template imports as an empty file.
    result = analyse(plan, response.content, personas.director)
    assert not result.ok and result.rejected[0]["message"] == "El archivo no tiene filas con datos."


def test_who_may_import(plan, personas, client_as):
    url = reverse("planning:plan_import", args=[plan.pk])
    assert client_as(personas.estudios).get(url).status_code == 200
    assert client_as(personas.enlace_dideco).get(url).status_code == 403
    assert client_as(personas.admin).get(url).status_code == 404  # the plan is SECPLA's
    assert client_as(personas.sin_rol).get(url).status_code == 404
    content = matrix.write_matrix(plan)
    assert upload(client_as(personas.concejala), plan, content).status_code == 403
    assert not ImportJob.objects.exists()
    with pytest.raises(matrix.PermissionDenied):
        matrix.apply(plan, content, user=personas.enlace_dideco)


def test_the_import_page_lists_the_plan_imports(plan, personas, client_as):
    other = Plan.objects.create(name="Otro plan", start_year=2020, end_year=2024)
    for target, name in ((plan, "propia.xlsx"), (other, "ajena.xlsx")):
        ImportJob.objects.create(
            plan=target, file=f"importaciones/{name}", original_name=name,
            status=ImportJob.Status.APPLIED, created_by=personas.estudios,
        )  # fmt: skip
    page = client_as(personas.director).get(reverse("planning:plan_import", args=[plan.pk]))
    html = page.content.decode()
    assert "propia.xlsx" in html and "ajena.xlsx" not in html


def test_the_permission_rows_of_this_area(personas, media, client_as, client):
    world = SimpleNamespace(personas=personas)
    cases_import.populate(world)
    for case in cases_import.CASES:
        url = reverse(case.name, kwargs=case.kwargs(world)) + case.query
        assert client.get(url).status_code == case.anonymous, url
        for role, user in personas.by_role().items():
            got = client_as(user).get(url).status_code
            assert got == case.expected(role), (url, role, got)


def test_the_command_line_exports_previews_and_applies(plan, personas, tmp_path):
    path = tmp_path / "matriz.xlsx"
    call_command("pladeco_matrix", "export", str(plan.pk), str(path))
    m = Matrix(path.read_bytes())
    m.set(m.row_of("I-2"), "Avance (%)", 35)
    path.write_bytes(m.content())

    out = io.StringIO()
    call_command("pladeco_matrix", "import", str(plan.pk), str(path), "--user", "estudios",
                 stdout=out)  # fmt: skip
    text = out.getvalue()
    assert "Iniciativas: 0 nuevas, 1 con cambios, 2 sin cambios." in text
    assert "Avance: — → 35 %" in text and "Prueba: no se guardó nada" in text
    assert Initiative.objects.get(code="I-2").progress is None

    call_command("pladeco_matrix", "import", str(plan.pk), str(path), "--user", "estudios",
                 "--apply", stdout=io.StringIO())  # fmt: skip
    assert Initiative.objects.get(code="I-2").progress == D(35)
    assert ImportJob.objects.filter(status=ImportJob.Status.APPLIED).count() == 1

    m.set(m.row_of("I-2"), "Estado", "Inventado")
    path.write_bytes(m.content())
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("pladeco_matrix", "import", str(plan.pk), str(path), "--user",
                     "estudios", "--apply", stdout=out)  # fmt: skip
    assert "columna «Estado»: El estado «Inventado» no existe" in out.getvalue()
    with pytest.raises(CommandError, match="no tiene permiso"):
        call_command("pladeco_matrix", "import", str(plan.pk), str(path), "--user",
                     "concejala")  # fmt: skip


def test_a_role_limited_to_its_directorate_imports_only_its_reports(plan, personas):
    from secpla.core.models import Role, RoleGrant, User
    from secpla.core.roles import permission_for

    with audit_context(source="test"):
        role = Role.objects.create(code="importa_dideco", name="Importa DIDECO")
        grants = [
            ("planning.Plan", "view", "all"), ("planning.Plan", "change", "all"),
            ("planning.PlanNode", "view", "all"), ("planning.PlanNode", "add", "all"),
            ("planning.PlanNode", "change", "all"),
            ("planning.Initiative", "view", "all"), ("planning.Initiative", "add", "directorate"),
            ("planning.Initiative", "change", "directorate"),
            ("planning.IndicatorTarget", "view", "all"),
            ("planning.IndicatorTarget", "change", "directorate"),
        ]  # fmt: skip
        for label, action, scope in grants:
            RoleGrant.objects.create(
                role=role, permission=permission_for(label, action), scope=scope
            )
        user = User.objects.create(
            username="imp.dideco", role=role, directorate=Directorate.objects.get(code="DIDECO")
        )
    m = Matrix(matrix.write_matrix(plan))
    own, other = m.row_of("I-1"), m.row_of("I-2")  # I-1 is DIDECO's, I-2 SECPLA's
    m.set(own, "Avance (%)", 80)
    m.set(own, "Metas anuales", "2025=10/9; 2026=20,5")
    assert analyse(plan, m.content(), user).ok

    m.set(other, "Avance (%)", 10)
    m.set(own, "Iniciativa", "Otro nombre")
    m.set(own, "Metas anuales", "2025=11/9; 2026=20,5")
    result = analyse(plan, m.content(), user)
    assert "su propia dirección" in rejection_for(result, other, "Dirección")["message"]
    assert "no puede cambiar: Nombre" in rejection_for(result, own, "Código iniciativa")["message"]
