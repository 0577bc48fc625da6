"""Import of the monthly budget execution (issue 5): the accounting system's export, as CSV
or XLSX, for one budget year and month.

Everything is validated before anything is written; with any error nothing is written and
every error is reported in Spanish with its row (numbered as a spreadsheet shows them, the
header being row 1) and column. A valid file replaces the month in one transaction, in
bulk, with one change-log entry for the month (the rows are not logged one by one).

Memory: rows travel as tuples of ints; model instances are built one batch at a time.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db import transaction

from secpla.budget.models import CODE_RE, Account, BudgetYear, ExecutionMonth, ExecutionRow, Kind
from secpla.core.audit import _write, audit_context, snapshot
from secpla.core.money import MAX_PESOS, format_clp
from secpla.core.permissions import can
from secpla.planning.matrix import CellError, number_value, text_value

BATCH = 5_000
PROGRESS_EVERY = 1_000
MAX_ERRORS = 1_000  # beyond this the file is clearly the wrong one; stop listing

FIELDS = ("obligated", "accrued", "paid", "collected")
LABELS = {
    "account": "cuenta",
    "obligated": "obligado",
    "accrued": "devengado",
    "paid": "pagado",
    "collected": "percibido",
}
# Which amounts each kind of account takes, and which of them a file must have.
TAKES = {
    Kind.EXPENSE: ("obligated", "accrued", "paid"),
    Kind.INCOME: ("accrued", "collected"),
}
# Many exports print one "obligación devengada" column for gastos, so devengado of gastos
# is taken when present but not required (see docs/decisions/0012).
REQUIRED = {
    Kind.EXPENSE: ("obligated", "paid"),
    Kind.INCOME: ("accrued", "collected"),
}
KIND_LABEL = {Kind.EXPENSE: "gastos (215)", Kind.INCOME: "ingresos (115)"}

# Header aliases, normalised (lowercase, no accents, words only, unit words removed).
ALIASES: dict[str, tuple[str, ...]] = {
    "account": (
        "cuenta",
        "codigo",
        "cod",
        "codigo cuenta",
        "cuenta presupuestaria",
        "codigo presupuestario",
        "imputacion",
        "imputacion presupuestaria",
        "clasificador",
        "clasificacion presupuestaria",
        "item presupuestario",
    ),
    "obligated": (
        "obligado",
        "obligacion",
        "obligaciones",
        "comprometido",
        "compromiso",
        "compromisos",
        "gasto comprometido",
        "gasto obligado",
    ),
    "accrued": ("devengado", "devengo", "ingreso devengado", "gasto devengado"),
    "paid": ("pagado", "pago", "pagos", "gasto pagado"),
    "collected": ("percibido", "percepcion", "ingreso percibido", "ingresos percibidos"),
}
# Columns that mean one thing for gastos and another for ingresos (the CGR "balance de
# ejecución presupuestaria" layout, e.g. comprometido_o_devengado_miles).
SHARED = {
    "comprometido o devengado": {Kind.EXPENSE: "obligated", Kind.INCOME: "accrued"},
    "obligado o devengado": {Kind.EXPENSE: "obligated", Kind.INCOME: "accrued"},
    "obligacion o devengado": {Kind.EXPENSE: "obligated", Kind.INCOME: "accrued"},
    "pagado o percibido": {Kind.EXPENSE: "paid", Kind.INCOME: "collected"},
    "pago o percepcion": {Kind.EXPENSE: "paid", Kind.INCOME: "collected"},
}
UNIT_WORDS = {"miles", "m", "mm", "pesos", "clp"}
THOUSANDS_WORDS = {"miles", "m"}  # "..._miles", "M$"
FILLER_WORDS = {"monto", "montos", "total", "acumulado", "acumulada", "de", "del", "al", "a"}


class UnreadableFile(Exception):
    """The file cannot be read at all (the message is shown to the user)."""


@dataclass
class ErrorItem:
    row: int | None
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}

    def __str__(self) -> str:
        where = f"Fila {self.row}" if self.row else "Archivo"
        column = f", columna «{self.column}»" if self.column else ""
        return f"{where}{column}: {self.message}"


@dataclass
class Report:
    file_name: str
    year: int | None
    month: int | None
    dry_run: bool = False
    errors: list[ErrorItem] = field(default_factory=list)
    rows: int = 0
    income: int = 0
    expense: int = 0
    previous_rows: int = 0
    replaced: bool = False
    written: bool = False
    sha256: str = ""
    scale: int = 1
    month_id: int | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, row: int | None, column: str, message: str) -> None:
        self.errors.append(ErrorItem(row, column, message))

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "file_name": self.file_name,
            "year": self.year,
            "month": self.month,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "income": self.income,
            "expense": self.expense,
            "previous_rows": self.previous_rows,
            "replaced": self.replaced,
            "written": self.written,
            "sha256": self.sha256,
            "errors": [e.as_dict() for e in self.errors],
        }

    def text(self, limit: int | None = 100) -> str:
        period = f"{self.month:02d}-{self.year}" if self.month and self.year else "?"
        lines = [f"Ejecución presupuestaria {period}, archivo «{self.file_name}»"]
        if self.errors:
            lines.append(
                f"No se importó nada: {len(self.errors)} error(es)"
                + (
                    f" (se muestran los primeros {limit})"
                    if limit and len(self.errors) > limit
                    else ""
                )
                + "."
            )
            lines += [f"  {e}" for e in self.errors[:limit]]
            return "\n".join(lines)
        lines.append(
            f"{self.rows} cuentas: {self.expense} de gastos y {self.income} de ingresos"
            + (
                " (montos del archivo en miles de pesos, guardados en pesos)"
                if self.scale != 1
                else ""
            )
            + "."
        )
        if self.dry_run:
            lines.append("Prueba: el archivo es válido; no se guardó nada.")
        elif self.replaced:
            lines.append(f"Se reemplazó el mes ({self.previous_rows} filas anteriores).")
        else:
            lines.append("Se importó el mes.")
        return "\n".join(lines)


# --- reading --------------------------------------------------------------------------------


def _bytes_of(source) -> bytes:
    if isinstance(source, bytes | bytearray):
        return bytes(source)
    if isinstance(source, str | Path):
        return Path(source).read_bytes()
    data = source.read()
    return data.encode() if isinstance(data, str) else data


def _is_xlsx(data: bytes, file_name: str) -> bool:
    name = file_name.lower()
    return name.endswith((".xlsx", ".xlsm", ".xls", ".ods")) or data[:4] == b"PK\x03\x04"


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Windows exports (Excel "CSV") are often in Windows-1252.
        text = data.decode("cp1252", errors="replace")
    first = text[: text.find("\n")] if "\n" in text else text
    delimiter = max((";", ",", "\t"), key=first.count)
    yield from csv.reader(io.StringIO(text), delimiter=delimiter)


def _xlsx_rows(data: bytes) -> Iterator[list]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = workbook.get_sheet_by_index(0)
    except Exception as exc:  # calamine raises its own error types
        raise UnreadableFile("No se pudo leer la planilla (¿es un XLSX válido?).") from exc
    yield from sheet.iter_rows()


def iter_rows(data: bytes, file_name: str) -> Iterator[tuple[int, tuple[str, ...]]]:
    """(spreadsheet row number, cells as text), the header included as row 1; blank rows
    are skipped but keep their number."""
    rows = _xlsx_rows(data) if _is_xlsx(data, file_name) else _csv_rows(data)
    for number, cells in enumerate(rows, start=1):
        values = tuple(text_value(cell) for cell in cells)
        if any(values):
            yield number, values


def read(source, file_name: str = "") -> list[tuple[int, tuple[str, ...]]]:
    """Every non-blank row of a CSV or XLSX file as (row number, cells as text)."""
    return list(iter_rows(_bytes_of(source), file_name or getattr(source, "name", "")))


def normalise_header(text: str) -> tuple[str, int]:
    """('comprometido o devengado', 1000) from 'Comprometido_o_Devengado (M$)'."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = re.sub(r"[^a-z0-9]+", " ", plain).split()
    scale = 1000 if any(w in THOUSANDS_WORDS for w in words) else 1
    words = [w for w in words if w not in UNIT_WORDS and w not in FILLER_WORDS]
    return " ".join(words), scale


@dataclass
class Columns:
    """Where each value is, by kind of account: {kind: {field: (index, scale)}}."""

    account: int | None = None
    by_kind: dict[str, dict[str, tuple[int, int]]] = field(default_factory=dict)
    headers: tuple[str, ...] = ()

    @property
    def scale(self) -> int:
        scales = {s for fields in self.by_kind.values() for _, s in fields.values()}
        return max(scales, default=1)


def map_columns(header: tuple[str, ...]) -> Columns:
    lookup = {alias: name for name, aliases in ALIASES.items() for alias in aliases}
    columns = Columns(headers=header, by_kind={Kind.EXPENSE: {}, Kind.INCOME: {}})
    for index, text in enumerate(header):
        key, scale = normalise_header(text)
        if not key:
            continue
        name = lookup.get(key)
        if name == "account":
            if columns.account is None:
                columns.account = index
            continue
        targets = SHARED.get(key) or (
            {kind: name for kind, takes in TAKES.items() if name in takes} if name else {}
        )
        for kind, target in targets.items():
            columns.by_kind[kind].setdefault(target, (index, scale))
    return columns


def _aliases_text(name: str) -> str:
    return ", ".join(f"«{alias}»" for alias in ALIASES[name][:4])


# --- validation -----------------------------------------------------------------------------


def normalise_code(text: str) -> str | None:
    """'215-22-04-001', '215.22.04.001', '215 22 04 001' -> '215.22.04.001'; None if malformed."""
    code = re.sub(r"[\s\-_/]+", ".", text.strip()).strip(".")
    return code if CODE_RE.match(code) else None


def _amount(text: str, scale: int) -> int | None:
    number = number_value(text, thousands_dot=True)
    if number is None:
        return None
    if number < 0:
        raise CellError("El monto no puede ser negativo.")
    pesos = int((number * scale).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if pesos >= MAX_PESOS:
        raise CellError(f"El monto no puede superar {format_clp(MAX_PESOS)}.")
    return pesos


def validate(
    rows: Iterator[tuple[int, tuple[str, ...]]] | list,
    accounts: dict[str, tuple[int, str]],
    report: Report,
    *,
    total: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> list[tuple[int, int | None, int | None, int | None, int | None]]:
    """Check every row; returns (account_id, obligated, accrued, paid, collected) tuples.

    `accounts` maps a classifier code to (id, kind). Errors go to `report`.
    """
    rows = iter(rows)
    header_row = next(rows, None)
    if header_row is None:
        report.error(None, "", "El archivo está vacío.")
        return []
    header_number, header = header_row  # 1 unless blank rows come first
    columns = map_columns(header)
    if columns.account is None:
        report.error(
            header_number,
            LABELS["account"],
            "No se encontró la columna de la cuenta (se acepta, p. ej., "
            f"{_aliases_text('account')}).",
        )
        return []
    report.scale = columns.scale
    missing_reported: set[tuple[str, str]] = set()
    seen: dict[int, int] = {}
    out: list[tuple[int, int | None, int | None, int | None, int | None]] = []
    done = 0
    for number, cells in rows:
        done += 1
        if progress and done % PROGRESS_EVERY == 0:
            progress(done, total)
        if len(report.errors) >= MAX_ERRORS:
            continue
        raw = cells[columns.account] if columns.account < len(cells) else ""
        if not raw:
            report.error(number, LABELS["account"], "Falta el código de la cuenta.")
            continue
        code = normalise_code(raw)
        if code is None:
            report.error(
                number,
                LABELS["account"],
                f"«{raw[:40]}» no es un código de cuenta: se espera 115.SS.II.AAA.SSS o "
                "215.SS.II.AAA.SSS (con puntos o guiones), p. ej. 215.22.04.001.",
            )
            continue
        found = accounts.get(code)
        if found is None:
            report.error(
                number,
                LABELS["account"],
                f"La cuenta {code} no existe en el clasificador {report.year}.",
            )
            continue
        account_id, kind = found
        if account_id in seen:
            report.error(
                number,
                LABELS["account"],
                f"La cuenta {code} está repetida (ya aparece en la fila {seen[account_id]}).",
            )
            continue
        seen[account_id] = number
        where = columns.by_kind[kind]
        missing = [f for f in REQUIRED[kind] if f not in where]
        if missing:
            for name in missing:
                if (kind, name) not in missing_reported:
                    missing_reported.add((kind, name))
                    report.error(
                        header_number,
                        LABELS[name],
                        f"No se encontró la columna «{LABELS[name]}», necesaria para las "
                        f"cuentas de {KIND_LABEL[kind]} (se acepta, p. ej., "
                        f"{_aliases_text(name)}).",
                    )
            continue
        values: dict[str, int | None] = {}
        bad = False
        for name in TAKES[kind]:
            if name not in where:
                values[name] = None
                continue
            index, scale = where[name]
            text = cells[index] if index < len(cells) else ""
            try:
                values[name] = _amount(text, scale)
            except CellError as exc:
                report.error(number, LABELS[name], str(exc))
                bad = True
        if bad:
            continue
        if kind == Kind.EXPENSE:
            report.expense += 1
        else:
            report.income += 1
        out.append(
            (
                account_id,
                values.get("obligated"),
                values.get("accrued"),
                values.get("paid"),
                values.get("collected"),
            )
        )
    report.rows = len(out)
    if progress:
        total = max(total, done)
        progress(total, total)
    return out


def classifier_accounts(budget_year: BudgetYear) -> dict[str, tuple[int, str]]:
    return {
        code: (pk, kind)
        for pk, code, kind in Account.objects.filter(
            version_id=budget_year.classifier_id
        ).values_list("pk", "code", "kind")
    }


def prepare(
    *, budget_year, month: int, source, file_name: str = "", progress=None
) -> tuple[Report, BudgetYear | None, list[tuple]]:
    """Read and validate (no writes): the report, the budget year and the valid tuples."""
    file_name = Path(file_name or getattr(source, "name", "") or "ejecucion").name[:255]
    year_number = budget_year.year if isinstance(budget_year, BudgetYear) else budget_year
    report = Report(file_name=file_name, year=year_number, month=month)
    if not isinstance(budget_year, BudgetYear):
        budget_year = BudgetYear.objects.filter(year=budget_year).first()
        if budget_year is None:
            report.error(None, "año", f"No existe el presupuesto del año {year_number}.")
    if budget_year is not None and budget_year.status == BudgetYear.Status.CLOSED:
        # A closed year is a record, like its modifications (services._check_open_year).
        report.error(
            None,
            "año",
            f"El presupuesto {year_number} está cerrado: su ejecución ya no se importa.",
        )
    if not isinstance(month, int) or not 1 <= month <= 12:
        report.error(None, "mes", f"El mes debe ir de 1 a 12 (se indicó {month}).")
    if report.errors:
        return report, budget_year, []
    try:
        data = _bytes_of(source)
    except OSError as exc:
        report.error(None, "", f"No se pudo leer el archivo: {exc.strerror or exc}.")
        return report, budget_year, []
    report.sha256 = hashlib.sha256(data).hexdigest()
    total = max(data.count(b"\n") - 1, 1) if not _is_xlsx(data, file_name) else 0
    try:
        rows = iter_rows(data, file_name)
        if not total:
            rows = list(rows)  # XLSX: count rows first to report progress
            total = max(len(rows) - 1, 1)
        del data
        valid = validate(
            rows, classifier_accounts(budget_year), report, total=total, progress=progress
        )
    except UnreadableFile as exc:
        report.error(None, "", str(exc))
        return report, budget_year, []
    except csv.Error as exc:
        report.error(None, "", f"El CSV está mal formado: {exc}.")
        return report, budget_year, []
    if not report.errors and not valid:
        report.error(None, "", "El archivo no tiene filas con cuentas.")
    return report, budget_year, valid


def check_permission(actor) -> None:
    if not can(actor, "change", BudgetYear):
        raise PermissionDenied("No tiene permiso para importar la ejecución presupuestaria.")


def import_month(
    *,
    actor,
    budget_year,
    month: int,
    source,
    file_name: str = "",
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = BATCH,
) -> Report:
    """Validate the whole file, then (unless `dry_run` or errors) replace the month.

    `budget_year` is a BudgetYear or a year number. `progress(done, total)` is called while
    validating and while writing (total counts both phases).
    """
    if not (dry_run and actor is None):
        check_permission(actor)
    phases = 1 if dry_run else 2  # validating, then writing

    def validating(done: int, total: int) -> None:
        if progress:
            progress(done, phases * total)

    report, budget_year, valid = prepare(
        budget_year=budget_year, month=month, source=source, file_name=file_name,
        progress=validating,
    )  # fmt: skip
    report.dry_run = dry_run
    if report.errors or dry_run:
        return report
    total = 2 * len(valid)
    offset = len(valid)
    reason = f"Importación de la ejecución {month:02d}-{budget_year.year} ({report.file_name})"
    with audit_context(user=actor, reason=reason, source="importacion"), transaction.atomic():
        execution, created = ExecutionMonth.objects.select_for_update().get_or_create(
            budget_year=budget_year,
            month=month,
            defaults={"file_name": report.file_name, "sha256": report.sha256},
        )
        before = None if created else snapshot(execution)
        if not created:
            report.previous_rows, _ = ExecutionRow.objects.filter(month=execution).delete()
            report.replaced = True
            if before is not None:
                before["filas_eliminadas"] = report.previous_rows
        for start in range(0, len(valid), batch_size):
            chunk = valid[start : start + batch_size]
            ExecutionRow.objects.bulk_create(
                [
                    ExecutionRow(
                        month_id=execution.pk,
                        account_id=account_id,
                        obligated=obligated,
                        accrued=accrued,
                        paid=paid,
                        collected=collected,
                    )
                    for account_id, obligated, accrued, paid, collected in chunk
                ],
                batch_size=batch_size,
            )
            if progress:
                progress(offset + start + len(chunk), total)
        execution.rows = len(valid)
        execution.sha256 = report.sha256
        execution.file_name = report.file_name
        execution.imported_by = actor if getattr(actor, "pk", None) else None
        execution.save()
        after = snapshot(execution)
        after.update(
            filas_gastos=report.expense,
            filas_ingresos=report.income,
            filas_anteriores=report.previous_rows,
        )
        _write(execution, "create" if created else "update", before, after)
    report.written = True
    report.month_id = execution.pk
    return report
