"""The budget module's change-log factories (its screens and API come with their routes)."""

from __future__ import annotations

import datetime as dt

from secpla.budget.models import (
    Account,
    AgreementRule,
    BudgetYear,
    ClassifierVersion,
    InitialAmount,
    Modification,
    ModificationLine,
)
from secpla.core.audit import audit_context

CASES: list = []

AUDITED = [
    "budget.ClassifierVersion",
    "budget.Account",
    "budget.AgreementRule",
    "budget.BudgetYear",
    "budget.InitialAmount",
    "budget.Modification",
    "budget.ModificationLine",
]


def populate(world) -> None:
    """No routed screens yet: nothing to visit."""


def audit_factories(personas) -> dict:
    version = ClassifierVersion.objects.get(year=2026)
    account = Account.objects.get(version=version, code="215.22.04.001")
    with audit_context(source="test"):
        budget = BudgetYear.objects.create(year=2026, classifier=version)
        modification = Modification.objects.create(
            budget_year=budget, number=1, date=dt.date(2026, 3, 1), description="Base"
        )
    return {
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
