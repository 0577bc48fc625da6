"""The planning module's initial grants (applied once to each role; see core.roles)."""

from __future__ import annotations

from secpla.core.roles import ALL, FULL, OWN, READ, WRITE, grant_list

PLAN = [
    "planning.Plan",
    "planning.PlanNode",
    "planning.Initiative",
    "planning.IndicatorTarget",
    "planning.Evaluation",
    "planning.EvaluationItem",
    "planning.ParticipationActivity",
]
CATALOGUE = ["planning.InitiativeStatus"]
POLICY = ["planning.Policy"]
AGREEMENTS = ["planning.CouncilAgreement"]
TASKS = ["planning.Task"]
PUBLIC_ACTS = [*PLAN, *CATALOGUE, *POLICY, *AGREEMENTS]

GRANTS: dict[str, list[tuple[str, str, str]]] = {
    # The Director and Estudios keep the plan; the Director follows everything.
    "director_secpla": grant_list([*PLAN, *CATALOGUE, *POLICY, *AGREEMENTS, *TASKS], FULL),
    "estudios": [
        *grant_list([*PLAN, *POLICY], FULL),
        *grant_list(CATALOGUE, READ),
        *grant_list(AGREEMENTS, READ),
        *grant_list(TASKS, READ, ALL),
        *grant_list(TASKS, "change", OWN),
    ],
    # The rest of SECPLA reads the plan and works on the tasks given to SECPLA.
    **{
        role: [
            *grant_list(PUBLIC_ACTS, READ),
            *grant_list(TASKS, READ, ALL),
            *grant_list(TASKS, "change", OWN),
        ]
        for role in ("control_presupuesto", "licitaciones", "asesor_urbanista")
    },
    # A directorate's liaison reports its initiatives' progress, its targets achieved,
    # comments on evaluations and follows its own council agreements and tasks.
    "enlace_direccion": [
        *grant_list([*PLAN, *CATALOGUE, *POLICY], READ),
        *grant_list(["planning.Initiative", "planning.IndicatorTarget"], "change", OWN),
        *grant_list(["planning.EvaluationItem"], "change", OWN),
        *grant_list([*AGREEMENTS, *TASKS], "view change", OWN),
    ],
    # The Alcalde(sa) and the Administrador(a) read everything and give SECPLA tasks.
    "alcaldia": [*grant_list(PUBLIC_ACTS, READ), *grant_list(TASKS, WRITE)],
    "administrador_municipal": [*grant_list(PUBLIC_ACTS, READ), *grant_list(TASKS, WRITE)],
    "concejal": grant_list(PUBLIC_ACTS, READ),
    # The system administrator keeps the status catalogue; the plan is SECPLA's.
    "admin_sistema": grant_list(CATALOGUE, FULL),
}
