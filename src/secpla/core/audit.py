"""The change log: every create, update and delete of a domain record, from any path
(screens, API, admin, imports, CLI), lands in ChangeLogEntry in the same transaction.

Who and why come from an audit context: the middleware opens one per request, and
services, importers and commands open their own with `audit_context(...)`.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import decimal
import hashlib
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, replace

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.fields.files import FieldFile
from django.db.models.signals import post_delete, post_save, pre_save


@dataclass(frozen=True)
class AuditState:
    user: object | None = None
    request_id: str = ""
    reason: str = ""
    source: str = "sistema"


_state: contextvars.ContextVar[AuditState] = contextvars.ContextVar(
    "secpla_audit",
    default=AuditState(),  # noqa: B039 (frozen dataclass: immutable)
)


def current() -> AuditState:
    return _state.get()


@contextmanager
def audit_context(
    *,
    user=None,
    reason: str | None = None,
    source: str | None = None,
    request_id: str | None = None,
):
    """Say who is writing and why for everything saved inside the block.

    Values not given are inherited from the enclosing context (e.g. the request).
    """
    outer = _state.get()
    state = replace(
        outer,
        user=user if user is not None else outer.user,
        reason=reason if reason is not None else outer.reason,
        source=source if source is not None else outer.source,
        request_id=request_id or outer.request_id or uuid.uuid4().hex,
    )
    token = _state.set(state)
    try:
        yield state
    finally:
        _state.reset(token)


_CONTROL = dict.fromkeys(c for c in range(32) if c not in (9, 10, 13))


def clean_text(value: str) -> str:
    """Free text from a request, without NUL and other control characters."""
    return str(value or "").translate(_CONTROL).strip()


def is_audited(model: type[models.Model]) -> bool:
    from secpla.core.models import AuditedModel, User

    return issubclass(model, AuditedModel | User) and not model._meta.abstract


def _json_value(value):
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or None
    if isinstance(value, bytes):
        return value.hex()
    return value


def snapshot(instance: models.Model) -> dict:
    """The concrete fields of a row as JSON-friendly values (FKs as their ids)."""
    exclude = getattr(instance, "audit_exclude", frozenset())
    redact = getattr(instance, "audit_redact", frozenset())
    data = {}
    for field in instance._meta.concrete_fields:
        if field.name in exclude:
            continue
        value = field.value_from_object(instance)
        if field.name in redact:
            # Say that it changed without keeping the secret (or its hash) in the log.
            digest = hashlib.sha256(str(value).encode()).hexdigest()[:8] if value else ""
            data[field.attname] = f"[oculto {digest}]" if digest else ""
            continue
        data[field.attname] = _json_value(value)
    return data


def _write(instance, action: str, before: dict | None, after: dict | None) -> None:
    from secpla.core.models import ChangeLogEntry

    state = current()
    user = state.user if getattr(state.user, "is_authenticated", False) else None
    ChangeLogEntry.objects.create(
        user=user,
        user_repr=(user.get_username() if user else "sistema")[:150],
        action=action,
        content_type=ContentType.objects.get_for_model(type(instance), for_concrete_model=False),
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        before=before,
        after=after,
        request_id=state.request_id,
        source=state.source,
        reason=clean_text(state.reason)[:500],
    )


def _remember_before(sender, instance, raw=False, **kwargs):
    if raw:
        return
    instance._audit_before = None
    if instance.pk is not None and not instance._state.adding:
        previous = sender._base_manager.filter(pk=instance.pk).first()
        instance._audit_before = snapshot(previous) if previous is not None else None


def _log_save(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    after = snapshot(instance)
    before = getattr(instance, "_audit_before", None)
    instance._audit_before = None
    if created or before is None:
        _write(instance, "create", None, after)
    elif before != after:
        # A save that changed only excluded fields (last_login, timestamps) is not a change.
        _write(instance, "update", before, after)


def _log_delete(sender, instance, **kwargs):
    _write(instance, "delete", snapshot(instance), None)


def connect_signals() -> None:
    """Log the writes of every audited model: the receivers are connected per model, not
    for every sender, so that unaudited bulk tables (execution rows, events) keep Django's
    fast delete, which any post_delete receiver for their model would turn off."""
    from django.apps import apps

    for model in apps.get_models():
        if not is_audited(model):
            continue
        label = model._meta.label_lower
        pre_save.connect(_remember_before, sender=model, dispatch_uid=f"audit-pre-{label}")
        post_save.connect(_log_save, sender=model, dispatch_uid=f"audit-save-{label}")
        post_delete.connect(_log_delete, sender=model, dispatch_uid=f"audit-delete-{label}")


def history_for(instance: models.Model):
    from secpla.core.models import ChangeLogEntry

    return ChangeLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(type(instance), for_concrete_model=False),
        object_id=str(instance.pk),
    ).select_related("user", "content_type")
