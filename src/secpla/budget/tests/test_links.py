"""Budget lines ↔ projects: linking by the BIP code in an account's name (found, idempotent,
unknown and ambiguous codes, logged), linking and unlinking by hand, the list, and the
«Presupuesto» tab of the project page with the figures of the execution table."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from secpla.budget import execution, links
from secpla.budget.models import (
    Account,
    AccountProject,
    BudgetYear,
    ClassifierVersion,
    InitialAmount,
)
from secpla.budget.views import links as link_views
from secpla.core.audit import audit_context
from secpla.core.models import ChangeLogEntry, Directorate, Role, RoleGrant, User
from secpla.core.roles import permission_for
from secpla.projects.models import Project
from secpla.projects.views import portfolio

BIP = AccountProject.Method.BIP
MANUAL = AccountProject.Method.MANUAL


@pytest.fixture
def year(db):
    with audit_context(source="test"):
        return BudgetYear.objects.create(
            year=2026, classifier=ClassifierVersion.objects.get(year=2026)
        )


def account(code: str, name: str, version=None) -> Account:
    version = version or ClassifierVersion.objects.get(year=2026)
    with audit_context(source="test"):
        item = Account(version=version, code=code, name=name, source="prueba")
        item.full_clean()
        item.save()
    return item


def project(code: str, bip: str | None = None, directorate: str = "SECPLA") -> Project:
    with audit_context(source="test"):
        return Project.objects.create(
            code=code,
            name=f"Proyecto {code}",
            bip_code=bip,
            directorate=Directorate.objects.get(code=directorate),
        )


@pytest.fixture
def portfolio_with_bip(personas, year):
    """Projects with BIP codes and municipal desagregaciones naming them."""
    project("PRY-1", "40091037-4")
    project("PRY-2", "40091111-2")
    project("PRY-3", "40092222-1")
    project("PRY-4", "40092222-3")
    accounts = {
        "with_check": account("215.31.02.004.001", "Mejoramiento Plaza de Armas, BIP 40091037-4"),
        "without_check": account("215.31.02.004.002", "Sede social Villa Las Rosas BIP 40091111"),
        "unknown": account("215.31.02.004.003", "Construcción de refugios BIP 40099999-9"),
        "wrong_check": account("215.31.02.004.004", "Plaza, segunda etapa BIP 40091037-5"),
        "ambiguous": account("215.31.02.004.005", "Obras varias BIP 40092222"),
        "capital": account("215.33.03.001", "Aporte FRIL sede social 40091111-2"),
        "not_linkable": account("215.22.04.001.001", "Materiales obra BIP 40091037-4"),
    }
    return accounts


def test_link_by_bip_links_the_accounts_whose_name_has_a_project_bip_code(
    personas, year, portfolio_with_bip
):
    accounts = portfolio_with_bip
    log_before = ChangeLogEntry.objects.filter(content_type__model="accountproject").count()

    result = links.link_by_bip(actor=personas.estudios, budget_year=year)

    linked = {(m.account.code, m.project.code) for m in result.created}
    assert linked == {
        ("215.31.02.004.001", "PRY-1"),  # with the check digit
        ("215.31.02.004.002", "PRY-2"),  # without it: the only project with that number
        ("215.33.03.001", "PRY-2"),  # subtítulo 33 too
    }
    assert {m.written for m in result.unknown} == {"40099999-9", "40091037-5"}
    assert [(m.written, {p.code for p in m.candidates}) for m in result.ambiguous] == [
        ("40092222", {"PRY-3", "PRY-4"})
    ]
    # The account of subtítulo 22 is not looked at.
    assert not AccountProject.objects.filter(account=accounts["not_linkable"]).exists()
    assert set(AccountProject.objects.values_list("method", flat=True)) == {BIP}
    entries = ChangeLogEntry.objects.filter(content_type__model="accountproject")
    assert entries.count() == log_before + 3
    assert set(entries.values_list("user", flat=True)) == {personas.estudios.pk}
    assert set(entries.values_list("reason", flat=True)) == {links.REASON}


def test_link_by_bip_is_idempotent(personas, year, portfolio_with_bip):
    first = links.link_by_bip(actor=personas.estudios, budget_year=year)
    log = ChangeLogEntry.objects.count()
    second = links.link_by_bip(actor=personas.director, budget_year=year)
    assert len(first.created) == 3
    assert (len(second.created), len(second.already)) == (0, 3)
    assert AccountProject.objects.count() == 3 and ChangeLogEntry.objects.count() == log


def test_link_by_bip_looks_only_at_the_years_classifier(personas, year):
    project("PRY-1", "40091037-4")
    with audit_context(source="test"):
        other = ClassifierVersion.objects.create(year=2027, source="prueba")
        for code, name in (("215.31", "Inversión"), ("215.31.02", "Proyectos"),
                           ("215.31.02.004", "Obras civiles")):  # fmt: skip
            account(code, name, other)
    account("215.31.02.004.001", "Plaza BIP 40091037-4", other)
    result = links.link_by_bip(actor=personas.estudios, budget_year=year)
    assert result.found == 0 and not AccountProject.objects.exists()


def test_who_may_not_link_cannot_run_the_bip_linking(personas, year, portfolio_with_bip):
    for user in (personas.concejala, personas.enlace_dideco, personas.admin):
        with pytest.raises(PermissionDenied):
            links.link_by_bip(actor=user, budget_year=year)
    assert not AccountProject.objects.exists()


def test_the_bip_screen_explains_then_links_and_shows_the_result(
    personas, year, portfolio_with_bip, client_as
):
    client = client_as(personas.estudios)
    url = reverse("budget:accountproject_bip")
    assert "Si el nombre de una cuenta trae un código BIP" in client.get(url).content.decode()
    page = client.post(url, {"budget_year": year.pk}).content.decode()
    assert "Resultado en el presupuesto 2026" in page
    assert "215.31.02.004.001 Mejoramiento Plaza de Armas, BIP 40091037-4" in page
    assert "Ningún proyecto tiene ese código BIP" in page
    assert "Más de un proyecto: vincule a mano" in page
    again = client.post(url, {"budget_year": year.pk}).content.decode()
    assert again.count("Ya estaba vinculada") == 3
    assert client_as(personas.concejala).post(url, {"budget_year": year.pk}).status_code == 403


# --- by hand ---------------------------------------------------------------------------------


def test_a_manual_link_refuses_an_account_outside_subtitles_31_and_33(personas, year, client_as):
    target = project("PRY-1")
    office = Account.objects.get(version=year.classifier, code="215.22.04.001")
    response = client_as(personas.estudios).post(
        reverse("budget:accountproject_create"), {"account": office.pk, "project": target.pk}
    )
    assert response.status_code == 200
    assert "Solo se vinculan a proyectos cuentas de los subtítulos 31 y 33." in (
        response.content.decode()
    )
    assert not AccountProject.objects.exists()


def test_a_manual_link_from_the_project_page_goes_back_to_its_budget_tab(personas, year, client_as):
    target = project("PRY-1")
    works = Account.objects.get(version=year.classifier, code="215.31.02.004")
    client = client_as(personas.estudios)
    url = reverse("budget:accountproject_create") + f"?project={target.pk}"
    form = client.get(url).content.decode()
    assert "Clasificador 2026" in form and "215.31.02.004 Obras Civiles" in form
    assert "215.22.04.001 Materiales de Oficina" not in form  # only sub. 31 and 33 offered

    response = client.post(url, {"account": works.pk, "project": target.pk})
    assert response.status_code == 302
    assert response["Location"] == target.get_absolute_url() + "?tab=presupuesto"
    link = AccountProject.objects.get()
    assert (link.account, link.project, link.method) == (works, target, MANUAL)

    again = client.post(url, {"account": works.pk, "project": target.pk})
    assert "La cuenta ya está vinculada a ese proyecto." in again.content.decode()
    assert AccountProject.objects.count() == 1


def test_a_link_is_removed_after_confirmation(personas, year, client_as):
    with audit_context(source="test"):
        link = AccountProject.objects.create(
            account=Account.objects.get(version=year.classifier, code="215.31.02.004"),
            project=project("PRY-1"),
        )
    client = client_as(personas.presupuesto)
    url = reverse("budget:accountproject_delete", args=[link.pk])
    page = client.get(url).content.decode()
    assert "¿Confirma que desea eliminar" in page
    assert reverse("budget:accountproject_detail", args=[link.pk]) in page  # «Cancelar»
    response = client.post(url, {"change_reason": "Cuenta equivocada"})
    assert response["Location"] == reverse("budget:accountproject_list")
    assert not AccountProject.objects.exists()
    entry = ChangeLogEntry.objects.filter(content_type__model="accountproject").latest("id")
    assert (entry.action, entry.reason) == ("delete", "Cuenta equivocada")
    # A reader may see links but not remove them.
    with audit_context(source="test"):
        kept = AccountProject.objects.create(
            account=Account.objects.get(version=year.classifier, code="215.31.02.004"),
            project=Project.objects.get(code="PRY-1"),
        )
    reader = client_as(personas.concejala)
    assert reader.post(reverse("budget:accountproject_delete", args=[kept.pk])).status_code == 403
    detail = reader.get(reverse("budget:accountproject_detail", args=[kept.pk])).content.decode()
    assert "215.31.02.004 → PRY-1" in detail and "Eliminar" not in detail and "Editar" not in detail


def test_the_list_filters_by_year_project_and_method(personas, year, client_as):
    works = Account.objects.get(version=year.classifier, code="215.31.02.004")
    studies = Account.objects.get(version=year.classifier, code="215.31.01.002")
    with audit_context(source="test"):
        AccountProject.objects.create(account=works, project=project("PRY-1", "40091037-4"),
                                      method=BIP)  # fmt: skip
        AccountProject.objects.create(account=studies, project=project("PRY-2"), method=MANUAL)
    client = client_as(personas.concejala)
    url = reverse("budget:accountproject_list")
    everything = client.get(url).content.decode()
    assert "PRY-1" in everything and "PRY-2" in everything and "2 vínculos" in everything
    by_bip = client.get(url + "?method=bip").content.decode()
    assert "PRY-1" in by_bip and "PRY-2" not in by_bip
    by_text = client.get(url + "?q=40091037").content.decode()
    assert "PRY-1" in by_text and "PRY-2" not in by_text
    with audit_context(source="test"):
        later = BudgetYear.objects.create(
            year=2027, classifier=ClassifierVersion.objects.create(year=2027, source="prueba")
        )
    assert "0 vínculos" in client.get(url + f"?budget_year={later.pk}").content.decode()
    assert "2 vínculos" in client.get(url + f"?budget_year={year.pk}").content.decode()


# --- the project page ------------------------------------------------------------------------


@pytest.fixture
def budget_tab():
    """The tab as BudgetConfig.ready() registers it (restored afterwards)."""
    before = list(portfolio.EXTRA_TABS)
    link_views.register_project_tab()
    yield
    portfolio.EXTRA_TABS[:] = before


def execute(actor, year, month, lines):
    data = "\n".join(["cuenta;obligado;devengado;pagado;percibido", *lines]).encode()
    report = execution.import_month(
        actor=actor, budget_year=year, month=month, source=io.BytesIO(data), file_name="e.csv"
    )
    assert report.ok, report.text()


def test_the_project_tab_shows_the_linked_accounts_figures(personas, year, client_as, budget_tab):
    target = project("PRY-1", "40091037-4")
    works = account("215.31.02.004.001", "Plaza de Armas BIP 40091037-4")
    with audit_context(source="test"):
        InitialAmount.objects.create(budget_year=year, account=works, amount=10_000_000)
        AccountProject.objects.create(account=works, project=target, method=BIP)
    execute(personas.presupuesto, year, 5, ["215.31.02.004.001;5.000.000;3.000.000;2.000.000;"])
    execute(personas.presupuesto, year, 6, ["215.31.02.004.001;6.000.000;4.500.000;3.000.000;"])

    page = client_as(personas.concejala).get(target.get_absolute_url() + "?tab=presupuesto")
    html = page.content.decode()
    assert '?tab=presupuesto">Presupuesto</a>' in html
    assert "Presupuesto 2026" in html
    assert "Ejecución acumulada a junio de 2026; vigente al 30-06-2026." in html
    row = html[html.index("215.31.02.004.001</a>") :]
    row = row[: row.index("</tr>")]
    for figure in ("$ 10.000.000", "$ 6.000.000", "$ 4.500.000", "$ 3.000.000", "45,0 %"):
        assert figure in row, figure
    assert "Por código BIP" in row
    drill_down = reverse("budget:analysis_account", args=[year.pk, "215.31.02.004.001"])
    assert f'href="{drill_down}">215.31.02.004.001</a>' in html
    assert "Desvincular" not in html and "Vincular una cuenta" not in html  # a reader

    keeper = client_as(personas.estudios).get(target.get_absolute_url() + "?tab=presupuesto")
    assert "Desvincular" in keeper.content.decode()
    assert "Vincular una cuenta" in keeper.content.decode()


def test_the_tab_computes_one_execution_table_per_year(personas, year, client_as, budget_tab):
    target = project("PRY-1")
    codes = ["215.31.02.004", "215.31.02.005", "215.31.01.002"]
    client = client_as(personas.director)
    url = target.get_absolute_url() + "?tab=presupuesto"
    counts = []
    for code in codes:
        with audit_context(source="test"):
            AccountProject.objects.create(
                account=Account.objects.get(version=year.classifier, code=code), project=target
            )
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] == counts[2]
    html = client.get(url).content.decode()
    assert "Aún no se importa ejecución de 2026; vigente al 31-12-2026." in html


def test_the_tab_lists_years_newest_first_and_says_when_there_are_no_links(
    personas, year, client_as, budget_tab
):
    target = project("PRY-1")
    with audit_context(source="test"):
        newer = ClassifierVersion.objects.create(year=2027, source="prueba")
    for code, name in (("215.31", "Inversión"), ("215.31.02", "Proyectos")):
        account(code, name, newer)
    client = client_as(personas.director)
    url = target.get_absolute_url() + "?tab=presupuesto"
    assert "El proyecto no está vinculado a cuentas del presupuesto." in (
        client.get(url).content.decode()
    )
    with audit_context(source="test"):
        AccountProject.objects.create(
            account=Account.objects.get(version=year.classifier, code="215.31.02"), project=target
        )
        AccountProject.objects.create(
            account=Account.objects.get(version=newer, code="215.31.02"), project=target
        )
    html = client.get(url).content.decode()
    assert html.index("Presupuesto 2027") < html.index("Presupuesto 2026")
    assert "No hay presupuesto 2027: las cuentas son del clasificador de ese año." in html


def test_who_cannot_read_the_budget_does_not_get_the_tab(personas, year, client_as, budget_tab):
    target = project("PRY-1")
    with audit_context(source="test"):
        role = Role.objects.create(code="solo_cartera", name="Solo cartera")
        RoleGrant.objects.create(role=role, permission=permission_for("projects.Project", "view"))
        user = User.objects.create(username="lector.cartera", role=role)
    client = client_as(user)
    page = client.get(target.get_absolute_url()).content.decode()
    assert "tab=presupuesto" not in page
    hidden = client.get(target.get_absolute_url() + "?tab=presupuesto").content.decode()
    assert "Cuentas presupuestarias del proyecto" not in hidden
    assert 'data-testid="initiatives"' in hidden  # the Datos tab instead


def test_a_second_registration_replaces_the_tab(budget_tab):
    link_views.register_project_tab()
    assert [t.key for t in portfolio.EXTRA_TABS].count("presupuesto") == 1
    with pytest.raises(ValueError):
        portfolio.register_project_tab("historial", "Otro", "x.html", lambda r, p: {})


def test_the_dates_of_the_tab_follow_the_import(personas, year, client_as, budget_tab):
    """The vigente is as of the end of the month the execution is shown for."""
    target = project("PRY-1")
    with audit_context(source="test"):
        AccountProject.objects.create(
            account=Account.objects.get(version=year.classifier, code="215.31.02.004"),
            project=target,
        )
    execute(personas.presupuesto, year, 2, ["215.31.02.004;1;1;1;"])
    html = client_as(personas.director).get(target.get_absolute_url() + "?tab=presupuesto")
    assert f"vigente al {dt.date(2026, 2, 28):%d-%m-%Y}" in html.content.decode()
