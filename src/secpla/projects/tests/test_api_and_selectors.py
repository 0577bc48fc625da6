"""Projects: the API (create, transition, read-only status, constant queries), progress
rules (planned interpolation, flags) and totals by source and status."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from secpla.core.audit import audit_context
from secpla.core.models import Directorate
from secpla.projects import selectors, services
from secpla.projects.models import (
    FundingLine,
    FundingSource,
    Milestone,
    PortfolioSettings,
    ProgressReport,
    Project,
)
from secpla.projects.workflow import Status

D = Decimal
API = "/api/v1/projects/projects/"


@pytest.fixture
def secpla(personas):
    return Directorate.objects.get(code="SECPLA")


def make_project(secpla, **values) -> Project:
    data = {"code": values.pop("code", "P-1"), "name": "Proyecto", "directorate": secpla}
    with audit_context(source="test"):
        return Project.objects.create(**{**data, **values})


# --- API ------------------------------------------------------------------------------------


def test_the_api_creates_a_project_in_formulation_with_a_generated_code(
    personas, secpla, client_as
):
    response = client_as(personas.estudios).post(
        API,
        {"name": "Sede social Larqui", "directorate": secpla.pk, "kind": "proyecto",
         "bip_code": "40090001-3"},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "formulacion" and data["code"].startswith("PRY-")
    bad = client_as(personas.estudios).post(
        API, {"name": "X", "directorate": secpla.pk, "bip_code": "123"},
        content_type="application/json",
    )  # fmt: skip
    assert bad.status_code == 400 and "8 dígitos" in bad.content.decode()


def test_status_changes_only_through_the_workflow(personas, secpla, client_as):
    project = services.project_create(
        actor=personas.estudios, project=Project(name="Plaza", directorate=secpla)
    )
    client = client_as(personas.estudios)
    patched = client.patch(
        f"{API}{project.pk}/", {"status": "financiado"}, content_type="application/json"
    )
    assert patched.status_code == 200 and patched.json()["status"] == "formulacion"
    refused = client.post(
        f"{API}{project.pk}/transition/", {"to_status": "financiado"},
        content_type="application/json",
    )  # fmt: skip
    assert refused.status_code == 400
    assert "no puede pasar a «Financiado»" in refused.content.decode()
    moved = client.post(
        f"{API}{project.pk}/transition/", {"to_status": "postulado", "comment": "FRIL 2027"},
        content_type="application/json",
    )  # fmt: skip
    assert moved.status_code == 200 and moved.json()["status"] == "postulado"
    readonly = client_as(personas.concejala).post(
        f"{API}{project.pk}/transition/", {"to_status": "admisible"},
        content_type="application/json",
    )  # fmt: skip
    assert readonly.status_code == 403


def test_the_api_list_runs_the_same_queries_for_10_and_500_projects(personas, secpla, client_as):
    fril = FundingSource.objects.get(code="FRIL")
    client = client_as(personas.director)

    def grow(n: int) -> None:
        start = Project.objects.count()
        with audit_context(source="test"):
            projects = Project.objects.bulk_create(
                Project(code=f"Q-{start + i}", name=f"P{i}", directorate=secpla,
                        status=Status.EXECUTING, status_since=dt.date(2026, 1, 1))
                for i in range(n)
            )  # fmt: skip
            FundingLine.objects.bulk_create(
                FundingLine(project=p, source=fril, year=2026, amount=1000) for p in projects
            )
            Milestone.objects.bulk_create(
                Milestone(project=p, name="Fin", planned_date=dt.date(2026, 12, 1),
                          planned_percent=100) for p in projects
            )  # fmt: skip
            ProgressReport.objects.bulk_create(
                ProgressReport(project=p, date=dt.date(2026, 6, 1), percent=40) for p in projects
            )

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(API + "?page_size=1000").status_code == 200
        return len(queries)

    grow(10)
    few = count()
    grow(490)
    assert count() == few


# --- progress rules -----------------------------------------------------------------------


def test_planned_progress_is_interpolated_between_milestones(secpla):
    project = make_project(secpla)
    with audit_context(source="test"):
        Milestone.objects.create(
            project=project, name="Inicio", planned_date=dt.date(2026, 1, 1), planned_percent=0
        )
        Milestone.objects.create(
            project=project, name="Mitad", planned_date=dt.date(2026, 1, 11), planned_percent=50
        )
    project = selectors.with_progress(Project.objects).get(pk=project.pk)
    assert selectors.planned_percent(project, dt.date(2025, 12, 1)) == D(0)
    assert selectors.planned_percent(project, dt.date(2026, 1, 6)) == D(25)
    assert selectors.planned_percent(project, dt.date(2027, 1, 1)) == D(50)


def test_a_project_behind_plan_is_late_and_one_without_reports_is_flagged(secpla):
    project = make_project(secpla, status=Status.EXECUTING, status_since=dt.date(2026, 1, 1))
    with audit_context(source="test"):
        Milestone.objects.create(
            project=project, name="Inicio", planned_date=dt.date(2026, 1, 1), planned_percent=0
        )
        Milestone.objects.create(
            project=project, name="Fin", planned_date=dt.date(2026, 12, 31), planned_percent=100
        )
        ProgressReport.objects.create(project=project, date=dt.date(2026, 6, 1), percent=10)
    project = selectors.with_progress(Project.objects).get(pk=project.pk)
    today = dt.date(2026, 7, 2)  # planned ≈ 50 %, actual 10 %, last report 31 days ago
    result = selectors.flags(project, today, days_without_report=30)
    assert result.late and result.no_report
    assert result.labels == ["atrasado", "sin reporte"]
    assert not selectors.flags(project, today, days_without_report=60).no_report


def test_flags_apply_only_to_projects_in_execution(secpla):
    project = make_project(secpla, status=Status.FUNDED, status_since=dt.date(2020, 1, 1))
    project = selectors.with_progress(Project.objects).get(pk=project.pk)
    assert selectors.flags(project, dt.date(2026, 7, 1), 30).labels == []


def test_the_reporting_period_comes_from_the_portfolio_settings(secpla, personas):
    from secpla.core import services as core_services

    core_services.record_create(
        actor=personas.director, instance=PortfolioSettings(pk=1, days_without_report=10)
    )
    project = make_project(secpla, status=Status.EXECUTING, status_since=dt.date(2026, 6, 1))
    project = selectors.with_progress(Project.objects).get(pk=project.pk)
    assert selectors.flags(project, dt.date(2026, 6, 15)).no_report


def test_totals_by_source_and_by_status(secpla):
    fndr = FundingSource.objects.get(code="FNDR")
    municipal = FundingSource.objects.get(code="MUNICIPAL")
    a = make_project(secpla, code="A", estimated_cost=300)
    b = make_project(secpla, code="B", status=Status.FUNDED, estimated_cost=700)
    with audit_context(source="test"):
        FundingLine.objects.create(project=a, source=fndr, year=2026, amount=100)
        FundingLine.objects.create(project=a, source=fndr, year=2027, amount=50)
        FundingLine.objects.create(project=b, source=municipal, year=2026, amount=25)
    result = selectors.totals(Project.objects.all())
    by_source = {
        row["source__code"]: (row["amount"], row["projects"]) for row in result["by_source"]
    }
    assert by_source == {"FNDR": (150, 1), "MUNICIPAL": (25, 1)}
    by_status = {row["status"]: (row["projects"], row["cost"]) for row in result["by_status"]}
    assert by_status["formulacion"] == (1, 300) and by_status["financiado"] == (1, 700)
    assert by_status["terminado"] == (0, 0)
    assert result["funding_total"] == 175
    only_b = selectors.totals(Project.objects.filter(pk=b.pk))
    assert only_b["funding_total"] == 25


# --- review fixes ---------------------------------------------------------------------------


@pytest.fixture
def bounded(personas):
    from secpla.core.models import Municipality
    from secpla.core.reference import comuna_boundary

    municipality = Municipality.current()
    municipality.boundary = comuna_boundary(municipality.comuna.cut)
    with audit_context(source="test"):
        municipality.save()


@pytest.mark.parametrize(
    "location",
    [
        {"type": "LineString", "coordinates": [[-72.3016, -36.7425]]},  # one point: GEOS refuses
        {"type": "Point", "coordinates": "x"},
        {"type": "Circle", "coordinates": [0, 0]},
    ],
)
def test_bad_locations_are_refused_in_spanish_not_500(
    location, personas, secpla, bounded, client_as
):
    response = client_as(personas.estudios).post(
        API, {"name": "X", "directorate": secpla.pk, "location": location},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 400, response.content
    assert "ubicación" in response.content.decode().lower()


@pytest.mark.parametrize("empty", [{}, "", []])
def test_an_empty_location_means_no_location(empty, personas, secpla, bounded, client_as):
    response = client_as(personas.estudios).post(
        API, {"name": "X", "directorate": secpla.pk, "location": empty},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    assert Project.objects.get(pk=response.json()["id"]).location is None


def test_only_the_geometry_of_a_location_is_stored(personas, secpla, bounded, client_as):
    location = {"type": "Point", "coordinates": [-72.3016, -36.7425], "extra": "<script>"}
    response = client_as(personas.estudios).post(
        API, {"name": "X", "directorate": secpla.pk, "location": location},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    stored = Project.objects.get(pk=response.json()["id"]).location
    assert stored == {"type": "Point", "coordinates": [-72.3016, -36.7425]}


def test_a_huge_amount_gets_a_spanish_message(personas, secpla, client_as):
    project = make_project(secpla)
    response = client_as(personas.estudios).patch(
        f"{API}{project.pk}/", {"estimated_cost": 1e30}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "número entero válido" in response.content.decode()


def test_totals_of_one_year_add_only_that_years_funding(secpla, personas, client_as):
    fril = FundingSource.objects.get(code="FRIL")
    project = make_project(secpla)
    with audit_context(source="test"):
        FundingLine.objects.create(project=project, source=fril, year=2026, amount=100)
        FundingLine.objects.create(project=project, source=fril, year=2027, amount=900)
    assert selectors.totals(Project.objects.all(), year=2026)["funding_total"] == 100
    from django.urls import reverse

    page = client_as(personas.director).get(reverse("projects:project_list") + "?year=2026")
    assert page.context["summary"]["funding_total"] == 100
    assert "del año 2026" in page.content.decode()
