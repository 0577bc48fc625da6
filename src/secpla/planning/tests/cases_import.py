"""Permission-matrix rows and change-log factories of the PLADECO matrix import/export
(see tests/matrix.py)."""

from __future__ import annotations

from secpla.core.audit import audit_context
from secpla.core.models import Directorate
from secpla.testing_matrix import ALL, EVERYONE, NOBODY, Case, pk

# Every municipal role reads the plan (not the system administrator); importing needs change on
# the plan plus add and change on initiatives: the Director and Estudios.
PLAN_READERS = ALL - {"admin_sistema"}
IMPORTERS = frozenset({"director_secpla", "estudios"})

CASES: list = [
    Case("planning:plan_export", pk("import_plan"), ok=PLAN_READERS, visible=PLAN_READERS),
    Case("planning:plan_template", pk("import_plan"), ok=PLAN_READERS, visible=PLAN_READERS),
    Case("planning:plan_import", pk("import_plan"), ok=IMPORTERS, visible=PLAN_READERS),
    # A job is reached through its plan: 404 without the plan, 403 without import rights.
    Case("planning:import_detail", pk("import_job"), ok=IMPORTERS, visible=PLAN_READERS),
    Case(
        "planning:import_detail",
        pk("import_job"),
        ok=IMPORTERS,
        visible=PLAN_READERS,
        query="?parcial=1",
    ),
    # POST only: a GET is 405 for every signed-in user.
    Case(
        "planning:import_apply",
        pk("import_job"),
        ok=NOBODY,
        visible=PLAN_READERS,
        extra_status={role: 405 for role in EVERYONE},
    ),
]
AUDITED: list[str] = []  # ImportJob is not an AuditedModel: its writes are its report


def populate(world) -> None:
    from secpla.planning.models import ImportJob, Initiative, Plan, PlanNode

    directorate = Directorate.objects.get(code="SECPLA")
    with audit_context(source="test"):
        world.import_plan = Plan.objects.create(
            name="IMP Plan de importación", start_year=2025, end_year=2030
        )
        world.import_node = PlanNode.objects.create(
            plan=world.import_plan, code="IMP-1", name="IMP Eje de importación"
        )
        world.import_initiative = Initiative.objects.create(
            plan=world.import_plan,
            node=world.import_node,
            code="IMP-1.1",
            name="IMP Iniciativa importada",
            directorate=directorate,
        )
    world.import_job = ImportJob.objects.create(
        plan=world.import_plan,
        file="importaciones/imp-matriz.xlsx",
        original_name="imp-matriz.xlsx",
        status=ImportJob.Status.READY,
        total_rows=1,
        report={
            "counts": {
                "nodes": {"created": 0, "updated": 0, "unchanged": 1},
                "initiatives": {"created": 0, "updated": 1, "unchanged": 0},
                "rejected": 0,
            },
            "updated": [
                {
                    "row": 2,
                    "kind": "Iniciativa",
                    "code": "IMP-1.1",
                    "name": "IMP Iniciativa importada",
                    "changes": [{"field": "Avance", "before": "—", "after": "10 %"}],
                }
            ],
        },
    )


def audit_factories(personas) -> dict:
    return {}
