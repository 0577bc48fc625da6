"""Communal policies and the participation behind the plan: screens, API, validation,
permissions, documents and the change log of their links to the plan's objectives."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from secpla.core.audit import audit_context
from secpla.core.models import ChangeLogEntry, Document
from secpla.planning.models import ParticipationActivity, Plan, PlanNode, Policy

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
POLICIES_API = "/api/v1/planning/policies/"
ACTIVITIES_API = "/api/v1/planning/participation-activities/"


@pytest.fixture
def plan(personas):
    with audit_context(source="test"):
        return Plan.objects.create(
            name="REG PLADECO 2025-2028", start_year=2025, end_year=2028, status="elaboracion"
        )


@pytest.fixture
def axis(plan):
    with audit_context(source="test"):
        return PlanNode.objects.create(plan=plan, code="REG1", name="REG Desarrollo social")


@pytest.fixture
def objective(plan, axis):
    with audit_context(source="test"):
        return PlanNode.objects.create(
            plan=plan, parent=axis, code="REG1.1", name="REG Más espacios deportivos"
        )


def entries_for(obj) -> list[ChangeLogEntry]:
    return list(
        ChangeLogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(type(obj)), object_id=str(obj.pk)
        ).order_by("id")
    )


def make_policy(**values) -> Policy:
    data = {"name": "REG Política de deportes", "area": "Deportes", **values}
    with audit_context(source="test"):
        return Policy.objects.create(**data)


def make_activity(plan, **values) -> ParticipationActivity:
    data = {
        "plan": plan,
        "kind": "cabildo",
        "name": "REG Cabildo",
        "date": dt.date(2025, 4, 10),
        "participants": 10,
        **values,
    }
    with audit_context(source="test"):
        return ParticipationActivity.objects.create(**data)


def errors_text(response) -> str:
    return str(response.json())


# --------------------------------------------------------------------------------------
# Policies on screen
# --------------------------------------------------------------------------------------


def policy_form(**values) -> dict:
    return {
        "name": "REG Política comunal de deportes",
        "area": "Deportes",
        "status": "propuesta",
        "approval_decree": "",
        "approval_date": "",
        "description": "",
        "change_reason": "",
        **values,
    }


def test_estudios_creates_a_policy_with_its_objectives_and_the_page_links_them(
    personas, client_as, axis, objective
):
    client = client_as(personas.estudios)
    response = client.post(
        reverse("planning:policy_create"),
        policy_form(
            status="aprobada",
            approval_decree="D.A. 2.345",
            approval_date="2025-06-30",
            objectives=[axis.pk, objective.pk],
        ),
    )
    assert response.status_code == 302, response.content.decode()
    policy = Policy.objects.get(name="REG Política comunal de deportes")
    assert response["Location"] == policy.get_absolute_url()
    assert set(policy.objectives.all()) == {axis, objective}

    html = client.get(policy.get_absolute_url()).content.decode()
    assert "Objetivos del plan que sirve" in html
    assert f'href="{objective.get_absolute_url()}"' in html
    assert "REG1.1" in html and "REG Más espacios deportivos" in html
    assert "Objetivo estratégico" in html  # the element's level, named by the plan
    assert "30-06-2025" in html and "D.A. 2.345" in html and "Aprobada" in html


def test_changing_only_the_objectives_on_screen_leaves_one_log_entry(
    personas, client_as, axis, objective
):
    policy = make_policy()
    policy.objectives.set([axis])
    before = len(entries_for(policy))
    client = client_as(personas.director)
    response = client.post(
        reverse("planning:policy_edit", args=[policy.pk]),
        policy_form(
            name=policy.name, objectives=[objective.pk], change_reason="ajuste a la matriz"
        ),
    )
    assert response.status_code == 302, response.content.decode()
    [entry] = entries_for(policy)[before:]
    assert entry.action == "update" and entry.user == personas.director
    assert entry.before == {"objectives": [axis.pk]}
    assert entry.after == {"objectives": [objective.pk]}
    assert entry.reason == "ajuste a la matriz"
    assert list(policy.objectives.all()) == [objective]

    history = client.get(policy.get_absolute_url() + "?tab=historial").content.decode()
    assert "ajuste a la matriz" in history


def test_an_approved_policy_without_decree_is_rejected_in_spanish(personas, client_as):
    response = client_as(personas.estudios).post(
        reverse("planning:policy_create"), policy_form(status="aprobada")
    )
    assert response.status_code == 200
    assert "Una política aprobada lleva su decreto de aprobación." in response.content.decode()
    assert not Policy.objects.exists()


def test_the_policy_list_filters_by_status_and_area(personas, client_as):
    make_policy(name="REG Deportes aprobada", status="aprobada", approval_decree="D.A. 1")
    make_policy(name="REG Deportes propuesta", status="propuesta")
    make_policy(name="REG Medio ambiente", area="Medio ambiente", status="aprobada",
                approval_decree="D.A. 2")  # fmt: skip
    client = client_as(personas.concejala)
    url = reverse("planning:policy_list")

    body = client.get(url, {"status": "aprobada"}).content.decode().split("<tbody>")[1]
    assert "REG Deportes aprobada" in body and "REG Medio ambiente" in body
    assert "REG Deportes propuesta" not in body

    body = client.get(url, {"status": "aprobada", "area": "Deportes"}).content.decode()
    body = body.split("<tbody>")[1]
    assert "REG Deportes aprobada" in body
    assert "REG Medio ambiente" not in body and "REG Deportes propuesta" not in body


def test_the_policy_export_has_the_list_columns(personas, client_as, axis, objective):
    policy = make_policy(status="aprobada", approval_decree="D.A. 77")
    policy.objectives.set([axis, objective])
    export = client_as(personas.alcaldesa).get(reverse("planning:policy_list"), {"export": "csv"})
    lines = export.content.decode("utf-8-sig").strip().splitlines()
    assert lines[0] == (
        "Nombre,Área,Estado,Decreto de aprobación,Fecha de aprobación,Objetivos del plan"
    )
    assert lines[1] == "REG Política de deportes,Deportes,Aprobada,D.A. 77,,2"


# --------------------------------------------------------------------------------------
# Participation on screen
# --------------------------------------------------------------------------------------


def activity_form(plan, **values) -> dict:
    return {
        "plan": plan.pk,
        "kind": "cabildo",
        "name": "REG Cabildo sector norte",
        "date": "2025-04-12",
        "territory": "Sector norte",
        "participants": "85",
        "description": "",
        "change_reason": "",
        **values,
    }


def test_estudios_records_an_activity_with_the_elements_it_informed(
    personas, client_as, plan, axis, objective
):
    client = client_as(personas.estudios)
    response = client.post(
        reverse("planning:participationactivity_create"),
        activity_form(plan, objectives=[objective.pk]),
    )
    assert response.status_code == 302, response.content.decode()
    activity = ParticipationActivity.objects.get()
    assert (activity.date, activity.participants) == (dt.date(2025, 4, 12), 85)
    assert list(activity.objectives.all()) == [objective]
    html = client.get(activity.get_absolute_url()).content.decode()
    assert "Elementos del plan que informó" in html
    assert f'href="{objective.get_absolute_url()}"' in html
    assert "12-04-2025" in html and "Sector norte" in html

    # Editing it: the participants change and the objectives change, each logged once.
    response = client.post(
        reverse("planning:participationactivity_edit", args=[activity.pk]),
        activity_form(plan, participants="90", objectives=[axis.pk, objective.pk]),
    )
    assert response.status_code == 302, response.content.decode()
    # Creating: the record, then its links (one entry); editing: the fields, then the links.
    created, first_links, updated, linked = entries_for(activity)
    assert [e.action for e in (created, first_links, updated, linked)] == [
        "create", "update", "update", "update",
    ]  # fmt: skip
    assert first_links.after == {"objectives": [objective.pk]}
    assert (updated.before["participants"], updated.after["participants"]) == (85, 90)
    assert created.after["name"] == "REG Cabildo sector norte"
    assert linked.after == {"objectives": sorted([axis.pk, objective.pk])}


def test_a_future_activity_is_rejected_in_spanish(personas, client_as, plan):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = client_as(personas.estudios).post(
        reverse("planning:participationactivity_create"),
        activity_form(plan, date=tomorrow.isoformat()),
    )
    assert response.status_code == 200
    assert "Registre las actividades ya realizadas." in response.content.decode()
    assert not ParticipationActivity.objects.exists()


def test_the_participation_list_totals_the_participants_of_the_filtered_rows(
    personas, client_as, plan, axis, objective
):
    north = make_activity(plan, name="REG Cabildo norte", participants=1200)
    south = make_activity(plan, name="REG Cabildo sur", participants=35)
    make_activity(plan, name="REG Encuesta web", kind="encuesta", participants=4000)
    north.objectives.set([axis, objective])
    south.objectives.set([axis])
    client = client_as(personas.concejala)
    url = reverse("planning:participationactivity_list")

    def summary(params):
        html = client.get(url, params).content.decode()
        return html.split('data-testid="participation-summary"')[1].split("</div>")[0]

    rows = client.get(url).content.decode().split("<tbody>")[1]
    assert "<td>1.200</td>" in rows  # the list shows 1.200; the export keeps 1200
    everything = summary({})
    assert "5.235" in everything and "3 actividades" in everything
    cabildos = summary({"kind": "cabildo"})
    assert "1.235" in cabildos and "2 actividades" in cabildos
    # A filter through the objectives does not count an activity twice.
    informed = summary({"objectives": [axis.pk, objective.pk]})
    assert "1.235" in informed and "2 actividades" in informed
    nothing = summary({"date_from": "2030-01-01"})
    assert ">0</strong>" in nothing and "0 actividades" in nothing


def test_the_participation_export_has_the_list_columns(personas, client_as, plan, axis):
    activity = make_activity(plan, name="REG Sesión COSOC", kind="cosoc", participants=18,
                             territory="Comunal")  # fmt: skip
    activity.objectives.set([axis])
    make_activity(plan, name="REG Otra", kind="taller")
    export = client_as(personas.director).get(
        reverse("planning:participationactivity_list"), {"kind": "cosoc", "export": "csv"}
    )
    lines = export.content.decode("utf-8-sig").strip().splitlines()
    assert lines[0] == "Fecha,Nombre,Tipo,Territorio,Participantes,Elementos del plan,PLADECO"
    assert lines == [lines[0], f"2025-04-10,REG Sesión COSOC,Sesión del COSOC,Comunal,18,1,{plan}"]


# --------------------------------------------------------------------------------------
# API
# --------------------------------------------------------------------------------------


def test_the_api_creates_a_policy_with_objectives_by_id_and_logs_a_change_once(
    personas, client_as, axis, objective
):
    client = client_as(personas.estudios)
    response = client.post(
        POLICIES_API,
        {"name": "REG Política de cultura", "area": "Cultura", "objectives": [axis.pk]},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    policy = Policy.objects.get(pk=response.json()["id"])
    assert response.json()["objectives"] == [axis.pk]
    assert list(policy.objectives.all()) == [axis]

    before = len(entries_for(policy))
    patched = client.patch(
        f"{POLICIES_API}{policy.pk}/",
        {"objectives": [axis.pk, objective.pk]},
        content_type="application/json",
        HTTP_X_CHANGE_REASON="por API",
    )
    assert patched.status_code == 200, patched.content
    assert sorted(patched.json()["objectives"]) == sorted([axis.pk, objective.pk])
    [entry] = entries_for(policy)[before:]
    assert entry.after == {"objectives": sorted([axis.pk, objective.pk])}
    assert (entry.user, entry.source, entry.reason) == (personas.estudios, "api", "por API")

    cleared = client.patch(
        f"{POLICIES_API}{policy.pk}/", {"objectives": []}, content_type="application/json"
    )
    assert cleared.status_code == 200 and cleared.json()["objectives"] == []
    assert not policy.objectives.exists()


def test_the_api_filters_policies_by_status_area_and_objective(
    personas, client_as, axis, objective
):
    served = make_policy(name="REG A", status="aprobada", approval_decree="D.A. 5")
    served.objectives.set([objective])
    make_policy(name="REG B", status="propuesta")
    make_policy(name="REG C", area="Cultura", status="aprobada", approval_decree="D.A. 6")
    client = client_as(personas.enlace_dideco)

    def names(params):
        response = client.get(POLICIES_API, params)
        assert response.status_code == 200
        return sorted(row["name"] for row in response.json()["results"])

    assert names({"status": "aprobada"}) == ["REG A", "REG C"]
    assert names({"status": "aprobada", "area": "Deportes"}) == ["REG A"]
    assert names({"objectives": objective.pk}) == ["REG A"]


def test_the_api_rejects_an_approved_policy_without_decree_and_an_unknown_objective(
    personas, client_as, axis
):
    client = client_as(personas.director)
    no_decree = client.post(
        POLICIES_API,
        {"name": "REG X", "area": "Salud", "status": "aprobada"},
        content_type="application/json",
    )
    assert no_decree.status_code == 400
    assert "Una política aprobada lleva su decreto de aprobación." in errors_text(no_decree)
    unknown = client.post(
        POLICIES_API,
        {"name": "REG Y", "area": "Salud", "objectives": [axis.pk + 999]},
        content_type="application/json",
    )
    assert unknown.status_code == 400
    assert "objeto no existe" in str(unknown.json()["objectives"])
    assert not Policy.objects.exists()


def test_the_api_records_an_activity_and_filters_it(personas, client_as, plan, axis):
    client = client_as(personas.director)
    response = client.post(
        ACTIVITIES_API,
        {
            "plan": plan.pk, "kind": "encuesta", "name": "REG Encuesta PLADECO",
            "date": "2025-03-01", "territory": "Comunal", "participants": 640,
            "objectives": [axis.pk],
        },
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    activity = ParticipationActivity.objects.get()
    assert list(activity.objectives.all()) == [axis]
    make_activity(plan, name="REG Taller", kind="taller", date=dt.date(2025, 8, 1))

    listing = client.get(ACTIVITIES_API, {"kind": "encuesta"}).json()["results"]
    assert [row["name"] for row in listing] == ["REG Encuesta PLADECO"]
    assert listing[0]["objectives"] == [axis.pk] and listing[0]["participants"] == 640
    later = client.get(ACTIVITIES_API, {"date_from": "2025-06-01"}).json()["results"]
    assert [row["name"] for row in later] == ["REG Taller"]


def test_the_api_rejects_negative_participants_and_future_dates(personas, client_as, plan):
    client = client_as(personas.estudios)
    data = {"plan": plan.pk, "kind": "cabildo", "name": "REG Cabildo", "date": "2025-03-01"}
    negative = client.post(
        ACTIVITIES_API, {**data, "participants": -3}, content_type="application/json"
    )
    assert negative.status_code == 400
    assert "participants" in negative.json()
    assert "mayor o igual a 0" in errors_text(negative)
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    in_future = client.post(
        ACTIVITIES_API, {**data, "date": future}, content_type="application/json"
    )
    assert in_future.status_code == 400
    assert "Registre las actividades ya realizadas." in errors_text(in_future)
    assert not ParticipationActivity.objects.exists()


# --------------------------------------------------------------------------------------
# Permissions and documents
# --------------------------------------------------------------------------------------


def test_a_concejala_reads_but_cannot_write(personas, client_as, plan, axis):
    policy = make_policy()
    activity = make_activity(plan)
    logged = ChangeLogEntry.objects.count()
    client = client_as(personas.concejala)
    assert client.get(reverse("planning:policy_list")).status_code == 200
    assert client.get(policy.get_absolute_url()).status_code == 200
    assert client.get(activity.get_absolute_url()).status_code == 200
    list_html = client.get(reverse("planning:policy_list")).content.decode()
    assert reverse("planning:policy_create") not in list_html
    detail_html = client.get(policy.get_absolute_url()).content.decode()
    assert reverse("planning:policy_edit", args=[policy.pk]) not in detail_html

    assert client.post(reverse("planning:policy_create"), policy_form()).status_code == 403
    edit = client.post(
        reverse("planning:policy_edit", args=[policy.pk]),
        policy_form(name="REG cambiada", objectives=[axis.pk]),
    )
    assert edit.status_code == 403
    assert client.post(reverse("planning:policy_delete", args=[policy.pk])).status_code == 403
    assert (
        client.post(
            reverse("planning:participationactivity_edit", args=[activity.pk]),
            activity_form(plan, participants="1"),
        ).status_code
        == 403
    )

    assert client.get(POLICIES_API).status_code == 200
    api_post = client.post(
        POLICIES_API, {"name": "REG Z", "area": "Z"}, content_type="application/json"
    )
    assert api_post.status_code == 403
    api_patch = client.patch(
        f"{ACTIVITIES_API}{activity.pk}/",
        {"objectives": [axis.pk]},
        content_type="application/json",
    )
    assert api_patch.status_code == 403

    policy.refresh_from_db()
    assert policy.name == "REG Política de deportes" and not policy.objectives.exists()
    assert not activity.objectives.exists() and Policy.objects.count() == 1
    assert ChangeLogEntry.objects.count() == logged


def test_the_system_administrator_and_an_account_without_role_see_nothing(
    personas, client_as, plan
):
    policy = make_policy()
    for user in (personas.admin, personas.sin_rol):
        client = client_as(user)
        assert client.get(reverse("planning:policy_list")).status_code == 403
        assert client.get(policy.get_absolute_url()).status_code == 404
        assert client.get(POLICIES_API).status_code == 403


def upload_url(obj) -> str:
    return reverse(
        "core:document_upload", args=[ContentType.objects.get_for_model(type(obj)).pk, obj.pk]
    )


def test_estudios_attaches_the_decree_and_the_minutes(personas, client_as, plan, media):
    policy = make_policy(status="aprobada", approval_decree="D.A. 900")
    activity = make_activity(plan)
    client = client_as(personas.estudios)
    for target, title, kind in (
        (policy, "Decreto D.A. 900", "decreto"),
        (activity, "Acta del cabildo", "acta"),
    ):
        response = client.post(
            upload_url(target),
            {"title": title, "kind": kind, "file": SimpleUploadedFile("doc.pdf", PDF)},
        )
        assert response.status_code == 302, response.content.decode()
        assert response["Location"] == target.get_absolute_url() + "?tab=documentos"
        tab = client_as(personas.concejala).get(target.get_absolute_url() + "?tab=documentos")
        assert title in tab.content.decode()
    assert Document.objects.count() == 2

    refused = client_as(personas.concejala).post(
        upload_url(policy),
        {"title": "x", "kind": "otro", "file": SimpleUploadedFile("x.pdf", PDF)},
    )
    assert refused.status_code == 403
    assert Document.objects.count() == 2


def test_the_history_names_the_linked_elements(personas, client_as, axis, objective):
    policy = make_policy()
    client = client_as(personas.director)
    client.post(
        reverse("planning:policy_edit", args=[policy.pk]),
        policy_form(name=policy.name, objectives=[axis.pk, objective.pk]),
    )
    history = client.get(policy.get_absolute_url() + "?tab=historial").content.decode()
    assert "objetivos del plan que sirve" in history.lower()
    assert "REG1 REG Desarrollo social; REG1.1 REG Más espacios deportivos" in history


def test_an_activity_cannot_inform_elements_of_another_plan(personas, client_as, plan, axis):
    with audit_context(source="test"):
        other = Plan.objects.create(name="REG Otro", start_year=2030, end_year=2034)
        foreign = PlanNode.objects.create(plan=other, code="X1", name="REG Ajeno")
    client = client_as(personas.estudios)
    response = client.post(
        reverse("planning:participationactivity_create"),
        activity_form(plan, objectives=[axis.pk, foreign.pk]),
    )
    assert response.status_code == 200
    assert "son de otro PLADECO: X1 REG Ajeno" in response.content.decode()
    api = client.post(
        ACTIVITIES_API,
        {**activity_form(plan), "objectives": [foreign.pk]},
        content_type="application/json",
    )
    assert api.status_code == 400 and "otro PLADECO" in api.content.decode()
    assert not ParticipationActivity.objects.exists()


def test_the_plan_element_page_lists_its_policies_and_participation(
    personas, client_as, plan, objective
):
    policy = make_policy(name="REG Política de deportes")
    policy.objectives.set([objective])
    activity = make_activity(plan, name="REG Cabildo de deportes")
    activity.objectives.set([objective])
    page = client_as(personas.concejala).get(objective.get_absolute_url()).content.decode()
    assert "Políticas comunales que lo sirven" in page and "REG Política de deportes" in page
    assert "Participación que lo informó" in page and "REG Cabildo de deportes" in page
