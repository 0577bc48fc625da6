"""PLADECO benchmark: a large plan's tree, pages, evaluation and the XLSX matrix.

Builds a synthetic plan (6 ejes × 4 objetivos × 4 lineamientos, initiatives spread
below) on a throw-away SQLite database under a temporary directory (or on DATABASE_URL
if set), so it never touches var/. Usage: `make bench` or
`python benchmarks/planning.py --initiatives 2000`.
"""

from __future__ import annotations

import argparse
import io
import time
import tracemalloc

from _common import ms, setup_django, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--initiatives", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    setup_django(SECPLA_INLINE_JOBS="1")
    import datetime as dt
    from decimal import Decimal

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from openpyxl import load_workbook

    from secpla.core.audit import audit_context
    from secpla.core.models import Directorate, User
    from secpla.planning import matrix, services
    from secpla.planning.models import (
        Evaluation,
        Initiative,
        InitiativeStatus,
        Plan,
        PlanNode,
        StatusChange,
    )
    from secpla.planning.selectors import plan_tree
    from secpla.testing import make_municipality, make_personas

    call_command("migrate", verbosity=0)
    make_municipality()
    personas = make_personas()
    director = User.objects.get(pk=personas.director.pk)
    directorates = list(Directorate.objects.all())
    statuses = list(InitiativeStatus.objects.filter(counts_in_progress=True))

    with audit_context(source="bench", user=director):
        plan = Plan.objects.create(
            name="PLADECO de carga", start_year=2024, end_year=2029, status=Plan.Status.CURRENT
        )
        leaves = []
        for e in range(1, 7):
            eje = PlanNode.objects.create(plan=plan, code=f"{e}", name=f"Eje {e}")
            for o in range(1, 5):
                objective = PlanNode.objects.create(
                    plan=plan, parent=eje, code=f"{e}.{o}", name=f"Objetivo {e}.{o}",
                    weight=Decimal(o),
                )  # fmt: skip
                for li in range(1, 5):
                    leaves.append(
                        PlanNode.objects.create(
                            plan=plan,
                            parent=objective,
                            code=f"{e}.{o}.{li}",
                            name=f"Lineamiento {e}.{o}.{li}",
                        )
                    )
        initiatives = []
        for i in range(args.initiatives):
            status = statuses[i % len(statuses)] if i % 7 else None
            initiatives.append(
                Initiative(
                    plan=plan,
                    node=leaves[i % len(leaves)],
                    code=f"I-{i:05d}",
                    name=f"Iniciativa {i}",
                    directorate=directorates[i % len(directorates)],
                    status=status,
                    progress=status.default_progress if status else None,
                    start_year=2024 + i % 5,
                    end_year=2029,
                    estimated_cost=1_000_000 * (i % 50),
                    funding_source="FNDR",
                    position=i,
                )
            )
        Initiative.objects.bulk_create(initiatives, batch_size=500)
        StatusChange.objects.bulk_create(
            [
                StatusChange(
                    initiative=initiative,
                    date=dt.date(2025, 3, 1),
                    status=initiative.status,
                    progress=initiative.progress,
                )
                for initiative in Initiative.objects.filter(plan=plan)
            ],
            batch_size=500,
        )

    print(f"Plan: {plan.nodes.count()} elementos, {plan.initiatives.count()} iniciativas")
    results: list[tuple[str, str]] = []

    results.append(
        ("plan_tree (roll-up of the whole plan)", ms(timed(lambda: plan_tree(plan), args.repeat)))
    )
    with CaptureQueriesContext(connection) as queries:
        plan_tree(plan)
    results.append(("SQL queries for plan_tree", str(len(queries))))

    client = Client()
    client.force_login(director)
    tree_url = f"/api/v1/planning/plans/{plan.pk}/tree/"
    assert client.get(tree_url).status_code == 200
    results.append(("GET tree API", ms(timed(lambda: client.get(tree_url), args.repeat))))
    page_url = plan.get_absolute_url()
    assert client.get(page_url).status_code == 200
    results.append(
        ("Plan page with the tree", ms(timed(lambda: client.get(page_url), args.repeat)))
    )
    dashboard_url = f"/pladeco/{plan.pk}/tablero/"
    results.append(("Dashboard page", ms(timed(lambda: client.get(dashboard_url), args.repeat))))

    start = time.perf_counter()
    evaluation = services.evaluation_create(
        actor=director,
        evaluation=Evaluation(plan=plan, name="Carga", as_of=dt.date(2026, 6, 30)),
    )
    results.append(
        (
            f"Freeze an evaluation ({evaluation.items.count()} items)",
            f"{(time.perf_counter() - start) * 1000:.0f} ms",
        )
    )

    export = b""

    def do_export():
        nonlocal export
        export = matrix.write_matrix(plan, user=director)

    results.append(("Export the matrix (XLSX)", ms(timed(do_export, 3))))
    results.append(("Size of the export", f"{len(export) / 1024:.0f} KiB"))

    results.append(
        (
            "Dry run of the unchanged export",
            ms(timed(lambda: matrix.analyse(plan, io.BytesIO(export), user=director), 3)),
        )
    )
    unchanged = matrix.analyse(plan, io.BytesIO(export), user=director)
    assert unchanged.ok and unchanged.changes == 0, unchanged.report()["counts"]

    # Every initiative's progress changes: the worst case of an apply.
    workbook = load_workbook(io.BytesIO(export))
    sheet = workbook["Matriz PLADECO"]
    headers = [cell.value for cell in sheet[1]]
    column = headers.index("Avance (%)") + 1
    code_column = headers.index("Código iniciativa") + 1
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row=row, column=code_column).value:  # rows of empty elements stay so
            sheet.cell(row=row, column=column).value = (row * 7) % 101
    buffer = io.BytesIO()
    workbook.save(buffer)
    changed = buffer.getvalue()
    tracemalloc.start()
    start = time.perf_counter()
    result = matrix.apply(plan, io.BytesIO(changed), user=director, file_name="carga.xlsx")
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    updated = result.report()["counts"]["initiatives"]["updated"]
    assert updated > 0.9 * args.initiatives, result.report()["counts"]
    results.append((f"Apply: {updated} initiatives updated", f"{elapsed * 1000:.0f} ms"))
    results.append(("Peak Python memory during that apply", f"{peak / 1024 / 1024:.0f} MiB"))

    width = max(len(name) for name, _ in results)
    for name, value in results:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
