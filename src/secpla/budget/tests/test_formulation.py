"""The budget year as a service (no HTTP): the consolidated proposal and its balance, SECPLA's
adjustments, the Concejo calendar, the transitions (present, approve, close) and who may
file, adjust and load what, and when."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from secpla.budget import formulation, rules
from secpla.budget.models import (
    Account,
    BudgetCalendar,
    BudgetRequest,
    BudgetYear,
    ClassifierVersion,
    InitialAmount,
    ManagementArea,
    Program,
)
from secpla.core.audit import audit_context
from secpla.core.models import ChangeLogEntry, Directorate

Status = BudgetYear.Status


@pytest.fixture
def budget(personas) -> BudgetYear:
    return formulation.budget_year_create(
        actor=personas.director, budget_year=BudgetYear(year=2026)
    )


def account(budget: BudgetYear, code: str) -> Account:
    return Account.objects.get(version=budget.classifier, code=code)


def ask(actor, budget, code, amount, directorate="DIDECO", **extra) -> BudgetRequest:
    return formulation.budget_request_create(
        actor=actor,
        budget_request=BudgetRequest(
            budget_year=budget, directorate=Directorate.objects.get(code=directorate),
            account=account(budget, code), requested=amount, justification="Necesidad",
            **extra,
        ),
    )  # fmt: skip


@pytest.fixture
def requests(budget, personas) -> dict[str, BudgetRequest]:
    """A proposal that balances: $ 1.800.000 of ingresos and of gastos."""
    boss = personas.director
    return {
        "patentes": ask(boss, budget, "115.03.01.001", 1_800_000, "SECPLA"),
        "planta": ask(boss, budget, "215.21.01", 1_000_000, "SECPLA"),
        "materiales": ask(boss, budget, "215.22.04.001", 500_000),
        "textos": ask(boss, budget, "215.22.04.002", 300_000, "SECPLA"),
    }


def present(budget, personas, on=dt.date(2025, 10, 3)) -> BudgetYear:
    return formulation.budget_year_present(
        actor=personas.presupuesto, budget_year=budget, presented_on=on
    )


def approve(budget, personas, on=dt.date(2025, 12, 10)) -> BudgetYear:
    return formulation.budget_year_approve(
        actor=personas.presupuesto, budget_year=budget, agreement="1234", approved_on=on,
        decree="D.A. 5.678",
    )  # fmt: skip


def lines(summary: formulation.Summary) -> dict[str, list[int]]:
    return {line.code: line.values for line in [*summary.income, *summary.expense]}


# --- the year ---------------------------------------------------------------------------


def test_a_new_year_takes_the_classifier_of_its_year_and_starts_in_formulation(budget):
    assert budget.classifier == ClassifierVersion.objects.get(year=2026)
    assert budget.status == Status.FORMULATION


def test_a_year_without_its_classifier_is_refused_with_a_hint_to_copy_it(personas):
    with pytest.raises(ValidationError) as error:
        formulation.budget_year_create(actor=personas.director, budget_year=BudgetYear(year=2027))
    message = error.value.message_dict["year"][0]
    assert "No hay clasificador presupuestario para 2027" in message
    assert "Copie primero el clasificador" in message
    assert not BudgetYear.objects.filter(year=2027).exists()


def test_a_read_only_role_cannot_create_a_year(personas):
    with pytest.raises(PermissionDenied):
        formulation.budget_year_create(actor=personas.concejala, budget_year=BudgetYear(year=2026))


# --- the proposal -----------------------------------------------------------------------


def test_the_proposal_adds_the_requests_by_subtitle_and_item(budget, requests):
    summary = formulation.proposal(budget)
    assert lines(summary) == {
        "115.03": [1_800_000, 1_800_000],
        "115.03.01": [1_800_000, 1_800_000],
        "215.21": [1_000_000, 1_000_000],
        "215.21.01": [1_000_000, 1_000_000],
        "215.22": [800_000, 800_000],
        "215.22.04": [800_000, 800_000],
    }
    assert [line.code for line in summary.expense] == ["215.21", "215.21.01", "215.22", "215.22.04"]
    assert (
        summary.income[0].name == "Tributos sobre el Uso de Bienes y la Realización de Actividades"
    )
    assert summary.income_total == summary.expense_total == [1_800_000, 1_800_000]
    assert summary.balance.ok
    assert formulation.balance_message(summary.balance, formulation.PROPOSAL) == (
        "El proyecto de presupuesto cuadra: ingresos y gastos suman $ 1.800.000."
    )


def test_an_adjustment_changes_the_consolidation_and_the_difference_is_stated(
    budget, requests, personas
):
    formulation.budget_request_adjust(
        actor=personas.presupuesto, budget_request=requests["textos"], adjusted=100_000,
        note="Se financia con saldo de 2025",
    )  # fmt: skip
    summary = formulation.proposal(budget)
    assert lines(summary)["215.22.04"] == [800_000, 600_000]  # requested, final
    assert summary.expense_total == [1_800_000, 1_600_000]
    assert not summary.balance.ok
    assert formulation.balance_message(summary.balance, formulation.PROPOSAL) == (
        "El proyecto de presupuesto no cuadra: los ingresos suman $ 1.800.000 y los gastos "
        "$ 1.600.000 (diferencia $ 200.000: los ingresos superan a los gastos)."
    )
    formulation.budget_request_adjust(
        actor=personas.presupuesto, budget_request=requests["textos"], adjusted=None, note=""
    )
    requests["textos"].refresh_from_db()
    assert (requests["textos"].adjusted, requests["textos"].adjustment_note) == (None, "")
    assert formulation.proposal(budget).balance.ok


def test_an_adjustment_needs_change_on_the_year_and_its_reason(budget, requests, personas):
    with pytest.raises(PermissionDenied):
        formulation.budget_request_adjust(
            actor=personas.enlace_dideco, budget_request=requests["materiales"], adjusted=1,
            note="x",
        )  # fmt: skip
    with pytest.raises(ValidationError) as error:
        formulation.budget_request_adjust(
            actor=personas.director, budget_request=requests["materiales"], adjusted=400_000,
            note="  ",
        )  # fmt: skip
    assert error.value.message_dict["adjustment_note"] == ["Indique el motivo del ajuste."]
    before = ChangeLogEntry.objects.count()
    formulation.budget_request_adjust(
        actor=personas.director, budget_request=requests["materiales"], adjusted=400_000,
        note="Tope de la dirección",
    )  # fmt: skip
    entry = ChangeLogEntry.objects.latest("pk")
    assert ChangeLogEntry.objects.count() == before + 1
    assert (entry.user, entry.after["adjusted"]) == (personas.director, 400_000)


# --- approval ---------------------------------------------------------------------------


def test_an_unbalanced_proposal_cannot_be_approved_and_nothing_is_written(
    budget, requests, personas
):
    formulation.budget_request_adjust(
        actor=personas.director, budget_request=requests["planta"], adjusted=1_250_000,
        note="Reajuste",
    )  # fmt: skip
    present(budget, personas)
    with pytest.raises(ValidationError) as error:
        approve(budget, personas)
    assert "diferencia $ 250.000: los gastos superan a los ingresos" in error.value.messages[0]
    budget.refresh_from_db()
    assert budget.status == Status.COUNCIL and budget.approved_on is None
    assert not InitialAmount.objects.filter(budget_year=budget).exists()


def test_approval_creates_the_initial_amounts_equal_to_the_consolidated_proposal(
    budget, requests, personas
):
    area = ManagementArea.objects.get(code="04")
    with audit_context(source="test"):
        program = Program.objects.create(budget_year=budget, code="P-1", name="Deportes", area=area)
    boss = personas.director
    # Two requests of one account and program are one initial amount; the área comes from
    # the program.
    ask(boss, budget, "215.22.04.003", 70_000, program=program)
    ask(boss, budget, "215.22.04.003", 30_000, "SECPLA", program=program)
    ask(boss, budget, "215.22.04.003", 50_000, area=area)
    ask(boss, budget, "115.03.01.002", 150_000, "SECPLA")
    formulation.budget_request_adjust(
        actor=boss, budget_request=ask(boss, budget, "215.22.04.004", 80_000), adjusted=0,
        note="No se financia",
    )  # fmt: skip
    proposal = formulation.proposal(budget)
    present(budget, personas)
    approve(budget, personas)
    budget.refresh_from_db()
    assert budget.status == Status.APPROVED
    assert (budget.approval_agreement, budget.approval_decree) == ("1234", "D.A. 5.678")
    rows = {
        (row.account.code, row.area_id, row.program_id): row.amount
        for row in InitialAmount.objects.filter(budget_year=budget).select_related("account")
    }
    assert rows == {
        ("115.03.01.001", None, None): 1_800_000,
        ("115.03.01.002", None, None): 150_000,
        ("215.21.01", None, None): 1_000_000,
        ("215.22.04.001", None, None): 500_000,
        ("215.22.04.002", None, None): 300_000,
        ("215.22.04.003", area.pk, program.pk): 100_000,
        ("215.22.04.003", area.pk, None): 50_000,
    }  # the request adjusted to 0 leaves no amount
    initial = formulation.initial_budget(budget)
    assert {code: values[-1:] for code, values in lines(initial).items()} == {
        code: values[-1:] for code, values in lines(proposal).items()
    }
    assert rules.vigente(budget, "215.22", dt.date(2026, 1, 1)) == 950_000


def test_approval_keeps_hand_loaded_initial_amounts_and_checks_that_they_balance(
    budget, requests, personas
):
    income = formulation.initial_amount_create(
        actor=personas.presupuesto,
        initial=InitialAmount(
            budget_year=budget, account=account(budget, "115.03.01.001"), amount=900_000
        ),
    )
    formulation.initial_amount_create(
        actor=personas.presupuesto,
        initial=InitialAmount(
            budget_year=budget, account=account(budget, "215.22.04.001"), amount=1_000_000
        ),
    )
    present(budget, personas)
    with pytest.raises(ValidationError) as error:
        approve(budget, personas)
    assert error.value.messages[0].startswith("El presupuesto inicial no cuadra")
    assert "diferencia $ 100.000" in error.value.messages[0]
    income.amount = 1_000_000
    formulation.initial_amount_update(actor=personas.presupuesto, initial=income)
    approve(budget, personas)
    assert InitialAmount.objects.filter(budget_year=budget).count() == 2  # requests not used


def test_approval_needs_the_agreement_its_date_and_the_decree(budget, requests, personas):
    present(budget, personas)
    with pytest.raises(ValidationError) as error:
        formulation.budget_year_approve(
            actor=personas.director, budget_year=budget, agreement=" ", approved_on=None,
            decree="D.A. 1",
        )  # fmt: skip
    assert error.value.messages == [
        "Para aprobar el presupuesto indique el número de acuerdo del Concejo y la fecha de "
        "aprobación."
    ]
    with pytest.raises(ValidationError) as error:
        approve(budget, personas, on=dt.date(2025, 10, 1))
    assert "no puede ser anterior a la presentación al Concejo (03-10-2025)" in str(error.value)


def test_a_year_without_requests_nor_initial_amounts_has_nothing_to_approve(budget, personas):
    present(budget, personas)
    with pytest.raises(ValidationError) as error:
        approve(budget, personas)
    assert "no tiene montos" in error.value.messages[0]


# --- transitions --------------------------------------------------------------------------


def test_the_transitions_go_in_order_and_each_is_one_logged_change(budget, requests, personas):
    def entries():
        return ChangeLogEntry.objects.filter(
            content_type__model="budgetyear", object_id=str(budget.pk)
        ).count()

    with pytest.raises(ValidationError) as error:
        approve(budget, personas)
    assert error.value.messages == [
        "Solo se aprueba un presupuesto que está en el Concejo; el presupuesto 2026 está "
        "«En formulación»."
    ]
    with pytest.raises(ValidationError, match="Solo se cierra un presupuesto aprobado"):
        formulation.budget_year_close(actor=personas.director, budget_year=budget)
    logged = entries()
    present(budget, personas)
    assert entries() == logged + 1
    with pytest.raises(ValidationError, match="Solo se presenta al Concejo"):
        present(budget, personas)
    approve(budget, personas)
    assert entries() == logged + 2
    with pytest.raises(ValidationError, match="se cierra cuando termina el año"):
        formulation.budget_year_close(
            actor=personas.director, budget_year=budget, today=dt.date(2026, 12, 31)
        )
    formulation.budget_year_close(
        actor=personas.director, budget_year=budget, today=dt.date(2027, 1, 4)
    )
    assert entries() == logged + 3
    budget.refresh_from_db()
    assert budget.status == Status.CLOSED


def test_a_read_only_role_cannot_move_the_year(budget, personas):
    with pytest.raises(PermissionDenied):
        formulation.budget_year_present(
            actor=personas.concejala, budget_year=budget, presented_on=dt.date(2025, 10, 3)
        )


def test_a_year_is_deleted_only_while_in_formulation(budget, requests, personas):
    present(budget, personas)
    with pytest.raises(ValidationError, match="Solo se elimina un presupuesto en formulación"):
        formulation.budget_year_delete(actor=personas.director, budget_year=budget)
    assert BudgetYear.objects.filter(pk=budget.pk).exists()


# --- the calendar -------------------------------------------------------------------------


def test_a_presentation_outside_the_window_is_recorded_with_a_warning(budget, personas):
    assert formulation.presentation_warning(budget, dt.date(2025, 10, 7)) is None
    late = present(budget, personas, on=dt.date(2025, 10, 20))
    assert late.status == Status.COUNCIL and late.presented_on == dt.date(2025, 10, 20)
    assert formulation.presentation_warnings(late) == [
        "Presentado el 20-10-2025, fuera del plazo legal: el presupuesto 2026 se presenta al "
        "Concejo entre el 01-10-2025 y el 07-10-2025."
    ]
    badge = formulation.calendar_status(late, dt.date(2025, 11, 1)).presentation
    assert (badge.text, badge.tone) == ("presentado el 20-10-2025, fuera de plazo", "warning")


def test_the_calendar_badges_follow_the_dates(budget, personas):
    status = formulation.calendar_status(budget, dt.date(2025, 9, 15))
    assert (status.present_from, status.present_until, status.decide_by) == (
        dt.date(2025, 10, 1), dt.date(2025, 10, 7), dt.date(2025, 12, 15),
    )  # fmt: skip
    assert (status.presentation.text, status.decision.text) == ("dentro de plazo",) * 2
    status = formulation.calendar_status(budget, dt.date(2025, 12, 16))
    assert (status.presentation.text, status.decision.text) == ("plazo vencido",) * 2
    assert status.presentation.tone == "danger"
    on_time = present(budget, personas)
    status = formulation.calendar_status(on_time, dt.date(2025, 12, 16))
    assert (status.presentation.text, status.presentation.tone) == (
        "presentado el 03-10-2025",
        "success",
    )


def test_the_calendar_is_dated_configuration(budget):
    with audit_context(source="test"):
        BudgetCalendar.objects.create(
            valid_from=dt.date(2025, 1, 1), present_from="01-09", present_until="15-09",
            decide_by="30-11", source="Ley de prueba",
        )  # fmt: skip
    status = formulation.calendar_status(budget, dt.date(2025, 9, 1))
    assert (status.present_until, status.decide_by) == (dt.date(2025, 9, 15), dt.date(2025, 11, 30))
    old = BudgetYear(year=2025, classifier=budget.classifier)
    assert formulation.calendar_status(old, dt.date(2024, 9, 1)).present_until == dt.date(
        2024, 10, 7
    )


# --- requests and initial amounts -----------------------------------------------------------


def test_the_enlace_files_requests_only_for_its_own_directorate(budget, personas):
    enlace = personas.enlace_dideco
    with pytest.raises(PermissionDenied, match="su propia dirección"):
        ask(enlace, budget, "215.22.04.001", 10_000, "SECPLA")
    own = ask(enlace, budget, "215.22.04.001", 10_000)
    assert own.directorate.code == "DIDECO" and own.adjusted is None
    own.directorate = Directorate.objects.get(code="SECPLA")
    with pytest.raises(PermissionDenied):
        formulation.budget_request_update(actor=enlace, budget_request=own)
    assert BudgetRequest.objects.get(pk=own.pk).directorate.code == "DIDECO"


def test_an_edit_keeps_secplas_adjustment(budget, requests, personas):
    materiales = requests["materiales"]
    formulation.budget_request_adjust(
        actor=personas.director, budget_request=materiales, adjusted=10, note="Tope"
    )
    stale = BudgetRequest.objects.get(pk=materiales.pk)
    stale.adjusted, stale.justification = 999, "Nueva justificación"
    formulation.budget_request_update(actor=personas.enlace_dideco, budget_request=stale)
    stale.refresh_from_db()
    assert (stale.adjusted, stale.justification) == (10, "Nueva justificación")


def test_requests_are_filed_and_changed_only_while_the_year_is_in_formulation(
    budget, requests, personas
):
    present(budget, personas)
    with pytest.raises(ValidationError) as error:
        ask(personas.enlace_dideco, budget, "215.22.04.001", 10_000)
    assert error.value.message_dict["budget_year"] == [
        "El presupuesto 2026 está «En el Concejo»: las solicitudes se registran y modifican "
        "solo mientras está en formulación."
    ]
    materiales = requests["materiales"]
    materiales.requested = 1
    with pytest.raises(ValidationError, match="solo mientras está en formulación"):
        formulation.budget_request_update(actor=personas.enlace_dideco, budget_request=materiales)
    with pytest.raises(ValidationError, match="solo mientras está en formulación"):
        formulation.budget_request_delete(actor=personas.director, budget_request=materiales)
    # SECPLA may still adjust while the Concejo deliberates, not after approval.
    formulation.budget_request_adjust(
        actor=personas.director, budget_request=materiales, adjusted=500_000, note="Concejo"
    )
    approve(budget, personas)
    with pytest.raises(ValidationError, match="ya no se ajustan"):
        formulation.budget_request_adjust(
            actor=personas.director, budget_request=materiales, adjusted=1, note="Tarde"
        )


def test_initial_amounts_change_by_hand_only_before_approval(budget, requests, personas):
    keeper = personas.presupuesto
    present(budget, personas)
    approve(budget, personas)
    row = InitialAmount.objects.filter(budget_year=budget).first()
    new = InitialAmount(budget_year=budget, account=account(budget, "215.22.01"), amount=5)
    for attempt in (
        lambda: formulation.initial_amount_create(actor=keeper, initial=new),
        lambda: formulation.initial_amount_update(actor=keeper, initial=row),
        lambda: formulation.initial_amount_delete(actor=keeper, initial=row),
    ):
        with pytest.raises(ValidationError) as error:
            attempt()
        assert "cambia solo mediante modificaciones presupuestarias" in str(error.value)
    assert InitialAmount.objects.filter(budget_year=budget).count() == 4
