"""Settings fail closed in production, pass Django's deploy checks, and every response
carries a request id and the security headers."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

SETUP_SNIPPET = (
    "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='secpla.settings'; django.setup()"
)
PRINT_KEY_SNIPPET = SETUP_SNIPPET + "; from django.conf import settings; print(settings.SECRET_KEY)"


def clean_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """The current environment without the settings under test, plus `overrides`.

    SECPLA_VAR_DIR always points into tmp_path so nothing touches the repository's var/.
    """
    env = dict(os.environ)
    for name in (
        "SECRET_KEY",
        "DEBUG",
        "SECPLA_TESTING",
        "ALLOWED_HOSTS",
        "DATABASE_URL",
        "CSRF_TRUSTED_ORIGINS",
        "STATIC_ROOT",
        "MEDIA_ROOT",
        "DJANGO_SETTINGS_MODULE",
    ):
        env.pop(name, None)
    env["SECPLA_VAR_DIR"] = str(tmp_path / "var")
    env.update(overrides)
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (fixed argv: this interpreter and our own command)
        args, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def run_setup(env: dict[str, str], snippet: str = SETUP_SNIPPET) -> subprocess.CompletedProcess:
    return run([sys.executable, "-c", snippet], env)


def secpla_command() -> list[str]:
    executable = Path(sys.executable).parent / "secpla"
    return [str(executable)] if executable.exists() else [sys.executable, "-m", "secpla"]


def describe(result: subprocess.CompletedProcess) -> str:
    return (
        f"exit {result.returncode}\n"
        f"--- stdout ---\n{result.stdout}\n"
        f"--- stderr ---\n{result.stderr}"
    )


# --------------------------------------------------------------------------------------
# Production fails closed
# --------------------------------------------------------------------------------------


def test_production_without_secret_key_refuses_to_start(tmp_path):
    result = run_setup(clean_env(tmp_path, DEBUG="0", ALLOWED_HOSTS="secpla.example.cl"))
    assert result.returncode != 0, describe(result)
    assert "ImproperlyConfigured" in result.stderr, describe(result)
    assert "SECRET_KEY" in result.stderr, describe(result)
    # No development key was generated as a fallback.
    assert not (tmp_path / "var" / "dev_secret_key").exists()


def test_production_with_debug_unset_is_production(tmp_path):
    """DEBUG defaults to off: forgetting it must not quietly start a dev server."""
    result = run_setup(clean_env(tmp_path, ALLOWED_HOSTS="secpla.example.cl"))
    assert result.returncode != 0, describe(result)
    assert "SECRET_KEY" in result.stderr, describe(result)


def test_production_without_allowed_hosts_refuses_to_start(tmp_path):
    result = run_setup(clean_env(tmp_path, DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50)))
    assert result.returncode != 0, describe(result)
    assert "ImproperlyConfigured" in result.stderr, describe(result)
    assert "ALLOWED_HOSTS" in result.stderr, describe(result)


@pytest.mark.parametrize("value", ["maybe", "2", "sí"])
def test_bad_boolean_debug_fails_with_a_clear_message(tmp_path, value):
    result = run_setup(clean_env(tmp_path, DEBUG=value, SECRET_KEY=secrets.token_urlsafe(50)))
    assert result.returncode != 0, describe(result)
    assert "ImproperlyConfigured" in result.stderr, describe(result)
    assert f"DEBUG must be a boolean (1/0, true/false), not {value!r}" in result.stderr, describe(
        result
    )


def test_production_like_env_starts(tmp_path):
    env = clean_env(
        tmp_path,
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="secpla.example.cl",
    )
    snippet = (
        SETUP_SNIPPET + "; from django.conf import settings; "
        "print(settings.DEBUG, settings.ALLOWED_HOSTS, settings.DATABASES['default']['NAME'])"
    )
    result = run_setup(env, snippet)
    assert result.returncode == 0, describe(result)
    debug, hosts, db_name = result.stdout.strip().split(" ", 2)
    assert debug == "False"
    assert "secpla.example.cl" in hosts
    assert db_name == str(tmp_path / "var" / "secpla.sqlite3")


def test_deploy_check_passes_with_production_like_env(tmp_path):
    env = clean_env(
        tmp_path,
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="secpla.example.cl",
    )
    result = run([*secpla_command(), "check", "--deploy", "--fail-level", "WARNING"], env)
    print(describe(result))
    assert result.returncode == 0, describe(result)
    assert "System check identified no issues" in result.stdout, describe(result)
    # The check ran against the temporary var/, not the repository's.
    assert (tmp_path / "var").is_dir()


def test_deploy_check_with_hsts_preload_on_has_no_other_issue(tmp_path):
    """Isolates the deploy-check failure above: with preload opted in, nothing else warns."""
    env = clean_env(
        tmp_path,
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="secpla.example.cl",
        SECURE_HSTS_PRELOAD="1",
    )
    result = run([*secpla_command(), "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, describe(result)


# --------------------------------------------------------------------------------------
# Development needs no configuration
# --------------------------------------------------------------------------------------


def test_debug_without_secret_key_generates_a_dev_key_under_var_dir(tmp_path):
    env = clean_env(tmp_path, DEBUG="1")
    first = run_setup(env, PRINT_KEY_SNIPPET)
    assert first.returncode == 0, describe(first)
    key_file = tmp_path / "var" / "dev_secret_key"
    assert key_file.exists()
    key = first.stdout.strip()
    assert key == key_file.read_text().strip()
    assert len(key) >= 50

    # The same key on the next start, so development sessions survive restarts.
    second = run_setup(env, PRINT_KEY_SNIPPET)
    assert second.returncode == 0, describe(second)
    assert second.stdout.strip() == key


def test_debug_with_secret_key_uses_it_and_writes_no_dev_key(tmp_path):
    given = secrets.token_urlsafe(50)
    result = run_setup(clean_env(tmp_path, DEBUG="1", SECRET_KEY=given), PRINT_KEY_SNIPPET)
    assert result.returncode == 0, describe(result)
    assert result.stdout.strip() == given
    assert not (tmp_path / "var" / "dev_secret_key").exists()


# --------------------------------------------------------------------------------------
# Request id
# --------------------------------------------------------------------------------------

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


@pytest.mark.parametrize(
    ("path", "status"),
    [("/cuenta/ingresar/", 200), ("/", 302), ("/no-existe/", 404), ("/api/v1/roles/", 401)],
)
def test_every_response_carries_a_request_id(client, db, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert REQUEST_ID.match(response["X-Request-ID"])


def test_each_request_gets_its_own_id(client, db):
    first = client.get("/cuenta/ingresar/")["X-Request-ID"]
    second = client.get("/cuenta/ingresar/")["X-Request-ID"]
    assert first != second


@pytest.mark.parametrize(
    "incoming",
    ["abc12345", "req-2026.01_XYZ", "0f1e2d3c4b5a69788796a5b4c3d2e1f0", "a" * 64],
)
def test_valid_incoming_request_id_is_echoed(client, db, incoming):
    response = client.get("/cuenta/ingresar/", HTTP_X_REQUEST_ID=incoming)
    assert response["X-Request-ID"] == incoming


@pytest.mark.parametrize(
    "incoming",
    [
        "has spaces in it",
        "a" * 500,
        "a" * 65,
        "short",
        "<script>alert(1)</script>",
        "id;DROP TABLE x",
        "ñandú-12345",
    ],
)
def test_invalid_incoming_request_id_is_replaced(client, db, incoming):
    response = client.get("/cuenta/ingresar/", HTTP_X_REQUEST_ID=incoming)
    echoed = response["X-Request-ID"]
    assert echoed != incoming
    assert REQUEST_ID.match(echoed)


# --------------------------------------------------------------------------------------
# Security headers
# --------------------------------------------------------------------------------------


def csp_directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def assert_security_headers(response):
    directives = csp_directives(response)
    assert directives["default-src"] == ["'self'"]
    script_src = directives.get("script-src", directives["default-src"])
    assert "'unsafe-inline'" not in script_src
    assert "'unsafe-eval'" not in script_src
    assert "'unsafe-inline'" not in directives.get("style-src", directives["default-src"])
    assert directives["frame-ancestors"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_security_headers_on_login_page(client, db):
    response = client.get("/cuenta/ingresar/")
    assert response.status_code == 200
    assert_security_headers(response)


def test_security_headers_on_home_page(personas, client_as):
    response = client_as(personas.director).get("/")
    assert response.status_code == 200
    assert_security_headers(response)


def test_pages_have_no_inline_script(personas, client_as):
    """With script-src 'self' an inline <script> would be blocked by the browser."""
    for path in ("/", "/cuenta/contrasena/"):
        content = client_as(personas.director).get(path).content.decode()
        for tag in re.findall(r"<script\b[^>]*>", content):
            assert "src=" in tag, f"inline script on {path}: {tag}"
        assert " onclick=" not in content
