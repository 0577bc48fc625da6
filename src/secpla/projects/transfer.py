"""The investment portfolio as an XLSX spreadsheet: export, template, dry run and import.

Sheet «Cartera», header in row 1, one row per project. The export writes exactly the
columns the import reads, so re-importing an unchanged export changes nothing
(decision 0010). Funding is one column per source and year ("FNDR 2026 ($)").

The import is two synchronous steps (a portfolio has tens to hundreds of rows):
- `analyse()` reads and validates the file and lists what would be created, updated
  (field: before → after) and rejected (row, column, Spanish message); it writes nothing.
- `apply()` analyses the same file again inside ONE transaction (the portfolio may have
  changed since the preview) and writes only what differs, through the services; any
  rejection or exception rolls everything back.

Status is read-only here: it changes only through the workflow ("Cambiar estado").
Nothing is deleted but funding lines emptied in a column the file has.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from secpla.core import services as core_services
from secpla.core.audit import audit_context, clean_text
from secpla.core.generic import xlsx_cell
from secpla.core.models import Directorate, Scope
from secpla.core.money import MAX_PESOS, format_clp
from secpla.core.permissions import can, scope_for
from secpla.planning.matrix import (
    CellError,
    FileProblem,
    normalise_header,
    number_value,
    open_workbook,
    text_value,
)
from secpla.projects import services, workflow
from secpla.projects.models import FundingLine, FundingSource, Project

SHEET = "Cartera"
INSTRUCTIONS_SHEET = "Instrucciones"
MAX_ROWS = 5_000  # a municipal portfolio has tens to hundreds of projects
MAX_REJECTIONS = 500
AUDIT_SOURCE = "importacion"


class ImportRejected(Exception):
    """The file has rejections (or the data changed since the preview): nothing written."""

    def __init__(self, analysis: Analysis):
        super().__init__("La importación tiene filas rechazadas.")
        self.analysis = analysis


# --------------------------------------------------------------------------------------
# Columns
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    help: str
    width: int = 18


COLUMNS = [
    Column("Código interno", "code", "Código del proyecto en la plataforma (p. ej. PRY-2026-001). "
           "Vacío en un proyecto nuevo: la plataforma lo asigna.", 16),
    Column("Código BIP", "bip_code", "8 dígitos, guion y dígito verificador (p. ej. 40024120-0). "
           "Se usa para encontrar el proyecto si no trae código interno.", 14),
    Column("Nombre", "name", "Obligatorio en un proyecto nuevo.", 40),
    Column("Descripción", "description", "Texto libre.", 40),
    Column("Tipología", "kind", "Estudio básico, Proyecto o Programa.", 16),
    Column("Etapa", "stage", "Idea, Perfil, Prefactibilidad, Factibilidad, Diseño, Ejecución u "
           "Operación.", 16),
    Column("Estado", "status", "Solo lectura: el estado cambia con «Cambiar estado» en la ficha "
           "del proyecto. Un proyecto nuevo comienza «En formulación».", 18),
    Column("Dirección", "directorate", "Sigla de la dirección responsable (p. ej. SECPLA). "
           "Obligatoria en un proyecto nuevo.", 12),
    Column("Territorio", "territory", "Sector, localidad o «comunal».", 18),
    Column("Costo total estimado ($)", "estimated_cost", "Pesos sin decimales.", 18),
    Column("Longitud", "longitude", "Ubicación como punto (WGS84), p. ej. -72.3016. Vacías "
           "Longitud y Latitud: se quita el punto; un polígono se conserva.", 12),
    Column("Latitud", "latitude", "Ubicación como punto (WGS84), p. ej. -36.7425.", 12),
]  # fmt: skip
FIELD_HEADERS = {c.key: c.header for c in COLUMNS}
BY_HEADER = {normalise_header(c.header): c for c in COLUMNS}
FIELD_LABELS = {**FIELD_HEADERS, "location": "Ubicación"}
LOCATION_COLUMN = "Longitud y Latitud"
# Model errors -> the column that caused them.
ERROR_COLUMNS = {**FIELD_HEADERS, "location": LOCATION_COLUMN, "responsible": "Dirección"}
FUNDING_HEADER = re.compile(r"(?P<code>.+?)\s+(?P<year>\d{4})\s*\(\s*\$\s*\)")
YEAR_MIN, YEAR_MAX = 1990, 2100


def funding_header(source_code: str, year: int) -> str:
    return f"{source_code} {year} ($)"


def can_import(user) -> bool:
    """Importing creates and changes projects: add and change on Project."""
    return can(user, "add", Project) and can(user, "change", Project)


def require_import_permission(user) -> None:
    if not can_import(user):
        raise PermissionDenied(
            "No tiene permiso para importar la cartera: se requiere poder crear y modificar "
            "proyectos."
        )


# --------------------------------------------------------------------------------------
# Export and template
# --------------------------------------------------------------------------------------


def point_of(location) -> tuple[float, float] | None:
    """(longitude, latitude) of a GeoJSON Point; None for no location or other shapes."""
    if isinstance(location, dict) and location.get("type") == "Point":
        coords = location.get("coordinates") or []
        if len(coords) >= 2:
            return float(coords[0]), float(coords[1])
    return None


def project_cells(project: Project, lines: list[FundingLine]) -> dict:
    """{column key or funding header: value} of one project, as the export writes it."""
    point = point_of(project.location)
    cells = {
        "code": project.code,
        "bip_code": project.bip_code or "",
        "name": project.name,
        "description": project.description,
        "kind": project.get_kind_display(),
        "stage": project.get_stage_display(),
        "status": project.get_status_display(),
        "directorate": project.directorate.code,
        "territory": project.territory,
        "estimated_cost": project.estimated_cost,
        "longitude": point[0] if point else None,
        "latitude": point[1] if point else None,
    }
    for line in lines:
        cells[funding_header(line.source.code, line.year)] = line.amount
    return cells


def export_rows(projects, *, user=None) -> tuple[list[str], list[dict]]:
    """(funding headers, rows) of these projects; funding lines as far as `user` sees."""
    projects = list(projects.select_related("directorate").order_by("code"))
    lines_qs = FundingLine.objects.filter(project__in=[p.pk for p in projects])
    if user is not None:
        lines_qs = lines_qs.for_user(user, "view")
    by_project: dict[int, list[FundingLine]] = {}
    combos: set[tuple[str, int]] = set()
    for line in lines_qs.select_related("source"):
        by_project.setdefault(line.project_id, []).append(line)
        combos.add((line.source.code, line.year))
    funding = [
        funding_header(code, year) for code, year in sorted(combos, key=lambda c: (c[1], c[0]))
    ]
    rows = [project_cells(p, by_project.get(p.pk, [])) for p in projects]
    return funding, rows


def _instruction_rows() -> list[list]:
    rows: list[list] = [
        ["Cartera de proyectos de inversión"],
        ["Una fila por proyecto en la hoja «Cartera». La fila 1 tiene los encabezados: no los "
         "cambie."],
        ["La importación busca cada proyecto por su código interno y, si no lo trae, por su "
         "código BIP; una fila sin ninguno de los dos crea un proyecto nuevo."],
        ["Primero se muestra una vista previa; nada se guarda hasta «Aplicar importación», y "
         "entonces se guarda todo junto o nada."],
        ["Financiamiento: una columna por fuente y año, con el encabezado «SIGLA AÑO ($)», por "
         "ejemplo «FNDR 2026 ($)». Celda vacía: sin monto de esa fuente ese año (se quita si "
         "existía). Una fuente o un año que no estén como columna no se tocan."],
        [],
        ["Columna", "Qué escribir"],
    ]  # fmt: skip
    rows += [[c.header, c.help] for c in COLUMNS]
    rows.append(["SIGLA AÑO ($)", "Monto en pesos de esa fuente ese año."])

    def add_list(title: str, header: tuple[str, str], values: list) -> None:
        rows.extend([[], [title], list(header)])
        rows.extend([list(v) for v in values] or [["(ninguno)"]])

    add_list("Tipologías", ("Tipología", ""), [(label,) for _, label in Project.Kind.choices])
    add_list("Etapas", ("Etapa", ""), [(label,) for _, label in Project.Stage.choices])
    add_list("Estados", ("Estado", ""), [(label,) for _, label in workflow.Status.choices])
    add_list(
        "Direcciones",
        ("Sigla", "Nombre"),
        list(Directorate.objects.filter(is_active=True).values_list("code", "name")),
    )
    add_list(
        "Fuentes de financiamiento",
        ("Sigla", "Nombre"),
        list(FundingSource.objects.filter(is_active=True).values_list("code", "name")),
    )
    return rows


def write_portfolio(projects=None, *, user=None, template: bool = False) -> bytes:
    """The projects (or, with `template`, an empty sheet) as XLSX bytes."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    if template:
        year = timezone.localdate().year
        sources = FundingSource.objects.filter(is_active=True).values_list("code", flat=True)
        funding, rows = [funding_header(code, year) for code in sources], []
    else:
        funding, rows = export_rows(projects, user=user)
    keys = [c.key for c in COLUMNS] + funding
    headers = [c.header for c in COLUMNS] + funding
    widths = [c.width for c in COLUMNS] + [16] * len(funding)

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET)
    sheet.freeze_panes = "B2"
    for i, width in enumerate(widths, start=1):
        dimension = sheet.column_dimensions[get_column_letter(i)]
        dimension.width = width
        if keys[i - 1] in ("code", "bip_code"):
            dimension.number_format = "@"
    fill = PatternFill("solid", fgColor="DCE6F1")
    header_cells = []
    for text in headers:
        cell = xlsx_cell(sheet, text, bold=True)
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        header_cells.append(cell)
    sheet.append(header_cells)
    money = {"estimated_cost", *funding}
    for values in rows:
        sheet.append(
            [
                None
                if values.get(key) in (None, "")
                else xlsx_cell(sheet, values[key], number_format="#,##0" if key in money else "")
                for key in keys
            ]
        )

    notes = workbook.create_sheet(INSTRUCTIONS_SHEET)
    notes.column_dimensions["A"].width = 28
    notes.column_dimensions["B"].width = 110
    titles = {"Columna", "Tipologías", "Etapas", "Estados", "Direcciones",
              "Fuentes de financiamiento"}  # fmt: skip
    for i, row in enumerate(_instruction_rows()):
        cells = [xlsx_cell(notes, v, bold=i == 0 or (bool(row) and row[0] in titles)) for v in row]
        if i == 0:
            cells[0].font = Font(bold=True, size=14)
        notes.append(cells)

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------------------
# Reading the file
# --------------------------------------------------------------------------------------


@dataclass
class Sheet:
    columns: dict[str, int]  # column key -> 0-based index
    funding: dict[int, tuple[FundingSource, int, str]]  # index -> (source, year, header)
    rows: list[tuple[int, list]]  # (spreadsheet row number, values)
    rejected: list[dict]
    warnings: list[str]


def _rejection(row: int | None, column: str, message: str) -> dict:
    return {"row": row, "column": column, "message": message}


def _grid(source, *, data_only: bool, warnings: list[str]) -> tuple[str, list[list]]:
    """(sheet name, [[cell, …], …]) of the portfolio sheet; cells as openpyxl gives them."""
    workbook = open_workbook(source, data_only=data_only)
    try:
        if SHEET in workbook.sheetnames:
            sheet = workbook[SHEET]
        else:
            names = [n for n in workbook.sheetnames if n != INSTRUCTIONS_SHEET]
            if not names:
                raise FileProblem(f"El archivo no tiene la hoja «{SHEET}».")
            sheet = workbook[names[0]]
            if data_only:
                warnings.append(f"No hay una hoja «{SHEET}»: se leyó la hoja «{names[0]}».")
        sheet.reset_dimensions()  # some programs write a wrong (or no) sheet size
        grid = []
        for cells in sheet.iter_rows():
            grid.append([(c.value, getattr(c, "data_type", None)) for c in cells])
            if len(grid) > MAX_ROWS + 1:
                raise FileProblem(
                    f"El archivo tiene más de {MAX_ROWS:,} filas: divídalo en partes.".replace(
                        ",", "."
                    )
                )
        return sheet.title, grid
    finally:
        workbook.close()


def read_sheet(source) -> Sheet:
    """Read the header and the non-empty rows. Formulas count with the value the
    spreadsheet saved; a formula without one is a rejection."""
    warnings: list[str] = []
    rejected: list[dict] = []
    _, values = _grid(source, data_only=True, warnings=warnings)
    _, raw = _grid(source, data_only=False, warnings=warnings)
    if not values or not any(v not in (None, "") for v, _ in values[0]):
        raise FileProblem(f"La hoja «{SHEET}» no tiene encabezados en la fila 1: use la plantilla.")
    headers = [clean_text(text_value(v)) for v, _ in values[0]]
    while headers and not headers[-1]:
        headers.pop()
    columns, funding = _map_headers(headers, rejected, warnings)
    rows: list[tuple[int, list]] = []
    for number, (cells, raw_cells) in enumerate(zip(values[1:], raw[1:], strict=False), start=2):
        row = [cells[i][0] if i < len(cells) else None for i in range(len(headers))]
        for index in range(len(headers)):
            is_formula = index < len(raw_cells) and raw_cells[index][1] == "f"
            if is_formula and row[index] is None:
                rejected.append(
                    _rejection(
                        number,
                        headers[index] or f"columna {index + 1}",
                        "La celda tiene una fórmula sin valor calculado: reemplácela por su "
                        "valor, o abra el archivo en Excel y guárdelo otra vez.",
                    )
                )
        if any(v is not None and str(v).strip() != "" for v in row):
            rows.append((number, row))
    return Sheet(columns, funding, rows, rejected, warnings)


def _map_headers(headers: list[str], rejected: list[dict], warnings: list[str]):
    sources = {s.code.casefold(): s for s in FundingSource.objects.all()}
    columns: dict[str, int] = {}
    funding: dict[int, tuple[FundingSource, int, str]] = {}
    seen_funding: dict[tuple[int, int], str] = {}
    for index, header in enumerate(headers):
        if not header:
            continue
        column = BY_HEADER.get(normalise_header(header))
        if column is not None:
            if column.key in columns:
                rejected.append(_rejection(1, header, f"La columna «{header}» está repetida."))
            columns[column.key] = index
            continue
        if header.replace(" ", "").endswith("($)"):
            match = FUNDING_HEADER.fullmatch(header)
            if not match:
                rejected.append(
                    _rejection(
                        1,
                        header,
                        f"La columna «{header}» no tiene la forma «SIGLA AÑO ($)», "
                        "por ejemplo «FNDR 2026 ($)».",
                    )
                )
                continue
            source = sources.get(match.group("code").strip().casefold())
            year = int(match.group("year"))
            if source is None:
                rejected.append(
                    _rejection(
                        1,
                        header,
                        f"La columna «{header}» nombra una fuente de financiamiento que no "
                        f"existe («{match.group('code').strip()}»). Use la sigla de una fuente "
                        "del catálogo.",
                    )
                )
                continue
            if not YEAR_MIN <= year <= YEAR_MAX:
                rejected.append(
                    _rejection(1, header, f"Año fuera de rango ({YEAR_MIN}–{YEAR_MAX}): {year}.")
                )
                continue
            if (source.pk, year) in seen_funding:
                rejected.append(_rejection(1, header, f"La columna «{header}» está repetida."))
                continue
            seen_funding[(source.pk, year)] = header
            funding[index] = (source, year, header)
            continue
        warnings.append(f"Se ignoró la columna «{header}», que no es de la cartera.")
    if not ({"code", "bip_code", "name"} & columns.keys()):
        raise FileProblem(
            "La hoja no tiene las columnas «Código interno», «Código BIP» ni «Nombre»: "
            "use la plantilla o una cartera exportada."
        )
    return columns, funding


# --------------------------------------------------------------------------------------
# Cell values
# --------------------------------------------------------------------------------------


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else f"{text[:limit]}…"


def pesos_value(value) -> int | None:
    """Pesos from a cell: 1234567, 1234567.0, '1.234.567', '$ 1.234.567'."""
    if isinstance(value, str) and not value.strip():
        return None
    number = number_value(value, thousands_dot=True)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise CellError("Los montos se indican en pesos, sin decimales.")
    if number < 0:
        raise CellError("El monto no puede ser negativo.")
    if number >= MAX_PESOS:
        raise CellError("El monto es demasiado grande.")
    return int(number)


def coordinate_value(value, *, limit: int) -> float | None:
    if isinstance(value, str) and not value.strip():
        return None
    number = number_value(value, thousands_dot=False)
    if number is None:
        return None
    if not -limit <= number <= limit:
        raise CellError(f"La coordenada debe estar entre -{limit} y {limit} (es {number}).")
    return float(number)


def choice_value(value, choices, what: str) -> str | None:
    """A label or code ('Diseño', 'diseno', 'DISEÑO') -> the stored value."""
    text = text_value(value)
    if not text:
        return None
    wanted = normalise_header(text)
    for stored, label in choices:
        if wanted in (normalise_header(stored), normalise_header(label)):
            return stored
    options = ", ".join(f"«{label}»" for _, label in choices)
    raise CellError(f"«{_short(text)}» no es {what} válida. Use una de: {options}.")


def _same_text(a, b) -> bool:
    def norm(text) -> str:
        return clean_text(str(text or "").replace("\r\n", "\n").replace("\r", "\n"))

    return norm(a) == norm(b)


def _same_point(a, b) -> bool:
    pa, pb = point_of(a), point_of(b)
    if pa is None or pb is None:
        return a == b
    return abs(pa[0] - pb[0]) < 1e-9 and abs(pa[1] - pb[1]) < 1e-9


def shown(value, field_name: str = "") -> str:
    """A value as the preview shows it (before → after)."""
    if value is None or value == "":
        return "—"
    if field_name == "estimated_cost" or field_name == "amount":
        return format_clp(value)
    if field_name == "kind":
        return str(Project.Kind(value).label)
    if field_name == "stage":
        return str(Project.Stage(value).label)
    if field_name == "location":
        point = point_of(value)
        if point:
            return f"punto ({point[0]}, {point[1]})"
        return {"Polygon": "polígono", "MultiPolygon": "polígono", "LineString": "línea"}.get(
            value.get("type"), "geometría"
        )
    if isinstance(value, Directorate):
        return value.code
    text = str(value)
    return text if len(text) <= 80 else text[:79] + "…"


# --------------------------------------------------------------------------------------
# Analysis
# --------------------------------------------------------------------------------------


@dataclass
class FundingOp:
    source: FundingSource
    year: int
    line: FundingLine | None  # the existing line, if any
    amount: int | None  # None: no line


@dataclass
class RowOp:
    row: int
    project: Project | None  # existing project (None: create)
    values: dict  # field -> new value (create: all given; update: only changed)
    funding: list[FundingOp] = field(default_factory=list)


@dataclass
class Analysis:
    ops: list[RowOp] = field(default_factory=list)
    created: list[dict] = field(default_factory=list)
    updated: list[dict] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unchanged: int = 0
    rows: int = 0

    @property
    def changes(self) -> int:
        return len(self.created) + len(self.updated)

    def report(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "rejected": self.rejected,
            "warnings": self.warnings,
            "counts": {
                "rows": self.rows,
                "created": len(self.created),
                "updated": len(self.updated),
                "unchanged": self.unchanged,
                "rejected": len(self.rejected),
            },
        }


class _RowError(Exception):
    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column = column
        self.message = message


def analyse(source, *, user) -> Analysis:
    """What importing the file would do, validated; writes nothing.

    Raises FileProblem when the file is not a readable portfolio.
    """
    sheet = read_sheet(source)
    result = Analysis(rejected=list(sheet.rejected), warnings=list(sheet.warnings))
    result.rows = len(sheet.rows)
    if any(r["row"] == 1 for r in sheet.rejected):
        return result  # a bad header: the rows cannot be read with confidence
    _Analyser(sheet, user, result).run()
    if len(result.rejected) > MAX_REJECTIONS:
        extra = len(result.rejected) - MAX_REJECTIONS
        result.rejected = result.rejected[:MAX_REJECTIONS]
        result.warnings.append(f"Se muestran {MAX_REJECTIONS} problemas; hay {extra} más.")
    return result


class _Analyser:
    def __init__(self, sheet: Sheet, user, result: Analysis):
        self.sheet = sheet
        self.user = user
        self.result = result
        self.directorates = {d.code.casefold(): d for d in Directorate.objects.all()}
        self.by_code = {p.code.casefold(): p for p in Project.objects.select_related("directorate")}
        self.by_bip = {p.bip_code: p for p in self.by_code.values() if p.bip_code}
        self.lines: dict[int, dict[tuple[int, int], FundingLine]] = {}
        for line in FundingLine.objects.all():
            self.lines.setdefault(line.project_id, {})[(line.source_id, line.year)] = line
        self.changeable = set(Project.objects.for_user(user, "change").values_list("pk", flat=True))
        self.add_scope = scope_for(user, Project, "add")
        self.seen_code: dict[str, int] = {}
        self.seen_bip: dict[str, int] = {}
        self.seen_project: dict[int, int] = {}

    def cell(self, values: list, key: str):
        index = self.sheet.columns.get(key)
        return values[index] if index is not None and index < len(values) else None

    def has(self, key: str) -> bool:
        return key in self.sheet.columns

    def run(self) -> None:
        unreadable = {r["row"] for r in self.sheet.rejected}  # formulas without a value
        for number, values in self.sheet.rows:
            if number in unreadable:
                continue
            errors: list[dict] = []
            try:
                op, change = self.row(number, values, errors)
            except _RowError as exc:
                errors.append(_rejection(number, exc.column, exc.message))
            if errors:
                self.result.rejected.extend(errors)
                continue
            if op is None:
                self.result.unchanged += 1
                continue
            self.result.ops.append(op)
            (self.result.created if op.project is None else self.result.updated).append(change)

    # One row ---------------------------------------------------------------------------

    def parse(self, number: int, values: list, errors: list[dict]) -> dict:
        """The row's cells as field values; a bad cell is a rejection (all collected)."""
        parsed: dict = {}

        def read(key: str, parser):
            if not self.has(key):
                return
            try:
                parsed[key] = parser(self.cell(values, key))
            except CellError as exc:
                errors.append(_rejection(number, FIELD_HEADERS[key], str(exc)))

        for key in ("code", "bip_code", "name", "description", "territory"):
            read(key, text_value)
        read("kind", lambda v: choice_value(v, Project.Kind.choices, "una tipología"))
        read("stage", lambda v: choice_value(v, Project.Stage.choices, "una etapa"))
        read("status", lambda v: choice_value(v, workflow.Status.choices, "un estado"))
        read("directorate", text_value)
        read("estimated_cost", pesos_value)
        read("longitude", lambda v: coordinate_value(v, limit=180))
        read("latitude", lambda v: coordinate_value(v, limit=90))
        funding = {}
        for index, (source, year, header) in self.sheet.funding.items():
            try:
                funding[(source, year)] = pesos_value(
                    values[index] if index < len(values) else None
                )
            except CellError as exc:
                errors.append(_rejection(number, header, str(exc)))
        parsed["funding"] = funding
        return parsed

    def find(self, number: int, parsed: dict) -> Project | None:
        code, bip = parsed.get("code") or "", parsed.get("bip_code") or ""
        by_code = self.by_code.get(code.casefold()) if code else None
        by_bip = self.by_bip.get(bip) if bip else None
        if by_code and by_bip and by_code.pk != by_bip.pk:
            raise _RowError(
                FIELD_HEADERS["bip_code"],
                f"El código BIP {bip} es del proyecto {by_bip.code}, no de {by_code.code}.",
            )
        if code and by_code is None and by_bip is not None:
            raise _RowError(
                FIELD_HEADERS["code"],
                f"El código BIP {bip} es del proyecto {by_bip.code}: corrija el código interno "
                f"«{_short(code)}» o déjelo vacío.",
            )
        project = by_code or by_bip
        for key, value, seen in (
            ("code", code.casefold(), self.seen_code),
            ("bip_code", bip, self.seen_bip),
        ):
            if value and value in seen:
                raise _RowError(
                    FIELD_HEADERS[key],
                    f"El código {_short(value)} se repite (también en la fila {seen[value]}).",
                )
            if value:
                seen[value] = number
        if project is not None:
            if project.pk in self.seen_project:
                raise _RowError(
                    FIELD_HEADERS["code"],
                    f"El proyecto {project.code} ya está en la fila "
                    f"{self.seen_project[project.pk]}.",
                )
            self.seen_project[project.pk] = number
        return project

    def row(self, number: int, values: list, errors: list[dict]):
        parsed = self.parse(number, values, errors)
        if errors:
            return None, None
        project = self.find(number, parsed)
        if project is not None and project.pk not in self.changeable:
            raise _RowError(
                FIELD_HEADERS["code"],
                f"No tiene permiso para modificar el proyecto {project.code}.",
            )
        status = parsed.get("status")
        if project is None and status and status != workflow.INITIAL:
            raise _RowError(
                FIELD_HEADERS["status"],
                f"Un proyecto nuevo comienza «{workflow.Status(workflow.INITIAL).label}»: deje "
                "vacía la columna Estado o escriba ese estado, y después use «Cambiar estado» "
                "en la ficha del proyecto.",
            )
        if project is not None and status and status != project.status:
            raise _RowError(
                FIELD_HEADERS["status"],
                f"El estado no se cambia por importación (el proyecto está "
                f"«{project.get_status_display()}» y el archivo dice "
                f"«{workflow.Status(status).label}»): use «Cambiar estado» en la ficha del "
                "proyecto.",
            )
        wanted = self.wanted(project, parsed)
        funding = self.funding(project, parsed["funding"])
        if project is None or wanted:
            self.validate(self.candidate(project, wanted), project is None)
        if project is None:
            change = {
                "row": number,
                "code": wanted.get("code") or "(nuevo)",
                "name": wanted.get("name", ""),
                "funding": [f"{f.source.code} {f.year}: {format_clp(f.amount)}" for f in funding],
            }
            return RowOp(number, None, wanted, funding), change
        changes = [
            {"field": FIELD_LABELS[key], "before": shown(getattr(project, key), key),
             "after": shown(new, key)}
            for key, new in wanted.items()
        ]  # fmt: skip
        changes += [
            {
                "field": funding_header(f.source.code, f.year),
                "before": shown(f.line.amount if f.line else None, "amount"),
                "after": shown(f.amount, "amount"),
            }
            for f in funding
        ]
        if not changes:
            return None, None
        change = {"row": number, "code": project.code, "name": project.name, "changes": changes}
        return RowOp(number, project, wanted, funding), change

    def wanted(self, project: Project | None, parsed: dict) -> dict:
        """The field values to write: all given ones for a new project, the changed ones
        for an existing project (absent columns and equal values are left out)."""
        wanted: dict = {}
        for key in ("code", "bip_code", "name", "description", "territory"):
            if key not in parsed:
                continue
            value = parsed[key]
            if key == "bip_code":
                value = value or None
            if project is None:
                if value not in (None, ""):
                    wanted[key] = value
            elif key == "code":
                continue  # the code identifies the row; it is never rewritten
            elif key == "bip_code" and not value:
                continue  # matched by code, BIP left empty: keep the one it has
            elif not _same_text(getattr(project, key), value):
                wanted[key] = value
        for key in ("kind", "stage", "estimated_cost"):
            if key not in parsed:
                continue
            value = parsed[key]
            if project is None:
                if value is not None:
                    wanted[key] = value
            elif value is None and key != "estimated_cost":
                continue  # an empty choice keeps the current one
            elif getattr(project, key) != value:
                wanted[key] = value
        if "directorate" in parsed:
            text = parsed["directorate"]
            if text:
                directorate = self.directorates.get(text.casefold())
                if directorate is None:
                    raise _RowError(
                        FIELD_HEADERS["directorate"],
                        f"No existe una dirección con la sigla «{_short(text)}».",
                    )
                if project is None or project.directorate_id != directorate.pk:
                    wanted["directorate"] = directorate
        if project is None and "directorate" not in wanted:
            raise _RowError(
                FIELD_HEADERS["directorate"], "Indique la dirección responsable (su sigla)."
            )
        if project is None and not wanted.get("name"):
            raise _RowError(FIELD_HEADERS["name"], "Indique el nombre del proyecto.")
        if self.has("longitude") or self.has("latitude"):
            location = self.location(project, parsed)
            current = project.location if project is not None else None
            if not _same_point(current, location):
                wanted["location"] = location
        return wanted

    def location(self, project: Project | None, parsed: dict):
        lon, lat = parsed.get("longitude"), parsed.get("latitude")
        if lon is None and lat is None:
            current = project.location if project is not None else None
            if current and point_of(current) is None:
                return current  # a polygon (or line) drawn on the map is kept
            return None
        if lon is None or lat is None:
            missing = "Longitud" if lon is None else "Latitud"
            raise _RowError(missing, "Indique la longitud y la latitud, o deje ambas vacías.")
        return {"type": "Point", "coordinates": [lon, lat]}

    def candidate(self, project: Project | None, wanted: dict) -> Project:
        """An unsaved copy with the new values, to validate (nothing is written)."""
        if project is None:
            candidate = Project(**wanted)
        else:
            candidate = Project.objects.select_related("responsible").get(pk=project.pk)
            for key, value in wanted.items():
                setattr(candidate, key, value)
        if (
            project is None
            and self.add_scope == Scope.DIRECTORATE
            and candidate.directorate_id != self.user.directorate_id
        ):
            raise _RowError(
                FIELD_HEADERS["directorate"], "Solo puede crear proyectos de su propia dirección."
            )
        return candidate

    def validate(self, candidate: Project, new: bool) -> None:
        exclude = ["code"] if new and not candidate.code else []
        try:
            candidate.full_clean(exclude=exclude)
        except ValidationError as exc:
            raise _RowError(*_first_error(exc)) from exc

    def funding(self, project: Project | None, cells: dict) -> list[FundingOp]:
        existing = self.lines.get(project.pk, {}) if project is not None else {}
        ops = []
        for (source, year), amount in cells.items():
            line = existing.get((source.pk, year))
            if line is None and amount is None:
                continue
            if line is not None and line.amount == amount:
                continue
            action = "add" if line is None else ("delete" if amount is None else "change")
            if not can(self.user, action, FundingLine):
                raise _RowError(
                    funding_header(source.code, year),
                    "No tiene permiso para modificar el financiamiento de los proyectos.",
                )
            ops.append(FundingOp(source, year, line, amount))
        return ops


def _first_error(exc: ValidationError) -> tuple[str, str]:
    """(column, message) of a model ValidationError."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            messages = [m for e in errors for m in e.messages]
            column = ERROR_COLUMNS.get(name, "—")
            return column, " ".join(messages)
    return "—", " ".join(exc.messages)


# --------------------------------------------------------------------------------------
# Applying
# --------------------------------------------------------------------------------------


def apply(source, *, user, reason: str = "") -> Analysis:
    """Analyse again and write everything in one transaction, or nothing.

    Raises ImportRejected when the file (re-read now) has rejections; ValidationError or
    PermissionDenied from a service also roll everything back.
    """
    require_import_permission(user)
    reason = reason or "Importación de la cartera desde planilla"
    with transaction.atomic(), audit_context(user=user, source=AUDIT_SOURCE, reason=reason):
        result = analyse(source, user=user)
        if result.rejected:
            raise ImportRejected(result)
        created = {change["row"]: change for change in result.created}
        for op in result.ops:
            project = _apply_row(op, user=user, reason=reason)
            if op.row in created:
                created[op.row]["code"] = project.code
    return result


def _apply_row(op: RowOp, *, user, reason: str) -> Project:
    if op.project is None:
        project = services.project_create(actor=user, project=Project(**op.values), reason=reason)
    else:
        project = Project.objects.get(pk=op.project.pk)
        if op.values:
            for key, value in op.values.items():
                setattr(project, key, value)
            core_services.record_update(actor=user, instance=project, reason=reason)
    for funding in op.funding:
        if funding.line is None:
            line = FundingLine(
                project=project, source=funding.source, year=funding.year, amount=funding.amount
            )
            core_services.record_create(actor=user, instance=line, reason=reason)
        elif funding.amount is None:
            core_services.record_delete(actor=user, instance=funding.line, reason=reason)
        else:
            line = FundingLine.objects.get(pk=funding.line.pk)
            line.amount = funding.amount
            core_services.record_update(actor=user, instance=line, reason=reason)
    return project
