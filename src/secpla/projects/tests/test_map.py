"""The portfolio map, its GeoJSON export and the public portfolio."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from secpla.core.audit import audit_context
from secpla.core.models import Directorate, User
from secpla.core.reference import comuna_boundary
from secpla.planning.models import Initiative, Plan, PlanNode
from secpla.projects import services
from secpla.projects.models import (
    ApplicationNote,
    FundingApplication,
    FundingLine,
    FundingSource,
    Milestone,
    Payment,
    ProgressReport,
    Project,
    RateResult,
)
from secpla.projects.workflow import Status

INSIDE = [-72.3016, -36.7425]  # a point inside Bulnes
POINT = {"type": "Point", "coordinates": INSIDE}
SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [
            [-72.3026, -36.7435],
            [-72.3006, -36.7435],
            [-72.3006, -36.7415],
            [-72.3026, -36.7415],
            [-72.3026, -36.7435],
        ]
    ],
}
GEOJSON = "application/geo+json"


@pytest.fixture
def bounded(municipality):
    """The municipality with its real comuna boundary (tests have none by default)."""
    with audit_context(source="test"):
        municipality.boundary = comuna_boundary(municipality.comuna.cut)
        municipality.save()
    return municipality


@pytest.fixture
def secpla(personas):
    return Directorate.objects.get(code="SECPLA")


def make_project(code, directorate, *, status=Status.FORMULATION, location=POINT, **extra):
    with audit_context(source="test"):
        return Project.objects.create(
            code=code,
            name=extra.pop("name", f"Proyecto {code}"),
            directorate=directorate,
            status=status,
            location=location,
            **extra,
        )


def move(project, actor, *statuses, comment=""):
    for status in statuses:
        project = services.project_transition(
            actor=actor, project=project, to_status=status, comment=comment
        )
    return project


def features(response):
    assert response.status_code == 200
    assert response["Content-Type"] == GEOJSON
    data = json.loads(response.content)
    assert data["type"] == "FeatureCollection"
    return data["features"]


# --------------------------------------------------------------------------------------
# Internal GeoJSON
# --------------------------------------------------------------------------------------


def test_geojson_has_each_located_project_with_its_properties(bounded, personas, secpla, client_as):
    fril = FundingSource.objects.get(code="FRIL")
    fndr = FundingSource.objects.get(code="FNDR")
    plaza = make_project("PRY-1", secpla, location=SQUARE, territory="Villa Los Álamos")
    with audit_context(source="test"):
        FundingLine.objects.create(project=plaza, source=fril, year=2026, amount=40_000_000)
        FundingLine.objects.create(project=plaza, source=fndr, year=2027, amount=2_500_000)
    make_project("PRY-2", secpla, status=Status.EXECUTING)
    make_project("PRY-3", secpla, location=None)  # no location: not a feature

    found = features(client_as(personas.concejala).get(reverse("projects:geojson")))

    assert [f["id"] for f in found] == ["PRY-1", "PRY-2"]
    first = found[0]
    assert first["type"] == "Feature"
    assert first["geometry"] == SQUARE
    props = first["properties"]
    assert props["code"] == "PRY-1"
    assert props["name"] == "Proyecto PRY-1"
    assert props["status"] == "En formulación"
    assert props["stage"] == "Idea"
    assert props["kind"] == "Proyecto"
    assert props["directorate"] == "SECPLA"
    assert props["territory"] == "Villa Los Álamos"
    assert props["total_funding"] == 42_500_000
    assert props["flags"] == []
    assert props["url"] == plaza.get_absolute_url()
    assert re.fullmatch(r"#[0-9a-f]{6}", props["color"])
    assert found[1]["geometry"] == POINT
    assert found[1]["properties"]["status"] == "En ejecución"


def test_geojson_is_filtered_like_the_list(bounded, personas, secpla, client_as):
    fril = FundingSource.objects.get(code="FRIL")
    dideco = Directorate.objects.get(code="DIDECO")
    a = make_project("PRY-A", secpla, stage=Project.Stage.DESIGN, territory="Santa Clara")
    make_project("PRY-B", dideco, status=Status.SUBMITTED)
    with audit_context(source="test"):
        FundingLine.objects.create(project=a, source=fril, year=2025, amount=10)
    client = client_as(personas.director)
    url = reverse("projects:geojson")

    def codes(query):
        return [f["id"] for f in features(client.get(url + query))]

    assert codes("?status=postulado") == ["PRY-B"]
    assert codes("?stage=diseno") == ["PRY-A"]
    assert codes(f"?directorate={dideco.pk}") == ["PRY-B"]
    assert codes(f"?source={fril.pk}") == ["PRY-A"]
    assert codes("?year=2025") == ["PRY-A"]
    assert codes("?year=2030") == []
    assert codes("?territory=clara") == ["PRY-A"]
    # Bad input: nothing (and no error page), never everything.
    assert codes("?year=abc") == []
    assert codes("?status=inexistente") == []


def test_geojson_download_is_an_attachment(bounded, personas, secpla, client_as):
    make_project("PRY-1", secpla)
    client = client_as(personas.estudios)
    plain = client.get(reverse("projects:geojson"))
    assert "Content-Disposition" not in plain
    download = client.get(reverse("projects:geojson") + "?descargar=1")
    assert download["Content-Type"] == GEOJSON
    disposition = download["Content-Disposition"]
    assert re.match(r'attachment; filename="cartera-\d{8}-\d{4}\.geojson"', disposition)
    assert len(json.loads(download.content)["features"]) == 1


def test_geojson_needs_login_and_project_permission(bounded, personas, secpla, client, client_as):
    make_project("PRY-1", secpla)
    url = reverse("projects:geojson")
    assert client.get(url).status_code == 302
    assert client_as(personas.admin).get(url).status_code == 403  # catalogue only
    assert client_as(personas.sin_rol).get(url).status_code == 403


def _portfolio(n, directorate, sources, start=0):
    """n located projects, each with funding, milestones, reports and payments."""
    day = dt.date(2026, 1, 5)
    with audit_context(source="test"):
        projects = Project.objects.bulk_create(
            Project(
                code=f"PRY-Q-{start + i:04d}",
                name=f"Proyecto {i}",
                directorate=directorate,
                status=Status.EXECUTING if i % 2 else Status.FUNDED,
                status_since=day,
                location=POINT if i % 3 else SQUARE,
            )
            for i in range(n)
        )
        FundingLine.objects.bulk_create(
            FundingLine(project=p, source=s, year=2026, amount=1000)
            for p in projects
            for s in sources
        )
        Milestone.objects.bulk_create(
            Milestone(project=p, name="Inicio", planned_date=day, planned_percent=10)
            for p in projects
        )
        ProgressReport.objects.bulk_create(
            ProgressReport(project=p, date=day, percent=5) for p in projects
        )
        Payment.objects.bulk_create(Payment(project=p, date=day, amount=10) for p in projects)


@pytest.mark.parametrize("name", ["projects:geojson", "projects:public_geojson"])
def test_geojson_runs_the_same_queries_for_10_and_500_projects(
    name, bounded, personas, secpla, client_as
):
    sources = list(FundingSource.objects.filter(code__in=["FRIL", "FNDR"]))
    client = client_as(personas.director)
    url = reverse(name)
    _portfolio(10, secpla, sources)
    client.get(url)  # warm up (session, grants cache)
    with CaptureQueriesContext(connection) as small:
        assert len(features(client.get(url))) == 10
    _portfolio(490, secpla, sources, start=10)
    with CaptureQueriesContext(connection) as large:
        assert len(features(client.get(url))) == 500
    assert len(small.captured_queries) == len(large.captured_queries)


# --------------------------------------------------------------------------------------
# Internal map page
# --------------------------------------------------------------------------------------


def test_map_page_passes_its_configuration_through_data_attributes(
    bounded, personas, secpla, client_as, settings
):
    settings.MAP_TILES_URL = "https://tiles.example.cl/{z}/{x}/{y}.png"
    settings.MAP_TILES_ATTRIBUTION = "© Teselas de prueba"
    make_project("PRY-1", secpla)
    make_project("PRY-2", secpla, location=None, name="Sede vecinal sin ubicar")
    response = client_as(personas.alcaldesa).get(reverse("projects:map") + "?status=formulacion")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-geojson-url="/cartera/mapa.geojson?status=formulacion"' in html
    assert 'data-tiles-url="https://tiles.example.cl/{z}/{x}/{y}.png"' in html
    assert "© Teselas de prueba" in html
    boundary = re.search(r'data-boundary="([^"]*)"', html).group(1)
    assert json.loads(boundary.replace("&quot;", '"'))["type"] in {"Polygon", "MultiPolygon"}
    assert "vendor/leaflet/leaflet.js" in html and "secpla/map.js" in html
    assert "Descargar GeoJSON" in html
    assert "/cartera/mapa.geojson?status=formulacion&amp;descargar=1" in html
    # The short list of projects without location.
    assert "Sede vecinal sin ubicar" in html
    # CSP: no inline scripts or styles.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert " style=" not in html and "<style" not in html


def test_map_page_works_without_tiles_or_boundary(municipality, personas, client_as, settings):
    settings.MAP_TILES_URL = ""
    response = client_as(personas.director).get(reverse("projects:map"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-tiles-url=""' in html and 'data-boundary=""' in html
    assert "fondo liso" in html


def test_map_page_with_a_bad_filter_shows_the_error(bounded, personas, client_as):
    response = client_as(personas.director).get(reverse("projects:map") + "?year=abc")
    assert response.status_code == 200
    assert "0 proyectos con ubicación" in response.content.decode()


# --------------------------------------------------------------------------------------
# Public portfolio
# --------------------------------------------------------------------------------------


@pytest.fixture
def public_world(bounded, personas, secpla):
    """A published project full of internal data, plus two that must never be public."""
    director = personas.director
    User.objects.filter(pk=personas.estudios.pk).update(
        first_name="Valentina", last_name="Zapata Quiroga", email="vzapata@muni.example"
    )
    fril = FundingSource.objects.get(code="FRIL")
    fndr = FundingSource.objects.get(code="FNDR")
    project = services.project_create(
        actor=director,
        project=Project(
            name="Mejoramiento Plaza de Armas",
            directorate=secpla,
            responsible=personas.estudios,
            description="DESCRIPCION-INTERNA-XYZ",
            territory="Bulnes urbano",
            bip_code="40024120-0",
            location=SQUARE,
        ),
        comment="Comentario interno de creación",
    )
    project = move(project, director, Status.SUBMITTED, comment="COMENTARIO-ESTADO-SECRETO")
    day = dt.date(2026, 3, 2)
    with audit_context(source="test"):
        FundingLine.objects.create(project=project, source=fril, year=2026, amount=80_000_000)
        FundingLine.objects.create(project=project, source=fndr, year=2027, amount=20_000_000)
        RateResult.objects.create(
            project=project, date=day, result="FI", year=2026,
            observations="OBSERVACION-RATE-RESERVADA", evaluator="Analista Pérez",
        )  # fmt: skip
        application = FundingApplication.objects.create(
            project=project, source=fril, submitted_on=day, amount_requested=80_000_000,
            notes="NOTA-POSTULACION-INTERNA",
        )  # fmt: skip
        ApplicationNote.objects.create(
            application=application, kind="observacion", date=day, text="TEXTO-OBS-FONDO"
        )
        ProgressReport.objects.create(
            project=project, date=day, percent=2, comment="COMENTARIO-AVANCE-INTERNO"
        )
        plan = Plan.objects.create(
            name="PLADECO 2024-2029", start_year=2024, end_year=2029, status=Plan.Status.CURRENT
        )
        node = PlanNode.objects.create(plan=plan, code="1", name="Eje espacios públicos")
        initiative = Initiative.objects.create(
            plan=plan, node=node, code="1.1", name="Recuperación de plazas", directorate=secpla,
            indicator_name="Plazas",
        )  # fmt: skip
        draft = Plan.objects.create(name="Borrador", start_year=2030, end_year=2035)
        draft_node = PlanNode.objects.create(plan=draft, code="9", name="Eje borrador")
        hidden = Initiative.objects.create(
            plan=draft, node=draft_node, code="9.1", name="INICIATIVA-BORRADOR",
            directorate=secpla, indicator_name="x",
        )  # fmt: skip
    project.initiatives.add(initiative, hidden)
    formulating = make_project("PRY-FORM", secpla, name="PROYECTO-EN-FORMULACION")
    withdrawn = make_project("PRY-DES", secpla, status=Status.WITHDRAWN, name="PROYECTO-DESISTIDO")
    return {"project": project, "formulating": formulating, "withdrawn": withdrawn}


SECRETS = [
    "Valentina",
    "Zapata Quiroga",
    "vzapata@muni.example",
    "DESCRIPCION-INTERNA-XYZ",
    "Comentario interno de creación",
    "COMENTARIO-ESTADO-SECRETO",
    "OBSERVACION-RATE-RESERVADA",
    "Analista Pérez",
    "NOTA-POSTULACION-INTERNA",
    "TEXTO-OBS-FONDO",
    "COMENTARIO-AVANCE-INTERNO",
    "INICIATIVA-BORRADOR",
    "PROYECTO-EN-FORMULACION",
    "PROYECTO-DESISTIDO",
]


def _main(body: str) -> str:
    """The page's own content (a logged-in visitor also gets the intranet's menu)."""
    return body.split("<main", 1)[1].split("</main>", 1)[0] if "<main" in body else body


def _public_pages(client):
    return {
        name: _main(client.get(reverse(name)).content.decode())
        for name in ("projects:public_portfolio", "projects:public_map", "projects:public_geojson")
    } | {
        "download": client.get(reverse("projects:public_geojson") + "?descargar=1").content.decode()
    }


@pytest.mark.parametrize("who", ["anonymous", "director"])
def test_public_pages_show_no_personal_data_nor_internal_notes(
    who, public_world, personas, client, client_as
):
    project = public_world["project"]
    browser = client if who == "anonymous" else client_as(personas.director)
    pages = _public_pages(browser)
    for name, body in pages.items():
        if name != "projects:public_map":  # the map page draws the GeoJSON in the browser
            assert "Mejoramiento Plaza de Armas" in body, name
        for secret in SECRETS:
            assert secret not in body, f"{secret!r} appears in {name}"
        # No links into the intranet: the project page, documents, the API.
        assert project.get_absolute_url() not in body, name
        assert "/documentos/" not in body and "/api/" not in body, name
    portfolio = pages["projects:public_portfolio"]
    assert "40024120-0" in portfolio
    assert "Recuperación de plazas" in portfolio
    assert "Postulado" in portfolio and "Bulnes urbano" in portfolio
    assert "$ 80.000.000" in portfolio and "$ 100.000.000" in portfolio


def test_public_geojson_has_only_public_properties(public_world, client):
    response = client.get(reverse("projects:public_geojson"))
    found = features(response)
    assert [f["id"] for f in found] == [public_world["project"].code]
    props = found[0]["properties"]
    assert set(props) == {
        "code", "name", "kind", "stage", "status", "status_code", "territory", "bip_code",
        "funding_by_source", "total_funding", "initiatives", "url", "color",
    }  # fmt: skip
    assert props["funding_by_source"] == {"FNDR": 20_000_000, "FRIL": 80_000_000}
    assert props["total_funding"] == 100_000_000
    assert props["initiatives"] == ["Recuperación de plazas"]
    assert props["url"].startswith(reverse("projects:public_portfolio"))
    assert found[0]["geometry"] == SQUARE


def test_public_portfolio_totals_by_source_and_status(public_world, secpla, client):
    other = make_project("PRY-EJE", secpla, status=Status.EXECUTING, location=None)
    fril = FundingSource.objects.get(code="FRIL")
    with audit_context(source="test"):
        FundingLine.objects.create(project=other, source=fril, year=2026, amount=5_000_000)
    response = client.get(reverse("projects:public_portfolio"))
    totals = response.context["totals"]
    by_source = {row["source__code"]: row["amount"] for row in totals["by_source"]}
    assert by_source == {"FRIL": 85_000_000, "FNDR": 20_000_000}
    by_status = {row["status"]: row["projects"] for row in totals["by_status"]}
    assert by_status["postulado"] == 1 and by_status["ejecucion"] == 1
    assert by_status["formulacion"] == 0 and by_status["desistido"] == 0
    html = response.content.decode()
    assert "$ 105.000.000" in html
    assert "En formulación" not in html.split('data-testid="totals-status"')[1].split("</table>")[0]


def test_public_filters_refuse_unpublished_statuses_without_error(public_world, client):
    url = reverse("projects:public_portfolio")
    response = client.get(url + "?status=formulacion")
    assert response.status_code == 200
    assert response.context["rows"] == []
    assert "PROYECTO-EN-FORMULACION" not in response.content.decode()
    choices = dict(response.context["filter"].form.fields["status"].choices)
    assert "formulacion" not in choices and "desistido" not in choices
    assert "directorate" not in response.context["filter"].form.fields
    ok = client.get(url + "?status=postulado&q=plaza")
    assert [row["code"] for row in ok.context["rows"]] == [public_world["project"].code]
    # The search does not look into internal fields.
    assert client.get(url + "?q=DESCRIPCION-INTERNA").context["rows"] == []
    geo = client.get(reverse("projects:public_geojson") + "?status=desistido")
    assert features(geo) == []


def test_public_map_page(public_world, client):
    response = client.get(reverse("projects:public_map"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-geojson-url="/publico/cartera/mapa.geojson"' in html
    assert 'data-public="1"' in html
    assert "/publico/cartera/mapa.geojson?descargar=1" in html
    assert "1 de 1 proyecto con ubicación" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert " style=" not in html
