"""Guards found in review: account escalation, spreadsheet injection, odd input."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from secpla.core import services
from secpla.core.models import (
    Agreement,
    ChangeLogEntry,
    Directorate,
    Document,
    Organisation,
    Role,
    RoleGrant,
    User,
)
from secpla.core.roles import permission_for


@pytest.fixture
def user_manager_of_dideco(personas):
    """A custom role that manages the users of its own directorate only."""
    role = Role.objects.create(code="gestor_usuarios", name="Gestor de usuarios de su dirección")
    for action in ("view", "add", "change"):
        RoleGrant.objects.create(
            role=role, permission=permission_for("core.User", action), scope="directorate"
        )
    user = personas.enlace_dideco
    user.role = role
    user.save()
    return User.objects.get(pk=user.pk)


def test_a_directorate_user_manager_cannot_create_an_administrator(
    user_manager_of_dideco, client_as
):
    admin_role = Role.objects.get(code="admin_sistema")
    dom = Directorate.objects.get(code="DOM")
    client = client_as(user_manager_of_dideco)
    for directorate in (dom, user_manager_of_dideco.directorate):
        response = client.post(
            reverse("core:user_create"),
            {
                "username": f"intruso{directorate.pk}",
                "role": admin_role.pk,
                "directorate": directorate.pk,
                "is_active": "on",
                "password1": "Una-clave-larga-2026",
                "password2": "Una-clave-larga-2026",
            },
        )
        assert response.status_code == 403
    assert not User.objects.filter(username__startswith="intruso").exists()


def test_nobody_changes_their_own_role(user_manager_of_dideco, client_as):
    me = user_manager_of_dideco
    response = client_as(me).post(
        reverse("core:user_edit", args=[me.pk]),
        {
            "username": me.username,
            "role": Role.objects.get(code="admin_sistema").pk,
            "directorate": me.directorate_id,
            "is_active": "on",
        },
    )
    assert response.status_code == 403
    me.refresh_from_db()
    assert me.role.code == "gestor_usuarios"


def test_a_system_administrator_cannot_take_over_a_superuser(personas, client_as):
    root = User.objects.create_superuser("root", "root@example.invalid", "x-Clave-Larga-1")
    client = client_as(personas.admin)
    response = client.post(
        reverse("core:user_set_password", args=[root.pk]),
        {"password1": "Tomada-por-admin-1", "password2": "Tomada-por-admin-1"},
    )
    assert response.status_code == 403
    root.refresh_from_db()
    assert root.check_password("x-Clave-Larga-1")


def test_exports_neutralise_formulas_and_control_characters(personas, client_as):
    Organisation.objects.create(name='=HYPERLINK("http://x.invalid","clic")', kind="otro")
    Organisation.objects.create(name="Junta\x0bVecinal\x01", kind="otro")
    client = client_as(personas.director)
    xlsx = client.get(reverse("core:organisation_list"), {"export": "xlsx"})
    assert xlsx.status_code == 200
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(xlsx.content)).active
    names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert '\'=HYPERLINK("http://x.invalid","clic")' in names
    assert "JuntaVecinal" in names
    csv = client.get(reverse("core:organisation_list"), {"export": "csv"}).content.decode()
    assert "\n\"'=HYPERLINK" in csv


@pytest.mark.parametrize(
    "query", [{"start": "9999-12-30", "days": "5"}, {"start": "0001-01-02", "days": "-5"}]
)
def test_a_deadline_beyond_the_calendar_is_a_clear_message(personas, client_as, query):
    client = client_as(personas.concejala)
    page = client.get(reverse("core:calendar"), query)
    assert page.status_code == 200 and "fuera del calendario" in page.content.decode()
    api = client.get("/api/v1/calendar/add-business-days", query)
    assert api.status_code == 400


def test_attaching_to_a_malformed_id_or_a_record_without_page_is_not_found(personas, client_as):
    client = client_as(personas.admin)
    agreement_ct = ContentType.objects.get_for_model(Agreement).pk
    assert client.get(f"/documentos/adjuntar/{agreement_ct}/abc/").status_code == 404
    grant = RoleGrant.objects.first()
    grant_ct = ContentType.objects.get_for_model(RoleGrant).pk
    assert client.get(f"/documentos/adjuntar/{grant_ct}/{grant.pk}/").status_code == 404


def test_a_reason_with_control_characters_is_stored_clean(personas, client_as):
    org = Organisation.objects.create(name="Para borrar", kind="otro")
    response = client_as(personas.director).post(
        reverse("core:organisation_delete", args=[org.pk]), {"change_reason": "dupli\x00cado"}
    )
    assert response.status_code == 302
    assert ChangeLogEntry.objects.get(action="delete").reason == "duplicado"


def test_deleting_a_record_deletes_its_documents(
    personas, media, django_capture_on_commit_callbacks
):
    org = Organisation.objects.create(name="Con documentos", kind="otro")
    document = services.document_attach(
        actor=personas.director, target=org, upload=SimpleUploadedFile("nota.txt", b"hola"),
        title="Nota", kind="otro")  # fmt: skip
    path = document.file.path
    with django_capture_on_commit_callbacks(execute=True):
        services.record_delete(actor=personas.director, instance=org)
    assert not Document.objects.exists()
    assert not __import__("os").path.exists(path)
    assert ChangeLogEntry.objects.filter(action="delete", object_repr="Nota").exists()


def test_the_api_refuses_an_inactive_directorate(personas, client_as):
    closed = Directorate.objects.create(code="OLD", name="Dirección cerrada", is_active=False)
    org = Organisation.objects.create(name="GORE", kind="publico")
    response = client_as(personas.director).post(
        "/api/v1/agreements/",
        {
            "organisation": org.pk,
            "title": "X",
            "kind": "marco",
            "status": "borrador",
            "directorate": closed.pk,
        },
        content_type="application/json",
    )
    assert response.status_code == 400 and "directorate" in response.json()
