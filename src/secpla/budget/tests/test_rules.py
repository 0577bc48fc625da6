"""Budget (issue 5, data layer): the classifier, the balance rule, when a modification needs
a Concejo agreement, approval, and the reconciliation initial + approved = vigente."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from secpla.budget import rules, services
from secpla.budget.models import (
    Account,
    AgreementRule,
    BudgetYear,
    ClassifierVersion,
    InitialAmount,
    Modification,
    ModificationLine,
    validate_account_code,
)
from secpla.core.audit import audit_context

RULE = AgreementRule(levels="subtitulo,item", always_prefixes="215.31", source="prueba")


# --- classifier ---------------------------------------------------------------------------


def test_the_2026_classifier_is_loaded_with_every_parent(db):
    version = ClassifierVersion.objects.get(year=2026)
    accounts = {a.code: a for a in Account.objects.filter(version=version)}
    assert len(accounts) == 278
    for code, account in accounts.items():
        parent = ".".join(code.split(".")[:-1]) if code.count(".") > 1 else None
        assert (account.parent.code if account.parent else None) == parent, code
    assert accounts["215.22.04.001"].level == "asignacion"
    assert accounts["115.03"].kind == "ingreso" and accounts["215.31"].kind == "gasto"


@pytest.mark.parametrize("code", ["215.22", "215.22.04", "215.22.04.001", "115.03.01.001.002"])
def test_well_formed_account_codes(code):
    validate_account_code(code)


@pytest.mark.parametrize("code", ["215", "315.22", "215.2", "215.22.4", "215-22-04", "215.22.04.1"])
def test_malformed_account_codes_are_refused_in_spanish(code):
    with pytest.raises(ValidationError) as error:
        validate_account_code(code)
    assert "215.22.04.001" in str(error.value)


def test_a_municipal_desagregacion_needs_its_parent(db):
    version = ClassifierVersion.objects.get(year=2026)
    own = Account(version=version, code="215.22.04.001.901", name="Útiles de oficina DIDECO")
    own.full_clean()
    assert (own.parent.code, own.level, own.kind) == ("215.22.04.001", "subasignacion", "gasto")
    orphan = Account(version=version, code="215.22.99.901", name="Sin padre")
    with pytest.raises(ValidationError) as error:
        orphan.full_clean()
    assert "Falta la cuenta superior 215.22.99" in str(error.value)


# --- balance and agreement rules ------------------------------------------------------------


def test_moving_money_between_expenses_balances():
    result = rules.balance([("215.22.04.001", 100), ("215.22.04.002", -100)])
    assert result.ok


def test_new_income_must_fund_new_expense_and_the_message_says_by_how_much():
    result = rules.balance([("115.03.01.001", 1_000_000), ("215.22.04.001", 1_200_000)])
    assert not result.ok and result.difference == -200_000
    assert "diferencia $ 200.000" in result.message()


def test_between_allocations_of_the_same_item_needs_no_agreement():
    lines = [("215.22.04.001", 100), ("215.22.04.002", -100)]
    assert rules.agreement_reasons(lines, RULE) == []


def test_between_items_needs_an_agreement_and_says_which():
    lines = [("215.22.04.001", 100), ("215.22.05.001", -100)]
    reasons = rules.agreement_reasons(lines, RULE)
    assert reasons == ["Cambia el total de ítem 215.22.04, 215.22.05."]


def test_between_subtitles_names_the_subtitles_too():
    lines = [("215.22.04.001", 100), ("215.21.01.001", -100)]
    reasons = rules.agreement_reasons(lines, RULE)
    assert reasons[0] == "Cambia el total de subtítulo 215.21, 215.22."


def test_investment_always_needs_an_agreement():
    lines = [("215.31.02.004.001", 100), ("215.31.02.004.002", -100)]
    assert rules.agreement_reasons(lines, RULE) == [
        "Afecta cuentas que siempre requieren acuerdo: 215.31."
    ]


def test_the_rule_in_force_is_the_latest_before_the_date(db):
    with audit_context(source="test"):
        AgreementRule.objects.create(
            valid_from=dt.date(2026, 7, 1), always_prefixes="215.31,215.24.01", source="nueva"
        )
    assert AgreementRule.in_force(dt.date(2026, 6, 30)).always_prefixes == "215.31"
    assert AgreementRule.in_force(dt.date(2026, 7, 1)).source == "nueva"


# --- approval and the presupuesto vigente -----------------------------------------------


@pytest.fixture
def budget(personas):
    version = ClassifierVersion.objects.get(year=2026)
    accounts = {a.code: a for a in Account.objects.filter(version=version)}
    with audit_context(source="test"):
        year = BudgetYear.objects.create(year=2026, classifier=version)
        for code, amount in [("215.22.04.001", 1_000), ("215.22.04.002", 500),
                             ("215.22.05.001", 300), ("115.03.01.001", 1_800)]:  # fmt: skip
            InitialAmount.objects.create(budget_year=year, account=accounts[code], amount=amount)
    year.accounts = accounts
    return year


def modification(budget, number, lines, **extra):
    with audit_context(source="test"):
        mod = Modification.objects.create(
            budget_year=budget, number=number, date=dt.date(2026, 3, 1), description="x", **extra
        )
        for code, amount in lines:
            ModificationLine.objects.create(
                modification=mod, account=budget.accounts[code], amount=amount
            )
    return mod


def test_an_unbalanced_modification_is_not_approved(budget, personas):
    mod = modification(budget, 1, [("215.22.04.001", 100)])
    with pytest.raises(ValidationError) as error:
        services.modification_approve(actor=personas.presupuesto, modification=mod)
    assert "no cuadra" in str(error.value)
    mod.refresh_from_db()
    assert mod.status == "borrador"


def test_a_modification_that_needs_the_concejo_waits_for_its_agreement(budget, personas):
    mod = modification(budget, 1, [("215.22.04.001", 100), ("215.22.05.001", -100)])
    with pytest.raises(ValidationError) as error:
        services.modification_approve(actor=personas.presupuesto, modification=mod)
    assert "Requiere acuerdo del Concejo" in str(error.value)
    mod.agreement_number, mod.agreement_date = "245", dt.date(2026, 3, 10)
    with audit_context(source="test"):
        mod.save()
    approved = services.modification_approve(
        actor=personas.presupuesto, modification=mod, on=dt.date(2026, 3, 12)
    )
    assert approved.status == "aprobada" and approved.requires_agreement


def test_only_approved_modifications_change_the_vigente(budget, personas):
    draft = modification(budget, 1, [("215.22.04.001", 70), ("215.22.04.002", -70)])
    assert rules.vigente(budget, "215.22.04.001", dt.date(2026, 12, 31)) == 1_000
    services.modification_approve(
        actor=personas.presupuesto, modification=draft, on=dt.date(2026, 4, 1)
    )
    assert rules.vigente(budget, "215.22.04.001", dt.date(2026, 3, 31)) == 1_000
    assert rules.vigente(budget, "215.22.04.001", dt.date(2026, 4, 1)) == 1_070
    assert rules.vigente(budget, "215.22.04", dt.date(2026, 4, 1)) == 1_500  # item unchanged
    assert rules.vigente(budget, "215.22", dt.date(2026, 4, 1)) == 1_800


def test_the_vigente_of_an_account_does_not_include_a_sibling_with_a_longer_code(budget):
    # 215.22.04.001 must not pick up 215.22.04.0010-style prefixes: codes are matched by
    # whole segments.
    assert rules.vigente(budget, "215.22.04.00", dt.date(2026, 12, 31)) == 0


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(st.integers(min_value=1, max_value=10_000),
                  st.integers(min_value=1, max_value=300)),
        min_size=1, max_size=6,
    ),
    st.lists(st.integers(min_value=0, max_value=365), min_size=1, max_size=4),
)  # fmt: skip
def test_initial_plus_approved_modifications_equals_vigente_at_every_date(
    budget, personas, moves, probes
):
    """Reconciliation: for every account and date, vigente = initial + approved lines
    effective on or before that date."""
    Modification.objects.filter(budget_year=budget).delete()
    start = dt.date(2026, 1, 1)
    expected_changes = []
    for number, (amount, day) in enumerate(moves, start=1):
        mod = modification(budget, number, [("215.22.04.001", amount), ("215.22.04.002", -amount)])
        on = start + dt.timedelta(days=day)
        services.modification_approve(actor=personas.presupuesto, modification=mod, on=on)
        expected_changes.append((on, amount))
    initial = {"215.22.04.001": 1_000, "215.22.04.002": 500}
    for probe in probes:
        when = start + dt.timedelta(days=probe)
        moved = sum(amount for on, amount in expected_changes if on <= when)
        assert rules.vigente(budget, "215.22.04.001", when) == initial["215.22.04.001"] + moved
        assert rules.vigente(budget, "215.22.04.002", when) == initial["215.22.04.002"] - moved
        assert rules.vigente(budget, "215.22.04", when) == 1_500
