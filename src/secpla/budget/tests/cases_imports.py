"""Permission-matrix rows of the budget's import screens (the execution import in the
browser, its jobs and the imported months) and of the links between budget lines and
projects (see tests/matrix.py).

Expected roles, from budget/grants.py and execution.check_permission:
- importing needs `change` on BudgetYear: the Director SECPLA and Control y Presupuesto;
- the job pages and the lists are for every reader of the budget (all municipal roles but
  the system administrator, who keeps only the reference catalogues);
- links to projects (AccountProject): the Director, Control y Presupuesto and Estudios keep
  them; the other municipal roles read them; the system administrator has none.
"""

from __future__ import annotations

from secpla.testing_matrix import ALL, EVERYONE, NOBODY, Case, pk

READERS = ALL - {"admin_sistema"}
IMPORTERS = frozenset({"director_secpla", "control_presupuesto"})
LINK_KEEPERS = frozenset({"director_secpla", "control_presupuesto", "estudios"})

JOB = pk("execution_import_job")

CASES = [
    Case("budget:execution_import", ok=IMPORTERS),
    Case("budget:execution_import_list", ok=READERS),
    Case("budget:execution_import_list", ok=READERS, query="?status=terminada&month=3"),
    Case("budget:execution_import_detail", JOB, ok=READERS),
    Case("budget:execution_import_detail", JOB, ok=READERS, query="?parcial=1"),
    Case("budget:execution_import_run", JOB, ok=NOBODY,
         extra_status={role: 405 for role in EVERYONE}),  # POST only
    Case("budget:executionmonth_list", ok=READERS),
    Case("budget:accountproject_list", ok=READERS),
    Case("budget:accountproject_create", ok=LINK_KEEPERS),
    Case("budget:accountproject_detail", pk("project_link"), ok=READERS, visible=READERS),
    Case("budget:accountproject_delete", pk("project_link"), ok=LINK_KEEPERS, visible=READERS),
    Case("budget:accountproject_bip", ok=LINK_KEEPERS),
]  # fmt: skip


def populate(world) -> None:
    """A finished dry run of world.budget_year and a manual link of the investment
    account to a project of SECPLA."""
    from django.core.files.base import ContentFile

    from secpla.budget.models import AccountProject, ExecutionImportJob
    from secpla.core.audit import audit_context
    from secpla.core.models import Directorate
    from secpla.projects.models import Project

    job = ExecutionImportJob(
        budget_year=world.budget_year,
        month=3,
        original_name="ejecucion-marzo.csv",
        dry_run=True,
        status=ExecutionImportJob.Status.DONE,
        report={"ok": True, "rows": 1, "expense": 1, "income": 0, "dry_run": True, "errors": []},
        created_by=world.personas.presupuesto,
    )
    job.file.save("ejecucion-marzo.csv", ContentFile(b"cuenta;obligado;pagado\n"), save=False)
    job.save()
    world.execution_import_job = job
    with audit_context(source="test"):
        project = Project.objects.create(
            code="PRY-LINK-BUD",
            name="Plaza con juegos",
            directorate=Directorate.objects.get(code="SECPLA"),
        )
        world.project_link = AccountProject.objects.create(
            account=world.investment_account, project=project
        )
