"""The PLADECO matrix as an XLSX spreadsheet: export, template, analysis and import.

One row per initiative carries the path of its parents (one code/name/weight triple per
level of the plan); rows without an initiative describe elements of the structure only.
The export writes exactly the columns the import reads, so re-importing an unchanged
export changes nothing (see docs/decisions/0006-pladeco-matrix.md).

The import is two steps:
- `analyse()` reads and validates the file against the plan and lists what would be
  created, updated and rejected (each rejection with its row and column); it writes
  nothing.
- `apply()` analyses again inside one transaction (the plan may have changed since the
  preview) and writes only what really differs, through the services, so every change
  lands in the change log and every status/progress change in the initiative's timeline.
  Any rejection or exception rolls everything back.

Nothing here deletes: nodes and initiatives absent from the file are left as they are.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from types import SimpleNamespace

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from secpla.core import services as core_services
from secpla.core.audit import audit_context, clean_text
from secpla.core.generic import xlsx_cell
from secpla.core.models import Directorate, Scope
from secpla.core.money import MAX_PESOS, format_clp
from secpla.core.permissions import can, scope_for
from secpla.planning import services
from secpla.planning.models import (
    IndicatorTarget,
    Initiative,
    InitiativeStatus,
    Plan,
    PlanNode,
)

SHEET = "Matriz PLADECO"
INSTRUCTIONS_SHEET = "Instrucciones"
MAX_ROWS = 20_000  # data rows; a PLADECO has a few thousand initiatives at most
MAX_LISTED = 5_000  # entries of each list kept in the report
MAX_REJECTIONS = 1_000
YEAR_MIN, YEAR_MAX = 1990, 2100
AUDIT_SOURCE = "importacion"  # the change log's "origen" of what an import writes
Progress = Callable[[int, int, str], None]  # (done, total, step)
READING, COMPARING, WRITING = "Revisando filas", "Comparando con el plan", "Guardando cambios"


# --------------------------------------------------------------------------------------
# Columns
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    help: str
    width: int = 14
    required: bool = False


def level_columns(plan: Plan) -> list[Column]:
    columns = []
    for i, name in enumerate(plan.levels, start=1):
        first = i == 1
        columns += [
            Column(
                f"Código nivel {i}",
                f"level{i}_code",
                f"Código del elemento de nivel {i} ({name}) del que depende la fila. "
                + (
                    "Obligatorio."
                    if first
                    else f"Vacío si la iniciativa cuelga de un nivel superior al {i}."
                ),
                12,
                first,
            ),
            Column(
                f"Nombre nivel {i}",
                f"level{i}_name",
                f"Nombre del elemento de nivel {i} ({name}). Obligatorio para un elemento "
                "nuevo; si el elemento ya existe, vacío lo deja como está.",
                40,
                first,
            ),
            Column(
                f"Peso nivel {i}",
                f"level{i}_weight",
                f"Peso del elemento de nivel {i} entre sus pares (número mayor que 0, hasta "
                "dos decimales). Vacío en todas sus filas: sin peso (promedio simple).",
                9,
            ),
        ]
    return columns


INITIATIVE_COLUMNS = [
    Column(
        "Código iniciativa",
        "code",
        "Código único de la iniciativa en el plan. Si ya existe, la fila actualiza esa "
        "iniciativa; si no, la crea. Vacío: la fila solo describe elementos de la estructura.",
        14,
        True,
    ),
    Column(
        "Iniciativa",
        "name",
        "Nombre de la iniciativa. Obligatorio para una iniciativa nueva.",
        50,
        True,
    ),
    Column(
        "Tipo",
        "kind",
        "Plan, Programa, Proyecto, Estudio o Gestión. Vacío en una iniciativa nueva: Proyecto.",
        12,
    ),
    Column(
        "Dirección",
        "directorate",
        "Sigla de la dirección responsable (p. ej. DIDECO). Obligatoria para una iniciativa "
        "nueva; las siglas válidas están al final de esta hoja.",
        11,
        True,
    ),
    Column(
        "Peso",
        "weight",
        "Peso de la iniciativa entre sus pares (número mayor que 0). Vacío: sin peso.",
        8,
    ),
    Column("Año inicio", "start_year", "Año de inicio, con cuatro dígitos (p. ej. 2026).", 10),
    Column(
        "Año término",
        "end_year",
        "Año de término, con cuatro dígitos; no anterior al año de inicio.",
        10,
    ),
    Column(
        "Costo estimado ($)",
        "estimated_cost",
        "Costo estimado en pesos, sin decimales (p. ej. 1234567 o 1.234.567). No negativo.",
        16,
    ),
    Column("Fuente de financiamiento", "funding_source", "Texto libre (p. ej. FNDR).", 24),
    Column(
        "Estado",
        "status",
        "Nombre de un estado del catálogo (al final de esta hoja). Vacío: sin estado. "
        "Si cambia el estado y deja el avance igual, la iniciativa toma el avance por "
        "defecto del nuevo estado.",
        18,
    ),
    Column(
        "Avance (%)",
        "progress",
        "Avance entre 0 y 100, con un decimal como máximo (p. ej. 45,5). Vacío: sin información.",
        10,
    ),
    Column("Indicador", "indicator_name", "Nombre del indicador de la iniciativa.", 30),
    Column("Unidad", "indicator_unit", "Unidad de medida del indicador.", 12),
    Column(
        "Línea base",
        "indicator_baseline",
        "Valor de la línea base del indicador (requiere el indicador).",
        11,
    ),
    Column("Año línea base", "indicator_baseline_year", "Año de la línea base.", 12),
    Column(
        "Metas anuales",
        "targets",
        "Metas por año separadas por punto y coma: 2025=10; 2026=20. Con lo logrado: "
        "2025=10/8. Agrega o corrige las metas indicadas; las demás metas se conservan.",
        24,
    ),
    Column("Descripción", "description", "Texto libre.", 40),
]


def columns(plan: Plan) -> list[Column]:
    """The matrix's columns for this plan, in the order the export writes them."""
    return [*level_columns(plan), *INITIATIVE_COLUMNS]


def normalise_header(text) -> str:
    """'Código  nivel 1' -> 'codigo nivel 1'; 'Avance (%)' -> 'avance'."""
    text = unicodedata.normalize("NFKD", str(text or ""))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = re.sub(r"[^0-9a-z]+", " ", text)
    return " ".join(text.split())


# Model field -> column header, to place the model's own validation errors.
FIELD_COLUMNS = {c.key: c.header for c in INITIATIVE_COLUMNS}
FIELD_LABELS = {
    "node": "Ubicación",
    "name": "Nombre",
    "kind": "Tipo",
    "directorate": "Dirección",
    "weight": "Peso",
    "start_year": "Año inicio",
    "end_year": "Año término",
    "estimated_cost": "Costo estimado",
    "funding_source": "Fuente de financiamiento",
    "status": "Estado",
    "progress": "Avance",
    "indicator_name": "Indicador",
    "indicator_unit": "Unidad",
    "indicator_baseline": "Línea base",
    "indicator_baseline_year": "Año línea base",
    "position": "Orden",
    "description": "Descripción",
    "parent": "Depende de",
    "depth": "Nivel",
}


# Initiative fields an import may set; an absent column leaves its field untouched.
OPTIONAL_FIELDS = (
    "weight", "start_year", "end_year", "estimated_cost", "funding_source", "status",
    "progress", "indicator_name", "indicator_unit", "indicator_baseline",
    "indicator_baseline_year", "description",
)  # fmt: skip
COMPARED_FIELDS = ("node", "name", "kind", "directorate", *OPTIONAL_FIELDS, "position")
TEXT_FIELDS = frozenset(
    {"name", "funding_source", "indicator_name", "indicator_unit", "description"}
)


def same_text(a, b) -> bool:
    """Texts equal but for line endings and outer spaces (a spreadsheet turns \\r\\n
    into \\n)."""

    def norm(text) -> str:
        return clean_text(str(text or "").replace("\r\n", "\n").replace("\r", "\n"))

    return norm(a) == norm(b)


def _same(old, new) -> bool:
    if hasattr(old, "_meta") or hasattr(new, "_meta"):  # related records: same row?
        old_pk = getattr(old, "pk", None)
        new_pk = getattr(new, "pk", None)
        return (old_pk is not None and old_pk == new_pk) or (old is None and new is None)
    return old == new


def can_import(user, plan: Plan) -> bool:
    """Importing is a whole-plan operation: change on the plan, add and change initiatives."""
    return (
        can(user, "change", plan)
        and can(user, "add", Initiative)
        and can(user, "change", Initiative)
    )


def require_import_permission(user, plan: Plan) -> None:
    if not can_import(user, plan):
        raise PermissionDenied(
            "No tiene permiso para importar la matriz de este PLADECO: se requiere poder "
            "modificar el plan y crear y modificar iniciativas."
        )


# --------------------------------------------------------------------------------------
# Formatting shared by the export and the preview
# --------------------------------------------------------------------------------------


def decimal_text(value: Decimal | None) -> str:
    """Decimal('10.50') -> '10,5'; Decimal('10.00') -> '10'."""
    if value is None:
        return ""
    text = format(Decimal(value).normalize(), "f")
    return text.replace(".", ",")


def targets_text(targets: Iterable[IndicatorTarget]) -> str:
    parts = []
    for target in sorted(targets, key=lambda t: t.year):
        text = f"{target.year}={decimal_text(target.target)}"
        if target.achieved is not None:
            text += f"/{decimal_text(target.achieved)}"
        parts.append(text)
    return "; ".join(parts)


def _shown(value, field_name: str = "") -> str:
    """A value as the preview shows it (before → after)."""
    if value is None or value == "":
        return "—"
    if field_name == "estimated_cost":
        return format_clp(value)
    if field_name == "progress":
        return f"{decimal_text(value)} %"
    if field_name == "kind":
        return str(Initiative.Kind(value).label)
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, Directorate):
        return value.code
    if isinstance(value, InitiativeStatus):
        return value.name
    if isinstance(value, PlanNode):
        return value.code
    text = str(value)
    return text if len(text) <= 80 else text[:79] + "…"


# --------------------------------------------------------------------------------------
# Export and template
# --------------------------------------------------------------------------------------


def _instruction_rows(plan: Plan) -> tuple[list[list], dict[str, tuple[int, int]]]:
    """The rows of the Instrucciones sheet and where its lists are ({name: (first, last)})."""
    rows: list[list] = [
        [f"Matriz del PLADECO «{plan}»"],
        [
            "Una fila por iniciativa, con los elementos de la estructura de los que depende. "
            "Las filas sin código de iniciativa solo crean o actualizan elementos."
        ],
        [
            "La importación crea lo nuevo y actualiza lo que cambió, según el código; nunca "
            "elimina lo que no está en el archivo. El orden de las filas da el orden en el plan."
        ],
        ["Primero se muestra una vista previa; nada se guarda hasta «Aplicar importación»."],
        [],
        ["Niveles de este plan"],
    ]
    for i, name in enumerate(plan.levels, start=1):
        rows.append([f"Nivel {i}", name])
    rows += [[], ["Columna", "Obligatoria", "Qué escribir"]]
    for column in columns(plan):
        rows.append([column.header, "Sí" if column.required else "No", column.help])
    lists: dict[str, tuple[int, int]] = {}

    def add_list(name: str, title: tuple[str, str], values: list[tuple]) -> None:
        rows.extend([[], [name], list(title)])
        first = len(rows) + 1
        rows.extend([list(v) for v in values] or [["(ninguno)"]])
        lists[name] = (first, len(rows))

    add_list(
        "Tipos", ("Tipo", "Código"), [(label, value) for value, label in Initiative.Kind.choices]
    )
    add_list(
        "Direcciones",
        ("Sigla", "Nombre"),
        list(Directorate.objects.filter(is_active=True).values_list("code", "name")),
    )
    add_list(
        "Estados",
        ("Estado", "Avance por defecto (%)"),
        [
            (s.name, decimal_text(s.default_progress) if s.default_progress is not None else "")
            for s in InitiativeStatus.objects.filter(is_active=True)
        ],
    )
    return rows, lists


def write_matrix(plan: Plan, *, user=None, template: bool = False) -> bytes:
    """The plan's matrix (or, with `template`, an empty one) as XLSX bytes.

    With a `user`, only what that user may view is written.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    cols = columns(plan)
    instructions, lists = _instruction_rows(plan)
    rows = [] if template else list(matrix_rows(plan, user=user))

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET)
    sheet.freeze_panes = "A2"
    for i, column in enumerate(cols, start=1):
        dimension = sheet.column_dimensions[get_column_letter(i)]
        dimension.width = column.width
        if column.key == "code" or column.key.endswith("_code"):
            dimension.number_format = "@"  # codes typed as 1.10 stay text, not 1.1
    header_fill = PatternFill("solid", fgColor="DCE6F1")
    header = []
    for column in cols:
        cell = xlsx_cell(sheet, column.header, bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        header.append(cell)
    sheet.append(header)
    formats = {
        "estimated_cost": "#,##0",
        "progress": "0.0",
    }
    keys = [c.key for c in cols]
    for values in rows:
        sheet.append(
            [
                xlsx_cell(sheet, values.get(key), number_format=formats.get(key, ""))
                if values.get(key) not in (None, "")
                else None
                for key in keys
            ]
        )

    # Drop-down suggestions (typing another value is allowed: codes are accepted too).
    last_row = max(len(rows) + 500, 1000)

    def suggest(key: str, formula: str) -> None:
        letter = get_column_letter(keys.index(key) + 1)
        validation = DataValidation(
            type="list", formula1=formula, allow_blank=True, showErrorMessage=False
        )
        validation.add(f"{letter}2:{letter}{last_row}")
        sheet.data_validations.append(validation)

    for name, key in (("Tipos", "kind"), ("Direcciones", "directorate"), ("Estados", "status")):
        first, last = lists[name]
        suggest(key, f"{INSTRUCTIONS_SHEET}!$A${first}:$A${last}")

    notes = workbook.create_sheet(INSTRUCTIONS_SHEET)
    notes.column_dimensions["A"].width = 28
    notes.column_dimensions["B"].width = 45
    notes.column_dimensions["C"].width = 100
    titles = {"Niveles de este plan", "Columna", "Tipos", "Direcciones", "Estados"}
    for i, row in enumerate(instructions):
        bold = i == 0 or (row and row[0] in titles)
        cells = [xlsx_cell(notes, value, bold=bold) for value in row]
        if i == 0:
            cells[0].font = Font(bold=True, size=14)
        notes.append(cells)

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def matrix_rows(plan: Plan, *, user=None) -> Iterable[dict]:
    """The matrix as dicts {column key: cell value}, in the order of the tree.

    Siblings are sorted by (position, code) here rather than by the database, so the
    import, which keeps positions that already agree with the file's order, sees the same
    order whatever the database's collation.
    """

    def visible(model):
        manager = model.objects
        return manager.for_user(user, "view") if user is not None else manager.all()

    nodes = list(visible(PlanNode).filter(plan=plan))
    initiatives = list(
        visible(Initiative).filter(plan=plan).select_related("directorate", "status")
    )
    targets: dict[int, list[IndicatorTarget]] = defaultdict(list)
    for target in visible(IndicatorTarget).filter(initiative__plan=plan):
        targets[target.initiative_id].append(target)

    def order(item):
        return (item.position, item.code)

    children: dict[int | None, list[PlanNode]] = defaultdict(list)
    by_id = {node.pk: node for node in nodes}
    for node in nodes:
        parent = node.parent_id if node.parent_id in by_id else None
        children[parent].append(node)
    hanging: dict[int, list[Initiative]] = defaultdict(list)
    for initiative in initiatives:
        hanging[initiative.node_id].append(initiative)
    levels = len(plan.levels)

    def path_cells(path: list[PlanNode]) -> dict:
        cells = {}
        for depth, node in enumerate(path[:levels], start=1):
            cells[f"level{depth}_code"] = node.code
            cells[f"level{depth}_name"] = node.name
            cells[f"level{depth}_weight"] = node.weight
        return cells

    def walk(node: PlanNode, path: list[PlanNode]):
        path = [*path, node]
        own = sorted(hanging.get(node.pk, []), key=order)
        below = sorted(children.get(node.pk, []), key=order)
        for initiative in own:
            yield {**path_cells(path), **initiative_cells(initiative, targets)}
        if not own and not below:
            yield path_cells(path)
        for child in below:
            yield from walk(child, path)

    for root in sorted(children.get(None, []), key=order):
        yield from walk(root, [])


def initiative_cells(initiative: Initiative, targets: dict[int, list]) -> dict:
    return {
        "code": initiative.code,
        "name": initiative.name,
        "kind": initiative.get_kind_display(),
        "directorate": initiative.directorate.code,
        "weight": initiative.weight,
        "start_year": initiative.start_year,
        "end_year": initiative.end_year,
        "estimated_cost": initiative.estimated_cost,
        "funding_source": initiative.funding_source,
        "status": initiative.status.name if initiative.status_id else None,
        "progress": initiative.progress,
        "indicator_name": initiative.indicator_name,
        "indicator_unit": initiative.indicator_unit,
        "indicator_baseline": initiative.indicator_baseline,
        "indicator_baseline_year": initiative.indicator_baseline_year,
        "targets": targets_text(targets.get(initiative.pk, [])),
        "description": initiative.description,
    }


# --------------------------------------------------------------------------------------
# Reading the file
# --------------------------------------------------------------------------------------


class FileProblem(Exception):
    """The file cannot be read as a spreadsheet of ours at all (not XLSX, damaged, no
    header…); the portfolio import raises it too."""


class CellError(ValueError):
    """One cell's value is not acceptable; the message is shown to the user."""


@dataclass
class Sheet:
    columns: dict[str, int]  # column key -> 0-based index
    rows: list[tuple[int, list]]  # (spreadsheet row number, values)
    percent: set[tuple[int, int]]  # (row, index) of numeric cells formatted as %
    rejected: list[dict]
    warnings: list[str]


def open_workbook(source, *, data_only: bool):
    from openpyxl import load_workbook

    try:
        source.seek(0)
        return load_workbook(source, read_only=True, data_only=data_only)
    except Exception as exc:  # openpyxl raises many kinds on a damaged or foreign file
        raise FileProblem(
            "No se pudo leer el archivo como planilla Excel (.xlsx). Ábralo en Excel o "
            "LibreOffice, guárdelo como «Libro de Excel (.xlsx)» y vuelva a subirlo."
        ) from exc


def _pick_sheet(workbook, warnings: list[str]):
    if SHEET in workbook.sheetnames:
        return workbook[SHEET]
    for name in workbook.sheetnames:
        if name != INSTRUCTIONS_SHEET:
            warnings.append(f"No hay una hoja «{SHEET}»: se leyó la hoja «{name}».")
            return workbook[name]
    raise FileProblem(f"El archivo no tiene la hoja «{SHEET}».")


def read_sheet(source, plan: Plan) -> Sheet:
    """Read the header and the non-empty rows; a formula without a computed value is a
    rejection. Raises FileProblem when the file is not a readable spreadsheet."""
    warnings: list[str] = []
    rejected: list[dict] = []
    workbook = open_workbook(source, data_only=False)
    try:
        sheet = _pick_sheet(workbook, warnings)
        sheet.reset_dimensions()  # some programs write a wrong (or no) sheet size
        sheet_name = sheet.title
        header_row = next(sheet.iter_rows(min_row=1, max_row=1), ())
        headers = [clean_text(c.value) if c.value is not None else "" for c in header_row]
        while headers and not headers[-1]:
            headers.pop()
        if not headers:
            raise FileProblem(
                f"La hoja «{sheet_name}» no tiene encabezados en la fila 1: use la plantilla."
            )
        mapped = _map_headers(plan, headers, rejected, warnings)
        rows: list[tuple[int, list]] = []
        percent: set[tuple[int, int]] = set()
        formulas: dict[tuple[int, int], str] = {}
        progress_index = mapped.get("progress")
        if not rejected:
            for number, cells in enumerate(
                sheet.iter_rows(min_row=2, max_col=len(headers)), start=2
            ):
                values = []
                has_formula = False
                for index, cell in enumerate(cells):
                    value = cell.value
                    if cell.data_type == "f":
                        formulas[(number, index)] = str(value)
                        has_formula = True
                        value = None
                    elif (
                        index == progress_index
                        and isinstance(value, int | float)
                        and "%" in (cell.number_format or "")
                    ):
                        percent.add((number, index))
                    values.append(value)
                values += [None] * (len(headers) - len(values))
                if has_formula or any(v is not None and str(v).strip() != "" for v in values):
                    rows.append((number, values))
                if len(rows) > MAX_ROWS:
                    raise FileProblem(
                        f"El archivo tiene más de {MAX_ROWS:,} filas con datos: divídalo en "
                        "partes.".replace(",", ".")
                    )
    finally:
        workbook.close()
    if formulas:
        _resolve_formulas(source, sheet_name, rows, formulas, headers, rejected)
    return Sheet(mapped, rows, percent, rejected, warnings)


def _map_headers(plan: Plan, headers: list[str], rejected: list[dict], warnings: list[str]):
    expected = {normalise_header(c.header): c for c in columns(plan)}
    mapped: dict[str, int] = {}
    seen: dict[str, int] = {}
    levels = len(plan.levels)
    for index, header in enumerate(headers):
        if not header:
            continue
        key = normalise_header(header)
        column = expected.get(key)
        if column is None:
            extra_level = re.fullmatch(r"(codigo|nombre|peso) nivel (\d+)", key)
            if extra_level and int(extra_level.group(2)) > levels:
                rejected.append(
                    _rejection(
                        1,
                        header,
                        f"El plan tiene {levels} nivel{'es' if levels != 1 else ''} "
                        f"({', '.join(plan.levels)}): sobra la columna «{header}».",
                    )
                )
            else:
                warnings.append(f"Se ignoró la columna «{header}», que no es de la matriz.")
            continue
        if column.key in mapped:
            rejected.append(
                _rejection(
                    1,
                    column.header,
                    f"La columna «{column.header}» está repetida (columnas "
                    f"{_letter(seen[column.key])} y {_letter(index)}).",
                )
            )
            continue
        mapped[column.key] = index
        seen[column.key] = index
    for column in columns(plan):
        if column.required and column.key not in mapped:
            rejected.append(
                _rejection(1, column.header, f"Falta la columna obligatoria «{column.header}».")
            )
    return mapped


def _resolve_formulas(source, sheet_name, rows, formulas, headers, rejected) -> None:
    """Formulas count with the value the spreadsheet computed and saved."""
    workbook = open_workbook(source, data_only=True)
    try:
        sheet = workbook[sheet_name]
        sheet.reset_dimensions()
        by_number = {number: values for number, values in rows}
        last = max(number for number, _ in formulas)
        for number, cells in enumerate(
            sheet.iter_rows(min_row=2, max_row=last, max_col=len(headers)), start=2
        ):
            for index, cell in enumerate(cells):
                if (number, index) not in formulas:
                    continue
                if cell.value is None:
                    rejected.append(
                        _rejection(
                            number,
                            headers[index],
                            "La celda tiene una fórmula sin valor calculado: reemplácela por "
                            "su valor, o abra el archivo en Excel y guárdelo otra vez.",
                        )
                    )
                else:
                    by_number[number][index] = cell.value
    finally:
        workbook.close()
    # A row that had only empty formulas is empty.
    rows[:] = [
        (number, values)
        for number, values in rows
        if any(v is not None and str(v).strip() != "" for v in values)
        or any(r["row"] == number for r in rejected)
    ]


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _rejection(row: int | None, column: str, message: str) -> dict:
    return {"row": row, "column": column, "message": message}


# --------------------------------------------------------------------------------------
# Cell values
# --------------------------------------------------------------------------------------


def text_value(value) -> str:
    """Any cell as text: 12.0 -> '12', dates as dd-mm-aaaa, control characters removed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Sí" if value else "No"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%d-%m-%Y")
    return clean_text(str(value))


THOUSANDS = re.compile(r"-?\d{1,3}(\.\d{3})+")
# No column takes a number of 10**18 or more (the largest are costs, below 10**15). A
# larger one ("1e30", "2025=1e400") is rejected as soon as it is read: rounding it
# (Decimal.quantize) would need more than the 28 digits of the decimal context and fail.
MAX_MAGNITUDE = 18


def number_value(value, *, thousands_dot: bool) -> Decimal | None:
    """A number from a cell: 45.5, 45, '45,5', '1.234.567' (Chilean thousands), '$ 1.000'.

    With `thousands_dot`, '1.500' is one thousand five hundred (as written in Chile);
    without it (progress, weights) a lone dot or comma is the decimal separator.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise CellError("Se esperaba un número.")
    if isinstance(value, dt.datetime | dt.date):
        raise CellError("Se esperaba un número, no una fecha.")
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, Decimal):
        number = value
    else:
        number = _parse_number(value, thousands_dot=thousands_dot)
        if number is None:
            return None
    if not number.is_finite():
        raise CellError(f"«{value}» no es un número.")
    if number and number.adjusted() >= MAX_MAGNITUDE:
        raise CellError("El número es demasiado grande.")
    return number


def _parse_number(value, *, thousands_dot: bool) -> Decimal | None:
    text = str(value).strip().replace("\u00a0", "").replace(" ", "").replace("$", "")
    text = text.rstrip("%")
    if not text:
        return None
    if "," in text and "." in text:
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    elif "," in text:
        text = text.replace(",", ".") if text.count(",") == 1 else text.replace(",", "")
    elif thousands_dot and THOUSANDS.fullmatch(text):
        text = text.replace(".", "")
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise CellError(f"«{value}» no es un número.") from exc


def decimal_value(
    value, *, places: int, max_digits: int, thousands_dot: bool = True
) -> Decimal | None:
    number = number_value(value, thousands_dot=thousands_dot)
    if number is None:
        return None
    number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if len(number.as_tuple().digits) > max_digits:
        raise CellError(f"El número {decimal_text(number)} es demasiado grande.")
    return number


def _short(text: str, limit: int = 40) -> str:
    """A cell's text quoted in a message: a 300-digit number is cut."""
    return text if len(text) <= limit else f"{text[:limit]}…"


def year_value(value) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime | dt.date):
        raise CellError("Se esperaba un año (p. ej. 2026), no una fecha.")
    if isinstance(value, bool):
        raise CellError("Se esperaba un año (p. ej. 2026).")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    match = re.fullmatch(r"(\d{4})(?:[.,]0+)?", text)
    if not match:
        raise CellError(
            f"«{_short(text)}» no es un año: escríbalo con cuatro dígitos (p. ej. 2026)."
        )
    year = int(match.group(1))
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise CellError(f"Año fuera de rango ({YEAR_MIN}–{YEAR_MAX}): {year}.")
    return year


def pesos_value(value) -> int | None:
    number = number_value(value, thousands_dot=True)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise CellError("El costo se indica en pesos, sin decimales.")
    if number < 0:
        raise CellError("El costo no puede ser negativo.")
    if number >= MAX_PESOS:
        raise CellError("El costo es demasiado grande.")
    return int(number)


def progress_value(value, *, percent_format: bool = False) -> Decimal | None:
    number = number_value(value, thousands_dot=False)
    if number is None:
        return None
    if percent_format:
        number *= 100
    number = number.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if not Decimal(0) <= number <= Decimal(100):
        raise CellError(f"El avance debe estar entre 0 y 100 (es {decimal_text(number)}).")
    return number


def weight_value(value) -> Decimal | None:
    number = decimal_value(value, places=2, max_digits=7, thousands_dot=False)
    if number is not None and number <= 0:
        raise CellError("El peso debe ser mayor que 0.")
    return number


TARGET_ENTRY = re.compile(r"(\d{4})\s*[=:]\s*([^/]+?)\s*(?:/\s*(.*?))?\s*")


def targets_value(value) -> list[tuple[int, Decimal, Decimal | None]]:
    """'2025=10; 2026=20/8' -> [(2025, 10, None), (2026, 20, 8)]."""
    text = text_value(value)
    entries = []
    seen: set[int] = set()
    for part in re.split(r"[;\n]+", text):
        part = part.strip()
        if not part:
            continue
        match = TARGET_ENTRY.fullmatch(part)
        if not match:
            raise CellError(
                f"«{_short(part)}» no tiene el formato año=meta (p. ej. 2025=10; 2026=20, o "
                "2025=10/8 con lo logrado)."
            )
        year = year_value(match.group(1))
        if year in seen:
            raise CellError(f"El año {year} aparece dos veces en las metas.")
        seen.add(year)
        try:
            target = decimal_value(match.group(2), places=2, max_digits=14)
            achieved = (
                decimal_value(match.group(3), places=2, max_digits=14) if match.group(3) else None
            )
        except CellError as exc:
            raise CellError(f"Meta {year}: {exc}") from exc
        if target is None:
            raise CellError(f"Falta la meta del año {year}.")
        entries.append((year, target, achieved))
    return entries


def _key(text: str) -> str:
    return normalise_header(text)


# --------------------------------------------------------------------------------------
# Analysis
# --------------------------------------------------------------------------------------


@dataclass
class NodeSpec:
    """One element of the structure as the file describes it (merged over its rows)."""

    code: str
    depth: int
    parent_code: str | None
    first_row: int
    name: str = ""
    name_row: int = 0
    weight: Decimal | None = None
    weight_row: int = 0
    weight_given: bool = False  # the level's weight column is in the file


@dataclass
class InitiativeOp:
    row: int
    instance: Initiative
    node_code: str
    is_new: bool
    targets: list[tuple[IndicatorTarget, bool]] = field(default_factory=list)  # (t, is_new)
    changed: bool = False


@dataclass
class NodeOp:
    row: int
    instance: PlanNode
    parent_code: str | None
    is_new: bool


@dataclass
class Analysis:
    """What importing the file would do to the plan (or did, once applied)."""

    plan: Plan
    file_name: str = ""
    total_rows: int = 0
    rejected: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    created: list[dict] = field(default_factory=list)
    updated: list[dict] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    node_ops: list[NodeOp] = field(default_factory=list)
    initiative_ops: list[InitiativeOp] = field(default_factory=list)
    nodes_by_code: dict[str, PlanNode] = field(default_factory=dict)
    file_error: str = ""

    @property
    def ok(self) -> bool:
        return not self.rejected and not self.file_error

    @property
    def changes(self) -> int:
        return len(self.node_ops) + sum(1 for op in self.initiative_ops if op.changed)

    def reject(self, row, column: str, message: str) -> None:
        self.rejected.append(_rejection(row, column, message))

    def report(self) -> dict:
        rejected = sorted(self.rejected, key=lambda r: r["row"] or 0)
        return {
            "levels": self.plan.levels,
            "file_error": self.file_error,
            "total_rows": self.total_rows,
            "counts": {
                **self.counts,
                "rejected": len(self.rejected),
                "missing": len(self.missing),
            },
            "created": self.created[:MAX_LISTED],
            "updated": self.updated[:MAX_LISTED],
            "rejected": rejected[:MAX_REJECTIONS],
            "missing": self.missing[:200],
            "warnings": self.warnings[:100],
        }


class Rejected(Exception):
    """Applying found rejections: nothing was written."""

    def __init__(self, analysis: Analysis):
        self.analysis = analysis
        super().__init__("La importación tiene filas rechazadas.")


def analyse(
    plan: Plan, source, *, user, file_name: str = "", progress: Progress | None = None
) -> Analysis:
    """Read and validate the file against the plan; write nothing."""
    result = Analysis(plan=plan, file_name=file_name)
    if not hasattr(source, "seek"):
        source = io.BytesIO(source)
    try:
        sheet = read_sheet(source, plan)
    except FileProblem as exc:
        result.file_error = str(exc)
        return result
    result.total_rows = len(sheet.rows)
    result.rejected += sheet.rejected
    result.warnings += sheet.warnings
    if any(r["row"] == 1 for r in sheet.rejected):
        return result  # the header is wrong: rows cannot be read reliably
    if not sheet.rows:
        result.reject(2, "", "El archivo no tiene filas con datos.")
        return result
    _Analyser(plan, sheet, result, user, progress).run()
    return result


class _Analyser:
    """The analysis of one file; every lookup is a dict built with a handful of queries."""

    def __init__(self, plan, sheet: Sheet, result: Analysis, user, progress):
        self.plan, self.sheet, self.result, self.user = plan, sheet, result, user
        self.progress = progress or (lambda done, total, step: None)
        self.levels = plan.levels
        self.headers = {c.key: c.header for c in columns(plan)}
        # Current state of the plan.
        self.db_nodes = {n.code: n for n in PlanNode.objects.filter(plan=plan)}
        by_id = {n.pk: n for n in self.db_nodes.values()}
        for node in self.db_nodes.values():
            node.plan = plan
            node.parent = by_id.get(node.parent_id)  # links in memory: no lazy queries
        self.node_ids = by_id
        self.db_children: dict[int, list[PlanNode]] = defaultdict(list)
        for node in self.db_nodes.values():
            if node.parent_id:
                self.db_children[node.parent_id].append(node)
        self.directorates = {d.pk: d for d in Directorate.objects.all()}
        self.directorate_by_code = {_key(d.code): d for d in self.directorates.values()}
        self.statuses = {s.pk: s for s in InitiativeStatus.objects.all()}
        self.status_by_name = {_key(s.name): s for s in self.statuses.values()}
        self.db_initiatives = {}
        for initiative in Initiative.objects.filter(plan=plan):
            initiative.plan = plan
            initiative.node = by_id.get(initiative.node_id)
            initiative.directorate = self.directorates.get(initiative.directorate_id)
            initiative.status = self.statuses.get(initiative.status_id)
            self.db_initiatives[initiative.code] = initiative
        self.db_targets: dict[int, dict[int, IndicatorTarget]] = defaultdict(dict)
        for target in IndicatorTarget.objects.filter(initiative__plan=plan):
            self.db_targets[target.initiative_id][target.year] = target
        self.kinds = {}
        for value, label in Initiative.Kind.choices:
            self.kinds[_key(value)] = value
            self.kinds[_key(label)] = value
        # What the importer may do.
        self.scopes = {
            (model, action): scope_for(user, model, action)
            for model in (PlanNode, Initiative, IndicatorTarget)
            for action in ("add", "change")
        }
        self.specs: dict[str, NodeSpec] = {}
        self.rows: list[tuple[int, str, dict, list | None]] = []  # initiative rows

    # -- helpers ------------------------------------------------------------------------

    def reject(self, row: int, key: str, message: str) -> None:
        self.result.reject(row, self.headers.get(key, key), message)

    def cell(self, values: list, key: str):
        index = self.sheet.columns.get(key)
        return None if index is None else values[index]

    def has(self, key: str) -> bool:
        return key in self.sheet.columns

    def parse(self, row: int, key: str, parser, value, errors: set[str]):
        try:
            return parser(value)
        except CellError as exc:
            self.reject(row, key, str(exc))
            errors.add(key)
            return None

    # -- the passes ---------------------------------------------------------------------

    def run(self) -> None:
        total = len(self.sheet.rows)
        for done, (number, values) in enumerate(self.sheet.rows, start=1):
            self.read_row(number, values)
            if done % 200 == 0:
                self.progress(done, total, READING)
        self.check_moves()
        self.plan_nodes()
        self.plan_initiatives()
        self.progress(total, total, COMPARING)
        if not self.result.ok:
            self.result.node_ops, self.result.initiative_ops = [], []

    def read_row(self, number: int, values: list) -> None:
        path = self.read_path(number, values)
        code_cell = self.cell(values, "code")
        code = text_value(code_cell)
        initiative_keys = [c.key for c in INITIATIVE_COLUMNS if c.key != "code"]
        has_initiative_data = any(
            text_value(self.cell(values, key)) for key in initiative_keys if self.has(key)
        )
        if not code:
            if has_initiative_data:
                self.reject(number, "code", "Falta el código de la iniciativa.")
            return
        if path is None:
            return  # the path was rejected
        if not path:
            self.reject(
                number,
                "level1_code",
                f"La iniciativa {code} debe ubicarse en un elemento del plan: indique al "
                f"menos el código del nivel 1 ({self.levels[0]}).",
            )
            return
        self.rows.append((number, code, values, path))

    def read_path(self, number: int, values: list) -> list[str] | None:
        """The codes of the row's elements, top-down; None if the row's path is rejected."""
        path: list[str] = []
        ok = True
        gap = 0
        for depth in range(len(self.levels)):
            i = depth + 1
            code = text_value(self.cell(values, f"level{i}_code"))
            name = text_value(self.cell(values, f"level{i}_name"))
            weight_raw = self.cell(values, f"level{i}_weight")
            errors: set[str] = set()
            if not code:
                if name or text_value(weight_raw):
                    self.reject(
                        number,
                        f"level{i}_code",
                        f"Falta el código del elemento de nivel {i} (la fila trae su nombre "
                        "o su peso).",
                    )
                    ok = False
                gap = gap or i
                continue
            if gap:
                self.reject(
                    number,
                    f"level{i}_code",
                    f"Falta el código del nivel {gap}: los niveles se completan desde el "
                    "nivel 1, sin saltos.",
                )
                return None
            if len(code) > 30:
                self.reject(number, f"level{i}_code", "El código admite hasta 30 caracteres.")
                return None
            if len(name) > 300:
                self.reject(number, f"level{i}_name", "El nombre admite hasta 300 caracteres.")
                ok = False
            weight = self.parse(number, f"level{i}_weight", weight_value, weight_raw, errors)
            parent = path[-1] if path else None
            if not self.merge_node(number, i, code, parent, name, weight, errors):
                ok = False
            path.append(code)
        return path if ok else None

    def merge_node(self, number, i, code, parent, name, weight, errors) -> bool:
        depth = i - 1
        spec = self.specs.get(code)
        if spec is None:
            spec = self.specs[code] = NodeSpec(code, depth, parent, number)
        elif spec.depth != depth:
            self.reject(
                number,
                f"level{i}_code",
                f"El elemento {code} está en el nivel {spec.depth + 1} en la fila "
                f"{spec.first_row}; aquí aparece en el nivel {i}.",
            )
            return False
        elif spec.parent_code != parent:
            self.reject(
                number,
                f"level{i}_code",
                f"El elemento {code} depende de {spec.parent_code} en la fila "
                f"{spec.first_row}; aquí depende de {parent}.",
            )
            return False
        ok = True
        if name:
            if not spec.name:
                spec.name, spec.name_row = name, number
            elif spec.name != name:
                self.reject(
                    number,
                    f"level{i}_name",
                    f"El elemento {code} se llama «{spec.name}» en la fila {spec.name_row}; "
                    f"aquí «{name}».",
                )
                ok = False
        if self.has(f"level{i}_weight") and f"level{i}_weight" not in errors:
            spec.weight_given = True
            if weight is not None:
                if spec.weight is None:
                    spec.weight, spec.weight_row = weight, number
                elif spec.weight != weight:
                    self.reject(
                        number,
                        f"level{i}_weight",
                        f"El elemento {code} tiene peso {decimal_text(spec.weight)} en la fila "
                        f"{spec.weight_row}; aquí {decimal_text(weight)}.",
                    )
                    ok = False
        return ok

    def check_moves(self) -> None:
        """An element that changes level may not leave behind elements not in the file."""
        for spec in self.specs.values():
            existing = self.db_nodes.get(spec.code)
            if existing is None or existing.depth == spec.depth:
                continue
            left = [
                c.code for c in self.db_children.get(existing.pk, []) if c.code not in self.specs
            ]
            if left:
                self.reject(
                    spec.first_row,
                    f"level{spec.depth + 1}_code",
                    f"El elemento {spec.code} pasa del nivel {existing.depth + 1} al "
                    f"{spec.depth + 1}, pero de él dependen elementos que no están en el "
                    f"archivo ({', '.join(sorted(left)[:10])}): inclúyalos en el archivo o "
                    "cambie la estructura en la pantalla del plan.",
                )

    def plan_nodes(self) -> None:
        result, plan = self.result, self.plan
        groups: dict[str | None, list[NodeSpec]] = defaultdict(list)
        for spec in self.specs.values():
            groups[spec.parent_code].append(spec)
        positions = {}
        for specs in groups.values():
            positions.update(_positions([(s.code, self.db_nodes.get(s.code)) for s in specs]))
        nodes = dict(self.db_nodes)
        created = updated = unchanged = 0
        for spec in sorted(self.specs.values(), key=lambda s: (s.depth, s.first_row)):
            column = f"level{spec.depth + 1}"
            existing = self.db_nodes.get(spec.code)
            parent = nodes.get(spec.parent_code) if spec.parent_code else None
            if existing is None:
                if not spec.name:
                    self.reject(
                        spec.first_row,
                        f"{column}_name",
                        f"Falta el nombre del elemento nuevo {spec.code}.",
                    )
                    continue
                node = PlanNode(
                    plan=plan,
                    parent=parent,
                    code=spec.code,
                    name=spec.name,
                    weight=spec.weight,
                    depth=spec.depth,
                    position=positions[spec.code],
                )
                nodes[spec.code] = node
                if not self.validate_node(node, spec, column):
                    continue
                if self.scopes[(PlanNode, "add")] is None:
                    self.reject(
                        spec.first_row, f"{column}_code", "No tiene permiso para crear elementos."
                    )
                    continue
                created += 1
                result.node_ops.append(NodeOp(spec.first_row, node, spec.parent_code, True))
                result.created.append(
                    {
                        "row": spec.first_row,
                        "kind": self.plan.level_name(spec.depth),
                        "code": spec.code,
                        "name": spec.name,
                    }
                )
                continue
            node = existing
            before = {
                "name": node.name,
                "weight": node.weight,
                "parent": node.parent.code if node.parent else None,
                "depth": node.depth,
                "position": node.position,
            }
            after = {
                "name": node.name if same_text(spec.name or node.name, node.name) else spec.name,
                "weight": spec.weight if spec.weight_given else node.weight,
                "parent": spec.parent_code,
                "depth": spec.depth,
                "position": positions[spec.code],
            }
            changes = [
                {
                    "field": FIELD_LABELS[name],
                    "before": self.node_shown(name, before[name]),
                    "after": self.node_shown(name, after[name]),
                }
                for name in before
                if before[name] != after[name]
            ]
            if not changes:
                unchanged += 1
                continue
            node.name, node.weight, node.position = (
                after["name"],
                after["weight"],
                after["position"],
            )
            node.parent = parent
            node.depth = spec.depth
            if not self.validate_node(node, spec, column):
                continue
            if self.scopes[(PlanNode, "change")] is None:
                self.reject(
                    spec.first_row, f"{column}_code", "No tiene permiso para modificar elementos."
                )
                continue
            updated += 1
            result.node_ops.append(NodeOp(spec.first_row, node, spec.parent_code, False))
            result.updated.append(
                {
                    "row": spec.first_row,
                    "kind": self.plan.level_name(spec.depth),
                    "code": spec.code,
                    "name": node.name,
                    "changes": changes,
                }
            )
        result.nodes_by_code = nodes
        result.counts["nodes"] = {"created": created, "updated": updated, "unchanged": unchanged}

    def node_shown(self, name, value) -> str:
        if name == "depth":
            return f"{value + 1} ({self.plan.level_name(value)})"
        if name == "parent" and value is None:
            return "(ninguno)"
        return _shown(value, name)

    def validate_node(self, node: PlanNode, spec: NodeSpec, column: str) -> bool:
        try:
            node.clean_fields(exclude=["plan", "parent", "depth"])
        except ValidationError as exc:
            target = {"code": "_code", "name": "_name", "weight": "_weight"}
            for name, messages in exc.message_dict.items():
                self.reject(spec.first_row, column + target.get(name, "_code"), " ".join(messages))
            return False
        return True

    def plan_initiatives(self) -> None:
        result = self.result
        first_row: dict[str, int] = {}
        groups: dict[str, list[tuple[str, Initiative | None]]] = defaultdict(list)
        accepted = []
        for number, code, values, path in self.rows:
            if code in first_row:
                self.reject(
                    number,
                    "code",
                    f"El código de iniciativa {code} está repetido: aparece en las filas "
                    f"{first_row[code]} y {number}.",
                )
                continue
            first_row[code] = number
            if len(code) > 30:
                self.reject(number, "code", "El código admite hasta 30 caracteres.")
                continue
            groups[path[-1]].append((code, self.db_initiatives.get(code)))
            accepted.append((number, code, values, path[-1]))
        positions = {}
        for members in groups.values():
            positions.update(_positions(members))
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        total = len(accepted)
        for done, (number, code, values, node_code) in enumerate(accepted, start=1):
            self.plan_initiative(number, code, values, node_code, positions[code], counts)
            if done % 200 == 0:
                self.progress(done, total, COMPARING)
        result.counts["initiatives"] = counts
        result.counts["targets"] = {
            "created": sum(1 for op in result.initiative_ops for _t, new in op.targets if new),
            "updated": sum(1 for op in result.initiative_ops for _t, new in op.targets if not new),
        }
        in_file = set(first_row)
        result.missing = sorted(code for code in self.db_initiatives if code not in in_file)

    def parse_initiative(self, number: int, values: list, errors: set[str]) -> dict:
        """The row's initiative fields, only for the columns the file has."""
        parsed: dict = {}

        def get(key, parser):
            if self.has(key):
                parsed[key] = self.parse(number, key, parser, self.cell(values, key), errors)

        def text(limit):
            def parser(value):
                text = text_value(value)
                if len(text) > limit:
                    raise CellError(f"El texto admite hasta {limit} caracteres.")
                return text

            return parser

        get("name", text(300))
        get("kind", self.kind_value)
        get("directorate", self.directorate_value)
        get("weight", weight_value)
        get("start_year", year_value)
        get("end_year", year_value)
        get("estimated_cost", pesos_value)
        get("funding_source", text(200))
        get("status", self.status_value)
        if self.has("progress"):
            index = self.sheet.columns["progress"]
            percent = (number, index) in self.sheet.percent
            parsed["progress"] = self.parse(
                number,
                "progress",
                lambda v: progress_value(v, percent_format=percent),
                values[index],
                errors,
            )
        get("indicator_name", text(250))
        get("indicator_unit", text(50))
        get(
            "indicator_baseline",
            lambda v: decimal_value(v, places=2, max_digits=14),
        )
        get("indicator_baseline_year", year_value)
        get("targets", targets_value)
        get("description", text_value)
        return parsed

    def kind_value(self, value):
        text = text_value(value)
        if not text:
            return None
        kind = self.kinds.get(_key(text))
        if kind is None:
            labels = ", ".join(label for _, label in Initiative.Kind.choices)
            raise CellError(f"Tipo «{text}» desconocido. Tipos válidos: {labels}.")
        return kind

    def directorate_value(self, value):
        text = text_value(value)
        if not text:
            return None
        directorate = self.directorate_by_code.get(_key(text))
        if directorate is None:
            known = sorted(d.code for d in self.directorates.values() if d.is_active)
            raise CellError(
                f"La dirección «{text}» no existe. Siglas válidas: {', '.join(known[:30])}."
            )
        return directorate

    def status_value(self, value):
        text = text_value(value)
        if not text:
            return None
        status = self.status_by_name.get(_key(text))
        if status is None:
            known = [s.name for s in self.statuses.values() if s.is_active]
            raise CellError(
                f"El estado «{text}» no existe. Estados válidos: {', '.join(known[:30])}."
            )
        return status

    def plan_initiative(self, number, code, values, node_code, position, counts) -> None:
        result = self.result
        errors: set[str] = set()
        parsed = self.parse_initiative(number, values, errors)
        existing = self.db_initiatives.get(code)
        node = result.nodes_by_code.get(node_code)
        if node is None:
            return  # its element was rejected
        new_values = {"node": node, "position": position}
        for key in OPTIONAL_FIELDS:
            if key in parsed and key not in errors:
                new_values[key] = parsed[key]
        for key in ("name", "kind", "directorate"):  # empty: keep (or default, if new)
            if parsed.get(key) not in (None, ""):
                new_values[key] = parsed[key]
        if existing is None:
            if "name" not in new_values and "name" not in errors:
                self.reject(number, "name", f"Falta el nombre de la iniciativa nueva {code}.")
                errors.add("name")
            if "directorate" not in new_values and "directorate" not in errors:
                self.reject(
                    number,
                    "directorate",
                    f"Indique la sigla de la dirección responsable de la iniciativa nueva {code}.",
                )
                errors.add("directorate")
            instance, previous, before = Initiative(plan=self.plan, code=code), None, {}
        else:
            instance = existing
            previous = SimpleNamespace(
                status_id=existing.status_id,
                progress=existing.progress,
                directorate_id=existing.directorate_id,
            )
            before = {name: getattr(existing, name) for name in COMPARED_FIELDS}
        for name, value in new_values.items():
            if name in TEXT_FIELDS and existing is not None and same_text(before[name], value):
                continue  # only line endings or outer spaces differ: keep what is stored
            setattr(instance, name, value)
        # The service gives a status' default progress (see services.initiative_save).
        if "status" in new_values:
            services.apply_status_default(instance, previous)
        self.check_initiative(number, instance, existing, new_values, errors)
        target_ops = self.plan_targets(number, instance, existing, parsed, errors)
        if errors:
            return
        if existing is None:
            if not self.allowed(number, "add", instance):
                return
            if target_ops and not self.allowed_targets(number, target_ops, instance):
                return
            result.initiative_ops.append(
                InitiativeOp(number, instance, node_code, True, target_ops, changed=True)
            )
            counts["created"] += 1
            result.created.append(
                {"row": number, "kind": "Iniciativa", "code": code, "name": instance.name}
            )
            return
        changed = [name for name, old in before.items() if not _same(old, getattr(instance, name))]
        changes = [
            {
                "field": FIELD_LABELS[name],
                "before": _shown(before[name], name),
                "after": _shown(getattr(instance, name), name),
            }
            for name in changed
        ]
        field_changed = bool(changes)
        for target, is_new in target_ops:
            old = None if is_new else self.db_targets[existing.pk][target.year]
            changes.append(
                {
                    "field": f"Meta {target.year}",
                    "before": _target_shown(old.target, old.achieved) if old else "—",
                    "after": _target_shown(target.target, target.achieved),
                }
            )
        if not changes:
            counts["unchanged"] += 1
            return
        if field_changed and not self.allowed(
            number, "change", instance, previous.directorate_id, changed
        ):
            return
        if target_ops and not self.allowed_targets(number, target_ops, instance):
            return
        result.initiative_ops.append(
            InitiativeOp(number, instance, node_code, False, target_ops, field_changed)
        )
        counts["updated"] += 1
        result.updated.append(
            {
                "row": number,
                "kind": "Iniciativa",
                "code": code,
                "name": instance.name,
                "changes": changes,
            }
        )

    def check_initiative(self, number, instance, existing, new_values, errors) -> None:
        for key, current in (("directorate", "directorate_id"), ("status", "status_id")):
            value = new_values.get(key)
            if (
                value is not None
                and not value.is_active
                and (existing is None or getattr(existing, current) != value.pk)
            ):
                self.reject(number, key, f"«{value}» no está vigente.")
                errors.add(key)
        if (
            instance.start_year
            and instance.end_year
            and instance.end_year < instance.start_year
            and not {"start_year", "end_year"} & errors
        ):
            self.reject(
                number,
                "end_year",
                f"El año de término ({instance.end_year}) es anterior al de inicio "
                f"({instance.start_year}).",
            )
            errors.add("end_year")
        if (
            instance.indicator_baseline is not None
            and not instance.indicator_name
            and "indicator_baseline" not in errors
        ):
            self.reject(
                number,
                "indicator_baseline",
                "Indique el indicador al que corresponde la línea base.",
            )
            errors.add("indicator_baseline")
        if errors:
            return
        try:
            instance.clean_fields(exclude=["plan", "node", "directorate", "status"])
            instance.clean()
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                column = FIELD_COLUMNS.get(name, "code")
                if name not in errors:
                    self.result.reject(number, self.headers.get(name, column), " ".join(messages))
                    errors.add(name)

    def plan_targets(self, number, instance, existing, parsed, errors):
        entries = parsed.get("targets") if "targets" not in errors else None
        if not entries:
            return []
        if not instance.indicator_name:
            self.reject(number, "targets", "Defina el indicador antes de sus metas anuales.")
            errors.add("targets")
            return []
        current = self.db_targets.get(existing.pk, {}) if existing is not None else {}
        ops = []
        for year, value, achieved in entries:
            target = current.get(year)
            if target is None:
                target = IndicatorTarget(
                    initiative=instance, year=year, target=value, achieved=achieved
                )
                ops.append((target, True))
            elif target.target != value or target.achieved != achieved:
                target.target, target.achieved = value, achieved
                target.initiative = instance
                ops.append((target, False))
            else:
                continue
            try:
                target.clean_fields(exclude=["initiative"])
            except ValidationError as exc:
                self.reject(number, "targets", f"Meta {year}: {' '.join(exc.messages)}")
                errors.add("targets")
                return []
        return ops

    def allowed(self, number, action, instance, original_directorate=None, changed=()) -> bool:
        scope = self.scopes[(Initiative, action)]
        verb = "crear" if action == "add" else "modificar"
        if scope is None:
            self.reject(number, "code", f"No tiene permiso para {verb} iniciativas.")
            return False
        if scope == Scope.DIRECTORATE:
            own = getattr(self.user, "directorate_id", None)
            touched = {instance.directorate_id or getattr(instance.directorate, "pk", None)}
            if original_directorate is not None:
                touched.add(original_directorate)
            if own is None or touched != {own}:
                self.reject(
                    number,
                    "directorate",
                    f"Solo puede {verb} iniciativas de su propia dirección.",
                )
                return False
            # A role limited to its directorate only reports (see services).
            others = set(changed) - services.REPORTING_FIELDS["Initiative"]
            if action == "change" and others:
                fields = ", ".join(FIELD_LABELS[name] for name in changed if name in others)
                self.reject(
                    number,
                    "code",
                    "Su rol solo puede informar el estado y el avance; no puede cambiar: "
                    f"{fields}.",
                )
                return False
        return True

    def allowed_targets(self, number, target_ops, instance) -> bool:
        for target, is_new in target_ops:
            action = "add" if is_new else "change"
            scope = self.scopes[(IndicatorTarget, action)]
            verb = "registrar" if is_new else "modificar"
            if scope is None or (
                scope == Scope.DIRECTORATE
                and getattr(self.user, "directorate_id", None) != instance.directorate_id
            ):
                self.reject(number, "targets", f"No tiene permiso para {verb} estas metas.")
                return False
            if scope == Scope.DIRECTORATE and not is_new:
                old = self.db_targets[instance.pk][target.year]
                if old.target != target.target:
                    self.reject(
                        number,
                        "targets",
                        f"Meta {target.year}: su rol solo puede registrar lo logrado.",
                    )
                    return False
        return True


def _target_shown(target: Decimal, achieved: Decimal | None) -> str:
    text = decimal_text(target)
    return f"{text} (logrado {decimal_text(achieved)})" if achieved is not None else text


def _positions(members: list[tuple[str, object | None]]) -> dict[str, int]:
    """Positions that make (position, code) follow the file's order, keeping every
    existing position that already does (so an unchanged export changes nothing)."""
    positions = {}
    previous: tuple[int, str] | None = None
    for code, existing in members:
        if existing is not None and (previous is None or (existing.position, code) > previous):
            position = existing.position
        else:
            position = previous[0] + 1 if previous is not None else 1
        positions[code] = position
        previous = (position, code)
    return positions


# --------------------------------------------------------------------------------------
# Applying
# --------------------------------------------------------------------------------------


def apply(
    plan: Plan,
    source,
    *,
    user,
    reason: str = "",
    file_name: str = "",
    progress: Progress | None = None,
) -> Analysis:
    """Analyse the file again and write what changed, all in one transaction.

    Raises Rejected (nothing written) if any row is rejected now; any other exception
    also leaves the plan exactly as it was.
    """
    reason = reason or f"Importación de la matriz PLADECO{f': {file_name}' if file_name else ''}"
    with transaction.atomic(), audit_context(user=user, source=AUDIT_SOURCE, reason=reason):
        plan = Plan.objects.select_for_update().get(pk=plan.pk)
        require_import_permission(user, plan)
        result = analyse(plan, source, user=user, file_name=file_name, progress=progress)
        if not result.ok:
            raise Rejected(result)
        write(result, user=user, reason=reason, progress=progress)
    return result


def write(result: Analysis, *, user, reason: str, progress: Progress | None = None) -> None:
    """Write the analysed changes through the services (call inside a transaction)."""
    progress = progress or (lambda done, total, step: None)
    nodes = result.nodes_by_code
    total = len(result.node_ops) + len(result.initiative_ops)
    done = 0
    for op in sorted(result.node_ops, key=lambda o: (o.instance.depth, o.row)):
        node = op.instance
        # Re-assign so that a parent created just before gives its id.
        node.parent = nodes[op.parent_code] if op.parent_code else None
        if op.is_new:
            core_services.record_create(actor=user, instance=node, reason=reason)
        else:
            core_services.record_update(actor=user, instance=node, reason=reason)
        done += 1
        if done % 50 == 0:
            progress(done, total, WRITING)
    for op in result.initiative_ops:
        initiative = op.instance
        initiative.node = nodes[op.node_code]
        if op.changed:
            services.initiative_save(actor=user, initiative=initiative, reason=reason)
        for target, _is_new in op.targets:
            target.initiative = initiative
            services.target_save(actor=user, target=target, reason=reason)
        done += 1
        if done % 50 == 0:
            progress(done, total, WRITING)
    progress(total, total, WRITING)
