"""The budget module's rows of the permission matrix (one `cases_*` file per screen area)
and its change-log factories.

`populate` first creates the records every area shares (`populate_base`): the 2026 budget
year on the 2026 classifier, with an initial amount, a draft modification, a program and a
request of DIDECO (the Enlace persona's directorate) and one of SECPLA."""

from __future__ import annotations

import datetime as dt

from secpla.budget.models import (
    Account,
    AccountProject,
    AgreementRule,
    AlertRule,
    BudgetCalendar,
    BudgetRequest,
    BudgetYear,
    ClassifierVersion,
    InitialAmount,
    ManagementArea,
    Modification,
    ModificationLine,
    Program,
)
from secpla.budget.tests import (
    cases_analysis,
    cases_api,
    cases_imports,
    cases_modifications,
    cases_reference,
    cases_year,
)
from secpla.core.audit import audit_context
from secpla.core.models import Directorate

AREAS = [cases_api, cases_reference, cases_year, cases_modifications, cases_analysis, cases_imports]
CASES = [case for area in AREAS for case in area.CASES]

AUDITED = [
    "budget.ClassifierVersion",
    "budget.Account",
    "budget.AgreementRule",
    "budget.BudgetYear",
    "budget.InitialAmount",
    "budget.Modification",
    "budget.ModificationLine",
    "budget.ManagementArea",
    "budget.Program",
    "budget.BudgetRequest",
    "budget.BudgetCalendar",
    "budget.AlertRule",
    "budget.AccountProject",
]


def populate_base(world) -> None:
    version = ClassifierVersion.objects.get(year=2026)
    world.classifier = version
    world.account = Account.objects.get(version=version, code="215.22.04.001")
    world.investment_account = Account.objects.get(version=version, code="215.31.02.004")
    world.area = ManagementArea.objects.get(code="04")
    world.agreement_rule = AgreementRule.objects.order_by("valid_from").first()
    world.budget_calendar = BudgetCalendar.objects.order_by("valid_from").first()
    world.alert_rule = AlertRule.objects.order_by("valid_from").first()
    with audit_context(source="test"):
        world.budget_year = BudgetYear.objects.create(year=2026, classifier=version)
        world.initial_amount = InitialAmount.objects.create(
            budget_year=world.budget_year, account=world.account, amount=1_000_000
        )
        world.modification = Modification.objects.create(
            budget_year=world.budget_year, number=1, date=dt.date(2026, 3, 1),
            description="Traspaso entre asignaciones",
        )  # fmt: skip
        world.modification_line = ModificationLine.objects.create(
            modification=world.modification, account=world.account, amount=100_000
        )
        world.program = Program.objects.create(
            budget_year=world.budget_year, code="P-01", name="Adulto mayor", area=world.area,
            directorate=Directorate.objects.get(code="DIDECO"),
        )  # fmt: skip
        world.own_request = BudgetRequest.objects.create(
            budget_year=world.budget_year, directorate=Directorate.objects.get(code="DIDECO"),
            account=world.account, requested=500_000, justification="Talleres",
        )  # fmt: skip
        world.budget_request = BudgetRequest.objects.create(
            budget_year=world.budget_year, directorate=Directorate.objects.get(code="SECPLA"),
            account=world.account, requested=700_000, justification="Estudios",
        )  # fmt: skip


def populate(world) -> None:
    """Create the records the cases visit, as attributes of `world`."""
    populate_base(world)
    for area in AREAS:
        area.populate(world)


def audit_factories(personas) -> dict:
    version = ClassifierVersion.objects.get(year=2026)
    account = Account.objects.get(version=version, code="215.22.04.001")
    with audit_context(source="test"):
        budget = BudgetYear.objects.create(year=2026, classifier=version)
        modification = Modification.objects.create(
            budget_year=budget, number=1, date=dt.date(2026, 3, 1), description="Base"
        )
    area = ManagementArea.objects.get(code="04")
    dideco = Directorate.objects.get(code="DIDECO")
    investment = Account.objects.get(version=version, code="215.31.02.004")
    from secpla.projects.models import Project

    with audit_context(source="test"):
        project = Project.objects.create(code="PRY-BUD-1", name="Sede", directorate=dideco)
    return {
        ManagementArea: (lambda: ManagementArea(code="09", name="Otra área"), "name"),
        Program: (
            lambda: Program(budget_year=budget, code="P-9", name="Programa", area=area),
            "description",
        ),
        BudgetRequest: (
            lambda: BudgetRequest(
                budget_year=budget,
                directorate=dideco,
                account=account,
                requested=5,
                justification="x",
            ),
            "justification",
        ),
        BudgetCalendar: (
            lambda: BudgetCalendar(valid_from=dt.date(2031, 1, 1), source="prueba"),
            "source",
        ),
        AlertRule: (lambda: AlertRule(valid_from=dt.date(2031, 1, 1)), "source"),
        AccountProject: (
            lambda: AccountProject(account=investment, project=project),
            ("method", "bip"),
        ),
        ClassifierVersion: (lambda: ClassifierVersion(year=2030, source="prueba"), "source"),
        Account: (
            lambda: Account(version=version, code="215.22.04.001.901", name="Desagregación"),
            "name",
        ),
        AgreementRule: (
            lambda: AgreementRule(valid_from=dt.date(2030, 1, 1), source="prueba"),
            "source",
        ),
        BudgetYear: (
            lambda: BudgetYear(
                year=2031, classifier=ClassifierVersion.objects.create(year=2031, source="x")
            ),
            "approval_agreement",
        ),
        InitialAmount: (
            lambda: InitialAmount(budget_year=budget, account=account, amount=10),
            ("amount", 20),
        ),
        Modification: (
            lambda: Modification(
                budget_year=budget, number=2, date=dt.date(2026, 4, 1), description="x"
            ),
            "description",
        ),
        ModificationLine: (
            lambda: ModificationLine(modification=modification, account=account, amount=5),
            ("amount", -5),
        ),
    }
