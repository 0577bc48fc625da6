"""Open311 keys: issued by the administrator, only their hash stored, checked on use."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from secpla.citizen_requests import services
from secpla.citizen_requests.models import ApiKey, Request
from secpla.core.models import ChangeLogEntry


def test_a_key_is_issued_once_and_only_its_hash_is_stored(personas):
    key, raw = services.api_key_issue(
        actor=personas.admin, name="App Barrio", organisation="JJVV 4"
    )
    stored = ApiKey.objects.get(pk=key.pk)
    assert raw not in {stored.key_hash, stored.prefix} and stored.prefix == raw[:8]
    assert stored.created_by == personas.admin
    [entry] = ChangeLogEntry.objects.filter(content_type__model="apikey", object_id=str(key.pk))
    assert entry.after["key_hash"].startswith("[oculto")


def test_a_key_is_checked_and_its_use_noted(personas):
    key, raw = services.api_key_issue(actor=personas.admin, name="App Barrio")
    assert services.api_key_check(raw) == key
    assert ApiKey.objects.get(pk=key.pk).last_used_at is not None
    assert services.api_key_check(raw + "x") is None and services.api_key_check("") is None
    ApiKey.objects.filter(pk=key.pk).update(is_active=False)
    assert services.api_key_check(raw) is None


@pytest.mark.parametrize("who", ["enlace_dideco", "concejala", "estudios"])
def test_only_the_administrator_and_the_director_issue_keys(who, personas):
    with pytest.raises(PermissionDenied):
        services.api_key_issue(actor=getattr(personas, who), name="X")


def test_a_request_through_a_key_gets_the_api_channel(personas, file_request):
    key, raw = services.api_key_issue(actor=personas.admin, name="App Barrio")
    r = services.request_create(
        actor=None,
        citizen_request=Request(kind="reclamo", category=file_request().category, description="x"),
        api_key=services.api_key_check(raw),
    )
    assert (r.channel, r.api_key) == ("api", key)
    ApiKey.objects.filter(pk=key.pk).update(is_active=False)
    key.refresh_from_db()
    with pytest.raises(PermissionDenied, match="clave de API"):
        services.request_create(
            actor=None,
            citizen_request=Request(kind="reclamo", category=r.category, description="x"),
            api_key=key,
        )
