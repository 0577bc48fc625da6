"""Foundation benchmark: calendar arithmetic, a list page and its export.

Runs on a throw-away SQLite database under a temporary directory (or on DATABASE_URL
if set), so it never touches var/. Usage: `make bench` or
`python benchmarks/foundation.py --agreements 2000`.
"""

from __future__ import annotations

import argparse
import statistics

from _common import setup_django, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--agreements", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    setup_django()
    import datetime as dt

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from secpla.core.audit import audit_context
    from secpla.core.calendar import Calendar
    from secpla.core.demo import load_demo
    from secpla.core.models import Agreement, Directorate, Organisation, User

    call_command("migrate", verbosity=0)
    load_demo()
    org = Organisation.objects.create(name="Organización de carga", kind="otro")
    directorates = list(Directorate.objects.all())
    with audit_context(source="bench"):
        Agreement.objects.bulk_create(
            Agreement(
                organisation=org, title=f"Convenio de carga {i:05d}", kind="marco",
                status="vigente", directorate=directorates[i % len(directorates)],
                start_date=dt.date(2025, 1, 1), end_date=dt.date(2027, 1, 1), amount=i * 1000,
            )
            for i in range(args.agreements)
        )  # fmt: skip

    results: list[tuple[str, str]] = []
    calendar = Calendar()
    start = dt.date(2026, 9, 10)
    samples = timed(lambda: [calendar.add_business_days(start, 20) for _ in range(1000)], 5)
    results.append(("1 000 × sumar 20 días hábiles", f"{statistics.median(samples) * 1000:.1f} ms"))

    client = Client()
    client.force_login(User.objects.get(username="director"))
    list_url = "/convenios/"
    assert client.get(list_url).status_code == 200
    samples = timed(lambda: client.get(list_url), args.repeat)
    results.append(
        (
            "Lista de convenios (25 por página), mediana",
            f"{statistics.median(samples) * 1000:.1f} ms",
        )
    )
    with CaptureQueriesContext(connection) as queries:
        client.get(list_url)
    results.append(("Lista de convenios: consultas SQL", str(len(queries))))
    total = Agreement.objects.count()
    assert client.get(list_url + "?export=xlsx").status_code == 200
    samples = timed(lambda: client.get(list_url + "?export=xlsx"), 3)
    results.append(
        (
            f"Exportar {total} convenios a XLSX, mediana",
            f"{statistics.median(samples) * 1000:.0f} ms",
        )
    )
    samples = timed(lambda: client.get("/"), args.repeat)
    results.append(("Página de inicio, mediana", f"{statistics.median(samples) * 1000:.1f} ms"))

    print(f"Base de datos: {connection.vendor}; convenios: {total}")
    width = max(len(name) for name, _ in results)
    for name, value in results:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
