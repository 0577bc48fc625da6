"""The execution table: vigente at every level and date (reconciled with rules.vigente),
the roll-up of imported execution, month by month, and the alerts."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from secpla.budget import execution, rules, selectors, services
from secpla.budget.models import (
    AlertRule,
    BudgetYear,
    ClassifierVersion,
    InitialAmount,
    Modification,
    ModificationLine,
)
from secpla.core.audit import audit_context

HEADER = "cuenta;obligado;devengado;pagado;percibido"


@pytest.fixture
def budget(personas):
    version = ClassifierVersion.objects.get(year=2026)
    with audit_context(source="test"):
        year = BudgetYear.objects.create(year=2026, classifier=version)
        for code, amount in [
            ("115.03.01.001", 5_000),
            ("215.22.04.001", 1_000),
            ("215.22.04.002", 2_000),
            ("215.31.02.004", 2_000),
        ]:
            InitialAmount.objects.create(
                budget_year=year, account=version.accounts.get(code=code), amount=amount
            )
    return year


def approved(budget, number, date, lines, personas):
    version = budget.classifier
    with audit_context(source="test"):
        modification = Modification.objects.create(
            budget_year=budget, number=number, date=date, description="x",
            agreement_number=f"A-{number}", agreement_date=date,
        )  # fmt: skip
        for code, amount in lines:
            ModificationLine.objects.create(
                modification=modification, account=version.accounts.get(code=code), amount=amount
            )
    return services.modification_approve(
        actor=personas.director, modification=modification, on=date
    )


def imported(budget, month, *rows, actor):
    data = ("\n".join([HEADER, *rows]) + "\n").encode()
    report = execution.import_month(
        actor=actor, budget_year=budget, month=month, source=io.BytesIO(data), file_name="e.csv"
    )
    assert report.ok, report.text()


def test_vigente_is_rolled_up_to_every_level(budget, personas):
    approved(budget, 1, dt.date(2026, 3, 10),
             [("215.22.04.001", 500), ("215.22.04.002", -500)], personas)  # fmt: skip
    table = selectors.execution_table(budget, on=dt.date(2026, 3, 31))
    assert table.get("215.22.04.001").vigente == 1_500
    assert table.get("215.22.04").vigente == 3_000
    assert table.get("215.22").vigente == 3_000
    assert table.total("gasto").vigente == 5_000
    assert table.total("ingreso").vigente == 5_000
    before = selectors.execution_table(budget, on=dt.date(2026, 3, 9))
    assert before.get("215.22.04.001").vigente == 1_000


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(days=st.lists(st.integers(min_value=1, max_value=364), min_size=1, max_size=4))
def test_initial_plus_approved_equals_vigente_for_every_account_at_every_date(
    budget, personas, days
):
    if not Modification.objects.filter(budget_year=budget).exists():
        approved(budget, 1, dt.date(2026, 2, 1),
                 [("215.22.04.001", 300), ("215.31.02.004", -300)], personas)  # fmt: skip
        approved(budget, 2, dt.date(2026, 7, 1),
                 [("115.03.01.001", 900), ("215.22.04.002", 900)], personas)  # fmt: skip
    for day in days:
        on = dt.date(2026, 1, 1) + dt.timedelta(days=day)
        table = selectors.execution_table(budget, on=on)
        for code, line in table.lines.items():
            assert line.vigente == rules.vigente(budget, code, on), (code, on)


def test_execution_takes_reported_parents_and_sums_the_rest(budget, personas):
    imported(budget, 6,
             "215.22.04.001;400;300;200;", "215.22.04.002;100;100;50;",
             "215.31;1500;900;800;",  # a parent reported without children
             actor=personas.director)  # fmt: skip
    table = selectors.execution_table(budget)
    assert table.month == 6 and table.on == dt.date(2026, 6, 30)
    item = table.get("215.22.04")
    assert (item.obligated, item.accrued, item.paid) == (500, 400, 250)
    assert table.get("215.31").obligated == 1_500
    assert table.get("215.31.02").obligated is None  # not reported, nothing below
    assert table.total("gasto").obligated == 2_000
    assert table.get("215.22.04").pct_obligated == Decimal("16.7")


def test_a_parent_that_disagrees_with_its_children_is_flagged(budget, personas):
    imported(budget, 5, "215.22.04;999;;1;", "215.22.04.001;400;;1;",
             actor=personas.director)  # fmt: skip
    line = selectors.execution_table(budget).get("215.22.04")
    assert line.obligated == 999 and line.mismatch == ["obligated"]


def test_a_month_without_import_uses_the_previous_one(budget, personas):
    imported(budget, 3, "215.22.04.001;10;;5;", actor=personas.director)
    table = selectors.execution_table(budget, month=5)
    assert table.month == 3 and table.on == dt.date(2026, 5, 31)
    assert table.get("215.22.04.001").obligated == 10


def test_month_by_month(budget, personas):
    imported(budget, 2, "215.22.04.001;10;;5;", actor=personas.director)
    imported(budget, 4, "215.22.04.001;30;;20;", actor=personas.director)
    approved(budget, 1, dt.date(2026, 3, 15),
             [("215.22.04.001", 100), ("215.22.04.002", -100)], personas)  # fmt: skip
    points = selectors.monthly(budget, "215.22.04")
    assert [p.imported for p in points[:5]] == [False, True, False, True, False]
    assert points[1].obligated == 10 and points[3].obligated == 30 and points[2].obligated is None
    assert points[1].vigente == 3_000 and points[3].vigente == 3_000
    assert selectors.monthly(budget, "215.22.04.001")[3].vigente == 1_100


def test_alerts(budget, personas):
    imported(budget, 10, "215.22.04.001;1200;;;", "215.31.02.004;900;400;;",
             actor=personas.director)  # fmt: skip
    table = selectors.execution_table(budget)
    found = selectors.alerts(table)
    texts = " ".join(a.text for a in found)
    assert any(a.code == "215.22.04.001" and a.level == "danger" for a in found)
    assert "supera el vigente $ 1.000" in texts
    assert any(a.code == "215.31" and a.level == "warning" for a in found)  # 20 % < 50 %
    lenient = AlertRule(valid_from=dt.date(2026, 1, 1), from_month=11, min_accrued_percent=10)
    assert not any(a.code == "215.31" for a in selectors.alerts(table, lenient))


def test_no_alert_on_a_child_when_the_budget_sits_on_its_parent(budget, personas):
    with audit_context(source="test"):
        InitialAmount.objects.create(
            budget_year=budget,
            account=budget.classifier.accounts.get(code="215.22.01"),
            amount=1_000,
        )
    imported(budget, 6, "215.22.01.001;600;;;", actor=personas.director)
    table = selectors.execution_table(budget)
    assert not any(a.code.startswith("215.22.01") for a in selectors.alerts(table))
    imported(budget, 7, "215.22.01.001;1600;;;", actor=personas.director)
    codes = [a.code for a in selectors.alerts(selectors.execution_table(budget))]
    assert "215.22.01" in codes and "215.22.01.001" not in codes
