"""The demo municipality, the home page, and the API's shape."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from secpla.core.models import Agreement, ChangeLogEntry, Municipality, Role, User
from secpla.core.roles import ROLES


@pytest.mark.django_db
def test_the_demo_loads_bulnes_with_one_user_per_role_and_twice_changes_nothing(capsys, settings):
    settings.DEBUG = True  # as `make run` runs it
    call_command("load_demo")
    output = capsys.readouterr().out
    municipality = Municipality.current()
    assert municipality.comuna.cut == "16102" and municipality.region.name == "Ñuble"
    assert municipality.is_demo and municipality.boundary["type"] == "Polygon"
    for code, (name, _) in ROLES.items():
        assert User.objects.filter(role__code=code).exists(), code
        assert name in output
    counts = (User.objects.count(), Agreement.objects.count(), ChangeLogEntry.objects.count())
    call_command("load_demo")
    assert "Registros nuevos: 0." in capsys.readouterr().out
    assert (User.objects.count(), Agreement.objects.count(),
            ChangeLogEntry.objects.count()) == counts  # fmt: skip


@pytest.mark.django_db
def test_the_demo_refuses_to_load_in_production(settings):
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("load_demo")


@pytest.mark.django_db
def test_every_role_of_the_sketch_exists_after_migrate():
    assert set(Role.objects.values_list("code", flat=True)) >= set(ROLES)


def test_every_page_says_the_data_is_demo_data(personas, client_as):
    html = client_as(personas.concejala).get(reverse("core:agreement_list")).content.decode()
    assert "Datos de demostración" in html


def test_the_home_page_shows_municipality_role_directorate_and_what_needs_attention(
    personas, client_as
):
    import datetime as dt

    from django.utils import timezone

    from secpla.core.models import Directorate, Organisation

    org = Organisation.objects.create(name="GORE Ñuble", kind="publico")
    Agreement.objects.create(
        organisation=org, title="Convenio por vencer", kind="transferencia", status="vigente",
        directorate=Directorate.objects.get(code="DIDECO"),
        end_date=timezone.localdate() + dt.timedelta(days=10),
    )  # fmt: skip
    html = client_as(personas.enlace_dideco).get(reverse("home")).content.decode()
    assert "Municipalidad de Bulnes" in html
    assert "Enlace de Dirección" in html and "DIDECO" in html
    assert "Convenio por vencer" in html
    # The navigation only lists modules the role can open.
    assert "Registro de cambios" not in html and "Usuarios" not in html
    assert "Convenios" in html


def test_the_api_accepts_token_authentication_and_describes_itself(personas, client):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=personas.concejala)
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    assert client.get("/api/v1/directorates/").status_code == 401
    listing = client.get("/api/v1/directorates/", **auth)
    assert listing.status_code == 200
    assert {"SECPLA", "DIDECO"} <= {row["code"] for row in listing.json()["results"]}
    comuna = client.get("/api/v1/comunas/16102/", **auth).json()
    assert comuna == {"cut": "16102", "name": "Bulnes", "province": "Diguillín", "region": "16"}
    client.force_login(personas.concejala)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/calendar/add-business-days" in schema["paths"]
    docs = client.get("/api/docs/").content.decode()
    assert "swagger" in docs.lower() and "cdn" not in docs.lower()
