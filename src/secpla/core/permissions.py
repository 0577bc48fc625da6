"""Permissions are data: a user's role carries grants (a Django permission plus a scope).

- `RoleBackend` makes `user.has_perm("core.change_agreement")` answer from the role.
- `restrict_queryset` is the one access path: rows outside the user's scope vanish,
  so views answer 404 for them; a visible row the user may not change gives 403.
- `RolePermission` applies the same rules to the API.
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db import models
from rest_framework import permissions as drf_permissions

from secpla.core.models import Scope

ACTIONS = ("view", "add", "change", "delete")


class RoleBackend(ModelBackend):
    """Password authentication plus permissions from the user's role grants."""

    def _get_group_permissions(self, user_obj):
        if not getattr(user_obj, "role_id", None):
            return Permission.objects.none()
        return Permission.objects.filter(rolegrant__role_id=user_obj.role_id)


def perm_name(model: type[models.Model], action: str) -> str:
    opts = model._meta
    return f"{opts.app_label}.{action}_{opts.model_name}"


def grant_scopes(user) -> dict[str, str]:
    """{'app.codename': scope} for the user's role, cached on the user object."""
    cache = getattr(user, "_secpla_grant_scopes", None)
    if cache is None:
        cache = {}
        if getattr(user, "role_id", None):
            rows = user.role.grants.select_related("permission__content_type").values_list(
                "permission__content_type__app_label", "permission__codename", "scope"
            )
            cache = {f"{app}.{codename}": scope for app, codename, scope in rows}
        user._secpla_grant_scopes = cache
    return cache


def scope_for(user, model: type[models.Model], action: str) -> str | None:
    """'all', 'directorate' or None (no permission) for this user, model and action."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Scope.ALL
    return grant_scopes(user).get(perm_name(model, action))


def restrict_queryset(queryset: models.QuerySet, user, action: str = "view") -> models.QuerySet:
    scope = scope_for(user, queryset.model, action)
    if scope is None:
        return queryset.none()
    if scope == Scope.ALL:
        return queryset
    field = getattr(queryset.model, "scope_field", None)
    if field is None:
        # Records that belong to no directorate (reference data) are shared by all.
        return queryset
    if not user.directorate_id:
        return queryset.none()
    return queryset.filter(**{field: user.directorate_id})


def can(user, action: str, obj_or_model) -> bool:
    """May `user` do `action` on this object (in scope) or on this model at all?"""
    if isinstance(obj_or_model, models.Model):
        model = type(obj_or_model)
        return (
            restrict_queryset(model._default_manager.all(), user, action)
            .filter(pk=obj_or_model.pk)
            .exists()
        )
    return scope_for(user, obj_or_model, action) is not None


class RolePermission(drf_permissions.BasePermission):
    """API: read needs `view`, writes need add/change/delete; objects are scoped.

    Views declare `queryset` restricted with `for_user` in `get_queryset`, so objects
    outside the scope are already 404 when this runs.
    """

    method_actions = {
        "GET": "view",
        "HEAD": "view",
        "OPTIONS": "view",
        "POST": "add",
        "PUT": "change",
        "PATCH": "change",
        "DELETE": "delete",
    }

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        if getattr(view, "login_only", False):
            return request.method in drf_permissions.SAFE_METHODS
        model = getattr(view, "permission_model", None)
        if model is None:
            queryset = getattr(view, "queryset", None)
            model = queryset.model if queryset is not None else None
        if model is None:
            return True  # views without a model (e.g. calendar) only need a login
        action = self.method_actions.get(request.method, "change")
        lookup = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", "pk")
        if action == "view" and lookup in getattr(view, "kwargs", {}):
            # Reading one record: the scoped queryset answers 404 for what the user can't
            # see, exactly as the screens do.
            return True
        return scope_for(request.user, model, action) is not None

    def has_object_permission(self, request, view, obj) -> bool:
        action = self.method_actions.get(request.method, "change")
        if action == "view":
            return True  # get_queryset already restricted to what the user sees
        return can(request.user, action, obj)
