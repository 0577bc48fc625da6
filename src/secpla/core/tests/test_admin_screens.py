"""Administration screens: users and passwords, roles and grants, UTM conversion."""

from __future__ import annotations

from django.urls import reverse

from secpla.core.models import Agreement, ChangeLogEntry, Role, RoleGrant, User, UTMValue
from secpla.core.permissions import scope_for


def test_the_administrator_creates_a_user_with_role_and_directorate(personas, client_as):
    role = Role.objects.get(code="estudios")
    response = client_as(personas.admin).post(reverse("core:user_create"), {
        "username": "nuevo.profesional", "first_name": "Ana", "last_name": "Soto",
        "email": "ana@example.invalid", "role": role.pk,
        "directorate": personas.director.directorate_id, "is_active": "on",
        "password1": "Una-clave-larga-2026", "password2": "Una-clave-larga-2026",
    })  # fmt: skip
    assert response.status_code == 302
    user = User.objects.get(username="nuevo.profesional")
    assert user.role == role and user.check_password("Una-clave-larga-2026")


def test_a_weak_password_is_refused_in_spanish(personas, client_as):
    response = client_as(personas.admin).post(reverse("core:user_create"), {
        "username": "debil", "password1": "12345678", "password2": "12345678",
    })  # fmt: skip
    errors = " ".join(response.context["form"].errors["password1"])
    assert "contraseña" in errors.lower()
    assert not User.objects.filter(username="debil").exists()


def test_the_administrator_sets_a_new_password_and_it_is_logged(personas, client_as):
    url = reverse("core:user_set_password", args=[personas.concejala.pk])
    response = client_as(personas.admin).post(url, {
        "password1": "Nueva-clave-segura-7", "password2": "Nueva-clave-segura-7",
        "change_reason": "olvidó su clave"})  # fmt: skip
    assert response.status_code == 302
    personas.concejala.refresh_from_db()
    assert personas.concejala.check_password("Nueva-clave-segura-7")
    entry = ChangeLogEntry.objects.filter(object_id=str(personas.concejala.pk)).first()
    assert entry.reason == "olvidó su clave" and entry.user == personas.admin


def test_a_department_must_belong_to_the_chosen_directorate(personas, client_as):
    from secpla.core.models import Department, Directorate

    dideco = Directorate.objects.get(code="DIDECO")
    est = Department.objects.get(code="EST")  # SECPLA's
    response = client_as(personas.admin).post(
        reverse("core:user_edit", args=[personas.concejala.pk]),
        {"username": "concejala", "directorate": dideco.pk, "department": est.pk,
         "is_active": "on"},
    )  # fmt: skip
    assert "no pertenece" in " ".join(response.context["form"].errors["department"])


def test_granting_and_removing_a_permission_changes_what_the_role_can_do(personas, client_as):
    role = Role.objects.get(code="concejal")
    client = client_as(personas.admin)
    assert scope_for(personas.concejala, Agreement, "add") is None
    page = client.get(role.get_absolute_url()).content.decode()
    assert "core.add_agreement" in page  # offered in the select
    client.post(
        reverse("core:role_grant_add", args=[role.pk]),
        {"permission": "core.add_agreement", "scope": "all"},
    )
    concejala = User.objects.get(pk=personas.concejala.pk)  # fresh: grants are cached per object
    assert scope_for(concejala, Agreement, "add") == "all"
    grant = RoleGrant.objects.get(role=role, permission__codename="add_agreement")
    client.post(reverse("core:role_grant_delete", args=[role.pk, grant.pk]))
    concejala = User.objects.get(pk=personas.concejala.pk)
    assert scope_for(concejala, Agreement, "add") is None


def test_an_unknown_permission_is_refused_with_a_message(personas, client_as):
    role = Role.objects.get(code="concejal")
    response = client_as(personas.admin).post(
        reverse("core:role_grant_add", args=[role.pk]),
        {"permission": "core.fly_away"},
        follow=True,
    )
    assert "no existe" in response.content.decode()


def test_the_converter_uses_the_utm_of_the_month(personas, client_as):
    UTMValue.objects.create(year=2030, month=4, value=80000, source="SII")
    client = client_as(personas.concejala)
    to_utm = client.get(
        reverse("core:utm_convert"),
        {"direction": "clp", "amount": "1000000", "year": 2030, "month": 4},
    )
    assert to_utm.context["result"] == "12,50 UTM"
    to_clp = client.get(
        reverse("core:utm_convert"), {"direction": "utm", "amount": "1.5", "year": 2030, "month": 4}
    )
    assert to_clp.context["result"] == "$ 120.000"
    missing = client.get(
        reverse("core:utm_convert"), {"direction": "utm", "amount": "1", "year": 2030, "month": 5}
    )
    assert "Falta el valor de la UTM de mayo de 2030" in missing.content.decode()
    assert missing.context["result"] is None


def test_the_home_page_points_the_administrator_to_accounts_without_a_role(personas, client_as):
    client = client_as(personas.admin)
    home = client.get(reverse("home")).content.decode()
    assert "1 usuario(s) activos sin rol asignado" in home
    listing = client.get(reverse("core:user_list"), {"without_role": "true", "is_active": "true"})
    assert [obj.username for obj, _ in listing.context["rows"]] == ["sin.rol"]


def test_the_administrator_creates_a_role_whose_code_then_stays_fixed(personas, client_as):
    client = client_as(personas.admin)
    response = client.post(
        reverse("core:role_create"),
        {"code": "transparencia", "name": "Encargado de transparencia", "description": ""},
    )
    assert response.status_code == 302
    role = Role.objects.get(code="transparencia")
    client.post(
        reverse("core:role_edit", args=[role.pk]),
        {"code": "otro", "name": "Transparencia activa", "description": ""},
    )
    role.refresh_from_db()
    assert (role.code, role.name) == ("transparencia", "Transparencia activa")


def test_a_directorate_shows_its_agreements_and_users_to_who_may_see_them(personas, client_as):
    from secpla.core.models import Agreement, Directorate, Organisation

    dideco = Directorate.objects.get(code="DIDECO")
    org = Organisation.objects.create(name="Junta de vecinos", kind="comunitaria")
    Agreement.objects.create(
        organisation=org, title="Comodato sede", kind="comodato", directorate=dideco
    )
    url = reverse("core:directorate_detail", args=[dideco.pk])
    as_admin = client_as(personas.admin).get(url).content.decode()
    assert "Comodato sede" in as_admin and "Javier Prueba" in as_admin
    as_councillor = client_as(personas.concejala).get(url).content.decode()
    assert "Comodato sede" in as_councillor and "Javier Prueba" not in as_councillor
    assert "Usuarios</h2>" not in as_councillor  # no empty list pretending there are none


def test_a_directorate_in_use_cannot_be_deleted_and_says_why(personas, client_as):
    from secpla.core.models import Directorate

    secpla = Directorate.objects.get(code="SECPLA")
    response = client_as(personas.admin).post(
        reverse("core:directorate_delete", args=[secpla.pk]), {"change_reason": "prueba"}
    )
    assert response.status_code == 200
    assert "No se puede eliminar" in response.content.decode()
    assert Directorate.objects.filter(pk=secpla.pk).exists()
