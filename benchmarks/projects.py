"""Portfolio benchmark: the list, the map's GeoJSON, the API list and the XLSX export
with many projects, and their SQL query counts.

Runs on a throw-away SQLite database under a temporary directory (or on DATABASE_URL if
set). Usage: `make bench` or `python benchmarks/projects.py --projects 500`.
"""

from __future__ import annotations

import argparse
import datetime as dt

from _common import ms, setup_django, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--projects", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from secpla.core.audit import audit_context
    from secpla.core.models import Directorate, Municipality, User
    from secpla.core.reference import comuna_boundary
    from secpla.projects.models import (
        FundingLine,
        FundingSource,
        Milestone,
        ProgressReport,
        Project,
    )
    from secpla.projects.workflow import Status
    from secpla.testing import make_municipality, make_personas

    call_command("migrate", verbosity=0)
    make_municipality()
    personas = make_personas()
    municipality = Municipality.current()
    municipality.boundary = comuna_boundary(municipality.comuna.cut)
    with audit_context(source="bench"):
        municipality.save()
    director = User.objects.get(pk=personas.director.pk)
    directorates = list(Directorate.objects.all())
    sources = list(FundingSource.objects.all())
    statuses = list(Status)
    with audit_context(source="bench"):
        projects = Project.objects.bulk_create(
            Project(
                code=f"B-{i:05d}",
                name=f"Proyecto {i}",
                directorate=directorates[i % len(directorates)],
                status=statuses[i % len(statuses)],
                status_since=dt.date(2026, 1, 1),
                estimated_cost=10_000_000 * (1 + i % 40),
                territory="Bulnes urbano",
                location={"type": "Point", "coordinates": [-72.30 + (i % 10) * 0.001, -36.74]},
            )
            for i in range(args.projects)
        )
        FundingLine.objects.bulk_create(
            FundingLine(
                project=p,
                source=sources[i % len(sources)],
                year=2026 + i % 3,
                amount=5_000_000 * (1 + i % 20),
            )
            for i, p in enumerate(projects)
        )
        Milestone.objects.bulk_create(
            Milestone(project=p, name=name, planned_date=day, planned_percent=value)
            for p in projects
            for name, day, value in (
                ("Inicio", dt.date(2026, 1, 1), 0), ("Fin", dt.date(2027, 1, 1), 100)
            )
        )  # fmt: skip
        ProgressReport.objects.bulk_create(
            ProgressReport(project=p, date=dt.date(2026, 6, 1), percent=30) for p in projects
        )

    client = Client()
    client.force_login(director)
    print(f"Cartera: {Project.objects.count()} proyectos")
    rows = []
    for label, url in (
        ("Portfolio list page (25 per page, totals, flags)", "/cartera/"),
        ("Map GeoJSON (every located project)", "/cartera/mapa.geojson"),
        ("API list (page of 50)", "/api/v1/projects/projects/"),
        ("XLSX export of the portfolio", "/cartera/exportar.xlsx"),
        ("Public portfolio page", "/publico/cartera/"),
    ):
        assert client.get(url).status_code == 200, url
        samples = timed(lambda url=url: client.get(url), args.repeat)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        rows.append((label, ms(samples), len(queries)))
    width = max(len(label) for label, _, _ in rows)
    print(f"{'':<{width}}  median   queries")
    for label, median, count in rows:
        print(f"{label:<{width}}  {median:>6}   {count}")


if __name__ == "__main__":
    main()
