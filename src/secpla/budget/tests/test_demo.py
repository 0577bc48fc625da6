"""The demo budget: it loads after the projects demo, 2026 balances and carries its
modifications, execution and BIP links, 2027 is in formulation with an unbalanced proposal,
and loading it twice writes nothing."""

from __future__ import annotations

import io

import pytest

from secpla.budget import demo as budget_demo
from secpla.budget import rules, selectors
from secpla.budget.models import (
    Account,
    AccountProject,
    BudgetRequest,
    BudgetYear,
    ExecutionMonth,
    ExecutionRow,
    InitialAmount,
    Kind,
    Modification,
    ModificationLine,
    Program,
)
from secpla.core.demo import load_demo
from secpla.core.models import ChangeLogEntry

MODELS = [
    BudgetYear,
    Account,
    InitialAmount,
    Program,
    Modification,
    ModificationLine,
    ExecutionMonth,
    ExecutionRow,
    AccountProject,
    BudgetRequest,
    ChangeLogEntry,
]


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.fixture
def demo(db):
    load_demo()  # core's demo loads the budget's after the projects'


def test_loading_twice_writes_nothing(demo):
    before = counts()
    out = io.StringIO()
    budget_demo.load(stdout=out)
    assert "0 registros nuevos" in out.getvalue()
    load_demo()
    assert counts() == before
    assert before["BudgetYear"] == 2 and before["ExecutionMonth"] == 10
    assert before["Modification"] == 3 and before["Program"] == 3
    assert before["AccountProject"] == 3
    entries = ChangeLogEntry.objects.filter(content_type__app_label="budget")
    assert not entries.filter(user__isnull=True).exists()
    assert {"director", "presupuesto", "estudios", "enlace.dideco"} <= set(
        entries.values_list("user__username", flat=True)
    )


def test_the_2026_budget_is_approved_balanced_modified_and_executed(demo):
    year = BudgetYear.objects.get(year=2026)
    assert year.status == BudgetYear.Status.APPROVED and year.approval_decree
    totals = rules.totals_by_kind(year)
    assert totals[Kind.INCOME] == totals[Kind.EXPENSE] == 9_700_000_000

    modifications = {m.number: m for m in year.modifications.all()}
    assert [m.status for m in modifications.values()] == ["aprobada", "aprobada", "borrador"]
    assert modifications[1].requires_agreement and modifications[1].agreement_number
    assert not modifications[2].requires_agreement

    table = selectors.execution_table(year)
    assert table.month == 10
    # Vigente = initial + approved modifications (the draft does not count).
    assert table.total(Kind.INCOME).vigente == table.total(Kind.EXPENSE).vigente
    assert table.total(Kind.EXPENSE).vigente == 9_700_000_000 + 150_000_000
    # Cumulative execution grows month by month.
    october, march = table, selectors.execution_table(year, month=3)
    assert 0 < march.total(Kind.EXPENSE).accrued < october.total(Kind.EXPENSE).accrued
    assert october.total(Kind.EXPENSE).accrued < october.total(Kind.EXPENSE).vigente
    texts = [alert.text for alert in selectors.alerts(table)]
    assert any(text.startswith("215.22.03 ") and "supera el vigente" in text for text in texts)
    assert any(text.startswith("215.31 ") and "bajo el mínimo" in text for text in texts)

    # Programs in two áreas de gestión, amounts by program.
    assert set(Program.objects.filter(budget_year=year).values_list("area__code", flat=True)) == {
        "04",
        "05",
    }
    assert InitialAmount.objects.filter(budget_year=year, program__isnull=False).count() == 4


def test_the_investment_lines_carry_bip_codes_and_are_linked_to_their_projects(demo):
    works = Account.objects.filter(
        version__year=2026, code__startswith="215.31.02.004.", is_official=False
    )
    assert works.count() == 4
    links = AccountProject.objects.select_related("account", "project")
    assert links.count() == 3 and {link.method for link in links} == {"bip"}
    for link in links:
        assert link.project.bip_code[:8] in link.account.name
    without_check = links.get(account__code="215.31.02.004.002")
    assert without_check.project.bip_code not in without_check.account.name


def test_2027_is_in_formulation_with_an_unbalanced_proposal(demo):
    year = BudgetYear.objects.get(year=2027)
    assert year.status == BudgetYear.Status.FORMULATION
    assert year.classifier.accounts.count() == Account.objects.filter(version__year=2026).count()
    requests = BudgetRequest.objects.filter(budget_year=year)
    assert set(requests.values_list("directorate__code", flat=True)) == {"DAF", "DIDECO", "DOM"}
    lines = list(requests.values_list("account__code", "requested"))
    balance = rules.balance(lines)
    assert not balance.ok and balance.expense - balance.income >= 100_000_000


def test_the_import_and_link_screens_open_on_the_demo(demo, client):
    """Smoke test over realistic data: the import screens, the links and a linked
    project's «Presupuesto» tab with its figures."""
    from django.urls import reverse

    from secpla.budget.views import links as link_views
    from secpla.core.models import User
    from secpla.projects.views import portfolio

    before = list(portfolio.EXTRA_TABS)
    link_views.register_project_tab()
    try:
        client.force_login(User.objects.get(username="presupuesto"))
        names = ["execution_import", "execution_import_list", "executionmonth_list",
                 "accountproject_list", "accountproject_create", "accountproject_bip"]  # fmt: skip
        for name in names:
            assert client.get(reverse(f"budget:{name}")).status_code == 200, name
        link = AccountProject.objects.select_related("project").get(
            account__code="215.31.02.004.001"
        )
        tab = client.get(link.project.get_absolute_url() + "?tab=presupuesto").content.decode()
        assert "Ejecución acumulada a octubre de 2026" in tab
        assert "215.31.02.004.001" in tab and "$ 60.000.000" in tab  # 20 initial + 40 (N° 1)
    finally:
        portfolio.EXTRA_TABS[:] = before
