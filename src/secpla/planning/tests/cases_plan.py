"""Permission-matrix rows and change-log factories of the PLADECO screens and API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from secpla.core.audit import audit_context
from secpla.core.models import Directorate
from secpla.planning import services
from secpla.planning.models import (
    Evaluation,
    EvaluationItem,
    IndicatorTarget,
    Initiative,
    InitiativeStatus,
    Plan,
    PlanNode,
)
from secpla.testing_matrix import ALL, EVERYONE, Case, api_cases, crud_cases, pk

READERS = ALL - {"admin_sistema"}  # every municipal role reads the plan
PLAN_KEEPERS = frozenset({"director_secpla", "estudios"})
CATALOGUE_KEEPERS = frozenset({"director_secpla", "admin_sistema"})
POST_ONLY = {role: 405 for role in EVERYONE}

CASES = [
    *crud_cases(
        "planning:plan", "plan", view=READERS, add=PLAN_KEEPERS, change=PLAN_KEEPERS,
        delete=PLAN_KEEPERS,
    ),
    Case("planning:plan_activate", pk("plan"), ok=frozenset(), visible=READERS,
         extra_status=POST_ONLY),
    Case("planning:plan_dashboard", pk("plan"), ok=READERS, visible=READERS),
    *crud_cases(
        "planning:plannode", "node", view=READERS, add=PLAN_KEEPERS, change=PLAN_KEEPERS,
        delete=PLAN_KEEPERS,
    ),
    # An initiative of SECPLA: the DIDECO liaison sees it but cannot change it.
    *crud_cases(
        "planning:initiative", "initiative", view=READERS, add=PLAN_KEEPERS,
        change=PLAN_KEEPERS, delete=PLAN_KEEPERS,
    ),
    Case("planning:initiative_report", pk("initiative"), ok=PLAN_KEEPERS, visible=READERS),
    *crud_cases(
        "planning:initiativestatus", "initiative_status", view=ALL, add=CATALOGUE_KEEPERS,
        change=CATALOGUE_KEEPERS, delete=CATALOGUE_KEEPERS,
    ),
    *crud_cases(
        "planning:indicatortarget", "target", view=READERS, add=PLAN_KEEPERS,
        change=PLAN_KEEPERS, delete=PLAN_KEEPERS,
    ),
    *crud_cases(
        "planning:evaluation", "evaluation", view=READERS, add=PLAN_KEEPERS,
        change=PLAN_KEEPERS, delete=PLAN_KEEPERS,
    ),
    Case("planning:evaluation_close", pk("evaluation"), ok=frozenset(), visible=READERS,
         extra_status=POST_ONLY),
    Case("planning:evaluation_compare", pk("evaluation"), ok=READERS, visible=READERS),
    Case("planning:evaluation_comment", pk("evaluation_item"), ok=PLAN_KEEPERS,
         visible=READERS),
    Case("planning:public_plan", ok=EVERYONE, anonymous=200),
    Case("planning:public_plan_detail", pk("plan"), ok=EVERYONE, anonymous=200),
    *api_cases("plan", "plan", view=READERS),
    Case("api:plan-tree", pk("plan"), ok=READERS, visible=READERS, anonymous=401),
    *api_cases("plannode", "node", view=READERS),
    *api_cases("initiative", "initiative", view=READERS),
    *api_cases("initiativestatus", "initiative_status", view=ALL),
    *api_cases("indicatortarget", "target", view=READERS),
    *api_cases("evaluation", "evaluation", view=READERS),
    Case("api:evaluation-items", pk("evaluation"), ok=READERS, visible=READERS, anonymous=401),
]  # fmt: skip

AUDITED = [
    "planning.Plan",
    "planning.PlanNode",
    "planning.Initiative",
    "planning.InitiativeStatus",
    "planning.IndicatorTarget",
    "planning.Evaluation",
    "planning.EvaluationItem",
]


def populate(world) -> None:
    director = world.personas.director
    secpla = Directorate.objects.get(code="SECPLA")
    with audit_context(source="test"):
        world.plan = Plan.objects.create(
            name="PLADECO de prueba", start_year=2024, end_year=2029, status=Plan.Status.CURRENT
        )
        world.node = PlanNode.objects.create(plan=world.plan, code="1", name="Eje social")
    world.initiative_status = InitiativeStatus.objects.get(name="En ejecución")
    world.initiative = services.initiative_save(
        actor=director,
        initiative=Initiative(
            plan=world.plan,
            node=world.node,
            code="1.1",
            name="Centro comunitario",
            directorate=secpla,
            status=world.initiative_status,
            indicator_name="Sedes",
        ),
        date=dt.date(2026, 1, 15),
    )
    with audit_context(source="test"):
        world.target = IndicatorTarget.objects.create(
            initiative=world.initiative, year=2026, target=Decimal(3)
        )
    world.evaluation = services.evaluation_create(
        actor=director,
        evaluation=Evaluation(plan=world.plan, name="Primer semestre", as_of=dt.date(2026, 6, 30)),
    )
    world.evaluation_item = world.evaluation.items.get(is_initiative=True)


def audit_factories(personas) -> dict:
    secpla = Directorate.objects.get(code="SECPLA")
    with audit_context(source="test"):
        plan = Plan.objects.create(name="Plan base", start_year=2025, end_year=2028)
        node = PlanNode.objects.create(plan=plan, code="A", name="Eje base")
        initiative = Initiative.objects.create(
            plan=plan, node=node, code="A.1", name="Base", directorate=secpla,
            indicator_name="Indicador",
        )  # fmt: skip
        evaluation = Evaluation.objects.create(
            plan=plan, name="Evaluación base", as_of=dt.date(2026, 1, 31)
        )
    return {
        Plan: (lambda: Plan(name="Otro plan", start_year=2030, end_year=2033), "name"),
        PlanNode: (lambda: PlanNode(plan=plan, code="B", name="Eje B"), "name"),
        Initiative: (
            lambda: Initiative(
                plan=plan, node=node, code="A.2", name="Iniciativa", directorate=secpla
            ),
            "name",
        ),
        InitiativeStatus: (lambda: InitiativeStatus(name="En revisión"), "name"),
        IndicatorTarget: (
            lambda: IndicatorTarget(initiative=initiative, year=2027, target=Decimal(5)),
            ("target", Decimal("7.5")),
        ),
        Evaluation: (
            lambda: Evaluation(plan=plan, name="Evaluación", as_of=dt.date(2026, 2, 28)),
            "name",
        ),
        EvaluationItem: (
            lambda: EvaluationItem(
                evaluation=evaluation, code="X", name="Ítem", depth=0, level_name="Eje"
            ),
            "comment",
        ),
    }
