"""Budget execution import (issue 5): reading CSV/XLSX, header aliases, every validation
error with its row, replacing a month atomically, dry run, permissions and the CLI."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from secpla.budget import execution
from secpla.budget.models import (
    Account,
    BudgetYear,
    ClassifierVersion,
    ExecutionMonth,
    ExecutionRow,
)
from secpla.core.audit import audit_context
from secpla.core.models import ChangeLogEntry

HEADER = "cuenta;obligado;devengado;pagado;percibido"
GOOD = [
    "215.22.04.001;1.000;900;800;",
    "215-21-01-001;5000;5000;4000;",
    "115.03.01.001;;700;;650",
]


@pytest.fixture
def year(db):
    with audit_context(source="test"):
        return BudgetYear.objects.create(
            year=2026, classifier=ClassifierVersion.objects.get(year=2026)
        )


def csv_bytes(*lines: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


def run(actor, year, data, *, month=6, name="ejecucion.csv", **kwargs):
    return execution.import_month(
        actor=actor, budget_year=year, month=month, source=io.BytesIO(data), file_name=name,
        **kwargs,
    )  # fmt: skip


def state() -> tuple:
    """Everything the import may touch."""
    return (
        ExecutionMonth.objects.count(),
        sorted(ExecutionRow.objects.values_list("month_id", "account_id", "obligated", "paid")),
        ChangeLogEntry.objects.count(),
    )


def errors(report) -> list[tuple]:
    return [(e.row, e.column) for e in report.errors]


# --- a good import ----------------------------------------------------------------------------


def test_a_csv_is_imported_with_one_change_log_entry(personas, year):
    before_log = ChangeLogEntry.objects.count()
    report = run(personas.presupuesto, year, csv_bytes(*GOOD))
    assert report.ok and report.written, report.text()
    assert (report.rows, report.expense, report.income) == (3, 2, 1)
    month = ExecutionMonth.objects.get(budget_year=year, month=6)
    assert month.rows == 3 and month.file_name == "ejecucion.csv" and len(month.sha256) == 64
    assert month.imported_by == personas.presupuesto
    rows = {r.account.code: r for r in month.lines.select_related("account")}
    office = rows["215.22.04.001"]
    assert (office.obligated, office.accrued, office.paid, office.collected) == (
        1000,
        900,
        800,
        None,
    )
    income = rows["115.03.01.001"]
    assert (income.obligated, income.accrued, income.paid, income.collected) == (
        None,
        700,
        None,
        650,
    )
    entries = ChangeLogEntry.objects.filter(object_id=str(month.pk), source="importacion")
    assert ChangeLogEntry.objects.count() == before_log + 1
    entry = entries.get()
    assert entry.action == "create" and entry.user == personas.presupuesto
    assert entry.after["filas_gastos"] == 2 and entry.after["filas_ingresos"] == 1
    assert "ejecucion.csv" in entry.reason
    assert "Se importó el mes" in report.text()


def test_comma_csv_with_bom_and_aliases(personas, year):
    data = "\ufeffCódigo,Comprometido,Devengado,Pagado,Percibido\n215.22.04.001,10,9,8,\n"
    report = run(personas.presupuesto, year, data.encode())
    assert report.ok, report.text()
    assert ExecutionRow.objects.get().obligated == 10


def test_an_xlsx_is_imported(personas, year):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Imputación", "Obligación", "Devengado", "Pagado", "Percibido"])
    sheet.append(["215.22.04.001", 1500, 1400.0, 1300, None])
    sheet.append([None, None, None, None, None])
    sheet.append(["115.03.01.001", None, 700, None, 650])
    sheet.append(["215.22.04.002", "abc", 1, 1, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    bad = run(personas.presupuesto, year, buffer.getvalue(), name="mayo.xlsx")
    # The blank row 3 keeps its number: the bad row is row 5, as the spreadsheet shows it.
    assert errors(bad) == [(5, "obligado")]
    assert "Fila 5, columna «obligado»" in bad.text()
    sheet.delete_rows(5)
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = run(personas.presupuesto, year, buffer.getvalue(), name="mayo.xlsx")
    assert report.ok and report.rows == 2, report.text()
    assert ExecutionRow.objects.get(account__code="215.22.04.001").accrued == 1400


def test_the_la_pintana_layout_in_thousands(personas, year):
    """The transparency table's column names: shared columns by kind, amounts in M$."""
    header = (
        "informe,codigo,nivel,denominacion_oficial,presupuesto_inicial_miles,"
        "presupuesto_vigente_miles,saldo_impreso_miles,comprometido_o_devengado_miles,"
        "pagado_o_percibido_miles"
    )
    data = csv_bytes(
        "MU124-gastos,215-24-03-101,item,A servicios,1905055,1847240,610847,1236393,1236393",
        "MU124-ingresos,115-08-03,item,FCM,35707015,34661256,18647650,16013606,15907961",
        header=header,
    )
    report = run(personas.presupuesto, year, data)
    assert report.ok, report.text()
    assert "miles de pesos" in report.text()
    expense = ExecutionRow.objects.get(account__code="215.24.03.101")
    assert (expense.obligated, expense.accrued, expense.paid) == (
        1_236_393_000,
        None,
        1_236_393_000,
    )
    income = ExecutionRow.objects.get(account__code="115.08.03")
    assert (income.accrued, income.collected) == (16_013_606_000, 15_907_961_000)


# --- validation -------------------------------------------------------------------------------


def test_a_missing_column_is_named(personas, year):
    report = run(personas.presupuesto, year, csv_bytes("x;1", header="denominacion;monto"))
    assert errors(report) == [(1, "cuenta")]
    assert "No se encontró la columna de la cuenta" in report.errors[0].message
    report = run(
        personas.presupuesto,
        year,
        csv_bytes("215.22.04.001;1;1", "215.22.04.002;1;1", header="cuenta;obligado;devengado"),
    )
    assert errors(report) == [(1, "pagado")]  # said once, not for every row
    assert "«pagado»" in report.errors[0].message and "gastos" in report.errors[0].message
    assert ExecutionMonth.objects.count() == 0


@pytest.mark.parametrize(
    ("line", "column", "words"),
    [
        ("215.99.99.999;1;1;1;", "cuenta", "no existe en el clasificador 2026"),
        ("215.22.4.1;1;1;1;", "cuenta", "no es un código de cuenta"),
        ("gastos;1;1;1;", "cuenta", "no es un código de cuenta"),
        (";1;1;1;", "cuenta", "Falta el código"),
        ("215.22.04.002;mil;1;1;", "obligado", "no es un número"),
        ("215.22.04.002;1;-5;1;", "devengado", "negativo"),
        ("115.03.01.002;;1;;-1", "percibido", "negativo"),
        ("215.22.04.001;1;1;1;", "cuenta", "repetida (ya aparece en la fila 2)"),
    ],
)
def test_each_error_names_row_and_column(personas, year, line, column, words):
    before = state()
    report = run(personas.presupuesto, year, csv_bytes(GOOD[0], GOOD[2], line))
    assert errors(report) == [(4, column)], report.text()
    assert words in report.errors[0].message
    assert f"Fila 4, columna «{column}»" in report.text()
    assert "No se importó nada" in report.text()
    assert state() == before


def test_an_amount_beyond_the_limit_is_refused_after_the_thousands_scale(personas, year):
    before = state()
    header = "cuenta;obligado (M$);devengado (M$);pagado (M$);percibido (M$)"
    line = "215.22.04.002;9.999.999.999.999.999;1;1;"  # under 10**18, but not in thousands
    report = run(personas.presupuesto, year, csv_bytes(GOOD[0], line, header=header))
    assert errors(report) == [(3, "obligado")], report.text()
    assert "no puede superar $ 1.000.000.000.000.000" in report.errors[0].message
    assert state() == before


def test_a_missing_column_is_named_on_the_header_row_after_blank_rows(personas, year):
    data = b"\n;;\n" + csv_bytes("x;1", header="denominacion;monto")
    report = run(personas.presupuesto, year, data)
    assert errors(report) == [(3, "cuenta")]


def test_dash_and_dot_codes_are_the_same_account(personas, year):
    report = run(
        personas.presupuesto, year, csv_bytes("215.22.04.001;1;1;1;", "215-22-04-001;1;1;1;")
    )
    assert errors(report) == [(3, "cuenta")]


def test_month_and_year_are_checked(personas, year):
    report = run(personas.presupuesto, year, csv_bytes(*GOOD), month=13)
    assert errors(report) == [(None, "mes")] and "de 1 a 12" in report.errors[0].message
    report = run(personas.presupuesto, year, csv_bytes(*GOOD), month=0)
    assert errors(report) == [(None, "mes")]
    report = run(personas.presupuesto, 2031, csv_bytes(*GOOD))
    assert errors(report) == [(None, "año")]
    assert "No existe el presupuesto del año 2031" in report.text()
    assert ExecutionMonth.objects.count() == 0


def test_an_empty_file(personas, year):
    assert errors(run(personas.presupuesto, year, b"")) == [(None, "")]
    assert "no tiene filas" in run(personas.presupuesto, year, csv_bytes()).text()


# --- replacing, atomicity, dry run, permissions -----------------------------------------------


def test_reimporting_a_month_replaces_it(personas, year):
    run(personas.presupuesto, year, csv_bytes(*GOOD))
    other = run(personas.presupuesto, year, csv_bytes(*GOOD), month=5)
    assert other.ok
    report = run(personas.presupuesto, year, csv_bytes("215.22.04.002;7;7;7;"), name="v2.csv")
    assert report.ok and report.replaced and report.previous_rows == 3
    month = ExecutionMonth.objects.get(budget_year=year, month=6)
    assert month.rows == 1 and month.file_name == "v2.csv"
    assert list(month.lines.values_list("account__code", "obligated")) == [("215.22.04.002", 7)]
    assert ExecutionRow.objects.filter(month__month=5).count() == 3  # other months untouched
    entry = ChangeLogEntry.objects.filter(object_id=str(month.pk)).order_by("pk").last()
    assert entry.action == "update" and entry.before["file_name"] == "ejecucion.csv"
    assert entry.after["filas_anteriores"] == 3


def test_a_fault_in_a_middle_batch_leaves_everything_as_it_was(personas, year, monkeypatch):
    codes = list(
        Account.objects.filter(version=year.classifier, kind="gasto")
        .order_by("code")
        .values_list("code", flat=True)[:30]
    )
    run(personas.presupuesto, year, csv_bytes(*GOOD))
    before = state()
    calls = []
    real = ExecutionRow.objects.bulk_create

    def failing(objs, **kwargs):
        calls.append(len(objs))
        if len(calls) == 2:
            raise RuntimeError("falla simulada")
        return real(objs, **kwargs)

    monkeypatch.setattr(ExecutionRow.objects, "bulk_create", failing)
    data = csv_bytes(*(f"{code};1;1;1;" for code in codes))
    with pytest.raises(RuntimeError):
        run(personas.presupuesto, year, data, batch_size=10)
    assert calls == [10, 10]
    assert state() == before
    assert ExecutionMonth.objects.get(month=6).rows == 3


def test_a_dry_run_writes_nothing(personas, year):
    before = state()
    report = run(personas.presupuesto, year, csv_bytes(*GOOD), dry_run=True)
    assert report.ok and not report.written and report.rows == 3
    assert "no se guardó nada" in report.text()
    assert state() == before


def test_a_read_only_user_cannot_import(personas, year):
    with pytest.raises(PermissionDenied, match="No tiene permiso"):
        run(personas.concejala, year, csv_bytes(*GOOD))
    with pytest.raises(PermissionDenied):
        run(personas.concejala, year, csv_bytes(*GOOD), dry_run=True)
    assert ExecutionMonth.objects.count() == 0
    assert run(personas.director, year, csv_bytes(*GOOD)).ok


def test_progress_is_reported(personas, year):
    seen = []
    run(personas.presupuesto, year, csv_bytes(*GOOD), progress=lambda d, t: seen.append((d, t)))
    assert seen and seen[-1][0] == seen[-1][1]


# --- CLI --------------------------------------------------------------------------------------


def test_the_command(personas, year, tmp_path):
    path = tmp_path / "junio.csv"
    path.write_bytes(csv_bytes(*GOOD))
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import-budget-execution", str(path), "--year", "2026", "--month", "6", "--dry-run",
        stdout=out, stderr=err,
    )  # fmt: skip
    assert "no se guardó nada" in out.getvalue() and "100 %" in err.getvalue()
    assert ExecutionMonth.objects.count() == 0
    with pytest.raises(CommandError, match="--user"):
        call_command("import-budget-execution", str(path), "--year", "2026", "--month", "6")
    out = io.StringIO()
    call_command(
        "import-budget-execution", str(path), "--year", "2026", "--month", "6",
        "--user", personas.presupuesto.username, stdout=out, stderr=io.StringIO(),
    )  # fmt: skip
    assert "3 cuentas" in out.getvalue()
    assert ExecutionMonth.objects.get().rows == 3


def test_the_command_fails_on_errors(personas, year, tmp_path):
    path = tmp_path / "malo.csv"
    path.write_bytes(csv_bytes(GOOD[0], "215.99.99.999;1;1;1;"))
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 error") as info:
        call_command(
            "import-budget-execution", str(path), "--year", "2026", "--month", "6",
            "--user", personas.presupuesto.username, stdout=out, stderr=io.StringIO(),
        )  # fmt: skip
    assert info.value.returncode != 0
    assert "Fila 3, columna «cuenta»" in out.getvalue()
    with pytest.raises(CommandError, match="No tiene permiso"):
        call_command(
            "import-budget-execution", str(path), "--year", "2026", "--month", "6",
            "--user", personas.concejala.username, stdout=io.StringIO(), stderr=io.StringIO(),
        )  # fmt: skip
    assert ExecutionMonth.objects.count() == 0
