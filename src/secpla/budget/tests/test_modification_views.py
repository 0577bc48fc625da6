"""The modification screens: the form (number suggested), lines added from the
modification page, the balance and the Concejo-agreement review worked out on every load,
Aprobar (the only way the vigente changes) and Rechazar, and read-only approved ones."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from secpla.budget import rules, services
from secpla.budget.models import (
    Account,
    BudgetYear,
    ClassifierVersion,
    InitialAmount,
    Modification,
    ModificationLine,
)
from secpla.core.audit import audit_context
from secpla.core.models import ChangeLogEntry


@pytest.fixture
def budget(personas):
    version = ClassifierVersion.objects.get(year=2026)
    accounts = {a.code: a for a in Account.objects.filter(version=version)}
    with audit_context(source="test"):
        year = BudgetYear.objects.create(year=2026, classifier=version)
        for code, amount in [("215.22.04.001", 1_000_000), ("215.22.04.002", 500_000),
                             ("215.22.05.001", 300_000), ("115.03.01.001", 1_800_000)]:  # fmt: skip
            InitialAmount.objects.create(budget_year=year, account=accounts[code], amount=amount)
    year.accounts = accounts
    return year


def draft(budget, lines=(), number=1, description="Traspaso") -> Modification:
    with audit_context(source="test"):
        mod = Modification.objects.create(
            budget_year=budget, number=number, date=dt.date(2026, 3, 1),
            description=description,
        )  # fmt: skip
        for code, amount in lines:
            ModificationLine.objects.create(
                modification=mod, account=budget.accounts[code], amount=amount
            )
    return mod


def page(client, mod) -> str:
    return client.get(mod.get_absolute_url()).content.decode()


def approve(client, mod, on="2026-04-01"):
    return client.post(
        reverse("budget:modification_approve", args=[mod.pk]), {"on": on}, follow=True
    )


# --- creating a modification and its lines ------------------------------------------------


def test_a_new_modification_is_suggested_the_next_free_number(budget, personas, client_as):
    draft(budget, number=4)
    client = client_as(personas.presupuesto)
    url = reverse("budget:modification_create") + f"?budget_year={budget.pk}"
    assert 'value="5"' in client.get(url).content.decode()
    response = client.post(
        url, {"budget_year": budget.pk, "number": "", "date": "2026-05-02",
              "description": "Mayores ingresos por FCM"},
    )  # fmt: skip
    created = Modification.objects.get(budget_year=budget, number=5)
    assert response.status_code == 302 and response["Location"] == created.get_absolute_url()
    assert created.status == "borrador"


def test_a_taken_number_is_refused_in_spanish(budget, personas, client_as):
    draft(budget, number=1)
    response = client_as(personas.presupuesto).post(
        reverse("budget:modification_create"),
        {"budget_year": budget.pk, "number": "1", "date": "2026-05-02", "description": "x"},
    )
    assert "Ya existe una modificación con ese número en el año." in response.content.decode()


def test_a_closed_year_takes_no_modifications(budget, personas):
    BudgetYear.objects.filter(pk=budget.pk).update(status=BudgetYear.Status.CLOSED)
    budget.refresh_from_db()
    mod = Modification(budget_year=budget, date=dt.date(2026, 12, 1), description="x")
    with pytest.raises(ValidationError) as error:
        services.modification_create(actor=personas.presupuesto, modification=mod)
    assert "El presupuesto 2026 está cerrado" in str(error.value)


def test_lines_are_added_from_the_modification_page(budget, personas, client_as):
    mod = draft(budget)
    client = client_as(personas.presupuesto)
    assert reverse("budget:modificationline_create") + f"?modification={mod.pk}" in page(
        client, mod
    )
    form = client.get(reverse("budget:modificationline_create"), {"modification": mod.pk})
    html = form.content.decode()
    assert f'<option value="{mod.pk}" selected>' in html
    assert "215.22.04.001 " in html
    before = ChangeLogEntry.objects.count()
    response = client.post(
        reverse("budget:modificationline_create"),
        {"modification": mod.pk, "account": budget.accounts["215.22.04.001"].pk,
         "amount": "-250000"},
    )  # fmt: skip
    assert response.status_code == 302 and response["Location"] == mod.get_absolute_url()
    assert mod.lines.get().amount == -250_000
    assert ChangeLogEntry.objects.count() == before + 1  # the line; the flag is derived
    shown = page(client, mod)
    assert "-$ 250.000" in shown


def test_a_zero_line_is_refused(budget, personas, client_as):
    mod = draft(budget)
    response = client_as(personas.presupuesto).post(
        reverse("budget:modificationline_create"),
        {"modification": mod.pk, "account": budget.accounts["215.22.04.001"].pk, "amount": "0"},
    )
    assert "El monto no puede ser 0" in response.content.decode()
    assert not mod.lines.exists()


def test_a_line_beyond_the_cap_is_refused_in_spanish(budget, personas, client_as):
    mod = draft(budget)
    account = budget.accounts["215.22.04.002"]
    data = {"modification": mod.pk, "account": account.pk, "amount": str(-(2**63 - 1))}
    response = client_as(personas.presupuesto).post(reverse("budget:modificationline_create"), data)
    assert "La disminución no puede superar $ 1.000.000.000.000.000." in response.content.decode()
    assert not mod.lines.exists()


def test_an_account_of_another_years_classifier_is_refused(budget, personas, client_as):
    other = services.classifier_copy(actor=personas.director, source=budget.classifier, year=2027)
    mod = draft(budget)
    foreign = Account.objects.get(version=other, code="215.22.04.001")
    response = client_as(personas.presupuesto).post(
        reverse("budget:modificationline_create"),
        {"modification": mod.pk, "account": foreign.pk, "amount": "10"},
    )
    assert response.status_code == 200 and not mod.lines.exists()


# --- the page: balance, agreement, Aprobar, Rechazar -------------------------------------------


def test_an_unbalanced_modification_shows_the_difference_and_cannot_be_approved(
    budget, personas, client_as
):
    mod = draft(budget, [("115.03.01.001", 1_000_000), ("215.22.04.001", 1_200_000)])
    client = client_as(personas.presupuesto)
    shown = page(client, mod)
    assert "La modificación no cuadra" in shown and "diferencia $ 200.000" in shown
    response = approve(client, mod)
    assert "No se aprobó la modificación. La modificación no cuadra" in response.content.decode()
    mod.refresh_from_db()
    assert mod.status == "borrador"


def test_one_needing_the_concejo_says_why_and_waits_for_the_agreement(budget, personas, client_as):
    mod = draft(budget, [("215.22.04.001", 100_000), ("215.22.05.001", -100_000)])
    client = client_as(personas.presupuesto)
    shown = page(client, mod)
    assert "La modificación cuadra" in shown
    assert "Requiere acuerdo del Concejo" in shown
    assert "Cambia el total de ítem 215.22.04, 215.22.05." in shown
    assert "Falta registrar el número y la fecha del acuerdo" in shown
    refused = approve(client, mod).content.decode()
    assert "Indique el número y la fecha del acuerdo." in refused
    mod.refresh_from_db()
    assert mod.status == "borrador"
    client.post(
        reverse("budget:modification_edit", args=[mod.pk]),
        {"number": "1", "date": "2026-03-01", "description": "Traspaso entre ítems",
         "agreement_number": "245", "agreement_date": "2026-03-10", "decree": "D.A. 88"},
    )  # fmt: skip
    assert "Acuerdo N° 245 del 10-03-2026." in page(client, mod)
    before = approve(client, mod, on="2026-03-09").content.decode()
    assert "No puede regir antes del acuerdo del Concejo." in before
    approved = approve(client, mod, on="2026-03-12").content.decode()
    assert "Se aprobó la modificación N° 1 de 2026; rige desde el 12-03-2026." in approved
    mod.refresh_from_db()
    assert (mod.status, mod.approved_on) == ("aprobada", dt.date(2026, 3, 12))


def test_a_move_between_allocations_of_one_item_needs_no_agreement(budget, personas, client_as):
    mod = draft(budget, [("215.22.04.001", 70_000), ("215.22.04.002", -70_000)])
    shown = page(client_as(personas.concejala), mod)
    assert "No requiere acuerdo del Concejo" in shown
    assert "approve-form" not in shown  # a reader gets no actions


def test_approving_changes_the_vigente_from_its_date(budget, personas, client_as):
    mod = draft(budget, [("215.22.04.001", 70_000), ("215.22.04.002", -70_000)])
    assert rules.vigente(budget, "215.22.04.001", dt.date(2026, 12, 31)) == 1_000_000
    response = approve(client_as(personas.director), mod, on="2026-04-01")
    assert "rige desde el 01-04-2026" in response.content.decode()
    assert rules.vigente(budget, "215.22.04.001", dt.date(2026, 3, 31)) == 1_000_000
    assert rules.vigente(budget, "215.22.04.001", dt.date(2026, 4, 1)) == 1_070_000
    assert rules.vigente(budget, "215.22.04.002", dt.date(2026, 4, 1)) == 430_000
    assert rules.vigente(budget, "215.22.04", dt.date(2026, 4, 1)) == 1_500_000


def test_approved_modifications_refuse_edits_to_them_and_their_lines(budget, personas, client_as):
    mod = draft(budget, [("215.22.04.001", 70_000), ("215.22.04.002", -70_000)])
    client = client_as(personas.presupuesto)
    approve(client, mod)
    mod.refresh_from_db()
    line = mod.lines.order_by("account__code").first()
    shown = page(client, mod)
    assert "Solo lectura" in shown and "approve-form" not in shown
    assert reverse("budget:modification_edit", args=[mod.pk]) not in shown
    assert reverse("budget:modificationline_edit", args=[line.pk]) not in shown

    edit = client.post(
        reverse("budget:modification_edit", args=[mod.pk]),
        {"number": "9", "date": "2026-03-01", "description": "Otro fundamento"},
        follow=True,
    )
    assert "está aprobada: ya no se modifica." in edit.content.decode()
    line_edit = client.post(
        reverse("budget:modificationline_edit", args=[line.pk]),
        {"account": line.account_id, "amount": "1"},
        follow=True,
    )
    assert "sus líneas ya no se modifican" in line_edit.content.decode()
    line_delete = client.post(reverse("budget:modificationline_delete", args=[line.pk]))
    assert "sus líneas ya no se eliminan" in line_delete.content.decode()
    line_add = client.post(
        reverse("budget:modificationline_create"),
        {"modification": mod.pk, "account": budget.accounts["215.22.05.001"].pk, "amount": "5"},
    )
    assert "no se le agregan líneas" in line_add.content.decode()
    deleted = client.post(reverse("budget:modification_delete", args=[mod.pk]))
    assert "no se puede eliminar" in deleted.content.decode()
    mod.refresh_from_db()
    assert (mod.number, mod.description, mod.lines.count()) == (1, "Traspaso", 2)
    assert line.amount == ModificationLine.objects.get(pk=line.pk).amount
    mod.description = "Por servicio"
    with pytest.raises(ValidationError):
        services.modification_update(actor=personas.presupuesto, modification=mod)


def test_a_read_only_role_gets_403_on_approve_and_reject(budget, personas, client_as):
    mod = draft(budget, [("215.22.04.001", 70_000), ("215.22.04.002", -70_000)])
    for persona in (personas.concejala, personas.estudios, personas.enlace_dideco):
        client = client_as(persona)
        assert approve(client, mod).status_code == 403
        assert (
            client.post(
                reverse("budget:modification_reject", args=[mod.pk]), {"reason": "No"}
            ).status_code
            == 403
        )
    assert approve(client_as(personas.admin), mod).status_code == 404
    mod.refresh_from_db()
    assert mod.status == "borrador"


def test_rejecting_needs_a_reason_and_keeps_it(budget, personas, client_as):
    mod = draft(budget, [("215.22.04.001", 70_000), ("215.22.04.002", -70_000)])
    client = client_as(personas.presupuesto)
    url = reverse("budget:modification_reject", args=[mod.pk])
    empty = client.post(url, {"reason": "  "}, follow=True).content.decode()
    assert "Indique el motivo del rechazo." in empty
    mod.refresh_from_db()
    assert mod.status == "borrador"
    done = client.post(url, {"reason": "Sin disponibilidad en el ítem"}, follow=True)
    assert "Se rechazó la modificación N° 1 de 2026." in done.content.decode()
    mod.refresh_from_db()
    assert mod.status == "rechazada"
    shown = page(client, mod)
    assert "Motivo: Sin disponibilidad en el ítem" in shown
    again = approve(client, mod).content.decode()
    assert "Solo se aprueba una modificación en preparación." in again


def test_the_list_filters_by_year_status_agreement_and_text(budget, personas, client_as):
    needs = draft(budget, [("215.22.04.001", 10), ("215.22.05.001", -10)], number=1)
    free = draft(budget, [], number=2, description="Traspaso menor")
    client = client_as(personas.presupuesto)
    client.post(
        reverse("budget:modificationline_create"),
        {"modification": free.pk, "account": budget.accounts["215.22.04.001"].pk, "amount": "5"},
    )
    client.post(
        reverse("budget:modificationline_create"),
        {"modification": free.pk, "account": budget.accounts["215.22.04.002"].pk, "amount": "-5"},
    )
    services.modification_update(actor=personas.presupuesto, modification=needs)  # refresh flag
    needs.refresh_from_db()
    free.refresh_from_db()
    assert needs.requires_agreement and not free.requires_agreement
    url = reverse("budget:modification_list")
    flagged = client.get(url, {"budget_year": budget.pk, "requires_agreement": "true"})
    assert "1 registro" in flagged.content.decode()
    assert needs.get_absolute_url() in flagged.content.decode()
    assert free.get_absolute_url() not in flagged.content.decode()
    by_text = client.get(url, {"q": "menor", "status": "borrador"}).content.decode()
    assert free.get_absolute_url() in by_text and needs.get_absolute_url() not in by_text


def test_the_history_tab_tells_the_story_of_the_lines_too(budget, personas, client_as):
    mod = draft(budget)
    client = client_as(personas.presupuesto)
    url = reverse("budget:modificationline_create")
    account = budget.accounts["215.22.04.001"]
    client.post(url, {"modification": mod.pk, "account": account.pk, "amount": "900"})
    line = mod.lines.get()
    client.post(reverse("budget:modificationline_delete", args=[line.pk]))
    html = client.get(mod.get_absolute_url(), {"tab": "historial"}).content.decode()
    history = re.sub(r"<[^>]+>", "", html)
    assert "Creación de la línea 215.22.04.001: +$ 900" in history
    assert "Eliminación de la línea 215.22.04.001: +$ 900" in history


def test_a_line_of_an_approved_modification_offers_no_edit(budget, personas, client_as):
    mod = draft(budget, [("215.22.04.001", 70_000), ("215.22.04.002", -70_000)])
    client = client_as(personas.presupuesto)
    line = mod.lines.first()
    edit_url = reverse("budget:modificationline_edit", args=[line.pk])
    assert (
        edit_url
        in client.get(reverse("budget:modificationline_detail", args=[line.pk])).content.decode()
    )
    approve(client, mod)
    shown = client.get(reverse("budget:modificationline_detail", args=[line.pk])).content.decode()
    assert edit_url not in shown


def test_a_line_page_shows_its_amount_in_pesos(budget, personas, client_as):
    mod = draft(budget, [("215.22.04.001", 1_250_000), ("215.22.04.002", -1_250_000)])
    client = client_as(personas.concejala)
    shown_as = ("-$ 1.250.000", "$ 1.250.000")
    for line, shown in zip(mod.lines.order_by("amount"), shown_as, strict=True):
        html = client.get(reverse("budget:modificationline_detail", args=[line.pk])).content
        fields = re.search(r'<dl class="row">.*?</dl>', html.decode(), re.S).group(0)
        assert f'<dd class="col-sm-9">{shown}</dd>' in fields
        assert "1250000" not in fields


def test_a_malformed_approval_date_is_refused_in_spanish(budget, personas, client_as):
    mod = draft(budget, [("215.22.04.001", 70_000), ("215.22.04.002", -70_000)])
    response = approve(client_as(personas.presupuesto), mod, on="31-02-2026")
    assert "No se aprobó la modificación. Introduzca una fecha válida." in (
        response.content.decode()
    )
    mod.refresh_from_db()
    assert mod.status == "borrador"
