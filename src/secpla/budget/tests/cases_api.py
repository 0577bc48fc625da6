"""Permission-matrix rows of the budget API (read-only), on the records of
matrix.populate_base and cases_api.populate."""

from __future__ import annotations

from secpla.testing_matrix import ALL, Case, api_cases, pk

READERS = ALL - {"admin_sistema"}  # every municipal role reads the budget
REFERENCE_READERS = ALL
# The Enlace sees its own directorate's requests only (world.budget_request is SECPLA's).
REQUEST_READERS = READERS - {"enlace_direccion"}

CASES = [
    *api_cases("budgetyear", "budget_year", view=READERS),
    Case("api:budgetyear-execution", pk("budget_year"), ok=READERS, visible=READERS,
         anonymous=401),
    *api_cases("account", "account", view=REFERENCE_READERS),
    *api_cases("initialamount", "initial_amount", view=READERS),
    *api_cases("modification", "modification", view=READERS),
    *api_cases("budgetrequest", "budget_request", view=READERS, visible_obj=REQUEST_READERS),
    *api_cases("accountproject", "account_project", view=READERS),
]  # fmt: skip


def populate(world) -> None:
    from secpla.budget.models import AccountProject
    from secpla.core.audit import audit_context
    from secpla.core.models import Directorate
    from secpla.projects.models import Project

    with audit_context(source="test"):
        project = Project.objects.create(
            code="PRY-API-BUD",
            name="Multicancha",
            directorate=Directorate.objects.get(code="SECPLA"),
        )
        world.account_project = AccountProject.objects.create(
            account=world.investment_account, project=project
        )
