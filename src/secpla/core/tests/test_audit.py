"""Each write leaves exactly one change-log record, whatever path it takes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from secpla.core import services
from secpla.core.audit import audit_context, is_audited
from secpla.core.models import (
    Agreement,
    ChangeLogEntry,
    Contact,
    Department,
    Directorate,
    LocalHoliday,
    Organisation,
    Region,
    RegionalHoliday,
    Role,
    RoleGrant,
    User,
    UTMValue,
)
from secpla.core.roles import permission_for
from secpla.testing_matrix import module_matrices

MODULES = module_matrices()


def entries_for(obj) -> list[ChangeLogEntry]:
    return list(
        ChangeLogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(type(obj)), object_id=str(obj.pk)
        ).order_by("id")
    )


# One factory per audited model: (new unsaved instance, change to apply).
def _factories(personas):
    secpla = Directorate.objects.get(code="SECPLA")
    org = Organisation.objects.create(name="Org base", kind=Organisation.Kind.PUBLIC)
    role = Role.objects.create(code="temporal", name="Rol temporal")
    return {
        Directorate: (lambda: Directorate(code="DIMAO", name="Medio Ambiente"), "name"),
        Department: (lambda: Department(directorate=secpla, code="LIC", name="Licitaciones"),
                     "name"),
        Role: (lambda: Role(code="otro", name="Otro"), "name"),
        RoleGrant: (lambda: RoleGrant(role=role, permission=permission_for(
            "core.Agreement", "view")), "scope"),
        UTMValue: (lambda: UTMValue(year=2030, month=1, value=80000, source="SII"), "source"),
        RegionalHoliday: (lambda: RegionalHoliday(
            name="Feriado X", region=Region.objects.get(code="16"), month=3, day=3,
            valid_from=dt.date(2020, 1, 1), legal_source="Ley X"), "name"),
        LocalHoliday: (lambda: LocalHoliday(date=dt.date(2030, 5, 5), name="Aniversario",
                                            legal_source="D.A. 5"), "name"),
        Organisation: (lambda: Organisation(name="Universidad", kind="academico"), "name"),
        Contact: (lambda: Contact(organisation=org, name="Pedro"), "name"),
        Agreement: (lambda: Agreement(organisation=org, title="Convenio", kind="marco",
                                      directorate=secpla), "title"),
    }  # fmt: skip


def all_factories(personas):
    factories = _factories(personas)
    for module in MODULES:
        factories.update(module.audit_factories(personas))
    return factories


def test_every_audited_model_has_a_write_test(personas):
    audited = {m for m in apps.get_models() if is_audited(m)}
    covered = set(all_factories(personas)) | {
        User,
        apps.get_model("core", "Municipality"),
        apps.get_model("core", "Document"),
    }
    assert audited - covered == set(), "Add the new model to _factories"


@pytest.mark.parametrize(
    "label",
    [*(f"core.{name}" for name in ["Directorate", "Department", "Role", "RoleGrant", "UTMValue",
       "RegionalHoliday", "LocalHoliday", "Organisation", "Contact", "Agreement"]),
     *(label for module in MODULES for label in module.AUDITED)],
)  # fmt: skip
def test_create_update_delete_each_leave_one_record(label, personas):
    model = apps.get_model(label)
    make, field = all_factories(personas)[model]
    # The system administrator keeps core records; the Director SECPLA the planning ones.
    admin = personas.admin if label.startswith("core.") else personas.director
    with audit_context(request_id="req-create"):
        obj = services.record_create(actor=admin, instance=make(), reason="alta")
    [created] = entries_for(obj)
    assert (created.action, created.user, created.reason) == ("create", admin, "alta")
    assert created.request_id == "req-create" and created.before is None

    # `field` names a text field to rename, or is (field, new value) for other fields.
    name, value = field if isinstance(field, tuple) else (field, "Nombre cambiado")
    if name == "scope":
        value = "directorate"
    setattr(obj, name, value)
    services.record_update(actor=admin, instance=obj, reason="corrección")
    created_again, updated = entries_for(obj)
    assert created_again == created
    assert updated.action == "update"
    assert str(value) in {str(v) for v in updated.after.values()}
    assert updated.before != updated.after

    pk = obj.pk
    services.record_delete(actor=admin, instance=obj)
    obj.pk = pk
    assert [e.action for e in entries_for(obj)] == ["create", "update", "delete"]


def test_a_save_that_changes_nothing_leaves_no_record(personas):
    org = services.record_create(
        actor=personas.admin, instance=Organisation(name="Sin cambios", kind="otro")
    )
    services.record_update(actor=personas.admin, instance=org)
    assert [e.action for e in entries_for(org)] == ["create"]


def test_a_write_from_a_screen_records_the_user_and_the_request_id(personas, client_as):
    client = client_as(personas.director)
    response = client.post(
        reverse("core:organisation_create"),
        {"name": "SERVIU Ñuble", "kind": "publico", "rut": "", "change_reason": "nuevo socio"},
        HTTP_X_REQUEST_ID="abc12345-request",
    )
    assert response.status_code == 302
    org = Organisation.objects.get(name="SERVIU Ñuble")
    [entry] = entries_for(org)
    assert entry.user == personas.director
    assert entry.request_id == "abc12345-request"
    assert entry.source == "web" and entry.reason == "nuevo socio"


def test_a_write_from_the_api_with_a_token_records_the_token_user(personas, client):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=personas.estudios)
    response = client.post(
        "/api/v1/organisations/",
        {"name": "Fundación X", "kind": "ong"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
        HTTP_X_CHANGE_REASON="por API",
    )
    assert response.status_code == 201, response.content
    [entry] = entries_for(Organisation.objects.get(name="Fundación X"))
    assert (entry.user, entry.source, entry.reason) == (personas.estudios, "api", "por API")


def test_a_write_from_the_django_admin_is_logged(personas, client_as):
    superuser = User.objects.create_superuser("root", "root@example.invalid", "x-Clave-Larga-1")
    client = client_as(superuser)
    response = client.post(
        "/django-admin/core/organisation/add/", {"name": "Desde admin", "kind": "otro"}
    )
    assert response.status_code == 302
    [entry] = entries_for(Organisation.objects.get(name="Desde admin"))
    assert (entry.user, entry.source) == (superuser, "admin")


def test_a_failed_write_leaves_no_record(personas, client_as):
    before = ChangeLogEntry.objects.count()
    client = client_as(personas.director)
    response = client.post(
        reverse("core:organisation_create"),
        {"name": "Mal RUT", "kind": "privado", "rut": "12.345.678-9"},
    )
    assert response.status_code == 200
    assert ChangeLogEntry.objects.count() == before
    assert not Organisation.objects.filter(name="Mal RUT").exists()


def test_a_password_change_is_logged_without_the_hash(personas):
    old_hash = personas.concejala.password
    services.user_set_password(
        actor=personas.admin, user=personas.concejala, password="Otra-clave-segura-99"
    )
    *_creation, entry = entries_for(personas.concejala)
    assert entry.action == "update" and entry.user == personas.admin
    assert [field for field, _, _ in entry.changed_fields()] == ["password"]
    logged = str(entry.before) + str(entry.after)
    assert old_hash not in logged and personas.concejala.password not in logged
    assert entry.after["password"].startswith("[oculto ")


def test_logging_in_does_not_count_as_a_change(personas, client):
    from secpla.testing import PASSWORD

    before = entries_for(personas.concejala)
    response = client.post(reverse("login"), {"username": "concejala", "password": PASSWORD})
    assert response.status_code == 302
    assert entries_for(personas.concejala) == before


def test_the_record_page_shows_its_history(personas, client_as):
    org = services.record_create(
        actor=personas.director, instance=Organisation(name="Con historial", kind="otro")
    )
    org.name = "Con historial (renombrada)"
    services.record_update(actor=personas.director, instance=org, reason="nombre oficial")
    page = client_as(personas.concejala).get(org.get_absolute_url() + "?tab=historial")
    html = page.content.decode()
    assert "Creación" in html and "Modificación" in html and "nombre oficial" in html
    # Field names in Spanish and choices as their labels, not codes.
    assert "<td>Nombre</td>" in html and "Otro" in html and "<td>name</td>" not in html


def test_the_global_log_filters_and_exports(personas, client_as):
    services.record_create(
        actor=personas.director, instance=Organisation(name="Para filtrar", kind="otro")
    )
    client = client_as(personas.admin)
    page = client.get(reverse("core:changelog_list"), {"q": "Para filtrar", "action": "create"})
    assert "Para filtrar" in page.content.decode()
    assert "Convenio" not in page.content.decode().split("<tbody>")[1]
    export = client.get(reverse("core:changelog_list"), {"q": "Para filtrar", "export": "csv"})
    lines = export.content.decode("utf-8-sig").strip().splitlines()
    assert lines[0].startswith("Fecha,Usuario,Acción")
    assert len(lines) == 2 and "Para filtrar" in lines[1]
