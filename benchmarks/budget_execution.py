"""Budget execution import benchmark (issue 5): a 100,000-row execution file.

Adds 100,000 municipal desagregaciones (`<asignación>.NNN`, is_official=False) below the
real asignaciones of the 2026 classifier, writes a CSV execution file with one row per
desagregación, and measures
  (a) the baseline: reader + validation + a bare bulk_create of the same rows;
  (b) `execution.import_month` end to end (transaction, replace, change log).
Runs on a throw-away SQLite database under a temporary directory, or on DATABASE_URL if
set. Usage: `python benchmarks/budget_execution.py [--rows 100000]`.
"""

from __future__ import annotations

import argparse
import io
import resource
import time
import tracemalloc

from _common import setup_django


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()

    setup_django()
    from django.core.management import call_command
    from django.db import connection, transaction

    from secpla.budget import execution
    from secpla.budget.models import (
        Account,
        BudgetYear,
        ClassifierVersion,
        ExecutionMonth,
        ExecutionRow,
    )
    from secpla.core.audit import audit_context
    from secpla.testing import make_municipality, make_personas

    call_command("migrate", verbosity=0)
    make_municipality()
    personas = make_personas()
    actor = personas.presupuesto
    version = ClassifierVersion.objects.get(year=2026)

    with audit_context(source="bench"):
        budget_year, _ = BudgetYear.objects.get_or_create(
            year=2026, defaults={"classifier": version}
        )
        existing = set(Account.objects.filter(version=version).values_list("code", flat=True))
        allocations = list(
            Account.objects.filter(version=version, level="asignacion", is_official=True)
            .order_by("code")
            .values_list("pk", "code", "kind")
        )
        new = []
        n = 0
        while len(new) < args.rows:
            parent_id, code, kind = allocations[n % len(allocations)]
            sub = f"{code}.{n // len(allocations) + 1:03d}"
            n += 1
            if sub in existing:
                continue
            new.append(
                Account(
                    version=version, code=sub, kind=kind, level="subasignacion",
                    name=f"Desagregación {sub}", parent_id=parent_id, is_official=False,
                )
            )  # fmt: skip
        start = time.perf_counter()
        Account.objects.bulk_create(new, batch_size=5_000)
        print(f"{len(new)} desagregaciones creadas en {time.perf_counter() - start:.1f} s")
    codes = [(a.code, a.kind) for a in new]
    del new

    lines = ["cuenta;obligado;devengado;pagado;percibido"]
    for i, (code, kind) in enumerate(codes):
        amount = 1_000 + i * 7 % 1_000_000
        if kind == "gasto":
            lines.append(f"{code.replace('.', '-')};{amount};{amount};{amount // 2};")
        else:
            lines.append(f"{code};;{amount};;{amount // 2}")
    data = ("\n".join(lines) + "\n").encode()
    del lines, codes
    print(f"Archivo CSV: {len(data) / 1024 / 1024:.1f} MiB, {args.rows} filas")

    def baseline() -> None:
        report, year, valid = execution.prepare(
            budget_year=budget_year, month=1, source=io.BytesIO(data), file_name="base.csv"
        )
        assert report.ok, report.text(limit=5)
        with transaction.atomic():
            month = ExecutionMonth.objects.create(
                budget_year=year, month=1, file_name="base.csv", sha256=report.sha256
            )
            ExecutionRow.objects.bulk_create(
                [
                    ExecutionRow(month=month, account_id=a, obligated=o, accrued=d, paid=p,
                                 collected=c)
                    for a, o, d, p, c in valid
                ],
                batch_size=execution.BATCH,
            )  # fmt: skip

    def full(month: int):
        report = execution.import_month(
            actor=actor, budget_year=budget_year, month=month, source=io.BytesIO(data),
            file_name="ejecucion.csv",
        )  # fmt: skip
        assert report.ok and report.rows == args.rows, report.text(limit=5)
        return report

    def measure(fn) -> tuple[float, float]:
        tracemalloc.start()
        start = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return elapsed, peak / 1024 / 1024

    # tracemalloc slows Python down; time without it, then measure memory separately.
    def clock(fn) -> float:
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start

    base_s = clock(baseline)
    first_s = clock(lambda: full(2))
    again_s = clock(lambda: full(2))  # re-import: deletes 100,000 rows first
    _, base_mem = measure(lambda: ExecutionMonth.objects.filter(month=1).delete() or baseline())
    _, full_mem = measure(lambda: full(3))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux

    print(f"Base de datos: {connection.vendor}")
    print(
        f"(a) lector + validación + bulk_create:  {base_s:6.1f} s  (pico Python {base_mem:.0f} MiB)"
    )
    print(f"(b) import_month (mes nuevo):            {first_s:6.1f} s  (pico {full_mem:.0f} MiB)")
    print(f"    import_month (reemplazo del mes):    {again_s:6.1f} s")
    print(f"Razón (b)/(a): {first_s / base_s:.2f} (reemplazo: {again_s / base_s:.2f})")
    print(f"Memoria máxima del proceso (maxrss): {rss:.0f} MiB")


if __name__ == "__main__":
    main()
