"""The PLADECO: structure rules, the timeline, the tree (screen and API), evaluations
and the public page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from secpla.core.audit import audit_context
from secpla.core.models import Directorate
from secpla.planning import services
from secpla.planning.models import (
    Evaluation,
    Initiative,
    InitiativeStatus,
    Plan,
    PlanNode,
)
from secpla.planning.selectors import compare_evaluations, plan_tree

D = Decimal


@pytest.fixture
def plan(personas):
    """Two ejes; the first with two weighted objectives; initiatives of SECPLA and DIDECO."""
    secpla = Directorate.objects.get(code="SECPLA")
    dideco = Directorate.objects.get(code="DIDECO")
    director = personas.director
    with audit_context(source="test"):
        plan = Plan.objects.create(
            name="PLADECO Test", start_year=2024, end_year=2029, status=Plan.Status.CURRENT
        )
        social = PlanNode.objects.create(plan=plan, code="1", name="Desarrollo social")
        obj_a = PlanNode.objects.create(
            plan=plan, parent=social, code="1.1", name="Vivienda", weight=D(3)
        )
        obj_b = PlanNode.objects.create(
            plan=plan, parent=social, code="1.2", name="Salud", weight=D(1)
        )
        PlanNode.objects.create(plan=plan, code="2", name="Medio ambiente")

    def initiative(node, code, directorate, progress=None, **extra):
        return services.initiative_save(
            actor=director,
            initiative=Initiative(
                plan=plan,
                node=node,
                code=code,
                name=f"Iniciativa {code}",
                directorate=directorate,
                progress=progress,
                **extra,
            ),
            date=dt.date(2025, 1, 10),
        )

    initiative(obj_a, "1.1.1", secpla, D(40))
    initiative(obj_a, "1.1.2", dideco, D(80))
    initiative(obj_b, "1.2.1", dideco)  # sin información
    return plan


def codes(rows):
    return [row.code for row in rows]


# --- structure --------------------------------------------------------------------------


def test_a_pladeco_covers_at_least_four_years(personas):
    plan = Plan(name="Corto", start_year=2025, end_year=2027)
    with pytest.raises(ValidationError) as error:
        plan.full_clean()
    assert "al menos cuatro años" in str(error.value)


def test_only_one_plan_is_current_and_activating_closes_the_previous(plan, personas):
    with audit_context(source="test"):
        new = Plan.objects.create(name="Siguiente", start_year=2030, end_year=2035)
    services.plan_activate(actor=personas.director, plan=new)
    plan.refresh_from_db()
    assert (plan.status, Plan.objects.get(pk=new.pk).status) == ("cerrado", "vigente")
    duplicate = Plan(name="Otro", start_year=2030, end_year=2034, status="vigente")
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert "Ya hay un PLADECO vigente" in str(error.value)


def test_an_element_cannot_go_deeper_than_the_plans_levels(plan):
    leaf = PlanNode.objects.get(plan=plan, code="1.1")
    third = PlanNode(plan=plan, parent=leaf, code="1.1.a", name="Lineamiento")
    third.full_clean()  # level 3 of 3: fine
    third.save()
    fourth = PlanNode(plan=plan, parent=third, code="1.1.a.i", name="Demasiado hondo")
    with pytest.raises(ValidationError) as error:
        fourth.full_clean()
    assert "3 niveles" in str(error.value)


def test_a_plan_cannot_drop_levels_that_are_in_use(plan):
    plan.level_names = "Eje"
    with pytest.raises(ValidationError) as error:
        plan.full_clean()
    assert "no puede tener menos niveles" in str(error.value)


def test_an_element_cannot_depend_on_itself(plan):
    eje = PlanNode.objects.get(plan=plan, code="1")
    eje.parent = PlanNode.objects.get(plan=plan, code="1.1")
    with pytest.raises(ValidationError) as error:
        eje.full_clean()
    assert "sí mismo" in str(error.value)


# --- timeline and statuses -------------------------------------------------------------


def test_a_status_brings_its_default_progress_and_leaves_a_timeline_step(plan, personas):
    initiative = Initiative.objects.get(code="1.2.1")
    initiative.status = InitiativeStatus.objects.get(name="Terminada")
    services.initiative_save(actor=personas.director, initiative=initiative, reason="Entregado")
    initiative.refresh_from_db()
    assert initiative.progress == D(100)
    last = initiative.status_changes.last()
    assert (last.status.name, last.progress, last.comment) == ("Terminada", D(100), "Entregado")


def test_an_explicit_progress_wins_over_the_status_default(plan, personas):
    initiative = Initiative.objects.get(code="1.1.1")
    services.initiative_report_progress(
        actor=personas.director,
        initiative=initiative,
        status=InitiativeStatus.objects.get(name="En ejecución"),
        progress=D(65),
        date=dt.date(2026, 3, 1),
        comment="Obra gruesa terminada",
    )
    initiative.refresh_from_db()
    assert initiative.progress == D(65)


def test_a_save_without_status_or_progress_change_adds_no_step(plan, personas):
    initiative = Initiative.objects.get(code="1.1.1")
    steps = initiative.status_changes.count()
    initiative.name = "Nuevo nombre"
    services.initiative_save(actor=personas.director, initiative=initiative)
    assert initiative.status_changes.count() == steps


def test_a_liaison_reports_progress_only_on_its_directorates_initiatives(plan, personas, client_as):
    client = client_as(personas.enlace_dideco)
    own = Initiative.objects.get(code="1.1.2")
    other = Initiative.objects.get(code="1.1.1")
    status = InitiativeStatus.objects.get(name="En ejecución")
    data = {"status": status.pk, "progress": "", "date": "2026-05-04", "comment": "Avance"}
    response = client.post(reverse("planning:initiative_report", args=[own.pk]), data)
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.progress == D(50)  # the status' default progress
    assert (
        client.post(reverse("planning:initiative_report", args=[other.pk]), data).status_code == 403
    )
    page = client.get(own.get_absolute_url() + "?tab=avance").content.decode()
    assert "04-05-2026" in page and "Avance" in page


def test_a_progress_report_in_the_future_is_refused_in_spanish(plan, personas, client_as):
    own = Initiative.objects.get(code="1.1.1")
    response = client_as(personas.estudios).post(
        reverse("planning:initiative_report", args=[own.pk]),
        {"status": "", "progress": "10", "date": "2099-01-01", "comment": "x"},
    )
    assert response.status_code == 200
    assert "no puede ser futura" in response.content.decode()


def test_progress_outside_zero_to_hundred_is_refused(plan, personas, client_as):
    own = Initiative.objects.get(code="1.1.1")
    response = client_as(personas.estudios).post(
        reverse("planning:initiative_report", args=[own.pk]),
        {"status": "", "progress": "120", "date": "2026-01-01", "comment": "x"},
    )
    assert response.status_code == 200
    assert "100" in response.content.decode()
    own.refresh_from_db()
    assert own.progress == D(40)


# --- the tree -----------------------------------------------------------------------------


def test_the_tree_rolls_up_with_weights_and_leaves_empty_branches_without_information(plan):
    roots = plan_tree(plan)
    social, environment = roots
    vivienda, salud = social.children
    assert vivienda.progress == D(60)  # (40 + 80) / 2
    assert salud.progress is None  # its only initiative has no information
    # Salud has no information, so only Vivienda counts (its weight alone).
    assert social.progress == D(60)
    assert environment.progress is None and environment.total == 0


def test_a_discarded_initiative_is_shown_but_not_counted(plan, personas):
    initiative = Initiative.objects.get(code="1.1.1")  # 40 %
    initiative.status = InitiativeStatus.objects.get(name="Descartada")
    services.initiative_save(actor=personas.director, initiative=initiative)
    vivienda = plan_tree(plan)[0].children[0]
    assert vivienda.progress == D(80)  # only 1.1.2 counts now
    assert vivienda.children[0].progress == D(40) and vivienda.children[0].excluded


def test_filters_keep_only_matching_initiatives_and_their_branches(plan):
    dideco = Directorate.objects.get(code="DIDECO")
    from secpla.planning.selectors import TreeFilter

    roots = plan_tree(plan, TreeFilter(directorate=dideco.pk))
    assert codes(roots) == ["1"]
    assert [c.code for c in roots[0].children[0].children] == ["1.1.2"]
    assert roots[0].progress == D(80)


def test_the_tree_api_returns_nested_nodes(plan, personas, client_as):
    response = client_as(personas.concejala).get(f"/api/v1/planning/plans/{plan.pk}/tree/")
    assert response.status_code == 200
    data = response.json()
    social = data["children"][0]
    assert {"code", "name", "level", "progress", "children"} <= set(social)
    assert (social["code"], social["level"], social["progress"]) == ("1", "Eje estratégico", 60.0)
    salud = social["children"][1]
    assert salud["progress"] is None
    assert salud["children"][0]["progress"] is None
    assert salud["children"][0]["is_initiative"] is True
    assert data["progress"] == 60.0


def test_the_tree_api_rejects_a_bad_filter_in_spanish(plan, personas, client_as):
    response = client_as(personas.director).get(
        f"/api/v1/planning/plans/{plan.pk}/tree/?year=dos-mil"
    )
    assert response.status_code == 400
    assert "número entero" in response.content.decode()


def test_the_plan_page_shows_the_tree_with_filters(plan, personas, client_as):
    dideco = Directorate.objects.get(code="DIDECO")
    client = client_as(personas.alcaldesa)
    page = client.get(plan.get_absolute_url()).content.decode()
    assert "Iniciativa 1.1.1" in page and "sin información" in page
    filtered = client.get(plan.get_absolute_url() + f"?directorate={dideco.pk}").content.decode()
    assert "Iniciativa 1.1.2" in filtered and "Iniciativa 1.1.1" not in filtered
    dashboard = client.get(reverse("planning:plan_dashboard", args=[plan.pk])).content.decode()
    assert "DIDECO" in dashboard and "60 %" in dashboard


# --- evaluations --------------------------------------------------------------------------


def evaluate(plan, personas, as_of, name="Evaluación"):
    return services.evaluation_create(
        actor=personas.director, evaluation=Evaluation(plan=plan, name=name, as_of=as_of)
    )


def test_an_evaluation_freezes_progress_as_of_its_cut_off_date(plan, personas):
    initiative = Initiative.objects.get(code="1.1.1")
    services.initiative_report_progress(
        actor=personas.director, initiative=initiative, status=None, progress=D(90),
        date=dt.date(2026, 8, 1), comment="Después del corte",
    )  # fmt: skip
    evaluation = evaluate(plan, personas, dt.date(2026, 6, 30))
    item = evaluation.items.get(code="1.1.1", is_initiative=True)
    assert item.progress == D(40)  # the report of 01-08-2026 is after the cut-off
    assert evaluation.items.get(code="1", is_initiative=False).progress == D(60)


def test_a_frozen_evaluation_does_not_move_when_the_plan_changes(plan, personas):
    evaluation = evaluate(plan, personas, dt.date(2026, 6, 30))
    before = list(evaluation.items.values_list("code", "name", "progress", "status_name"))
    initiative = Initiative.objects.get(code="1.1.1")
    services.initiative_report_progress(
        actor=personas.director, initiative=initiative,
        status=InitiativeStatus.objects.get(name="Terminada"), progress=None,
        date=dt.date(2026, 6, 1), comment="Registro tardío con fecha anterior al corte",
    )  # fmt: skip
    initiative.name = "Renombrada"
    services.initiative_save(actor=personas.director, initiative=initiative)
    node = PlanNode.objects.get(plan=plan, code="1.1")
    node.weight = D(10)
    node.save()
    after = list(evaluation.items.values_list("code", "name", "progress", "status_name"))
    assert after == before


def test_directorates_comment_their_own_initiatives_until_the_evaluation_closes(
    plan, personas, client_as
):
    evaluation = evaluate(plan, personas, dt.date(2026, 6, 30))
    own = evaluation.items.get(code="1.1.2")
    other = evaluation.items.get(code="1.1.1")
    client = client_as(personas.enlace_dideco)
    url = reverse("planning:evaluation_comment", args=[own.pk])
    assert client.post(url, {"comment": "Retraso por lluvias"}).status_code == 302
    own.refresh_from_db()
    assert own.comment == "Retraso por lluvias"
    other_url = reverse("planning:evaluation_comment", args=[other.pk])
    assert client.post(other_url, {"comment": "x"}).status_code == 403
    with pytest.raises(PermissionDenied):
        services.evaluation_comment(actor=personas.enlace_dom, item=own, comment="ajeno")
    services.evaluation_close(actor=personas.director, evaluation=evaluation)
    with pytest.raises(ValidationError):
        services.evaluation_comment(actor=personas.director, item=own, comment="tarde")
    assert client.get(url).status_code == 403  # closed: no longer editable by anyone


def test_a_closed_evaluation_cannot_be_edited(plan, personas, client_as):
    evaluation = evaluate(plan, personas, dt.date(2026, 6, 30))
    services.evaluation_close(actor=personas.director, evaluation=evaluation)
    client = client_as(personas.director)
    assert client.get(reverse("planning:evaluation_edit", args=[evaluation.pk])).status_code == 403
    response = client.patch(
        f"/api/v1/planning/evaluations/{evaluation.pk}/",
        {"name": "Cambiada"},
        content_type="application/json",
    )
    assert response.status_code == 400


def test_two_evaluations_side_by_side_show_what_moved(plan, personas, client_as):
    first = evaluate(plan, personas, dt.date(2025, 12, 31), "Segundo semestre 2025")
    initiative = Initiative.objects.get(code="1.2.1")
    services.initiative_report_progress(
        actor=personas.director, initiative=initiative, status=None, progress=D(30),
        date=dt.date(2026, 3, 1), comment="Primer avance",
    )  # fmt: skip
    second = evaluate(plan, personas, dt.date(2026, 6, 30), "Primer semestre 2026")
    rows = {row.code: row for row in compare_evaluations(first, second) if row.is_initiative}
    assert (rows["1.2.1"].before, rows["1.2.1"].after, rows["1.2.1"].moved) == (None, D(30), True)
    assert rows["1.1.1"].moved is False
    page = client_as(personas.concejala).get(
        reverse("planning:evaluation_compare", args=[second.pk]) + f"?con={first.pk}&solo_cambios=1"
    )
    text = page.content.decode()
    assert "Iniciativa 1.2.1" in text and "Iniciativa 1.1.1" not in text


def test_an_evaluation_exports_its_frozen_rows(plan, personas, client_as):
    evaluation = evaluate(plan, personas, dt.date(2026, 6, 30))
    response = client_as(personas.concejala).get(evaluation.get_absolute_url() + "?export=xlsx")
    assert response.status_code == 200
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Nivel", "Código", "Nombre")
    assert len(rows) == 1 + evaluation.items.count()


def test_a_future_cut_off_date_is_refused(plan, personas, client_as):
    response = client_as(personas.estudios).post(
        reverse("planning:evaluation_create"),
        {"plan": plan.pk, "name": "Futura", "as_of": "2099-06-30"},
    )
    assert response.status_code == 200
    assert "no puede ser futura" in response.content.decode()
    assert not Evaluation.objects.exists()


# --- the public page ----------------------------------------------------------------------


def test_the_public_page_shows_progress_without_internal_notes(plan, personas, client):
    evaluation = evaluate(plan, personas, dt.date(2026, 6, 30))
    item = evaluation.items.get(code="1.1.2")
    services.evaluation_comment(actor=personas.director, item=item, comment="NOTA INTERNA")
    initiative = Initiative.objects.get(code="1.1.1")
    services.initiative_report_progress(
        actor=personas.director, initiative=initiative, status=None, progress=D(45),
        date=dt.date(2026, 7, 1), comment="COMENTARIO INTERNO",
    )  # fmt: skip
    response = client.get(reverse("planning:public_plan"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "PLADECO Test" in page and "sin información" in page
    for private in ("NOTA INTERNA", "COMENTARIO INTERNO", personas.director.username, "@"):
        assert private not in page
    assert "/pladeco/iniciativas/" not in page  # no links into the intranet


def test_a_plan_in_preparation_is_not_public(personas, client):
    with audit_context(source="test"):
        draft = Plan.objects.create(name="Borrador", start_year=2030, end_year=2034)
    assert client.get(reverse("planning:public_plan_detail", args=[draft.pk])).status_code == 404
    assert client.get(reverse("planning:public_plan")).status_code == 404


def test_a_liaison_reports_but_does_not_replan_its_initiatives(plan, personas, client_as):
    own = Initiative.objects.get(code="1.1.2")  # DIDECO's
    client = client_as(personas.enlace_dideco)
    assert client.get(reverse("planning:initiative_edit", args=[own.pk])).status_code == 403
    response = client.patch(
        f"/api/v1/planning/initiatives/{own.pk}/",
        {"name": "Otro nombre", "progress": "85.0"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert "no puede cambiar: nombre" in response.content.decode()
    own.refresh_from_db()
    assert (own.name, own.progress) == ("Iniciativa 1.1.2", D(80))
    response = client.patch(
        f"/api/v1/planning/initiatives/{own.pk}/",
        {"progress": "85.0"},
        content_type="application/json",
    )
    assert response.status_code == 200
    own.refresh_from_db()
    assert own.progress == D(85) and own.status_changes.last().progress == D(85)


def test_a_liaison_records_what_was_achieved_but_not_the_target(plan, personas, client_as):
    from secpla.planning.models import IndicatorTarget

    own = Initiative.objects.get(code="1.1.2")
    own.indicator_name = "Familias atendidas"
    services.initiative_save(actor=personas.director, initiative=own)
    with audit_context(source="test"):
        target = IndicatorTarget.objects.create(initiative=own, year=2026, target=D(100))
    client = client_as(personas.enlace_dideco)
    url = f"/api/v1/planning/indicator-targets/{target.pk}/"
    refused = client.patch(url, {"target": "50"}, content_type="application/json")
    assert refused.status_code == 403
    accepted = client.patch(url, {"achieved": "64"}, content_type="application/json")
    assert accepted.status_code == 200
    target.refresh_from_db()
    assert (target.target, target.achieved) == (D(100), D(64))
    form = client.get(reverse("planning:indicatortarget_edit", args=[target.pk])).content.decode()
    assert 'name="target"' in form and "disabled" in form


def test_moving_an_element_moves_what_hangs_below_it(plan, personas):
    medio = PlanNode.objects.get(plan=plan, code="2")
    vivienda = PlanNode.objects.get(plan=plan, code="1.1")
    with audit_context(source="test"):
        below = PlanNode.objects.create(plan=plan, parent=vivienda, code="1.1.a", name="L")
    # Vivienda (level 2, with level 3 below) cannot go under another level-2 element.
    vivienda.parent = PlanNode.objects.get(plan=plan, code="1.2")
    with pytest.raises(ValidationError) as error:
        vivienda.full_clean()
    assert "quedarían en el nivel 4" in str(error.value)
    # Under eje 2 it stays at level 2; promoted to an eje, its lineamiento becomes level 2.
    vivienda.parent = medio
    vivienda.full_clean()
    vivienda.parent = None
    vivienda.full_clean()
    vivienda.save()
    below.refresh_from_db()
    assert (vivienda.depth, below.depth) == (0, 1)
    assert [r.code for r in plan_tree(plan)] == ["1", "1.1", "2"]


# --- review fixes ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_reporting_progress_works_outside_a_test_transaction(personas, client_as):
    """select_for_update needs a transaction of its own (PostgreSQL refuses it otherwise)."""
    secpla = Directorate.objects.get(code="SECPLA")
    with audit_context(source="test"):
        plan = Plan.objects.create(name="Transaccional", start_year=2024, end_year=2029)
        node = PlanNode.objects.create(plan=plan, code="T", name="Eje T")
        initiative = Initiative.objects.create(
            plan=plan, node=node, code="T.1", name="T1", directorate=secpla
        )
    response = client_as(personas.estudios).post(
        reverse("planning:initiative_report", args=[initiative.pk]),
        {"status": "", "progress": "15", "date": "2026-02-02", "comment": "Avance"},
    )
    assert response.status_code == 302
    initiative.refresh_from_db()
    assert initiative.progress == D(15)


def test_a_report_with_the_same_status_keeps_the_progress(plan, personas):
    initiative = Initiative.objects.get(code="1.1.1")
    running = InitiativeStatus.objects.get(name="En ejecución")
    report = dict(actor=personas.director, initiative=initiative, comment="c")
    services.initiative_report_progress(
        **report, status=running, progress=D(70), date=dt.date(2026, 1, 5)
    )
    services.initiative_report_progress(
        **report, status=running, progress=None, date=dt.date(2026, 2, 5)
    )
    initiative.refresh_from_db()
    assert initiative.progress == D(70)


def test_a_back_dated_report_joins_the_timeline_without_changing_the_present(
    plan, personas, client_as
):
    initiative = Initiative.objects.get(code="1.1.1")
    services.initiative_report_progress(
        actor=personas.director, initiative=initiative, status=None, progress=D(60),
        date=dt.date(2026, 5, 1), comment="Reciente",
    )  # fmt: skip
    response = client_as(personas.estudios).post(
        reverse("planning:initiative_report", args=[initiative.pk]),
        {"status": "", "progress": "30", "date": "2026-02-01", "comment": "Atrasado"},
        follow=True,
    )
    assert "El estado actual no cambia" in response.content.decode()
    initiative.refresh_from_db()
    assert initiative.progress == D(60)
    steps = list(initiative.status_changes.order_by("date").values_list("progress", flat=True))
    assert steps[-2:] == [D(30), D(60)]
    evaluation = evaluate(plan, personas, dt.date(2026, 3, 1))
    assert evaluation.items.get(code="1.1.1").progress == D(30)
    # Editing the present with a date before the latest step is refused.
    initiative.progress = D(65)
    with pytest.raises(ValidationError) as error:
        services.initiative_save(
            actor=personas.director, initiative=initiative, date=dt.date(2026, 4, 1)
        )
    assert "Registrar avance" in str(error.value)


def test_an_evaluation_leaves_out_initiatives_that_did_not_exist_yet(plan, personas):
    evaluation = evaluate(plan, personas, dt.date(2024, 12, 31))
    # The fixture's initiatives were created today with a first step on 10-01-2025.
    assert not evaluation.items.filter(is_initiative=True).exists()


def test_the_system_administrator_does_not_read_the_plan(plan, personas, client_as):
    client = client_as(personas.admin)
    assert client.get(plan.get_absolute_url()).status_code == 404
    assert client.get(f"/api/v1/planning/plans/{plan.pk}/tree/").status_code == 404


def test_the_tree_only_reads_what_the_user_may_see(plan, personas):
    from secpla.core.models import Role, RoleGrant
    from secpla.core.roles import permission_for

    with audit_context(source="test"):
        role = Role.objects.create(code="solo_plan", name="Solo el plan")
        RoleGrant.objects.create(role=role, permission=permission_for("planning.Plan", "view"))
        RoleGrant.objects.create(role=role, permission=permission_for("planning.PlanNode", "view"))
    user = personas.sin_rol
    user.role = role
    user.save()
    roots = plan_tree(plan, user=type(user).objects.get(pk=user.pk))
    assert [r.code for r in roots] == ["1", "2"]
    assert all(not item.is_initiative for root in roots for item in root.walk())


def test_the_api_does_not_move_records_to_another_plan(plan, personas, client_as):
    with audit_context(source="test"):
        other = Plan.objects.create(name="Otro", start_year=2030, end_year=2034)
        other_node = PlanNode.objects.create(plan=other, code="X", name="X")
    client = client_as(personas.director)
    eje = PlanNode.objects.get(plan=plan, code="1")
    response = client.patch(
        f"/api/v1/planning/plan-nodes/{eje.pk}/", {"plan": other.pk},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 400 and "PLADECO" in response.content.decode()
    initiative = Initiative.objects.get(code="1.1.1")
    response = client.patch(
        f"/api/v1/planning/initiatives/{initiative.pk}/",
        {"plan": other.pk, "node": other_node.pk},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert Initiative.objects.get(pk=initiative.pk).plan_id == plan.pk


@pytest.mark.parametrize(
    "url",
    [
        "/pladeco/iniciativas/nuevo/?plan=99999999999999999999",
        "/pladeco/elementos/nuevo/?plan=abc",
        "/pladeco/iniciativas/?directorate=99999999999999999999",
        "/acuerdos-concejo/?year=0",
        "/acuerdos-concejo/?year=99999",
        "/api/v1/planning/council-agreements/?year=1e30",
        "/api/v1/planning/initiatives/?node=99999999999999999999",
        "/politicas/?objectives=99999999999999999999",
    ],
)
def test_absurd_numbers_in_the_address_get_an_answer_not_an_error(url, plan, personas, client_as):
    response = client_as(personas.director).get(url)
    assert response.status_code in (200, 400), response.status_code


def test_bad_posted_plan_ids_are_form_errors(plan, personas, client_as):
    response = client_as(personas.estudios).post(
        reverse("planning:initiative_create"), {"plan": "abc", "code": "Z", "name": "Z"}
    )
    assert response.status_code == 200
    assert "Escoja una opción válida" in response.content.decode()


def test_api_errors_for_a_malformed_body_are_in_spanish(plan, personas, client_as):
    client = client_as(personas.director)
    response = client.post(
        "/api/v1/planning/plans/", "{no es json", content_type="application/json"
    )
    assert response.status_code == 400
    assert "no es un JSON válido" in response.json()["detail"]
    response = client.post("/api/v1/planning/plans/", "[]", content_type="application/json")
    assert response.status_code == 400


def test_a_liaison_is_told_on_the_home_page_which_evaluation_awaits_its_comments(
    plan, personas, client_as
):
    evaluation = evaluate(plan, personas, dt.date(2026, 6, 30))
    home = client_as(personas.enlace_dideco).get(reverse("home")).content.decode()
    # DIDECO's 1.1.2 is in the evaluation (1.2.1 has no step before the cut-off date and
    # was created after it, so it is not).
    assert f"La evaluación «{evaluation}» espera el comentario de su dirección en 1 " in home
    for item in evaluation.items.filter(directorate__code="DIDECO"):
        services.evaluation_comment(actor=personas.enlace_dideco, item=item, comment="Listo")
    home = client_as(personas.enlace_dideco).get(reverse("home")).content.decode()
    assert "espera el comentario" not in home
    assert "espera el comentario" not in client_as(personas.director).get("/").content.decode()
