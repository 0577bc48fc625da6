"""Writes. Each checks permission and scope, validates, saves in one transaction and
leaves exactly one change-log record (written by core.audit in that transaction)."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction

from secpla.core.audit import audit_context
from secpla.core.models import Document, Municipality, Role, User
from secpla.core.permissions import can, scope_for


def _require(actor, action: str, obj_or_model) -> None:
    if not can(actor, action, obj_or_model):
        raise PermissionDenied("No tiene permiso para realizar esta acción.")


def _require_own_directorate(actor, instance: models.Model, action: str) -> None:
    """A directorate-scoped role may only create or move records into its own directorate."""
    field = getattr(type(instance), "scope_field", None)
    if not field or field == "pk" or scope_for(actor, type(instance), action) != "directorate":
        return
    if actor.directorate_id is None or scope_value(instance) != actor.directorate_id:
        raise PermissionDenied("Solo puede asignar registros a su propia dirección.")


def scope_value(instance: models.Model):
    """The id of the directorate that owns `instance`, following `scope_field`
    ("directorate" or a path such as "initiative__directorate")."""
    *path, last = type(instance).scope_field.split("__")
    target = instance
    for part in path:
        target = getattr(target, part, None)
        if target is None:
            return None
    return getattr(target, f"{last}_id", None)


def record_create(*, actor, instance: models.Model, reason: str = "") -> models.Model:
    """Validate and save a new record on behalf of `actor`."""
    _require(actor, "add", type(instance))
    _require_own_directorate(actor, instance, "add")
    if isinstance(instance, User):
        _check_account_change(actor, instance)
    instance.full_clean()
    with transaction.atomic(), audit_context(user=actor, reason=reason):
        instance.save()
    return instance


def record_update(*, actor, instance: models.Model, reason: str = "") -> models.Model:
    """Validate and save changes to an existing record on behalf of `actor`."""
    if isinstance(instance, User):
        _check_account_change(actor, instance)
    _require(actor, "change", instance)
    _require_own_directorate(actor, instance, "change")
    instance.full_clean()
    with transaction.atomic(), audit_context(user=actor, reason=reason):
        instance.save()
    return instance


def record_set_links(*, actor, instance: models.Model, field: str, values, reason: str = ""):
    """Replace a many-to-many relation and log it as one change of the record."""
    from secpla.core.audit import _write

    _require(actor, "change", instance)
    manager = getattr(instance, field)
    before = sorted(manager.values_list("pk", flat=True))
    after = sorted(v.pk if hasattr(v, "pk") else int(v) for v in values)
    if before == after:
        return
    with transaction.atomic(), audit_context(user=actor, reason=reason):
        manager.set(after)
        _write(instance, "update", {field: before}, {field: after})


def record_delete(*, actor, instance: models.Model, reason: str = "") -> None:
    """Delete a record on behalf of `actor`; records still referenced are protected."""
    _require(actor, "delete", instance)
    if isinstance(instance, User):
        _check_account_change(actor, instance)
    try:
        with transaction.atomic(), audit_context(user=actor, reason=reason):
            _delete_attached_documents(instance)
            instance.delete()
    except models.ProtectedError as exc:
        raise ValidationError(protected_message(exc)) from exc


def protected_message(exc: models.ProtectedError) -> str:
    """Why a record cannot be deleted: the kinds of records that still point at it."""
    names = sorted({str(obj._meta.verbose_name_plural) for obj in exc.protected_objects})
    return f"No se puede eliminar: hay {', '.join(names)} que dependen de este registro."


def _delete_attached_documents(instance: models.Model) -> None:
    """A deleted record takes its documents with it (each logged; files removed on commit)."""
    from django.contrib.contenttypes.models import ContentType

    documents = Document.objects.filter(
        content_type=ContentType.objects.get_for_model(type(instance)),
        object_id=str(instance.pk),
    )
    for document in documents:
        _remove_document(document)


def _remove_document(document: Document) -> None:
    """Delete the row now (logged) and the file once the transaction commits."""
    document.delete()
    transaction.on_commit(lambda: document.file.delete(save=False))


def _check_account_change(actor, account: User) -> None:
    """Guards on accounts beyond the plain permission.

    - Only a superuser touches a superuser's or staff member's account.
    - Nobody changes their own role, activation or superuser status.
    - Assigning a role needs the power to change roles for the whole municipality, so a
      directorate-level user manager cannot create or promote an administrator.
    """
    previous = User.objects.filter(pk=account.pk).first() if account.pk else None
    if (
        previous is not None
        and (previous.is_superuser or previous.is_staff)
        and not (actor.is_superuser)
    ):
        raise PermissionDenied("Solo un superusuario puede modificar esta cuenta.")
    if (account.is_superuser or account.is_staff) and not actor.is_superuser:
        raise PermissionDenied("Solo un superusuario puede dar acceso de superusuario.")
    role_changed = (previous.role_id if previous else None) != account.role_id
    if previous is not None and previous.pk == actor.pk and (role_changed or not account.is_active):
        raise PermissionDenied("No puede cambiar su propio rol ni desactivar su propia cuenta.")
    if role_changed and account.role_id and scope_for(actor, Role, "change") != "all":
        raise PermissionDenied("No tiene permiso para asignar roles.")


def user_create(*, actor, instance: User, password: str, reason: str = "") -> User:
    """Create an official's account with a password that passes the validators."""
    validate_password(password, instance)
    instance.set_password(password)
    return record_create(actor=actor, instance=instance, reason=reason)


def user_set_password(*, actor, user: User, password: str, reason: str = "") -> User:
    """Set another user's password (administrator) — the log notes it without the hash."""
    _require(actor, "change", user)
    _check_account_change(actor, user)
    validate_password(password, user)
    user.set_password(password)
    with transaction.atomic(), audit_context(user=actor, reason=reason or "Cambio de contraseña"):
        user.save(update_fields=["password"])
    return user


def municipality_save(*, actor, instance: Municipality, reason: str = "") -> Municipality:
    """Create or update the single municipality row; its boundary follows its comuna."""
    from secpla.core.reference import BOUNDARIES_SOURCE, comuna_boundary

    _require(actor, "change", Municipality)
    instance.pk = 1
    instance.boundary = comuna_boundary(instance.comuna.cut)
    instance.boundary_source = BOUNDARIES_SOURCE if instance.boundary else ""
    instance.full_clean()
    exists = Municipality.objects.filter(pk=1).exists()
    with transaction.atomic(), audit_context(user=actor, reason=reason):
        instance.save(force_insert=not exists)
    return instance


def document_attach(
    *, actor, target: models.Model, upload, title: str, kind: str, reason: str = ""
) -> Document:
    """Attach a validated file to `target`; the actor must be able to change the target."""
    from django.contrib.contenttypes.models import ContentType

    from secpla.core.documents import inspect_upload

    _require(actor, "change", target)
    info = inspect_upload(upload)
    document = Document(
        content_type=ContentType.objects.get_for_model(type(target)),
        object_id=str(target.pk),
        title=title or info.original_name,
        kind=kind,
        original_name=info.original_name,
        extension=info.extension,
        mime_type=info.mime_type,
        size=info.size,
        sha256=info.sha256,
        uploaded_by=actor,
    )
    upload.seek(0)
    document.file.save(info.original_name, upload, save=False)
    try:
        document.full_clean()
        with transaction.atomic(), audit_context(user=actor, reason=reason):
            document.save()
    except Exception:
        document.file.delete(save=False)
        raise
    return document


def document_delete(*, actor, document: Document, reason: str = "") -> None:
    target = document.target
    _require(actor, "change", target)
    with transaction.atomic(), audit_context(user=actor, reason=reason):
        _remove_document(document)
