"""The execution analysis as rows and sheets, and the quarterly report to the Concejo.

The analysis screens (views/analysis.py), their XLSX exports and the quarterly report
(HTML preview, PDF and XLSX) all build their tables here, so a sheet has exactly the rows
and columns the screen shows. The figures come from `selectors.execution_table`.

- Rows: the accounts of the chosen levels (subtítulo, ítem, asignación), skipping those
  with neither budget nor execution; a total per kind. Gastos show obligado, devengado and
  pagado; ingresos devengado and percibido; percentages are over the vigente.
- Without an import (or with the budget narrowed by área or program, which the accounting
  system does not report by) only the budget columns are shown: never zeros as execution.
- The quarterly report takes the execution of the latest import on or before the quarter's
  last month and the vigente at the quarter's end, and says which import it used.
- The PDF is rendered by WeasyPrint from the same body template as the HTML preview, with a
  URL fetcher that reads only local static files (no network).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from secpla.budget import selectors
from secpla.budget.models import (
    AlertRule,
    BudgetYear,
    ExecutionMonth,
    Kind,
    Level,
    Modification,
)
from secpla.budget.selectors import Alert, Line, Table, format_percent
from secpla.core.money import MONTHS_ES, format_clp

MONEY_FORMAT = "#,##0"
PERCENT_FORMAT = "0.0"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
AMOUNT_NAMES = {
    "obligated": "obligado",
    "accrued": "devengado",
    "paid": "pagado",
    "collected": "percibido",
}


@dataclass(frozen=True)
class Column:
    attr: str  # attribute of selectors.Line
    label: str
    percent: bool = False


BUDGET_COLUMNS = [
    Column("initial", "Inicial"),
    Column("modified", "Modificaciones"),
    Column("vigente", "Vigente"),
]
EXECUTION_COLUMNS = {
    Kind.EXPENSE: [
        Column("obligated", "Obligado"),
        Column("accrued", "Devengado"),
        Column("paid", "Pagado"),
        Column("pct_obligated", "% obligado", percent=True),
        Column("pct_accrued", "% devengado", percent=True),
    ],
    Kind.INCOME: [
        Column("accrued", "Devengado"),
        Column("collected", "Percibido"),
        Column("pct_accrued", "% devengado", percent=True),
        Column("pct_collected", "% percibido", percent=True),
    ],
}
KIND_TITLES = {Kind.EXPENSE: "Gastos", Kind.INCOME: "Ingresos"}


def columns_for(kind: str, *, execution: bool) -> list[Column]:
    return [*BUDGET_COLUMNS, *(EXECUTION_COLUMNS[kind] if execution else [])]


def month_name(month: int, year: int) -> str:
    return f"{MONTHS_ES[month - 1]} de {year}"


@dataclass
class Row:
    """One account (or a total) as a screen row and a sheet row."""

    line: Line
    values: list  # raw: int, Decimal or None ("not reported")
    cells: list[str]  # as shown: $ 1.234.567, 16,7 %, — (not reported)
    is_total: bool = False

    @property
    def over_vigente(self) -> bool:
        """A gasto whose obligado exceeds its vigente (the danger alert)."""
        line = self.line
        return line.kind == Kind.EXPENSE and (line.obligated or 0) > line.vigente

    @property
    def mismatch_text(self) -> str:
        """Why the row is flagged: a reported parent that disagrees with its children."""
        if not self.line.mismatch:
            return ""
        names = ", ".join(AMOUNT_NAMES[name] for name in self.line.mismatch)
        return f"El {names} informado difiere de la suma de sus subcuentas."


def make_row(line: Line, columns: Sequence[Column], *, is_total: bool = False) -> Row:
    values = [getattr(line, column.attr) for column in columns]
    cells = [
        format_percent(value) if column.percent else (format_clp(value) or "—")
        for column, value in zip(columns, values, strict=True)
    ]
    return Row(line, values, cells, is_total)


@dataclass
class Section:
    """The table of one kind (gastos or ingresos)."""

    kind: str
    title: str
    columns: list[Column]
    rows: list[Row]
    total: Row | None  # None on a drill-down page (the account's own row stands above)
    omitted: int = 0  # accounts left out because they have neither budget nor execution

    @property
    def mismatches(self) -> bool:
        return any(row.line.mismatch for row in self.rows)


def section(kind: str, lines: Sequence[Line], *, execution: bool, total: Line | None) -> Section:
    columns = columns_for(kind, execution=execution)
    shown = [line for line in lines if not line.is_empty]
    return Section(
        kind,
        KIND_TITLES[kind],
        columns,
        [make_row(line, columns) for line in shown],
        make_row(total, columns, is_total=True) if total is not None else None,
        omitted=len(lines) - len(shown),
    )


LEVELS_UP_TO = {
    Level.SUBTITLE: (Level.SUBTITLE,),
    Level.ITEM: (Level.SUBTITLE, Level.ITEM),
    Level.ALLOCATION: (Level.SUBTITLE, Level.ITEM, Level.ALLOCATION),
}


def sections(table: Table, detail: str = Level.ITEM, *, execution: bool) -> list[Section]:
    """Gastos and ingresos down to `detail` (subtítulo, ítem or asignación), with totals."""
    levels = LEVELS_UP_TO[detail]
    return [
        section(kind, table.level(*levels, kind=kind), execution=execution, total=table.total(kind))
        for kind in (Kind.EXPENSE, Kind.INCOME)
    ]


# --- which import the figures come from ------------------------------------------------------


def import_text(execution: ExecutionMonth) -> str:
    """'importada el 03-07-2026 por Ana Pérez (archivo ejecucion.csv)'."""
    when = timezone.localtime(execution.imported_at).strftime("%d-%m-%Y")
    who = execution.imported_by
    by = f" por {who.get_full_name() or who.username}" if who else ""
    return f"importada el {when}{by}, archivo «{execution.file_name}»"


def execution_source(table: Table, requested: int | None = None) -> str:
    """What the execution columns show, in one sentence."""
    year = table.budget_year.year
    if table.month is None:
        until = f" hasta {month_name(requested, year)}" if requested else ""
        return (
            f"No hay ejecución importada del presupuesto {year}{until}: se muestra solo el "
            f"presupuesto vigente al {table.on:%d-%m-%Y}."
        )
    execution = table.execution
    text = f"Ejecución acumulada a {month_name(table.month, year)}"
    if execution is not None:
        text += f" ({import_text(execution)})"
    if requested and requested != table.month:
        text += (
            f"; es el último mes importado hasta {month_name(requested, year)}, así que no "
            f"incluye lo ejecutado después"
        )
    return text + f". Presupuesto vigente al {table.on:%d-%m-%Y}."


# --- XLSX ----------------------------------------------------------------------------------


def new_workbook():
    from openpyxl import Workbook

    return Workbook(write_only=True)


def workbook_bytes(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_section(workbook, sec: Section, heading: Sequence[str], *, title: str = "") -> None:
    """One sheet: the heading lines, the header, the rows and the total. Amounts are
    numbers with a thousands format, percentages numbers with one decimal."""
    from secpla.core.generic import xlsx_cell

    sheet = workbook.create_sheet(title=(title or sec.title)[:31])
    for text in heading:
        sheet.append([xlsx_cell(sheet, text)])
    sheet.append([])
    sheet.append(
        [
            xlsx_cell(sheet, label, bold=True)
            for label in ["Código", "Denominación", *[c.label for c in sec.columns], "Observación"]
        ]
    )
    rows = [*sec.rows, *([sec.total] if sec.total else [])]
    for row in rows:
        cells = [
            xlsx_cell(sheet, row.line.code if not row.is_total else "", bold=row.is_total),
            xlsx_cell(sheet, row.line.name, bold=row.is_total),
        ]
        for column, value in zip(sec.columns, row.values, strict=True):
            if value is None:
                cells.append(xlsx_cell(sheet, None))
            elif column.percent:
                cells.append(xlsx_cell(sheet, float(value), number_format=PERCENT_FORMAT))
            else:
                cells.append(
                    xlsx_cell(sheet, int(value), number_format=MONEY_FORMAT, bold=row.is_total)
                )
        cells.append(xlsx_cell(sheet, row.mismatch_text))
        sheet.append(cells)
    if sec.omitted:
        sheet.append([])
        sheet.append([xlsx_cell(sheet, omitted_text(sec.omitted))])


def number_format(value) -> str:
    """Whole numbers are pesos; fractions are percentages."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return ""
    return MONEY_FORMAT if isinstance(value, int) else PERCENT_FORMAT


def omitted_text(count: int) -> str:
    return (
        f"Se omite{'n' if count != 1 else ''} {count} cuenta{'s' if count != 1 else ''} sin "
        "presupuesto ni ejecución."
    )


def write_lines(workbook, title: str, heading: Sequence[str], header, rows) -> None:
    """A plain sheet of text/number rows (alerts, modifications, month by month)."""
    from secpla.core.generic import xlsx_cell

    sheet = workbook.create_sheet(title=title[:31])
    for text in heading:
        sheet.append([xlsx_cell(sheet, text)])
    if heading:
        sheet.append([])
    sheet.append([xlsx_cell(sheet, label, bold=True) for label in header])
    for row in rows:
        sheet.append([xlsx_cell(sheet, value, number_format=number_format(value)) for value in row])


# --- the quarterly report ---------------------------------------------------------------------

QUARTERS = {1: "primer", 2: "segundo", 3: "tercer", 4: "cuarto"}


@dataclass
class QuarterlyReport:
    """The Control unit's report to the Concejo on one quarter's budget execution."""

    budget_year: BudgetYear
    quarter: int
    municipality: object  # core.models.Municipality or None
    issued_on: dt.date
    table: Table
    execution: ExecutionMonth | None
    sections: list[Section]
    alerts: list[Alert]
    alert_rule: AlertRule | None
    modifications: list[Modification] = field(default_factory=list)

    @property
    def year(self) -> int:
        return self.budget_year.year

    @property
    def first_month(self) -> int:
        return self.quarter * 3 - 2

    @property
    def last_month(self) -> int:
        return self.quarter * 3

    @property
    def starts(self) -> dt.date:
        return dt.date(self.year, self.first_month, 1)

    @property
    def ends(self) -> dt.date:
        return selectors.month_end(self.year, self.last_month)

    @property
    def title(self) -> str:
        return (
            f"Informe trimestral de ejecución presupuestaria · {self.quarter}° trimestre "
            f"{self.year}"
        )

    @property
    def period(self) -> str:
        return (
            f"{QUARTERS[self.quarter].capitalize()} trimestre: "
            f"{MONTHS_ES[self.first_month - 1]} a {month_name(self.last_month, self.year)} "
            f"({self.starts:%d-%m-%Y} al {self.ends:%d-%m-%Y})"
        )

    @property
    def has_execution(self) -> bool:
        return self.table.month is not None

    @property
    def execution_text(self) -> str:
        year = self.year
        if not self.has_execution:
            return (
                f"No hay ejecución importada del presupuesto {year} hasta "
                f"{month_name(self.last_month, year)}: este informe no puede informar la "
                f"ejecución del trimestre y muestra solo el presupuesto vigente al "
                f"{self.ends:%d-%m-%Y}."
            )
        text = f"Ejecución acumulada a {month_name(self.table.month, year)}"
        if self.execution is not None:
            text += f" según el sistema contable ({import_text(self.execution)})"
        text += f". Presupuesto vigente al {self.ends:%d-%m-%Y}."
        if self.table.month != self.last_month:
            text += (
                f" Aún no se importa la ejecución de {month_name(self.last_month, year)}: "
                f"las cifras de ejecución no llegan al cierre del trimestre."
            )
        return text

    @property
    def file_stem(self) -> str:
        return f"informe-trimestral-{self.year}-T{self.quarter}"


def quarterly_report(
    budget_year: BudgetYear, quarter: int, *, today: dt.date | None = None
) -> QuarterlyReport:
    from secpla.core.models import Municipality

    if quarter not in QUARTERS:
        raise ValueError(quarter)
    last = quarter * 3
    table = selectors.execution_table(budget_year, month=last)
    rule = AlertRule.in_force(table.on)
    has_execution = table.month is not None
    found = selectors.alerts(table, rule) if has_execution else []
    start = dt.date(budget_year.year, last - 2, 1)
    modifications = list(
        Modification.objects.filter(
            budget_year=budget_year,
            status=Modification.Status.APPROVED,
            approved_on__gte=start,
            approved_on__lte=table.on,
        ).order_by("approved_on", "number")
    )
    return QuarterlyReport(
        budget_year=budget_year,
        quarter=quarter,
        municipality=Municipality.current(),
        issued_on=today or timezone.localdate(),
        table=table,
        execution=table.execution,
        sections=sections(table, Level.ITEM, execution=has_execution),
        alerts=found,
        alert_rule=rule,
        modifications=modifications,
    )


def modification_rows(report: QuarterlyReport) -> list[list]:
    rows = []
    for modification in report.modifications:
        if modification.agreement_number:
            agreement = f"N° {modification.agreement_number}"
            if modification.agreement_date:
                agreement += f" del {modification.agreement_date:%d-%m-%Y}"
        else:
            agreement = (
                "Requiere acuerdo (sin registrar)"
                if modification.requires_agreement
                else ("No requiere")
            )
        rows.append(
            [
                modification.number,
                modification.date.strftime("%d-%m-%Y"),
                modification.approved_on.strftime("%d-%m-%Y"),
                modification.description,
                agreement,
                modification.decree or "—",
            ]
        )
    return rows


MODIFICATION_HEADER = ["N°", "Fecha", "Rige desde", "Fundamento", "Acuerdo del Concejo", "Decreto"]


def report_heading(report: QuarterlyReport) -> list[str]:
    name = report.municipality.name if report.municipality else "Municipalidad"
    return [
        name,
        report.title,
        report.period,
        report.execution_text,
        f"Emitido el {report.issued_on:%d-%m-%Y}.",
    ]


def report_xlsx(report: QuarterlyReport) -> bytes:
    workbook = new_workbook()
    heading = report_heading(report)
    for sec in report.sections:
        write_section(workbook, sec, heading)
    write_lines(
        workbook,
        "Alertas",
        [],
        ["Nivel", "Cuenta", "Alerta"],
        [
            ["Grave" if alert.level == "danger" else "Advertencia", alert.code, alert.text]
            for alert in report.alerts
        ]
        or [["", "", alerts_empty_text(report)]],
    )
    write_lines(
        workbook,
        "Modificaciones",
        [f"Modificaciones aprobadas en el trimestre ({report.period})."],
        MODIFICATION_HEADER,
        modification_rows(report) or [["", "", "", "No hubo modificaciones aprobadas.", "", ""]],
    )
    return workbook_bytes(workbook)


def alerts_empty_text(report: QuarterlyReport) -> str:
    if not report.has_execution:
        return "Sin ejecución importada: no se pueden evaluar alertas."
    return "Sin alertas de ejecución."


def is_local_static(url: str) -> bool:
    """May a report's PDF read this URL? Only data: URLs and files inside the static
    folders: never the network, never other files of the server."""
    parts = urlsplit(url)
    if parts.scheme == "data":
        return True
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return False
    path = Path(unquote(parts.path)).resolve()
    roots = [root.resolve() for root in static_roots()]
    return path.is_file() and any(path.is_relative_to(root) for root in roots)


def local_url_fetcher():
    """A WeasyPrint URL fetcher that refuses whatever `is_local_static` refuses (imported
    here: WeasyPrint takes half a second to load and only the PDF needs it)."""
    from weasyprint.urls import URLFetcher

    class LocalStaticFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if not is_local_static(url):
                raise ValueError(f"Recurso no permitido en un informe: {url}")
            return super().fetch(url, headers)

    return LocalStaticFetcher(allowed_protocols={"file", "data"}, allow_redirects=False)


def static_roots() -> list[Path]:
    return [Path(path) for path in settings.STATICFILES_DIRS]


def report_pdf(report: QuarterlyReport) -> bytes:
    """The same body as the HTML preview, in an A4 document with its print stylesheet."""
    from weasyprint import HTML

    html = render_to_string("budget/report_quarterly_pdf.html", report_context(report))
    base_url = static_roots()[0].resolve().as_uri() + "/"
    return HTML(string=html, base_url=base_url, url_fetcher=local_url_fetcher()).write_pdf()


def report_context(report: QuarterlyReport) -> dict:
    return {
        "report": report,
        "modification_rows": modification_rows(report),
        "modification_header": MODIFICATION_HEADER,
        "alerts_empty_text": alerts_empty_text(report),
    }
