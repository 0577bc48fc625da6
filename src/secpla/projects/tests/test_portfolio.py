"""The portfolio screens: the list with its filters, totals and export; creating and
editing projects; the status form; funding, progress, the S-curve and the flags."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from secpla.core.audit import audit_context
from secpla.core.models import Directorate, Municipality
from secpla.projects import services
from secpla.projects.models import (
    FundingLine,
    FundingSource,
    Milestone,
    Payment,
    PortfolioSettings,
    ProgressReport,
    Project,
    StatusChange,
)
from secpla.projects.workflow import Status

BULNES = '{"type": "Point", "coordinates": [-72.3016, -36.7425]}'
CHILLAN = '{"type": "Point", "coordinates": [-72.1034, -36.6066]}'
TODAY = timezone.localdate()


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


@pytest.fixture
def secpla(personas):
    return Directorate.objects.get(code="SECPLA")


@pytest.fixture
def dideco(personas):
    return Directorate.objects.get(code="DIDECO")


def make(code, name, directorate, *, status=Status.FORMULATION, since=None, **fields):
    with audit_context(source="test"):
        return Project.objects.create(
            code=code, name=name, directorate=directorate, status=status,
            status_since=since or days_ago(200), **fields,
        )  # fmt: skip


def fund(project, source_code, year, amount):
    with audit_context(source="test"):
        return FundingLine.objects.create(
            project=project, source=FundingSource.objects.get(code=source_code), year=year,
            amount=amount,
        )  # fmt: skip


@pytest.fixture
def portfolio(secpla, dideco):
    """Three projects: a plaza funded by FRIL, a street by FNDR + municipal, and an idea."""
    plaza = make("PRY-T-001", "Plaza Santa Clara", secpla, status=Status.EXECUTING,
                 stage=Project.Stage.EXECUTION, territory="Santa Clara")  # fmt: skip
    street = make("PRY-T-002", "Pavimentación calle Carrera", dideco, status=Status.FUNDED,
                  bip_code="40024120-0", estimated_cost=900_000_000)  # fmt: skip
    idea = make("PRY-T-003", "Centro cultural", secpla, estimated_cost=2_000_000_000)
    fund(plaza, "FRIL", 2026, 80_000_000)
    fund(street, "FNDR", 2026, 500_000_000)
    fund(street, "FNDR", 2027, 300_000_000)
    fund(street, "MUNICIPAL", 2026, 100_000_000)
    return plaza, street, idea


def list_url(**query):
    from urllib.parse import urlencode

    return reverse("projects:project_list") + ("?" + urlencode(query, doseq=True) if query else "")


def test_the_list_filters_by_status_source_directorate_and_year(portfolio, client_as, personas):
    client = client_as(personas.concejala)
    page = client.get(list_url(status=["ejecucion"])).content.decode()
    assert "Plaza Santa Clara" in page and "Pavimentación" not in page
    fndr = FundingSource.objects.get(code="FNDR")
    page = client.get(list_url(source=fndr.pk)).content.decode()
    assert "Pavimentación" in page and "Plaza Santa Clara" not in page
    dideco = Directorate.objects.get(code="DIDECO")
    page = client.get(list_url(directorate=dideco.pk)).content.decode()
    assert "Pavimentación" in page and "Centro cultural" not in page
    page = client.get(list_url(year=2027)).content.decode()
    assert "Pavimentación" in page and "Plaza Santa Clara" not in page
    page = client.get(list_url(q="santa clara")).content.decode()
    assert "Plaza Santa Clara" in page and "Centro cultural" not in page
    page = client.get(list_url(territory="Santa")).content.decode()
    assert "Plaza Santa Clara" in page and "Pavimentación" not in page


def test_the_list_shows_the_totals_of_the_filtered_rows(portfolio, client_as, personas):
    client = client_as(personas.estudios)
    response = client.get(list_url())
    summary = response.context["summary"]
    by_source = {row["source__code"]: row["amount"] for row in summary["by_source"]}
    assert by_source["FRIL"] == 80_000_000 and by_source["FNDR"] == 800_000_000
    by_status = {row["status"]: row["projects"] for row in summary["by_status"]}
    assert by_status["ejecucion"] == 1 and by_status["financiado"] == 1
    assert by_status["formulacion"] == 1
    page = response.content.decode()
    assert 'data-testid="totals-by-source"' in page and "$ 800.000.000" in page
    # Filtered: only the FNDR project counts.
    response = client.get(list_url(status=["financiado"]))
    summary = response.context["summary"]
    assert [row["source__code"] for row in summary["by_source"]] == sorted(
        row["source__code"] for row in summary["by_source"]
    )
    assert "FRIL" not in {row["source__code"] for row in summary["by_source"]}
    assert {r["status"]: r["projects"] for r in summary["by_status"]}["ejecucion"] == 0


def test_the_list_exports_xlsx_and_csv_with_the_same_columns(portfolio, client_as, personas):
    from openpyxl import load_workbook

    client = client_as(personas.estudios)
    response = client.get(list_url(export="xlsx"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    header = rows[0]
    for column in ("Código", "Nombre", "Código BIP", "Etapa", "Estado", "Dirección",
                   "Financiamiento total ($)", "Alertas", "Descripción", "Territorio",
                   "Costo total estimado ($)"):  # fmt: skip
        assert column in header
    street = next(row for row in rows if row[0] == "PRY-T-002")
    assert street[header.index("Financiamiento total ($)")] >= 800_000_000
    assert street[header.index("Código BIP")] == "40024120-0"
    csv_text = client.get(list_url(export="csv", status=["ejecucion"])).content.decode()
    assert "PRY-T-001" in csv_text and "PRY-T-002" not in csv_text


def _bulk_projects(directorate, start: int, count: int) -> None:
    fril = FundingSource.objects.get(code="FRIL")
    with audit_context(source="test"):
        projects = Project.objects.bulk_create(
            [
                Project(
                    code=f"PRY-Q-{n:04d}",
                    name=f"Proyecto {n}",
                    directorate=directorate,
                    status=Status.EXECUTING,
                    status_since=days_ago(100),
                )
                for n in range(start, start + count)
            ]
        )
        FundingLine.objects.bulk_create(
            [FundingLine(project=p, source=fril, year=2026, amount=1000) for p in projects]
        )
        Milestone.objects.bulk_create(
            [
                Milestone(project=p, name="Inicio", planned_date=days_ago(90), planned_percent=10)
                for p in projects
            ]
        )
        ProgressReport.objects.bulk_create(
            [ProgressReport(project=p, date=days_ago(10), percent=5) for p in projects]
        )
        Payment.objects.bulk_create(
            [Payment(project=p, date=days_ago(10), amount=500) for p in projects]
        )


def test_the_list_runs_the_same_number_of_queries_for_10_and_500_projects(
    secpla, client_as, personas
):
    client = client_as(personas.estudios)
    client.get(list_url())  # warm up the session and the permission cache

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(list_url())
        assert response.status_code == 200
        return len(queries)

    _bulk_projects(secpla, 0, 10)
    small = count()
    _bulk_projects(secpla, 10, 490)
    assert Project.objects.count() == 500
    large = count()
    assert small == large, f"10 projects: {small} queries; 500 projects: {large}"
    # The filtered list (with totals) too.
    with CaptureQueriesContext(connection) as queries:
        client.get(list_url(status=["ejecucion"], year=2026))
    assert len(queries) <= large + 2


def test_creating_a_project_generates_its_code_and_first_status(client_as, personas, secpla):
    client = client_as(personas.estudios)
    response = client.post(
        reverse("projects:project_create"),
        {"code": "", "name": "Multicancha Villa Los Ríos", "kind": "proyecto", "stage": "perfil",
         "directorate": secpla.pk, "bip_code": "", "estimated_cost": "150000000"},
    )  # fmt: skip
    assert response.status_code == 302, response.context["form"].errors
    project = Project.objects.get(name="Multicancha Villa Los Ríos")
    assert project.code == f"PRY-{TODAY.year}-001"
    assert project.status == Status.FORMULATION and project.bip_code is None
    assert project.status_changes.count() == 1
    assert response["Location"] == project.get_absolute_url()


def test_a_bad_bip_code_and_a_broken_geojson_are_refused_in_spanish(client_as, personas, secpla):
    client = client_as(personas.estudios)
    response = client.post(
        reverse("projects:project_create"),
        {"name": "Sede social", "kind": "proyecto", "stage": "idea", "directorate": secpla.pk,
         "bip_code": "4002412-0", "location": '{"type": "Point", "coordinates": [-72.3,'},
    )  # fmt: skip
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "8 dígitos" in str(errors["bip_code"])
    assert "no es un texto GeoJSON válido" in str(errors["location"])
    assert not Project.objects.filter(name="Sede social").exists()


def test_editing_a_project_links_initiatives_and_keeps_the_status(
    client_as, personas, secpla, portfolio
):
    from secpla.planning.models import Initiative, Plan, PlanNode

    plaza = portfolio[0]
    with audit_context(source="test"):
        plan = Plan.objects.create(name="PLADECO", start_year=2025, end_year=2030,
                                   status=Plan.Status.CURRENT)  # fmt: skip
        node = PlanNode.objects.create(plan=plan, code="1", name="Espacios públicos")
        initiative = Initiative.objects.create(
            plan=plan, node=node, code="1.1", name="Recuperar plazas", directorate=secpla
        )
    client = client_as(personas.estudios)
    form = client.get(reverse("projects:project_edit", args=[plaza.pk])).context["form"]
    assert initiative in form.fields["initiatives"].queryset
    response = client.post(
        reverse("projects:project_edit", args=[plaza.pk]),
        {"code": plaza.code, "name": "Plaza Santa Clara renovada", "kind": "proyecto",
         "stage": "ejecucion", "directorate": secpla.pk, "territory": "Santa Clara",
         "initiatives": [initiative.pk], "change_reason": "Nombre oficial"},
    )  # fmt: skip
    assert response.status_code == 302, response.context["form"].errors
    plaza.refresh_from_db()
    assert plaza.name == "Plaza Santa Clara renovada" and plaza.status == Status.EXECUTING
    assert list(plaza.initiatives.all()) == [initiative]
    page = client.get(plaza.get_absolute_url()).content.decode()
    assert initiative.get_absolute_url() in page and "Recuperar plazas" in page


def test_a_location_outside_the_comuna_is_refused_on_the_form(client_as, personas, secpla):
    from secpla.core.reference import comuna_boundary

    municipality = Municipality.current()
    municipality.boundary = comuna_boundary(municipality.comuna.cut)
    with audit_context(source="test"):
        municipality.save()
    client = client_as(personas.estudios)
    data = {"name": "Plaza", "kind": "proyecto", "stage": "idea", "directorate": secpla.pk}
    response = client.post(reverse("projects:project_create"), {**data, "location": CHILLAN})
    assert response.status_code == 200
    assert "fuera de la comuna de Bulnes" in str(response.context["form"].errors["location"])
    response = client.post(reverse("projects:project_create"), {**data, "location": BULNES})
    assert response.status_code == 302
    assert Project.objects.get(name="Plaza").location["type"] == "Point"


@pytest.fixture
def new_project(personas, secpla):
    return services.project_create(
        actor=personas.estudios, project=Project(name="Plaza de la matriz", directorate=secpla)
    )


def test_the_status_form_offers_only_the_allowed_transitions(client_as, personas, new_project):
    client = client_as(personas.estudios)
    response = client.get(new_project.get_absolute_url() + "?tab=estado")
    form_html = response.content.decode().split('data-testid="transition-form"')[1]
    form_html = form_html.split("</form>")[0]
    assert 'value="postulado"' in form_html and 'value="desistido"' in form_html
    assert 'value="financiado"' not in form_html


def test_a_forbidden_transition_is_refused_with_a_message_on_screen(
    client_as, personas, new_project
):
    client = client_as(personas.estudios)
    response = client.post(
        reverse("projects:project_transition", args=[new_project.pk]),
        {"to_status": "financiado", "comment": "saltarse pasos"},
        follow=True,
    )
    page = response.content.decode()
    assert "no puede pasar a «Financiado»" in page
    new_project.refresh_from_db()
    assert new_project.status == Status.FORMULATION


def test_an_allowed_transition_moves_the_project_and_shows_in_the_timeline(
    client_as, personas, new_project
):
    client = client_as(personas.estudios)
    response = client.post(
        reverse("projects:project_transition", args=[new_project.pk]),
        {"to_status": "postulado", "date": TODAY.isoformat(), "comment": "FRIL 2026"},
        follow=True,
    )
    new_project.refresh_from_db()
    assert new_project.status == Status.SUBMITTED
    step = StatusChange.objects.filter(project=new_project).last()
    assert (step.from_status, step.to_status, step.comment) == (
        "formulacion",
        "postulado",
        "FRIL 2026",
    )
    page = response.content.decode()
    assert "pasó a «Postulado»" in page and "FRIL 2026" in page
    # A read-only role cannot post the form.
    other = client_as(personas.concejala).post(
        reverse("projects:project_transition", args=[new_project.pk]), {"to_status": "admisible"}
    )
    assert other.status_code == 403


def test_the_funding_tab_shows_amounts_by_year_and_source(client_as, personas, portfolio):
    street = portfolio[1]
    page = (
        client_as(personas.concejala)
        .get(street.get_absolute_url() + "?tab=financiamiento")
        .content.decode()
    )
    table = page.split('data-testid="funding-table"')[1].split("</table>")[0]
    assert '<th scope="row">2026</th>' in table and '<th scope="row">2027</th>' in table
    assert "$ 500.000.000" in table and "$ 300.000.000" in table
    assert "$ 100.000.000" in table  # municipal
    assert "$ 800.000.000" in table and "$ 900.000.000" in table  # FNDR total, grand total


def test_a_funding_line_is_added_from_the_project_page(client_as, personas, new_project):
    client = client_as(personas.estudios)
    page = client.get(new_project.get_absolute_url() + "?tab=financiamiento").content.decode()
    add = reverse("projects:fundingline_create") + f"?project={new_project.pk}"
    assert add in page
    form = client.get(add).context["form"]
    assert form.initial["project"] == new_project.pk
    fril = FundingSource.objects.get(code="FRIL")
    response = client.post(
        add, {"project": new_project.pk, "source": fril.pk, "year": 2026, "amount": 1000}
    )
    assert response.status_code == 302
    assert response["Location"].endswith("?tab=financiamiento")
    duplicate = client.post(
        add, {"project": new_project.pk, "source": fril.pk, "year": 2026, "amount": 5}
    )
    assert "ya tiene un monto de esa fuente para ese año" in duplicate.content.decode()


@pytest.fixture
def executing(secpla):
    """In execution for 100 days; planned 50 % by 20 days ago, reported 10 % 40 days ago."""
    project = make("PRY-T-010", "Pavimentación Villa Esperanza", secpla,
                   status=Status.EXECUTING, since=days_ago(100))  # fmt: skip
    with audit_context(source="test"):
        Milestone.objects.create(project=project, name="Inicio", planned_date=days_ago(100),
                                 planned_percent=0, planned_amount=0)  # fmt: skip
        Milestone.objects.create(project=project, name="Mitad", planned_date=days_ago(20),
                                 planned_percent=50, planned_amount=60_000_000)  # fmt: skip
        Milestone.objects.create(project=project, name="Fin", planned_date=TODAY + dt.timedelta(60),
                                 planned_percent=100, planned_amount=120_000_000)  # fmt: skip
        ProgressReport.objects.create(project=project, date=days_ago(70), percent=5)
        ProgressReport.objects.create(project=project, date=days_ago(40), percent=10)
        Payment.objects.create(project=project, date=days_ago(60), amount=10_000_000)
        Payment.objects.create(project=project, date=days_ago(30), amount=15_000_000)
    return project


def test_the_s_curve_is_drawn_as_svg_with_its_points(client_as, personas, executing):
    response = client_as(personas.concejala).get(executing.get_absolute_url() + "?tab=avance")
    page = response.content.decode()
    physical = page.split('data-testid="s-curve-physical"')[1].split("</svg>")[0]
    planned = physical.split('data-series="Planificado"')[0].rsplit("<polyline", 1)[1]
    assert planned.count(",") == 3  # three milestones
    assert 'data-series="Real"' in physical and physical.count("<circle") == 5
    money = page.split('data-testid="s-curve-money"')[1].split("</svg>")[0]
    assert 'data-series="Pagado"' in money and "$ 25.000.000" in money
    assert "style=" not in page.split('data-testid="s-curve-physical"')[1].split("</svg>")[0]


def test_flags_late_and_without_report_are_shown(client_as, personas, executing):
    with audit_context(source="test"):
        PortfolioSettings.objects.create(pk=1, days_without_report=30)
    client = client_as(personas.concejala)
    page = client.get(executing.get_absolute_url() + "?tab=avance").content.decode()
    assert ">atrasado<" in page and ">sin reporte<" in page
    assert "40 días sin reporte" in page
    listing = client.get(list_url()).content.decode()
    row = listing.split("PRY-T-010")[1].split("</tr>")[0]
    assert "atrasado" in row and "sin reporte" in row
    # With a longer allowance the report is not overdue; a recent report at plan clears both.
    with audit_context(source="test"):
        PortfolioSettings.objects.filter(pk=1).update(days_without_report=60)
    page = client.get(executing.get_absolute_url()).content.decode()
    assert ">sin reporte<" not in page and ">atrasado<" in page
    with audit_context(source="test"):
        ProgressReport.objects.create(project=executing, date=TODAY, percent=60)
    page = client.get(executing.get_absolute_url()).content.decode()
    assert ">atrasado<" not in page and ">sin reporte<" not in page


def test_the_liaison_reports_progress_on_its_directorate_projects_only(
    client_as, personas, secpla, dideco
):
    own = make("PRY-T-020", "Centro comunitario", dideco, status=Status.EXECUTING)
    other = make("PRY-T-021", "Plaza", secpla, status=Status.EXECUTING)
    client = client_as(personas.enlace_dideco)
    page = client.get(own.get_absolute_url() + "?tab=avance").content.decode()
    assert reverse("projects:progressreport_create") + f"?project={own.pk}" in page
    page = client.get(other.get_absolute_url() + "?tab=avance").content.decode()
    assert reverse("projects:progressreport_create") + f"?project={other.pk}" not in page
    url = reverse("projects:progressreport_create")
    data = {"date": days_ago(1).isoformat(), "percent": "35", "comment": "Radier listo"}
    response = client.post(url, {**data, "project": own.pk})
    assert response.status_code == 302
    assert ProgressReport.objects.filter(project=own, percent=35).exists()
    response = client.post(url, {**data, "project": other.pk})
    assert response.status_code == 200
    assert "project" in response.context["form"].errors
    assert not ProgressReport.objects.filter(project=other).exists()
    # Nor can it edit the project itself or move its status.
    assert client.get(reverse("projects:project_edit", args=[own.pk])).status_code == 403


def test_an_application_gets_observations_and_replies(client_as, personas, new_project):
    client = client_as(personas.estudios)
    fril = FundingSource.objects.get(code="FRIL")
    response = client.post(
        reverse("projects:fundingapplication_create") + f"?project={new_project.pk}",
        {"project": new_project.pk, "source": fril.pk, "call": "FRIL 2026",
         "submitted_on": days_ago(10).isoformat(), "amount_requested": "90000000",
         "result": "pendiente"},
    )  # fmt: skip
    assert response.status_code == 302
    application = new_project.applications.get()
    url = reverse("projects:applicationnote_create", args=[application.pk])
    response = client.post(
        url, {"kind": "observacion", "date": days_ago(5).isoformat(), "text": "Falta EETT"}
    )
    assert response.status_code == 302
    client.post(url, {"kind": "respuesta", "date": days_ago(2).isoformat(), "text": "Enviadas"})
    page = client.get(new_project.get_absolute_url() + "?tab=postulaciones").content.decode()
    assert "Falta EETT" in page and "Enviadas" in page and "FRIL 2026" in page
    future = client.post(
        url, {"kind": "respuesta", "date": (TODAY + dt.timedelta(3)).isoformat(), "text": "x"}
    )
    assert "no puede ser futura" in future.content.decode()
    assert client_as(personas.concejala).get(url).status_code == 403


def test_the_portfolio_settings_are_kept_by_the_director(client_as, personas):
    url = reverse("projects:settings")
    reader = client_as(personas.concejala)
    page = reader.get(url).content.decode()
    assert "30" in page and "<form" not in page.split('data-testid="portfolio-settings"')[1]
    assert reader.post(url, {"days_without_report": 10}).status_code == 403
    director = client_as(personas.director)
    response = director.post(url, {"days_without_report": 0})
    assert "al menos 1" in response.content.decode()
    response = director.post(url, {"days_without_report": 45})
    assert response.status_code == 302
    assert PortfolioSettings.current().days_without_report == 45
    response = director.post(url, {"days_without_report": 20, "change_reason": "Ajuste"})
    assert PortfolioSettings.current().days_without_report == 20


def test_the_portfolio_list_links_to_map_export_import_and_public_page(personas, client_as):
    from django.urls import reverse

    page = client_as(personas.estudios).get(reverse("projects:project_list")).content.decode()
    for name in ("projects:map", "projects:export", "projects:import", "projects:public_portfolio"):
        assert reverse(name) in page, name
    readonly = client_as(personas.concejala).get(reverse("projects:project_list")).content.decode()
    assert reverse("projects:export") in readonly and reverse("projects:import") not in readonly


def test_a_progress_report_takes_a_photo(client_as, personas, media):
    import base64

    from django.contrib.contenttypes.models import ContentType
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from secpla.core.audit import audit_context
    from secpla.core.models import Directorate, Document
    from secpla.projects.models import ProgressReport, Project

    png = base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
    )
    with audit_context(source="test"):
        project = Project.objects.create(
            code="FOTO-1", name="Foto", directorate=Directorate.objects.get(code="SECPLA")
        )
        report = ProgressReport.objects.create(project=project, date=project.created_at.date(),
                                               percent=10)  # fmt: skip
    url = reverse(
        "core:document_upload",
        args=[ContentType.objects.get_for_model(ProgressReport).pk, report.pk],
    )
    response = client_as(personas.estudios).post(
        url,
        {"title": "Avance de obra", "kind": "foto",
         "file": SimpleUploadedFile("obra.png", png, content_type="image/png")},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:500]
    document = Document.objects.get()
    assert (document.kind, document.mime_type) == ("foto", "image/png")
    page = client_as(personas.concejala).get(report.get_absolute_url() + "?tab=documentos")
    assert "Avance de obra" in page.content.decode()


def test_an_initiative_page_lists_the_projects_linked_to_it(client_as, personas):
    import datetime as dt

    from secpla.core import services as core_services
    from secpla.core.audit import audit_context
    from secpla.core.models import Directorate
    from secpla.planning.models import Initiative, Plan, PlanNode
    from secpla.projects import services
    from secpla.projects.models import Project

    secpla = Directorate.objects.get(code="SECPLA")
    with audit_context(source="test"):
        plan = Plan.objects.create(name="PLADECO", start_year=2024, end_year=2029)
        node = PlanNode.objects.create(plan=plan, code="1", name="Eje")
        initiative = Initiative.objects.create(
            plan=plan, node=node, code="1.1", name="Sedes sociales", directorate=secpla
        )
    project = services.project_create(
        actor=personas.estudios,
        project=Project(name="Sede social Larqui", directorate=secpla),
        date=dt.date(2026, 1, 5),
    )
    core_services.record_set_links(
        actor=personas.estudios, instance=project, field="initiatives", values=[initiative]
    )
    page = client_as(personas.concejala).get(initiative.get_absolute_url()).content.decode()
    assert "Proyectos de inversión" in page and "Sede social Larqui" in page
