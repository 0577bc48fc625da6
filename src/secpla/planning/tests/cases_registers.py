"""Permission-matrix rows and change-log factories of this area (see tests/matrix.py):
communal policies and the participation activities behind the plan."""

from __future__ import annotations

import datetime as dt

from secpla.core.audit import audit_context
from secpla.planning.models import ParticipationActivity, Plan, PlanNode, Policy
from secpla.testing_matrix import ADMIN, ALL, api_cases, crud_cases

# planning/grants.py: the Director SECPLA and Estudios keep both registers; every other
# role reads them; the system administrator and an account without a role see nothing.
KEEPERS = frozenset({"director_secpla", "estudios"})
READERS = ALL - ADMIN

CASES = [
    *crud_cases(
        "planning:policy", "policy", view=READERS, add=KEEPERS, change=KEEPERS, delete=KEEPERS
    ),
    *crud_cases(
        "planning:participationactivity",
        "participation",
        view=READERS,
        add=KEEPERS,
        change=KEEPERS,
        delete=KEEPERS,
    ),
    *api_cases("policy", "policy", view=READERS),
    *api_cases("participationactivity", "participation", view=READERS),
]
AUDITED = ["planning.Policy", "planning.ParticipationActivity"]


def _plan_and_node(suffix: str = "") -> tuple[Plan, PlanNode]:
    with audit_context(source="test"):
        plan = Plan.objects.create(
            name=f"REG PLADECO de registros{suffix}",
            start_year=2025,
            end_year=2028,
            status=Plan.Status.DRAFT,
        )
        node = PlanNode.objects.create(plan=plan, code="REG1", name="REG Eje participación")
    return plan, node


def populate(world) -> None:
    plan, node = _plan_and_node()
    world.reg_plan, world.reg_node = plan, node
    with audit_context(source="test"):
        world.policy = Policy.objects.create(
            name="REG Política comunal de deportes",
            area="Deportes",
            status=Policy.Status.APPROVED,
            approval_decree="D.A. 100",
        )
        world.policy.objectives.set([node])
        world.participation = ParticipationActivity.objects.create(
            plan=plan,
            kind=ParticipationActivity.Kind.CABILDO,
            name="REG Cabildo sector norte",
            date=dt.date(2025, 4, 12),
            territory="Sector norte",
            participants=85,
        )
        world.participation.objectives.set([node])


def audit_factories(personas) -> dict:
    plan, _node = _plan_and_node(" (auditoría)")
    return {
        Policy: (lambda: Policy(name="REG Política de medio ambiente", area="Medio ambiente"),
                 "name"),
        ParticipationActivity: (lambda: ParticipationActivity(
            plan=plan, kind=ParticipationActivity.Kind.SURVEY, name="REG Encuesta comunal",
            date=dt.date(2025, 5, 2), participants=400), "name"),
    }  # fmt: skip
