"""The demo portfolio: it loads after core's (and planning's) demo, covers every status,
stage and source, lies inside the comuna, shows the alerts, links to the PLADECO, and
loading it twice writes nothing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from shapely.geometry import shape

from secpla.core.demo import load_demo
from secpla.core.models import ChangeLogEntry, Municipality
from secpla.projects import demo as projects_demo
from secpla.projects import selectors
from secpla.projects.models import (
    BIP_RE,
    ApplicationNote,
    FundingApplication,
    FundingLine,
    FundingSource,
    Milestone,
    Payment,
    ProgressReport,
    Project,
    RateResult,
    StatusChange,
)
from secpla.projects.workflow import Status

MODELS = [
    Project,
    StatusChange,
    RateResult,
    FundingLine,
    FundingApplication,
    ApplicationNote,
    Milestone,
    ProgressReport,
    Payment,
    ChangeLogEntry,
]


def counts() -> dict[str, int]:
    counted = {model.__name__: model.objects.count() for model in MODELS}
    counted["links"] = Project.initiatives.through.objects.count()
    return counted


@pytest.fixture
def demo(db):
    load_demo()
    # Harmless once core's demo calls it too: the second call writes nothing.
    projects_demo.load()


def test_loading_twice_writes_nothing(demo):
    before = counts()
    assert before["Project"] >= 55
    out = io.StringIO()
    projects_demo.load(stdout=out)
    assert "0 registros nuevos" in out.getvalue()
    # A later day (codes carry the creation year) finds the same projects again.
    projects_demo.load(today=timezone.localdate() + dt.timedelta(days=400))
    load_demo()
    assert counts() == before

    # Every write was made through the services by a demo user, logged as demo.
    entries = ChangeLogEntry.objects.filter(content_type__app_label="projects")
    assert entries.count() >= before["Project"] * 5
    assert not entries.exclude(source="demo").exists()
    assert not entries.filter(user__isnull=True).exists()
    users = set(entries.values_list("user__username", flat=True))
    assert {"estudios", "director", "presupuesto", "enlace.dideco"} <= users
    progress = entries.filter(content_type__model="progressreport")
    assert set(progress.values_list("user__username", flat=True)) == {"estudios", "enlace.dideco"}


def test_the_portfolio_covers_the_workflow_and_lies_inside_bulnes(demo):
    today = timezone.localdate()
    projects = list(selectors.with_progress(Project.objects.all()))
    assert 55 <= len(projects) <= 65
    assert {p.status for p in projects} == set(Status.values)
    assert {p.stage for p in projects} == set(Project.Stage.values)
    assert {p.kind for p in projects} == set(Project.Kind.values)
    used = set(FundingLine.objects.values_list("source__code", flat=True))
    assert {"FNDR", "FRIL", "C33", "PMU", "PMB", "SECTORIAL", "MUNICIPAL"} <= used
    assert set(FundingSource.objects.values_list("code", flat=True)) >= used
    bips = [p.bip_code for p in projects if p.bip_code]
    assert len(bips) >= 20 and all(BIP_RE.match(b) and b.startswith("4009") for b in bips)

    # Locations: points and a few polygons, all inside the comuna.
    boundary = shape(Municipality.current().boundary)
    located = [p for p in projects if p.location]
    kinds = {p.location["type"] for p in located}
    assert len(located) >= 40 and kinds == {"Point", "Polygon"}
    assert all(boundary.covers(shape(p.location)) for p in located)

    # Alerts relative to today: on track, only late, only silent, and both.
    executing = [p for p in projects if p.status == Status.EXECUTING]
    labels = {tuple(selectors.flags(p, today).labels) for p in executing}
    assert {(), ("atrasado",), ("sin reporte",), ("atrasado", "sin reporte")} <= labels
    assert all(selectors.flags(p, today).actual for p in executing)

    # Money where there is execution, and nothing dated in the future.
    executing = [p for p in projects if p.status in (Status.EXECUTING, Status.FINISHED)]
    assert all(p.milestones.all() and p.progress_reports.all() for p in executing)
    assert all(p.payments.all() for p in executing if p.status == Status.FINISHED)
    for p in projects:
        assert sum(line.amount for line in p.funding.all()) == p.estimated_cost
        assert all(r.date <= today for r in p.progress_reports.all())
    fril = FundingLine.objects.filter(source__code="FRIL").values_list("project", flat=True)
    assert all(p.estimated_cost < 340_000_000 for p in projects if p.pk in set(fril))

    # Applications with observations and replies, RATE histories going FI → RS.
    assert ApplicationNote.objects.filter(kind=ApplicationNote.Kind.OBSERVATION).exists()
    assert ApplicationNote.objects.filter(kind=ApplicationNote.Kind.REPLY).exists()
    assert FundingApplication.objects.filter(result=FundingApplication.Result.REJECTED).exists()
    histories = {
        tuple(p.rates.order_by("date", "id").values_list("result", flat=True))
        for p in Project.objects.all()
    }
    assert ("FI", "RS") in histories

    # Responsible professionals belong to the project's directorate.
    for p in projects:
        assert p.responsible is None or p.responsible.directorate_id == p.directorate_id

    # Links to the current PLADECO's initiatives.
    linked = Project.objects.filter(initiatives__plan__status="vigente").distinct()
    assert linked.count() >= 15

    # Timelines: several dated steps; in the past once project_create takes a date.
    for project in Project.objects.filter(status=Status.FINISHED):
        steps = list(project.status_changes.all())
        assert len(steps) >= 6 and steps[-1].to_status == Status.FINISHED
        assert [s.date for s in steps] == sorted(s.date for s in steps)
        if projects_demo.DATED_TIMELINES:
            assert steps[0].date < today - dt.timedelta(days=365)
            assert project.status_since == steps[-1].date < today


def test_every_portfolio_screen_opens_on_the_demo(demo, client):
    """Smoke test over realistic data: lists, project pages and their tabs, the map and its
    GeoJSON, sub-records, the import page and the public pages answer 200."""
    from django.urls import reverse

    from secpla.core.models import User
    from secpla.projects.models import FundingApplication, ProgressReport, Project

    director = User.objects.get(username="director")
    executing = Project.objects.filter(status=Status.EXECUTING).first()
    tabs = ["datos", "estado", "financiamiento", "postulaciones", "rate", "avance",
            "documentos", "historial"]  # fmt: skip
    urls = [
        reverse(f"projects:{name}")
        for name in ("project_list", "map", "geojson", "fundingapplication_list",
                     "fundingsource_list", "settings", "import", "export", "template")
    ] + [
        reverse("projects:project_list") + "?status=ejecucion&year=2026",
        *(executing.get_absolute_url() + f"?tab={tab}" for tab in tabs),
        *(a.get_absolute_url() for a in FundingApplication.objects.all()[:5]),
        *(r.get_absolute_url() for r in ProgressReport.objects.all()[:5]),
    ]  # fmt: skip
    client.force_login(director)
    failures = {url: client.get(url).status_code for url in urls}
    assert {url: code for url, code in failures.items() if code != 200} == {}
    client.logout()
    for name in ("public_portfolio", "public_map", "public_geojson"):
        assert client.get(reverse(f"projects:{name}")).status_code == 200, name
