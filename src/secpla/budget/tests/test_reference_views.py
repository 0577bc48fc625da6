"""The budget's reference screens: the classifier by year (copy to a new year, delete),
the municipality's desagregaciones (parent derived, orphans refused, official accounts
protected), the áreas and the dated configuration (agreement rules, calendars)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from secpla.budget import services
from secpla.budget.models import (
    Account,
    AgreementRule,
    BudgetCalendar,
    BudgetYear,
    ClassifierVersion,
    InitialAmount,
    ManagementArea,
    Modification,
    ModificationLine,
)
from secpla.core.audit import audit_context
from secpla.core.models import ChangeLogEntry


@pytest.fixture
def classifier(db):
    return ClassifierVersion.objects.get(year=2026)


def account(classifier, code) -> Account:
    return Account.objects.get(version=classifier, code=code)


def add_desagregacion(user, classifier, code, name="Desagregación") -> Account:
    with audit_context(source="test"):
        return services.account_create(
            actor=user, account=Account(version=classifier, code=code, name=name)
        )


# --- accounts: the municipality's desagregaciones -------------------------------------------


def test_a_desagregacion_is_created_and_its_parent_derived(personas, client_as, classifier):
    client = client_as(personas.admin)
    before = ChangeLogEntry.objects.count()
    response = client.post(
        reverse("budget:account_create"),
        {"version": classifier.pk, "code": " 215.22.04.001.901 ",
         "name": "Útiles de oficina DIDECO", "source": "D.A. 120/2026", "is_official": "on"},
    )  # fmt: skip
    own = Account.objects.get(version=classifier, code="215.22.04.001.901")
    assert response.status_code == 302 and response["Location"] == own.get_absolute_url()
    assert own.parent == account(classifier, "215.22.04.001")
    assert (own.kind, own.level, own.is_official) == ("gasto", "subasignacion", False)
    assert ChangeLogEntry.objects.count() == before + 1
    page = client.get(own.get_absolute_url()).content.decode()
    assert "215.22.04.001 " in page and "Cuenta superior" in page
    parent_page = client.get(own.parent.get_absolute_url()).content.decode()
    assert "215.22.04.001.901" in parent_page and "Desagregación municipal" in parent_page


def test_the_desagregacion_form_is_prefilled_below_its_parent(personas, client_as, classifier):
    parent = account(classifier, "215.22.04")
    page = client_as(personas.director).get(
        reverse("budget:account_create") + f"?parent={parent.pk}"
    )
    assert 'value="215.22.04."' in page.content.decode()


def test_an_orphan_code_is_refused_in_spanish(personas, client_as, classifier):
    response = client_as(personas.admin).post(
        reverse("budget:account_create"),
        {"version": classifier.pk, "code": "215.22.99.901", "name": "Sin cuenta superior"},
    )
    assert response.status_code == 200
    assert "Falta la cuenta superior 215.22.99 en el clasificador de ese año." in (
        response.content.decode()
    )
    assert not Account.objects.filter(code="215.22.99.901").exists()


def test_a_malformed_code_is_refused_with_an_example(personas, client_as, classifier):
    response = client_as(personas.admin).post(
        reverse("budget:account_create"),
        {"version": classifier.pk, "code": "215-22-04", "name": "Mal escrita"},
    )
    assert "por ejemplo 215.22.04.001" in response.content.decode()


def test_a_new_item_is_not_a_municipal_desagregacion(personas, client_as, classifier):
    response = client_as(personas.admin).post(
        reverse("budget:account_create"),
        {"version": classifier.pk, "code": "215.22.98", "name": "Ítem propio"},
    )
    assert "Una desagregación municipal es una asignación o una subasignación" in (
        response.content.decode()
    )
    assert not Account.objects.filter(code="215.22.98").exists()


def test_official_accounts_refuse_delete(personas, client_as, classifier):
    official = account(classifier, "215.22.04.001")
    client = client_as(personas.director)
    url = reverse("budget:account_delete", args=[official.pk])
    page = client.get(url).content.decode()
    assert "Las cuentas del clasificador oficial no se eliminan" in page
    assert "Sí, eliminar" not in page
    response = client.post(url)
    assert response.status_code == 200
    assert "Las cuentas del clasificador oficial no se eliminan" in response.content.decode()
    assert Account.objects.filter(pk=official.pk).exists()
    detail = client.get(official.get_absolute_url()).content.decode()
    assert url not in detail  # no «Eliminar» button either
    with pytest.raises(ValidationError):
        services.account_delete(actor=personas.director, account=official)


def test_an_official_account_keeps_its_code_but_its_name_can_change(
    personas, client_as, classifier
):
    official = account(classifier, "215.22.04.001")
    response = client_as(personas.admin).post(
        reverse("budget:account_edit", args=[official.pk]),
        {"version": classifier.pk, "code": "215.22.04.009", "name": "Materiales de oficina"},
    )
    assert response.status_code == 302
    official.refresh_from_db()
    assert (official.code, official.name) == ("215.22.04.001", "Materiales de oficina")
    official.code = "215.22.04.009"
    with pytest.raises(ValidationError) as error:
        services.account_update(actor=personas.admin, account=official)
    assert "no se cambia" in str(error.value)


def test_a_desagregacion_with_sub_accounts_keeps_its_code(personas, classifier):
    own = add_desagregacion(personas.admin, classifier, "215.22.04.901")
    add_desagregacion(personas.admin, classifier, "215.22.04.901.001")
    own.code = "215.22.04.902"
    with pytest.raises(ValidationError) as error:
        services.account_update(actor=personas.admin, account=own)
    assert "tiene subcuentas" in str(error.value)


def test_a_desagregacion_with_budget_amounts_keeps_its_code(personas, client_as, classifier):
    """Renumbering would move an approved amount to another ítem (or from gastos to
    ingresos) without a modification: refused, and the amount stays where it was."""
    used = add_desagregacion(personas.admin, classifier, "215.22.04.901")
    with audit_context(source="test"):
        year = BudgetYear.objects.create(year=2026, classifier=classifier)
        InitialAmount.objects.create(budget_year=year, account=used, amount=5_000_000)
    response = client_as(personas.admin).post(
        reverse("budget:account_edit", args=[used.pk]),
        {"version": classifier.pk, "code": "115.03.01.901", "name": used.name},
    )
    html = response.content.decode()
    assert "La cuenta ya se usa (presupuesto inicial" in html
    used.refresh_from_db()
    assert (used.code, used.kind) == ("215.22.04.901", "gasto")


def test_an_unused_desagregacion_is_deleted_and_a_used_one_is_protected(
    personas, client_as, classifier
):
    client = client_as(personas.admin)
    spare = add_desagregacion(personas.admin, classifier, "215.22.04.001.902")
    response = client.post(reverse("budget:account_delete", args=[spare.pk]))
    assert response.status_code == 302
    assert not Account.objects.filter(pk=spare.pk).exists()

    used = add_desagregacion(personas.admin, classifier, "215.22.04.001.903")
    with audit_context(source="test"):
        year = BudgetYear.objects.create(year=2026, classifier=classifier)
        mod = Modification.objects.create(
            budget_year=year, number=1, date=dt.date(2026, 3, 1), description="x"
        )
        ModificationLine.objects.create(modification=mod, account=used, amount=10)
    response = client.post(reverse("budget:account_delete", args=[used.pk]))
    assert "No se puede eliminar: hay líneas de modificación" in response.content.decode()
    assert Account.objects.filter(pk=used.pk).exists()


def test_a_read_only_role_cannot_add_a_desagregacion(personas, client_as, classifier):
    response = client_as(personas.presupuesto).post(
        reverse("budget:account_create"),
        {"version": classifier.pk, "code": "215.22.04.001.904", "name": "x"},
    )
    assert response.status_code == 403
    assert not Account.objects.filter(code="215.22.04.001.904").exists()


def test_the_account_list_filters_by_classifier_kind_level_origin_and_text(
    personas, client_as, classifier
):
    add_desagregacion(personas.admin, classifier, "215.22.04.001.901", "Útiles DIDECO")
    client = client_as(personas.concejala)
    url = reverse("budget:account_list")
    own = client.get(url, {"version": classifier.pk, "is_official": "false"}).content.decode()
    assert "215.22.04.001.901" in own and "1 registro" in own
    income = client.get(url, {"kind": "ingreso", "level": "subtitulo"}).content.decode()
    assert "115.03" in income and "215.22" not in income
    found = client.get(url, {"q": "les dideco"}).content.decode()
    assert "215.22.04.001.901" in found and "1 registro" in found


def test_the_account_list_exports_the_filtered_rows(personas, client_as, classifier):
    from openpyxl import load_workbook

    response = client_as(personas.concejala).get(
        reverse("budget:account_list"), {"q": "215.22.04.00", "export": "xlsx"}
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Código", "Denominación", "Tipo")
    assert "Cuenta superior" in rows[0]
    assert {row[0] for row in rows[1:]} >= {"215.22.04.001", "215.22.04.002"}
    assert all(row[0].startswith("215.22.04.00") for row in rows[1:])


# --- the classifier by year --------------------------------------------------------------


def test_copying_a_classifier_creates_next_year_with_every_account_and_one_log_entry(
    personas, client_as, classifier
):
    add_desagregacion(personas.admin, classifier, "215.22.04.001.901", "Útiles DIDECO")
    client = client_as(personas.admin)
    url = reverse("budget:classifierversion_copy", args=[classifier.pk])
    assert 'value="2027"' in client.get(url).content.decode()
    last = ChangeLogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    response = client.post(url, {"year": "2027"})
    new = ClassifierVersion.objects.get(year=2027)
    assert response.status_code == 302 and response["Location"] == new.get_absolute_url()
    old = {a.code: a for a in classifier.accounts.select_related("parent")}
    copied = {a.code: a for a in new.accounts.select_related("parent")}
    assert copied.keys() == old.keys() and len(copied) == 279
    for code, account_ in copied.items():
        original = old[code]
        assert (account_.name, account_.is_official, account_.source, account_.level) == (
            original.name, original.is_official, original.source, original.level,
        )  # fmt: skip
        assert (account_.parent.code if account_.parent else None) == (
            original.parent.code if original.parent else None
        )
        assert account_.parent is None or account_.parent.version_id == new.pk
    entry = ChangeLogEntry.objects.get(pk__gt=last)  # exactly one

    assert entry.object_id == str(new.pk) and entry.action == "create"
    assert (
        "Copia del clasificador 2026: 279 cuentas (278 oficiales y 1 desagregación municipal)"
        in (entry.reason)
    )
    page = client.get(new.get_absolute_url()).content.decode()
    assert "279 cuentas" in page


def test_copying_to_a_year_that_has_a_classifier_is_refused_in_spanish(
    personas, client_as, classifier
):
    response = client_as(personas.director).post(
        reverse("budget:classifierversion_copy", args=[classifier.pk]), {"year": "2026"}
    )
    assert response.status_code == 200
    assert "Ya existe un clasificador para 2026" in response.content.decode()
    with pytest.raises(ValidationError) as error:
        services.classifier_copy(actor=personas.director, source=classifier, year=2026)
    assert "Ya existe un clasificador para ese año." in str(error.value)


def test_a_read_only_role_cannot_copy_a_classifier(personas, client_as, classifier):
    url = reverse("budget:classifierversion_copy", args=[classifier.pk])
    assert client_as(personas.presupuesto).post(url, {"year": "2027"}).status_code == 403
    assert not ClassifierVersion.objects.filter(year=2027).exists()


def test_a_classifier_used_by_a_budget_year_cannot_be_deleted(personas, client_as, classifier):
    with audit_context(source="test"):
        BudgetYear.objects.create(year=2026, classifier=classifier)
    client = client_as(personas.admin)
    url = reverse("budget:classifierversion_delete", args=[classifier.pk])
    assert "lo usa el presupuesto 2026" in client.get(url).content.decode()
    response = client.post(url)
    assert response.status_code == 200
    assert "No se puede eliminar: lo usa el presupuesto 2026." in response.content.decode()
    assert classifier.accounts.count() == 278
    edit = client.get(reverse("budget:classifierversion_edit", args=[classifier.pk]))
    assert "Lo usa un presupuesto anual: el año no se cambia." in edit.content.decode()


def test_an_unused_classifier_is_deleted_with_its_accounts(personas, client_as, classifier):
    copy = services.classifier_copy(actor=personas.admin, source=classifier, year=2027)
    add_desagregacion(personas.admin, copy, "215.22.04.001.901")
    response = client_as(personas.admin).post(
        reverse("budget:classifierversion_delete", args=[copy.pk])
    )
    assert response.status_code == 302
    assert not ClassifierVersion.objects.filter(year=2027).exists()
    assert not Account.objects.filter(version_id=copy.pk).exists()
    assert classifier.accounts.count() == 278


def test_the_classifier_page_counts_and_links_its_accounts(personas, client_as, classifier):
    page = client_as(personas.concejala).get(classifier.get_absolute_url()).content.decode()
    assert f"?version={classifier.pk}" in page and "278 cuentas" in page
    assert "Copiar a un año nuevo" not in page  # a reader does not copy


# --- áreas and dated configuration -----------------------------------------------------------


def test_an_area_is_added_and_listed(personas, client_as):
    client = client_as(personas.director)
    response = client.post(
        reverse("budget:managementarea_create"),
        {"code": "07", "name": "Seguridad pública", "sinim_code": "", "is_active": "on"},
    )
    assert response.status_code == 302
    assert ManagementArea.objects.filter(code="07", name="Seguridad pública").exists()
    listing = client.get(reverse("budget:managementarea_list"), {"q": "seguridad"})
    assert "Seguridad pública" in listing.content.decode()


def test_an_agreement_rule_accepts_levels_with_accents_and_refuses_unknown_ones(
    personas, client_as
):
    client = client_as(personas.admin)
    url = reverse("budget:agreementrule_create")
    data = {"valid_from": "2027-01-01", "levels": "Subtítulo, ÍTEM",
            "always_prefixes": "215.31, 215.24.01", "source": "Dictamen CGR"}  # fmt: skip
    assert client.post(url, data).status_code == 302
    rule = AgreementRule.objects.get(valid_from=dt.date(2027, 1, 1))
    assert (rule.levels, rule.prefix_list) == ("subtitulo,item", ["215.31", "215.24.01"])
    wrong = client.post(url, {**data, "valid_from": "2028-01-01", "levels": "asignacion",
                              "always_prefixes": "31"})  # fmt: skip
    page = wrong.content.decode()
    assert "Nivel desconocido: asignacion" in page and "Prefijo mal escrito: 31" in page


def test_the_calendar_page_shows_the_deadlines_of_next_years_budget(personas, client_as):
    calendar = BudgetCalendar.objects.order_by("valid_from").first()
    page = client_as(personas.concejala).get(calendar.get_absolute_url()).content.decode()
    year = timezone.localdate().year
    assert f"Plazos del presupuesto {year + 1}" in page
    assert f"entre el 01-10-{year} y el 07-10-{year}" in page
    assert f"antes del 15-12-{year}" in page


def test_a_calendar_whose_presentation_ends_before_it_starts_is_refused(personas, client_as):
    response = client_as(personas.admin).post(
        reverse("budget:budgetcalendar_create"),
        {"valid_from": "2030-01-01", "present_from": "07-10", "present_until": "01-10",
         "decide_by": "15-12", "source": "Ley 18.695"},
    )  # fmt: skip
    assert "La presentación termina antes de empezar" in response.content.decode()
    assert not BudgetCalendar.objects.filter(valid_from=dt.date(2030, 1, 1)).exists()


def test_the_account_page_shows_the_projects_it_funds(personas, client_as, classifier):
    from secpla.budget.models import AccountProject
    from secpla.core.models import Directorate
    from secpla.projects.models import Project

    investment = account(classifier, "215.31.02.004")
    with audit_context(source="test"):
        project = Project.objects.create(
            code="PRY-T-900", name="Sede social Santa Clara",
            directorate=Directorate.objects.get(code="SECPLA"),
        )  # fmt: skip
        AccountProject.objects.create(account=investment, project=project)
    page = client_as(personas.estudios).get(investment.get_absolute_url()).content.decode()
    assert "Proyectos que financia" in page
    assert project.get_absolute_url() in page and "Sede social Santa Clara" in page
    # the system administrator keeps the classifier but sees no project links
    admin_page = client_as(personas.admin).get(investment.get_absolute_url()).content.decode()
    assert "Proyectos que financia" not in admin_page


@pytest.mark.parametrize(
    "url_name, query",
    [
        ("budget:account_list", {"version": "abc", "level": "nada"}),
        ("budget:modification_list", {"budget_year": "999999", "status": "x"}),
        ("budget:modificationline_create", {"modification": "99999999999"}),
        ("budget:account_create", {"parent": "abc", "version": "x"}),
        ("budget:modification_create", {"budget_year": "abc"}),
    ],
)
def test_odd_query_strings_never_break_a_page(personas, client_as, url_name, query):
    assert client_as(personas.director).get(reverse(url_name), query).status_code == 200
