"""The budget-year screens through the client: the list, creating a year, the year page and
its tabs, the transitions, the requests with their filters, totals, export and SECPLA's
adjustment, the initial amounts loaded by hand and the programs."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from secpla.budget import formulation
from secpla.budget.models import (
    Account,
    BudgetRequest,
    BudgetYear,
    InitialAmount,
    ManagementArea,
    Modification,
    Program,
)
from secpla.core.audit import audit_context
from secpla.core.models import Directorate

Status = BudgetYear.Status


@pytest.fixture
def budget(personas) -> BudgetYear:
    return formulation.budget_year_create(
        actor=personas.director, budget_year=BudgetYear(year=2026)
    )


def account(budget, code) -> Account:
    return Account.objects.get(version=budget.classifier, code=code)


def ask(budget, code, amount, directorate="DIDECO", **extra) -> BudgetRequest:
    with audit_context(source="test"):
        return BudgetRequest.objects.create(
            budget_year=budget, directorate=Directorate.objects.get(code=directorate),
            account=account(budget, code), requested=amount, justification="Necesidad",
            **extra,
        )  # fmt: skip


@pytest.fixture
def requests(budget) -> dict[str, BudgetRequest]:
    """$ 1.000.000 of ingresos against $ 1.200.000 of gastos: $ 200.000 short."""
    return {
        "patentes": ask(budget, "115.03.01.001", 1_000_000, "SECPLA"),
        "materiales": ask(budget, "215.22.04.001", 700_000),
        "planta": ask(budget, "215.21.01", 500_000, "SECPLA"),
    }


def year_url(budget, tab="") -> str:
    return budget.get_absolute_url() + (f"?tab={tab}" if tab else "")


def page(response) -> str:
    return response.content.decode()


def options(html: str, name: str) -> list[str]:
    """The non-empty option values of the <select> called `name`."""
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S).group(0)
    return [value for value in re.findall(r'<option value="([^"]*)"', select) if value]


def set_status(budget, status, **fields):
    BudgetYear.objects.filter(pk=budget.pk).update(status=status, **fields)
    budget.refresh_from_db()


# --- years ----------------------------------------------------------------------------------


def test_the_year_list_shows_status_and_totals(budget, requests, client_as, personas):
    with audit_context(source="test"):
        InitialAmount.objects.create(
            budget_year=budget, account=account(budget, "215.22.04.001"), amount=1_234_567
        )
    html = page(client_as(personas.concejala).get(reverse("budget:budgetyear_list")))
    assert "En formulación" in html
    assert "$ 1.234.567" in html  # initial gastos
    assert "$ 1.000.000" in html and "$ 1.200.000" in html  # proposal ingresos and gastos


def test_creating_a_year_takes_its_classifier_and_a_year_without_one_is_refused(
    client_as, personas
):
    client = client_as(personas.presupuesto)
    response = client.post(reverse("budget:budgetyear_create"), {"year": "2026"})
    created = BudgetYear.objects.get(year=2026)
    assert response.status_code == 302 and response["Location"] == created.get_absolute_url()
    assert created.classifier.year == 2026 and created.status == Status.FORMULATION
    refused = page(client.post(reverse("budget:budgetyear_create"), {"year": "2027"}))
    assert "No hay clasificador presupuestario para 2027" in refused
    assert not BudgetYear.objects.filter(year=2027).exists()


def test_a_year_in_formulation_has_nothing_to_correct_and_an_approved_one_its_decree(
    budget, client_as, personas
):
    client = client_as(personas.director)
    edit = reverse("budget:budgetyear_edit", args=[budget.pk])
    assert "no tiene datos que corregir" in page(client.get(edit))
    set_status(
        budget, Status.APPROVED, presented_on=dt.date(2025, 10, 3),
        approved_on=dt.date(2025, 12, 10), approval_agreement="12", approval_decree="D.A. 1",
    )  # fmt: skip
    form = {
        "presented_on": "2025-10-03", "approval_agreement": "12", "approved_on": "2025-12-10",
        "approval_decree": "D.A. 1.500",
    }  # fmt: skip
    assert client.post(edit, form).status_code == 302
    budget.refresh_from_db()
    assert budget.approval_decree == "D.A. 1.500" and budget.status == Status.APPROVED
    bad = page(client.post(edit, {**form, "approved_on": "2025-09-01"}))
    assert "no puede ser anterior a la presentación al Concejo (03-10-2025)" in bad


def test_deleting_a_year_that_left_formulation_is_refused_in_spanish(budget, client_as, personas):
    set_status(budget, Status.COUNCIL, presented_on=dt.date(2025, 10, 3))
    client = client_as(personas.director)
    response = client.post(reverse("budget:budgetyear_delete", args=[budget.pk]))
    assert response.status_code == 200
    assert "Solo se elimina un presupuesto en formulación" in page(response)
    assert BudgetYear.objects.filter(pk=budget.pk).exists()


# --- the year page --------------------------------------------------------------------------


def test_the_formulation_tab_shows_the_difference_and_exports_the_proposal(
    budget, requests, client_as, personas
):
    client = client_as(personas.enlace_dideco)  # reads the year; sees only DIDECO's requests
    html = page(client.get(year_url(budget, "formulacion")))
    assert (
        "El proyecto de presupuesto no cuadra: los ingresos suman $ 1.000.000 y los gastos "
        "$ 1.200.000 (diferencia $ 200.000: los gastos superan a los ingresos)."
    ) in html
    assert "Bienes y Servicios de Consumo" in html and "$ 700.000" in html
    directorates = html.split('data-testid="by-directorate"')[1].split("</table>")[0]
    assert "DIDECO" in directorates and "SECPLA" not in directorates
    response = client.get(year_url(budget, "formulacion") + "&export=xlsx")
    assert 'filename="proyecto-presupuesto-2026.xlsx"' in response["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert ("215.22.04", "Materiales de Uso o Consumo", "Ítem", 700_000, 700_000) in rows
    assert ("Total gastos", None, None, 1_200_000, 1_200_000) in rows
    assert rows[-1][0].startswith("El proyecto de presupuesto no cuadra")


def test_presenting_outside_the_window_warns_and_the_badge_says_so(budget, client_as, personas):
    client = client_as(personas.presupuesto)
    html = page(client.get(year_url(budget)))
    assert "del 01-10-2025 al 07-10-2025" in html and 'data-testid="present-form"' in html
    response = client.post(
        reverse("budget:budgetyear_present", args=[budget.pk]), {"presented_on": "2025-10-20"},
        follow=True,
    )  # fmt: skip
    html = page(response)
    assert "Presentado el 20-10-2025, fuera del plazo legal" in html
    assert "presentado el 20-10-2025, fuera de plazo" in html  # the badge
    budget.refresh_from_db()
    assert budget.status == Status.COUNCIL
    assert 'data-testid="approve-form"' in html


def test_a_read_only_role_cannot_present_the_budget(budget, client_as, personas):
    url = reverse("budget:budgetyear_present", args=[budget.pk])
    response = client_as(personas.concejala).post(url, {"presented_on": "2025-10-03"})
    assert response.status_code == 403
    assert 'data-testid="present-form"' not in page(
        client_as(personas.concejala).get(year_url(budget))
    )
    budget.refresh_from_db()
    assert budget.status == Status.FORMULATION


def test_an_unbalanced_proposal_is_not_approved_and_a_balanced_one_becomes_the_initial_budget(
    budget, requests, client_as, personas, monkeypatch
):
    set_status(budget, Status.COUNCIL, presented_on=dt.date(2025, 10, 3))
    client = client_as(personas.presupuesto)
    approve = reverse("budget:budgetyear_approve", args=[budget.pk])
    data = {"approval_agreement": "345", "approved_on": "2025-12-11", "approval_decree": "D.A. 9"}
    html = page(client.post(approve, data, follow=True))
    assert "No se aprobó el presupuesto." in html
    assert "diferencia $ 200.000: los gastos superan a los ingresos" in html
    assert not InitialAmount.objects.filter(budget_year=budget).exists()
    html = page(client.post(approve, {**data, "approval_decree": ""}, follow=True))
    assert "No se aprobó el presupuesto: Indique el decreto alcaldicio." in html

    adjust = reverse("budget:budgetrequest_adjust", args=[requests["materiales"].pk])
    client.post(adjust, {"adjusted": "500000", "adjustment_note": "Tope de DIDECO"})
    response = client.post(approve, data, follow=True)
    html = page(response)
    assert response.redirect_chain[-1][0].endswith("?tab=inicial")
    assert "aprobado el 11-12-2025 (acuerdo del Concejo: 345; decreto: D.A. 9)" in html
    assert "El presupuesto inicial cuadra: ingresos y gastos suman $ 1.000.000." in html
    assert dict(
        InitialAmount.objects.filter(budget_year=budget).values_list("account__code", "amount")
    ) == {"115.03.01.001": 1_000_000, "215.22.04.001": 500_000, "215.21.01": 500_000}
    html = page(client.get(year_url(budget)))
    assert "aprobado el 11-12-2025" in html and 'data-testid="close-form"' in html
    monkeypatch.setattr(timezone, "localdate", lambda *args: dt.date(2027, 1, 4))
    close = reverse("budget:budgetyear_close", args=[budget.pk])
    html = page(client.post(close, {"change_reason": "x" * 501}, follow=True))
    assert "No se cerró el año." in html and "500 caracteres" in html
    budget.refresh_from_db()
    assert budget.status != Status.CLOSED
    client.post(close)
    budget.refresh_from_db()
    assert budget.status == Status.CLOSED


def test_the_programs_and_modifications_tabs_list_the_years_records(budget, client_as, personas):
    area = ManagementArea.objects.get(code="04")
    with audit_context(source="test"):
        program = Program.objects.create(budget_year=budget, code="P-7", name="Verano", area=area)
        modification = Modification.objects.create(
            budget_year=budget, number=3, date=dt.date(2026, 4, 2), description="Suplemento"
        )
    ask(budget, "215.22.04.001", 80_000, program=program)
    client = client_as(personas.estudios)
    html = page(client.get(year_url(budget, "programas")))
    assert "P-7" in html and "$ 80.000" in html
    html = page(client.get(year_url(budget, "modificaciones")))
    assert modification.get_absolute_url() in html and "Suplemento" in html


# --- requests -------------------------------------------------------------------------------


def test_the_enlace_files_a_request_only_for_its_own_directorate(budget, client_as, personas):
    client = client_as(personas.enlace_dideco)
    create = reverse("budget:budgetrequest_create")
    dideco, secpla = (Directorate.objects.get(code=code) for code in ("DIDECO", "SECPLA"))
    assert options(page(client.get(create)), "directorate") == [str(dideco.pk)]
    data = {
        "budget_year": budget.pk, "directorate": secpla.pk,
        "account": account(budget, "215.22.04.001").pk, "requested": "150000",
        "justification": "Talleres de verano",
    }  # fmt: skip
    refused = client.post(create, data)
    assert refused.status_code == 200 and "Escoja una opción válida" in page(refused)
    assert not BudgetRequest.objects.exists()
    response = client.post(create, {**data, "directorate": dideco.pk})
    created = BudgetRequest.objects.get()
    assert response["Location"] == created.get_absolute_url()
    assert (created.directorate, created.requested, created.adjusted) == (dideco, 150_000, None)


def test_the_enlace_cannot_file_nor_change_a_request_after_formulation(
    budget, requests, client_as, personas
):
    set_status(budget, Status.COUNCIL, presented_on=dt.date(2025, 10, 3))
    client = client_as(personas.enlace_dideco)
    own = requests["materiales"]
    data = {
        "budget_year": budget.pk, "directorate": own.directorate_id, "account": own.account_id,
        "requested": "1", "justification": "Tarde",
    }  # fmt: skip
    html = page(client.post(reverse("budget:budgetrequest_edit", args=[own.pk]), data))
    assert "las solicitudes se registran y modifican solo mientras está en formulación" in html
    own.refresh_from_db()
    assert own.requested == 700_000
    # The create form offers no year: none is in formulation.
    form = page(client.get(reverse("budget:budgetrequest_create")))
    assert "No hay presupuestos abiertos para esta operación." in form
    assert 'data-testid="adjustment"' in page(client.get(own.get_absolute_url()))
    assert reverse("budget:budgetrequest_edit", args=[own.pk]) not in page(
        client.get(own.get_absolute_url())
    )


def test_the_request_list_filters_totals_and_exports(budget, requests, client_as, personas):
    client = client_as(personas.director)
    url = reverse("budget:budgetrequest_list")
    html = page(client.get(url, {"budget_year": budget.pk, "subtitle": "215.22"}))
    assert "1 solicitud que coinciden" in html
    assert "gastos: solicitado $ 700.000, propuesta final $ 700.000" in html
    assert "215.21.01" not in html
    html = page(client.get(url, {"account_text": "patentes"}))
    assert "ingresos: solicitado $ 1.000.000" in html and "215.22.04.001" not in html
    response = client.get(url, {"kind": "gasto", "export": "xlsx"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("Año", "Dirección", "Código")
    assert sorted(row[2] for row in rows[1:]) == ["215.21.01", "215.22.04.001"]


def test_the_enlace_lists_only_its_directorates_requests(budget, requests, client_as, personas):
    html = page(client_as(personas.enlace_dideco).get(reverse("budget:budgetrequest_list")))
    assert "215.22.04.001" in html and "115.03.01.001" not in html
    secpla = requests["patentes"].get_absolute_url()
    assert client_as(personas.enlace_dideco).get(secpla).status_code == 404


def test_secpla_adjusts_a_request_and_the_proposal_follows(budget, requests, client_as, personas):
    materiales = requests["materiales"]
    adjust = reverse("budget:budgetrequest_adjust", args=[materiales.pk])
    assert client_as(personas.enlace_dideco).get(adjust).status_code == 403
    client = client_as(personas.presupuesto)
    missing = page(client.post(adjust, {"adjusted": "500000", "adjustment_note": ""}))
    assert "Indique el motivo del ajuste." in missing
    negative = page(client.post(adjust, {"adjusted": "-5", "adjustment_note": "x"}))
    assert "El monto no puede ser negativo." in negative
    response = client.post(adjust, {"adjusted": "500000", "adjustment_note": "Tope DIDECO"})
    assert response["Location"] == materiales.get_absolute_url()
    html = page(client.get(materiales.get_absolute_url()))
    assert "$ 500.000" in html and "Tope DIDECO" in html
    html = page(client.get(year_url(budget, "formulacion")))
    assert "El proyecto de presupuesto cuadra: ingresos y gastos suman $ 1.000.000." in html
    history = page(client.get(materiales.get_absolute_url() + "?tab=historial"))
    assert "Tope DIDECO" in history


# --- initial amounts and programs ------------------------------------------------------------


def test_initial_amounts_are_loaded_by_hand_only_before_approval(budget, client_as, personas):
    client = client_as(personas.presupuesto)
    create = reverse("budget:initialamount_create")
    data = {
        "budget_year": budget.pk, "account": account(budget, "115.03.01.001").pk,
        "amount": "250000",
    }  # fmt: skip
    response = client.post(create, data)
    assert response["Location"] == year_url(budget, "inicial")
    html = page(client.get(year_url(budget, "inicial")))
    assert "$ 250.000" in html and "no cuadra" in html
    row = InitialAmount.objects.get()
    set_status(
        budget, Status.APPROVED, presented_on=dt.date(2025, 10, 3),
        approved_on=dt.date(2025, 12, 1), approval_agreement="1", approval_decree="D.A. 1",
    )  # fmt: skip
    html = page(client.post(reverse("budget:initialamount_edit", args=[row.pk]), data))
    assert "cambia solo mediante modificaciones presupuestarias" in html
    assert "No hay presupuestos abiertos" in page(client.get(create))
    assert reverse("budget:initialamount_edit", args=[row.pk]) not in page(
        client.get(reverse("budget:initialamount_detail", args=[row.pk]))
    )


def test_an_absurd_amount_is_refused_in_spanish_so_the_totals_keep_adding_up(
    budget, requests, client_as, personas
):
    """2**63 − 1 fits the database column, but two of them overflow every SUM (SQLite
    raises «integer overflow»): amounts stop at $ 1.000 billones."""
    client = client_as(personas.presupuesto)
    huge = str(2**63 - 1)
    request = {
        "budget_year": budget.pk, "directorate": Directorate.objects.get(code="DIDECO").pk,
        "account": account(budget, "215.22.04.002").pk, "requested": huge,
        "justification": "Error de tipeo",
    }  # fmt: skip
    html = page(client.post(reverse("budget:budgetrequest_create"), request))
    assert "El monto no puede superar $ 1.000.000.000.000.000." in html
    initial = {"budget_year": budget.pk, "account": request["account"], "amount": huge}
    html = page(client.post(reverse("budget:initialamount_create"), initial))
    assert "El monto no puede superar $ 1.000.000.000.000.000." in html
    assert BudgetRequest.objects.count() == 3 and not InitialAmount.objects.exists()
    assert client.get(year_url(budget, "formulacion")).status_code == 200
    assert client.get(reverse("budget:budgetrequest_list")).status_code == 200


def test_a_program_page_shows_its_initial_amounts_and_requests(budget, client_as, personas):
    area = ManagementArea.objects.get(code="04")
    client = client_as(personas.director)
    response = client.post(
        reverse("budget:program_create"),
        {"budget_year": budget.pk, "code": "P-3", "name": "Adulto mayor", "area": area.pk,
         "directorate": Directorate.objects.get(code="DIDECO").pk},
    )  # fmt: skip
    program = Program.objects.get(code="P-3")
    assert response["Location"] == program.get_absolute_url()
    ask(budget, "215.22.04.001", 120_000, program=program)
    with audit_context(source="test"):
        InitialAmount.objects.create(
            budget_year=budget, account=account(budget, "215.22.04.002"), program=program,
            amount=90_000,
        )  # fmt: skip
    html = page(client.get(program.get_absolute_url()))
    assert "$ 120.000" in html and "$ 90.000" in html and "215.22.04.002" in html
    listing = page(client.get(reverse("budget:program_list"), {"area": area.pk}))
    assert "Adulto mayor" in listing
    other = ManagementArea.objects.exclude(pk=area.pk).first()
    assert "Adulto mayor" not in page(
        client.get(reverse("budget:program_list"), {"area": other.pk})
    )
    refused = page(client.post(reverse("budget:program_delete", args=[program.pk])))
    assert "No se puede eliminar" in refused


def test_a_program_with_amounts_keeps_its_year_and_area(budget, client_as, personas):
    """Each amount stores its program's área: moving the program to another área (or
    year) would leave the budget by área saying something else than the program."""
    social, internal = ManagementArea.objects.get(code="04"), ManagementArea.objects.get(code="01")
    with audit_context(source="test"):
        program = Program.objects.create(
            budget_year=budget, code="P-3", name="Adulto mayor", area=social
        )
        amount = InitialAmount.objects.create(
            budget_year=budget, account=account(budget, "215.22.04.002"), program=program,
            area=social, amount=90_000,
        )  # fmt: skip
        later = BudgetYear.objects.create(year=2027, classifier=budget.classifier)
    client = client_as(personas.director)
    edit = reverse("budget:program_edit", args=[program.pk])
    assert "su área de gestión ya no cambia" in page(client.get(edit))
    client.post(
        edit, {"budget_year": later.pk, "code": "P-3", "name": "Adulto mayor 2.0",
               "area": internal.pk},
    )  # fmt: skip
    program.refresh_from_db()
    amount.refresh_from_db()
    assert (program.name, program.budget_year, program.area) == ("Adulto mayor 2.0", budget, social)
    assert amount.area == program.area
