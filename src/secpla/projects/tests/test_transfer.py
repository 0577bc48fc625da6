"""The portfolio as XLSX: export (filtered), template, dry-run preview and the import
(all or nothing), with its permissions."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from secpla.core import services as core_services
from secpla.core.audit import audit_context
from secpla.core.documents import XLSX
from secpla.core.models import ChangeLogEntry, Directorate, Municipality
from secpla.core.reference import comuna_boundary
from secpla.projects import services, transfer
from secpla.projects.models import FundingLine, FundingSource, Project, StatusChange
from secpla.projects.views.transfer import FOLDER, SESSION_KEY

INSIDE = [-72.3016, -36.7425]  # a point inside Bulnes
POLYGON = {
    "type": "Polygon",
    "coordinates": [
        [[-72.302, -36.743], [-72.301, -36.743], [-72.301, -36.742], [-72.302, -36.742],
         [-72.302, -36.743]]
    ],
}  # fmt: skip
HEADERS = [c.header for c in transfer.COLUMNS]


# --------------------------------------------------------------------------------------
# Fixtures and helpers
# --------------------------------------------------------------------------------------


@pytest.fixture
def portfolio(personas, media):
    """Three projects: one with a point and two funding lines, one with a BIP code and a
    polygon, one moved to «Postulado»."""
    with audit_context(source="test"):
        municipality = Municipality.objects.get(pk=1)
        municipality.boundary = comuna_boundary(municipality.comuna.cut)
        municipality.save()
    secpla = Directorate.objects.get(code="SECPLA")
    dom = Directorate.objects.get(code="DOM")
    fndr = FundingSource.objects.get(code="FNDR")
    fril = FundingSource.objects.get(code="FRIL")
    director = personas.director
    plaza = services.project_create(
        actor=director,
        project=Project(
            name="=Plaza de Bulnes", description="Primera línea\r\nSegunda línea",
            directorate=secpla, kind="proyecto", stage="diseno", territory="Centro",
            estimated_cost=1_234_567_890,
            location={"type": "Point", "coordinates": INSIDE},
        ),
    )  # fmt: skip
    sede = services.project_create(
        actor=director,
        project=Project(
            name="Sede social", directorate=dom, bip_code="40024120-0", kind="estudio",
            location=POLYGON,
        ),
    )  # fmt: skip
    cancha = services.project_create(
        actor=director, project=Project(name="Cancha sintética", directorate=secpla)
    )
    services.project_transition(actor=director, project=cancha, to_status="postulado")
    for project, source, year, amount in (
        (plaza, fndr, 2026, 500_000_000),
        (plaza, fril, 2027, 90_000_000),
        (sede, fndr, 2026, 0),
    ):
        core_services.record_create(
            actor=director,
            instance=FundingLine(project=project, source=source, year=year, amount=amount),
        )
    return {"plaza": plaza, "sede": sede, "cancha": Project.objects.get(pk=cancha.pk)}


def export(client, query: str = "") -> bytes:
    response = client.get(reverse("projects:export") + query)
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    return response.content


def rows_of(content: bytes) -> list[list]:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return [list(row) for row in workbook[transfer.SHEET].iter_rows(values_only=True)]


def workbook_bytes(rows: list[list]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = transfer.SHEET
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def edit(content: bytes, changes: dict[tuple[int, str], object], extra_rows=()) -> bytes:
    """The workbook with cells changed by (row number, header) and rows appended."""
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    sheet = workbook[transfer.SHEET]
    headers = [c.value for c in sheet[1]]
    for (row, header), value in changes.items():
        if header not in headers:
            headers.append(header)
            sheet.cell(row=1, column=len(headers), value=header)
        sheet.cell(row=row, column=headers.index(header) + 1).value = value  # None clears
    for extra in extra_rows:
        sheet.append([extra.get(h) for h in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def row_number(content: bytes, code: str) -> int:
    for number, row in enumerate(rows_of(content), start=1):
        if row[0] == code:
            return number
    raise AssertionError(code)


def upload(client, content: bytes, name: str = "cartera.xlsx"):
    return client.post(
        reverse("projects:import"), {"file": SimpleUploadedFile(name, content, XLSX)}
    )


def snapshot():
    return (
        sorted(Project.objects.values_list("code", "name", "bip_code", "estimated_cost", "status")),
        sorted(FundingLine.objects.values_list("project__code", "source__code", "year", "amount")),
        ChangeLogEntry.objects.count(),
        StatusChange.objects.count(),
    )


# --------------------------------------------------------------------------------------
# Export and template
# --------------------------------------------------------------------------------------


def test_export_writes_one_row_per_project_with_funding_columns(portfolio, personas, client_as):
    rows = rows_of(export(client_as(personas.concejala)))
    header = rows[0]
    assert header[: len(HEADERS)] == HEADERS
    assert header[len(HEADERS) :] == ["FNDR 2026 ($)", "FRIL 2027 ($)"]
    by_code = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert len(by_code) == 3
    plaza = by_code[portfolio["plaza"].code]
    assert plaza["Nombre"] == "=Plaza de Bulnes"  # text, never a formula
    assert plaza["Tipología"] == "Proyecto" and plaza["Etapa"] == "Diseño"
    assert plaza["Estado"] == "En formulación" and plaza["Dirección"] == "SECPLA"
    assert plaza["Costo total estimado ($)"] == 1_234_567_890
    assert [plaza["Longitud"], plaza["Latitud"]] == INSIDE
    assert plaza["FNDR 2026 ($)"] == 500_000_000 and plaza["FRIL 2027 ($)"] == 90_000_000
    sede = by_code[portfolio["sede"].code]
    assert sede["Código BIP"] == "40024120-0"
    assert sede["Longitud"] is None and sede["Latitud"] is None  # a polygon is not a point
    assert sede["FNDR 2026 ($)"] == 0 and sede["FRIL 2027 ($)"] is None
    assert by_code[portfolio["cancha"].code]["Estado"] == "Postulado"


def test_export_follows_the_list_filters(portfolio, personas, client_as):
    rows = rows_of(export(client_as(personas.director), "?status=postulado"))
    assert [row[0] for row in rows[1:]] == [portfolio["cancha"].code]
    assert rows[0] == HEADERS  # no funding columns: the project has none
    rows = rows_of(export(client_as(personas.director), "?q=sede"))
    assert [row[0] for row in rows[1:]] == [portfolio["sede"].code]


def test_template_has_the_columns_and_the_instructions(personas, client_as):
    response = client_as(personas.estudios).get(reverse("projects:template"))
    assert response.status_code == 200
    assert "plantilla-cartera.xlsx" in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == [transfer.SHEET, transfer.INSTRUCTIONS_SHEET]
    rows = list(workbook[transfer.SHEET].iter_rows(values_only=True))
    year = timezone.localdate().year
    assert len(rows) == 1
    assert list(rows[0][: len(HEADERS)]) == HEADERS
    assert f"FNDR {year} ($)" in rows[0] and f"MUNICIPAL {year} ($)" in rows[0]
    notes = [row[0] for row in workbook[transfer.INSTRUCTIONS_SHEET].iter_rows(values_only=True)]
    assert "Fuentes de financiamiento" in notes and "SECPLA" in notes


# --------------------------------------------------------------------------------------
# Round trip
# --------------------------------------------------------------------------------------


def test_reimporting_an_unchanged_export_changes_nothing(portfolio, personas, client_as):
    client = client_as(personas.estudios)
    content = export(client)
    before = snapshot()
    response = upload(client, content)
    assert response.status_code == 200
    assert response.context["counts"] == {
        "rows": 3, "created": 0, "updated": 0, "unchanged": 3, "rejected": 0,
    }  # fmt: skip
    assert not response.context["can_apply"]
    assert "ya coincide" in response.content.decode()
    result = transfer.apply(io.BytesIO(content), user=personas.estudios)
    assert (len(result.created), len(result.updated)) == (0, 0)
    assert snapshot() == before  # no writes, no change-log entries
    assert Project.objects.get(pk=portfolio["sede"].pk).location == POLYGON


def test_an_edited_export_previews_then_applies_everything(portfolio, personas, client_as):
    client = client_as(personas.estudios)
    content = export(client)
    plaza, sede = portfolio["plaza"], portfolio["sede"]
    r_plaza, r_sede = row_number(content, plaza.code), row_number(content, sede.code)
    edited = edit(
        content,
        {
            (r_plaza, "Nombre"): "Plaza de Bulnes renovada",
            (r_plaza, "FNDR 2026 ($)"): "600.000.000",  # Chilean thousands, as text
            (r_plaza, "FRIL 2027 ($)"): None,  # empty: the line goes
            (r_plaza, "Etapa"): "ejecución",
            (r_sede, "Código interno"): None,  # found by its BIP code
            (r_sede, "Costo total estimado ($)"): 45_000_000.0,
            (r_sede, "PMU 2027 ($)"): 12_000_000,
        },
        extra_rows=[
            {"Nombre": "Multicancha Santa Clara", "Dirección": "dom", "Tipología": "Proyecto",
             "Estado": "En formulación", "Longitud": "-72,3016", "Latitud": -36.7425,
             "FNDR 2026 ($)": "$ 80.000.000"},
        ],
    )  # fmt: skip
    response = upload(client, edited)
    assert response.status_code == 200
    context = response.context
    assert context["counts"]["rejected"] == 0, context["rejected"]
    assert (context["counts"]["created"], context["counts"]["updated"]) == (1, 2)
    changes = {c["field"]: (c["before"], c["after"]) for c in context["updated"][0]["changes"]}
    assert changes["Nombre"] == ("=Plaza de Bulnes", "Plaza de Bulnes renovada")
    assert changes["FNDR 2026 ($)"] == ("$ 500.000.000", "$ 600.000.000")
    assert changes["FRIL 2027 ($)"] == ("$ 90.000.000", "—"), changes
    assert changes["Etapa"] == ("Diseño", "Ejecución")
    assert context["can_apply"]
    assert Project.objects.count() == 3  # a preview writes nothing
    assert client.session[SESSION_KEY]["path"].startswith(f"{FOLDER}/")

    response = client.post(reverse("projects:import_apply"))
    assert response.status_code == 200
    assert response.context["applied"]
    plaza.refresh_from_db()
    sede.refresh_from_db()
    assert (plaza.name, plaza.stage) == ("Plaza de Bulnes renovada", "ejecucion")
    assert sede.estimated_cost == 45_000_000 and sede.location == POLYGON
    new = Project.objects.get(name="Multicancha Santa Clara")
    assert new.code.startswith("PRY-") and new.status == "formulacion"
    assert new.directorate.code == "DOM"
    assert new.location == {"type": "Point", "coordinates": INSIDE}
    lines = set(FundingLine.objects.values_list("project__code", "source__code", "year", "amount"))
    assert (plaza.code, "FNDR", 2026, 600_000_000) in lines
    assert not any(line[:3] == (plaza.code, "FRIL", 2027) for line in lines)
    assert (sede.code, "PMU", 2027, 12_000_000) in lines
    assert (new.code, "FNDR", 2026, 80_000_000) in lines
    logged = ChangeLogEntry.objects.filter(source=transfer.AUDIT_SOURCE)
    assert logged.filter(action="create", object_id=str(new.pk)).exists()
    assert all("cartera.xlsx" in entry.reason for entry in logged)
    assert SESSION_KEY not in client.session
    # The file was applied and removed: applying again is refused, not repeated.
    response = client.post(reverse("projects:import_apply"))
    assert response.status_code == 302
    assert Project.objects.filter(name="Multicancha Santa Clara").count() == 1


def test_a_row_with_a_new_internal_code_creates_that_code(portfolio, personas):
    content = workbook_bytes(
        [HEADERS, ["PRY-EXT-7", "", "Puente peatonal", "", "", "", "", "SECPLA"]]
    )
    transfer.apply(io.BytesIO(content), user=personas.director)
    project = Project.objects.get(code="PRY-EXT-7")
    assert project.kind == "proyecto" and project.stage == "idea"
    assert project.status_changes.count() == 1


# --------------------------------------------------------------------------------------
# Rejections
# --------------------------------------------------------------------------------------


def test_one_bad_row_writes_nothing_and_names_row_and_column(portfolio, personas, client_as):
    client = client_as(personas.director)
    content = export(client)
    r_plaza = row_number(content, portfolio["plaza"].code)
    edited = edit(
        content,
        {(r_plaza, "Nombre"): "Nombre nuevo"},
        extra_rows=[{"Nombre": "Mal costo", "Dirección": "SECPLA",
                     "Costo total estimado ($)": "mucho"}],
    )  # fmt: skip
    before = snapshot()
    response = upload(client, edited)
    rejected = response.context["rejected"]
    assert rejected == [
        {"row": 5, "column": "Costo total estimado ($)", "message": "«mucho» no es un número."}
    ]
    assert not response.context["can_apply"]
    assert "Filas rechazadas" in response.content.decode()
    # Forcing the apply re-reads the file: still rejected, nothing written.
    response = client.post(reverse("projects:import_apply"))
    assert response.status_code == 200
    assert response.context["counts"]["rejected"] == 1
    assert snapshot() == before
    with pytest.raises(transfer.ImportRejected):
        transfer.apply(io.BytesIO(edited), user=personas.director)
    assert snapshot() == before


def test_cell_problems_are_each_named(portfolio, personas):
    year = timezone.localdate().year
    rows = [
        [*HEADERS, f"FNDR {year} ($)"],
        ["", "", "Sin dirección"],
        ["", "", "Costo enorme", "", "", "", "", "SECPLA", "", "1e30"],
        ["", "", "Decimales", "", "", "", "", "SECPLA", "", "", "", "", 10.5],
        ["", "", "Etapa rara", "", "", "Estratosférica", "", "SECPLA"],
        ["", "", "Dirección rara", "", "", "", "", "XYZ"],
        ["", "", "Solo longitud", "", "", "", "", "SECPLA", "", "", -72.3],
        ["", "", "Fuera", "", "", "", "", "SECPLA", "", "", -70.6, -33.4],
        ["", "", "Fórmula", "", "", "", "", "SECPLA", "", "=1+1"],
        ["", "40024120-1", "BIP nuevo", "", "", "", "", "SECPLA"],
        ["", "123", "BIP malo", "", "", "", "", "SECPLA"],
        ["", "", "Sede social", "", "", "", "", "SECPLA", "", "", "", "", "-5"],
    ]
    result = transfer.analyse(io.BytesIO(workbook_bytes(rows)), user=personas.director)
    found = {(r["row"], r["column"]): r["message"] for r in result.rejected}
    assert "dirección responsable" in found[(2, "Dirección")]
    assert found[(3, "Costo total estimado ($)")] == "El número es demasiado grande."
    assert "sin decimales" in found[(4, f"FNDR {year} ($)")]
    assert "no es una etapa válida" in found[(5, "Etapa")]
    assert "XYZ" in found[(6, "Dirección")]
    assert "longitud y la latitud" in found[(7, "Latitud")]
    assert "fuera de la comuna" in found[(8, "Longitud y Latitud")]
    assert "fórmula sin valor" in found[(9, "Costo total estimado ($)")]
    assert "dígito verificador" in found[(11, "Código BIP")]
    assert "negativo" in found[(12, f"FNDR {year} ($)")]
    assert (10, "Código BIP") not in found  # a new BIP code is fine
    assert len(result.created) == 1


def test_an_unknown_funding_source_column_is_rejected(portfolio, personas):
    rows = [[*HEADERS, "FONDOX 2026 ($)", "Notas"], ["", "", "Algo", "", "", "", "", "SECPLA"]]
    result = transfer.analyse(io.BytesIO(workbook_bytes(rows)), user=personas.director)
    assert [(r["row"], r["column"]) for r in result.rejected] == [(1, "FONDOX 2026 ($)")]
    assert "FONDOX" in result.rejected[0]["message"]
    assert any("Notas" in w for w in result.warnings)
    assert not result.ops


def test_a_status_change_in_the_file_is_refused(portfolio, personas, client_as):
    client = client_as(personas.director)
    content = export(client)
    cancha = portfolio["cancha"]
    edited = edit(
        content,
        {(row_number(content, cancha.code), "Estado"): "Financiado"},
        extra_rows=[{"Nombre": "Nuevo ya financiado", "Dirección": "SECPLA",
                     "Estado": "Financiado"}],
    )  # fmt: skip
    response = upload(client, edited)
    rejected = response.context["rejected"]
    assert [(r["row"], r["column"]) for r in rejected] == [
        (row_number(content, cancha.code), "Estado"),
        (5, "Estado"),
    ]
    assert "Cambiar estado" in rejected[0]["message"]
    assert "«Postulado»" in rejected[0]["message"]
    assert "En formulación" in rejected[1]["message"]
    cancha.refresh_from_db()
    assert cancha.status == "postulado"


def test_conflicting_and_repeated_codes_are_refused(portfolio, personas):
    plaza, sede = portfolio["plaza"], portfolio["sede"]
    rows = [
        HEADERS,
        [plaza.code, sede.bip_code, "Plaza"],
        ["PRY-NUEVO", sede.bip_code, "Otra"],
        [sede.code, "", "Sede"],
        [sede.code, "", "Sede otra vez"],
    ]
    result = transfer.analyse(io.BytesIO(workbook_bytes(rows)), user=personas.director)
    found = {(r["row"], r["column"]) for r in result.rejected}
    assert found == {(2, "Código BIP"), (3, "Código interno"), (5, "Código interno")}


def test_a_failed_apply_leaves_everything_unchanged(portfolio, personas, client_as, monkeypatch):
    client = client_as(personas.estudios)
    content = export(client)
    edited = edit(
        content,
        {(row_number(content, portfolio["plaza"].code), "Nombre"): "Cambiado"},
        extra_rows=[{"Nombre": "Nuevo", "Dirección": "SECPLA", "FNDR 2026 ($)": 5}],
    )
    assert upload(client, edited).context["can_apply"]
    before = snapshot()

    def broken(**kwargs):
        raise RuntimeError("disco lleno")

    monkeypatch.setattr(core_services, "record_create", broken)
    response = client.post(reverse("projects:import_apply"), follow=True)
    assert response.status_code == 200
    assert "No se guardó nada" in response.content.decode()
    assert snapshot() == before
    assert Project.objects.get(pk=portfolio["plaza"].pk).name == "=Plaza de Bulnes"


def test_an_upload_that_is_not_a_spreadsheet_is_refused(personas, client_as, media):
    client = client_as(personas.director)
    response = client.post(
        reverse("projects:import"),
        {"file": SimpleUploadedFile("cartera.csv", b"a;b\n1;2\n", "text/csv")},
    )
    assert response.status_code == 200
    assert ".xlsx" in response.context["form"].errors["file"][0]
    response = upload(client, workbook_bytes([["Columna rara"], ["x"]]))
    assert "Código interno" in response.context["form"].errors["file"][0]
    assert SESSION_KEY not in client.session


# --------------------------------------------------------------------------------------
# Permissions
# --------------------------------------------------------------------------------------


def test_only_who_creates_and_changes_projects_imports(portfolio, personas, client_as):
    content = export(client_as(personas.director))
    for persona in (personas.enlace_dideco, personas.concejala, personas.admin):
        client = client_as(persona)
        assert client.get(reverse("projects:import")).status_code == 403
        assert upload(client, content).status_code == 403
        assert client.post(reverse("projects:import_apply")).status_code == 403
    assert not transfer.can_import(personas.enlace_dideco)
    with pytest.raises(transfer.PermissionDenied):
        transfer.apply(io.BytesIO(content), user=personas.enlace_dideco)
    for persona in (personas.director, personas.estudios):
        assert client_as(persona).get(reverse("projects:import")).status_code == 200


def test_export_and_template_need_to_view_projects(portfolio, personas, client_as):
    for persona in (personas.admin, personas.sin_rol):
        client = client_as(persona)
        assert client.get(reverse("projects:export")).status_code == 403
        assert client.get(reverse("projects:template")).status_code == 403
    assert client_as(personas.enlace_dideco).get(reverse("projects:export")).status_code == 200
