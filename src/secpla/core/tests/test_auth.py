"""Logging in and out, login throttling (django-axes) and changing one's password."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO
from unittest import mock

from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from secpla.core import services
from secpla.core.audit import history_for
from secpla.core.models import ChangeLogEntry, User
from secpla.testing import PASSWORD

LOGIN = "/cuenta/ingresar/"
LOGOUT = "/cuenta/salir/"
PASSWORD_CHANGE = "/cuenta/contrasena/"
PASSWORD_CHANGE_DONE = "/cuenta/contrasena/lista/"
NEW_PASSWORD = "otra-clave-municipal-2026"

IP = "10.0.0.1"
OTHER_IP = "10.0.0.2"


def login(username: str, password: str, ip: str = IP, client: Client | None = None):
    """POST the login form from `ip`, as a browser would (a fresh client unless given)."""
    client = client or Client()
    response = client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)
    return client, response


def is_logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# --------------------------------------------------------------------------------------
# Login page and logging in
# --------------------------------------------------------------------------------------


def test_anonymous_home_redirects_to_login(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == "/cuenta/ingresar/?next=/"


def test_login_page_is_in_spanish(client, db):
    response = client.get(LOGIN)
    assert response.status_code == 200
    content = response.content.decode()
    assert '<html lang="es-CL">' in content
    for text in ("Ingresar", "Nombre de usuario", "Contraseña"):
        assert text in content
    assert "Username" not in content
    assert "Password" not in content
    assert "Log in" not in content


def test_login_with_correct_credentials_lands_on_home(personas):
    user = personas.director
    client, response = login(user.username, PASSWORD)
    assert response.status_code == 302
    assert response.url == "/"
    assert is_logged_in(client)
    assert int(client.session["_auth_user_id"]) == user.pk

    home = client.get(response.url)
    assert home.status_code == 200
    content = home.content.decode()
    role = escape(str(user.role))
    directorate = escape(f"{user.directorate.name} ({user.directorate.code})")
    assert f'data-testid="user-role">{role}<' in content
    assert f'data-testid="user-directorate">{directorate}<' in content
    assert "Secretaría Comunal de Planificación (SECPLA)" in content


def test_login_follows_next(personas):
    client = Client()
    response = client.post(
        LOGIN + "?next=/", {"username": "enlace.dideco", "password": PASSWORD, "next": "/"}
    )
    assert response.status_code == 302
    assert response.url == "/"
    home = client.get("/").content.decode()
    assert "Dirección de Desarrollo Comunitario (DIDECO)" in home


def test_login_does_not_follow_next_to_another_site(personas):
    client = Client()
    response = client.post(
        LOGIN,
        {"username": "directora", "password": PASSWORD, "next": "https://evil.example.com/"},
    )
    assert response.status_code == 302
    assert response.url == "/"


def test_login_is_case_sensitive_on_password(personas):
    client, response = login("directora", PASSWORD.upper())
    assert response.status_code == 200
    assert not is_logged_in(client)


def test_wrong_password_shows_spanish_error_and_writes_no_change_log(personas):
    before = ChangeLogEntry.objects.count()
    client, response = login("directora", "clave-equivocada")
    assert response.status_code == 200
    assert not is_logged_in(client)
    content = response.content.decode()
    assert "Por favor, introduzca un nombre de usuario y clave correctos" in content
    assert "Please enter" not in content
    # The username typed stays in the form; the password does not.
    assert 'value="directora"' in content
    assert "clave-equivocada" not in content
    assert ChangeLogEntry.objects.count() == before


def test_unknown_user_gets_the_same_error_as_a_wrong_password(personas):
    _, unknown = login("no.existe", "clave-equivocada")
    _, wrong = login("directora", "clave-equivocada", ip=OTHER_IP)
    assert unknown.status_code == wrong.status_code == 200
    error = "Por favor, introduzca un nombre de usuario y clave correctos"
    assert error in unknown.content.decode()
    assert error in wrong.content.decode()


def test_inactive_user_cannot_log_in(personas):
    user = personas.estudios
    user.is_active = False
    user.save()
    client, response = login(user.username, PASSWORD)
    assert response.status_code == 200
    assert not is_logged_in(client)


def test_successful_login_writes_no_change_log(personas):
    """Logging in updates last_login only, which the change log leaves out."""
    before = ChangeLogEntry.objects.count()
    client, _ = login("directora", PASSWORD)
    assert is_logged_in(client)
    assert ChangeLogEntry.objects.count() == before


# --------------------------------------------------------------------------------------
# Throttling
# --------------------------------------------------------------------------------------

LOCKED_TITLE = "Acceso bloqueado temporalmente"


def fail_until_locked(username: str, ip: str = IP):
    """Five wrong passwords: the first four show the form again, the fifth locks."""
    for attempt in range(1, 5):
        _, response = login(username, f"equivocada-{attempt}", ip=ip)
        assert response.status_code == 200, attempt
        assert LOCKED_TITLE not in response.content.decode()
    _, fifth = login(username, "equivocada-5", ip=ip)
    return fifth


def assert_locked_out(response):
    assert response.status_code == 429
    content = response.content.decode()
    assert '<html lang="es-CL">' in content
    assert LOCKED_TITLE in content
    assert "demasiados intentos fallidos" in content


def test_fifth_failure_locks_and_even_the_correct_password_is_refused(personas):
    assert_locked_out(fail_until_locked("directora"))

    client, sixth = login("directora", PASSWORD)
    assert_locked_out(sixth)
    assert not is_logged_in(client)
    assert "Acceso bloqueado" in sixth.content.decode()


def test_locked_out_page_tells_the_wait_in_spanish(personas):
    """The page tells the wait in minutes, not as axes' ISO 8601 duration."""
    response = fail_until_locked("directora")
    content = response.content.decode()
    assert "PT15M" not in content, "the wait is shown as an ISO 8601 duration"
    assert "15 minutos" in content


def test_lock_is_per_username_and_ip(personas):
    fail_until_locked("directora", ip=IP)

    # Same user from another address.
    client, response = login("directora", PASSWORD, ip=OTHER_IP)
    assert response.status_code == 302
    assert is_logged_in(client)

    # Another user from the same address.
    client, response = login("estudios", PASSWORD, ip=IP)
    assert response.status_code == 302
    assert is_logged_in(client)

    # The locked pair is still locked.
    client, response = login("directora", PASSWORD, ip=IP)
    assert_locked_out(response)
    assert not is_logged_in(client)


def later(minutes: int):
    """Pretend `minutes` have passed, as far as axes' clock is concerned."""
    moment = timezone.now() + timedelta(minutes=minutes)
    return mock.patch("axes.handlers.proxy.now", return_value=moment)


def test_lock_is_released_after_the_cool_off(personas):
    fail_until_locked("directora")
    with later(16):
        client, response = login("directora", PASSWORD)
    assert response.status_code == 302
    assert is_logged_in(client)
    # A successful login clears the failures (AXES_RESET_ON_SUCCESS).
    assert not AccessAttempt.objects.filter(username="directora").exists()


def test_lock_holds_during_the_cool_off(personas):
    fail_until_locked("directora")
    with later(14):
        client, response = login("directora", PASSWORD)
    assert_locked_out(response)
    assert not is_logged_in(client)


def test_lock_released_by_moving_the_attempt_back_in_time(personas):
    """The same, by ageing the stored attempt instead of moving the clock."""
    fail_until_locked("directora")
    AccessAttempt.objects.filter(username="directora").update(
        attempt_time=timezone.now() - timedelta(minutes=16)
    )
    client, response = login("directora", PASSWORD)
    assert response.status_code == 302
    assert is_logged_in(client)


def test_refused_attempts_during_the_lock_do_not_extend_it(personas):
    """Nobody can keep an account locked forever by retrying every few minutes
    (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT=False)."""
    fail_until_locked("directora")
    with later(14):
        _, response = login("directora", "clave-equivocada")
    assert_locked_out(response)
    with later(16):
        client, response = login("directora", PASSWORD)
    assert response.status_code == 302
    assert is_logged_in(client)


def test_axes_reset_username_unlocks(personas):
    fail_until_locked("directora")
    out = StringIO()
    call_command("axes_reset_username", "directora", stdout=out)
    assert "attempts removed" in out.getvalue()

    client, response = login("directora", PASSWORD)
    assert response.status_code == 302
    assert is_logged_in(client)


def test_axes_reset_username_leaves_other_users_locked(personas):
    fail_until_locked("directora")
    fail_until_locked("estudios")
    call_command("axes_reset_username", "directora", stdout=StringIO())
    _, response = login("estudios", PASSWORD)
    assert_locked_out(response)


# --------------------------------------------------------------------------------------
# Logout
# --------------------------------------------------------------------------------------


def test_logout_by_post_logs_out_and_redirects_to_login(personas, client_as):
    client = client_as(personas.director)
    assert client.get("/").status_code == 200

    response = client.post(LOGOUT)
    assert response.status_code == 302
    assert response.url == LOGIN
    assert not is_logged_in(client)
    assert client.get("/").url == "/cuenta/ingresar/?next=/"


def test_logout_by_get_is_not_allowed(personas, client_as):
    client = client_as(personas.director)
    response = client.get(LOGOUT)
    assert response.status_code == 405
    assert is_logged_in(client)
    assert client.get("/").status_code == 200


def test_logout_form_is_in_the_menu(personas, client_as):
    content = client_as(personas.director).get("/").content.decode()
    assert f'<form method="post" action="{LOGOUT}">' in content
    assert "Cerrar sesión" in content


# --------------------------------------------------------------------------------------
# Password change
# --------------------------------------------------------------------------------------


def test_password_change_needs_login(client, db):
    response = client.get(PASSWORD_CHANGE)
    assert response.status_code == 302
    assert response.url == f"{LOGIN}?next={PASSWORD_CHANGE}"


def test_password_change_page_is_in_spanish(personas, client_as):
    response = client_as(personas.estudios).get(PASSWORD_CHANGE)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Cambiar contraseña" in content
    assert "Contraseña antigua" in content
    assert "Old password" not in content


def test_password_change_with_mismatched_confirmation_shows_spanish_error(personas, client_as):
    user = personas.estudios
    response = client_as(user).post(
        PASSWORD_CHANGE,
        {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD + "x",
        },
    )
    assert response.status_code == 200
    assert "Los dos campos de contraseña no coinciden." in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_change_with_wrong_old_password_shows_spanish_error(personas, client_as):
    user = personas.estudios
    response = client_as(user).post(
        PASSWORD_CHANGE,
        {
            "old_password": "no-es-esta",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 200
    assert "Su contraseña antigua es incorrecta" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_change_applies_the_validators_in_spanish(personas, client_as):
    user = personas.estudios
    response = client_as(user).post(
        PASSWORD_CHANGE,
        {"old_password": PASSWORD, "new_password1": "12345", "new_password2": "12345"},
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "demasiado corta" in content
    assert "completamente numérica" in content
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_change_works_and_new_password_logs_in(personas, client_as):
    user = personas.estudios
    client = client_as(user)
    response = client.post(
        PASSWORD_CHANGE,
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response.url == PASSWORD_CHANGE_DONE
    done = client.get(PASSWORD_CHANGE_DONE)
    assert "Su contraseña fue cambiada." in done.content.decode()
    # The session that changed the password stays valid.
    assert client.get("/").status_code == 200

    new_client, new_login = login(user.username, NEW_PASSWORD)
    assert new_login.status_code == 302
    assert is_logged_in(new_client)

    old_client, old_login = login(user.username, PASSWORD, ip=OTHER_IP)
    assert old_login.status_code == 200
    assert not is_logged_in(old_client)


def entry_ids(user: User) -> set[int]:
    return set(history_for(user).values_list("pk", flat=True))


def assert_one_password_entry_without_hash(user: User, ids_before: set[int]):
    user.refresh_from_db()
    new = [entry for entry in history_for(user) if entry.pk not in ids_before]
    assert len(new) == 1, f"expected one change-log entry for the password change, got {len(new)}"
    dumped = json.dumps([new[0].before, new[0].after])
    assert new[0].action == "update"
    # Neither the hash nor any password in clear lands in the log.
    assert user.password not in dumped
    assert user.password.split("$")[-1] not in dumped
    assert NEW_PASSWORD not in dumped
    assert PASSWORD not in dumped


def test_password_change_writes_one_change_log_entry_without_the_hash(personas, client_as):
    user = personas.estudios
    ids_before = entry_ids(user)
    response = client_as(user).post(
        PASSWORD_CHANGE,
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert_one_password_entry_without_hash(user, ids_before)


def test_admin_set_password_service_notes_it_in_the_change_log(personas):
    """services.user_set_password says "the log notes it without the hash"."""
    user = personas.estudios
    ids_before = entry_ids(user)
    services.user_set_password(actor=personas.admin, user=user, password=NEW_PASSWORD)
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert_one_password_entry_without_hash(user, ids_before)
