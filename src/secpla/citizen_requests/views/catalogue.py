"""OIRS staff screens: the catalogue of categories, the dated OIRS parameters and the
Open311 API keys (issued through services.api_key_issue: the clear key is shown once, on
the page that answers the issuing POST, and never stored, logged or shown again)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from secpla.citizen_requests import services
from secpla.citizen_requests.filters import (
    ApiKeyFilterSet,
    CategoryFilterSet,
    OirsSettingsFilterSet,
)
from secpla.citizen_requests.models import ApiKey, Category, OirsSettings
from secpla.citizen_requests.staff_forms import (
    ApiKeyIssueForm,
    ApiKeyRevokeForm,
    CategoryForm,
    OirsSettingsForm,
)
from secpla.core import generic
from secpla.core import services as core_services
from secpla.core.audit import clean_text
from secpla.core.permissions import can, scope_for
from secpla.core.urls import crud

# --- categories ----------------------------------------------------------------------------


def category_context(self, category: Category) -> dict:
    days, rules = category.effective_answer_days()
    return {
        "role_template": "citizen_requests/staff_catalogue_category_extra.html",
        "effective_days": days,
        "rules": rules,
    }


category_views = generic.crud_views(
    Category,
    "citizen_requests:category",
    form=CategoryForm,
    filterset=CategoryFilterSet,
    columns=[
        ("name", "Nombre"),
        ("code", "Código"),
        ("group", "Grupo"),
        ("directorate.name", "Dirección"),
        ("answer_days", "Plazo (días hábiles)"),
        ("is_active", "Vigente"),
    ],
    fields=[
        "code",
        "name",
        "description",
        "guidance",
        "directorate",
        "answer_days",
        "group",
        "keywords",
        "is_active",
    ],
    select_related=("directorate",),
    detail_extra=category_context,
)

# --- OIRS parameters -----------------------------------------------------------------------

SETTINGS_FIELDS = [
    "valid_from",
    "max_answer_days",
    "default_answer_days",
    "reopen_days",
    "retention_months",
    "duplicate_radius_m",
    "duplicate_window_days",
    "consent_version",
    "consent_text",
    "source",
]

settings_views = generic.crud_views(
    OirsSettings,
    "citizen_requests:oirssettings",
    form=OirsSettingsForm,
    filterset=OirsSettingsFilterSet,
    columns=[
        ("valid_from", "Vigente desde"),
        ("max_answer_days", "Plazo máximo (días hábiles)"),
        ("default_answer_days", "Plazo por defecto (días hábiles)"),
        ("reopen_days", "Plazo para reabrir"),
        ("retention_months", "Conservación (meses)"),
        ("consent_version", "Versión del consentimiento"),
    ],
    fields=SETTINGS_FIELDS,
)

# --- Open311 API keys ----------------------------------------------------------------------

KEY_FIELDS = [
    "name",
    "organisation",
    "contact",
    "prefix",
    "is_active",
    "created_by",
    "created_at",
    "last_used_at",
]


class ApiKeyListView(generic.RecordListView):
    model = ApiKey
    url_prefix = "citizen_requests:apikey"
    filterset_class = ApiKeyFilterSet
    select_related = ("created_by",)
    columns = [
        ("name", "Nombre"),
        ("organisation", "Organización"),
        ("prefix", "Inicio de la clave"),
        ("is_active", "Activa"),
        ("created_at", "Emitida"),
        ("last_used_at", "Último uso"),
    ]


def apikey_context(self, key: ApiKey) -> dict:
    return {
        "role_template": "citizen_requests/staff_catalogue_apikey_extra.html",
        "can_revoke": key.is_active and can(self.request.user, "change", key),
        "revoke_form": ApiKeyRevokeForm(),
    }


class ApiKeyDetailView(generic.RecordDetailView):
    model = ApiKey
    url_prefix = "citizen_requests:apikey"
    fields = KEY_FIELDS
    documents = False

    def extra_context_for(self, obj):
        context = apikey_context(self, obj)
        # No edit or delete page: a key is issued or revoked (its requests keep it).
        context["can_change"] = context["can_delete"] = False
        return context


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def apikey_create(request):
    """Issue a key. The answer to the POST is the only page that ever shows it."""
    if scope_for(request.user, ApiKey, "add") is None:
        raise PermissionDenied
    form = ApiKeyIssueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {name: clean_text(value) for name, value in form.cleaned_data.items()}
        with transaction.atomic():
            key, raw = services.api_key_issue(actor=request.user, **data)
        return render(
            request,
            "citizen_requests/staff_catalogue_apikey_issued.html",
            {"object": key, "raw_key": raw},
        )
    return render(request, "citizen_requests/staff_catalogue_apikey_form.html", {"form": form})


@login_required
@require_POST
def apikey_revoke(request, pk: int):
    """Deactivate a key (POST from the confirmation on its page); it stays listed."""
    key = get_object_or_404(ApiKey.objects.for_user(request.user, "view"), pk=pk)
    if not can(request.user, "change", key):
        raise PermissionDenied
    form = ApiKeyRevokeForm(request.POST)
    reason = clean_text(form.data.get("change_reason", ""))[:500]
    if not key.is_active:
        messages.info(request, f"La clave {key} ya estaba desactivada.")
        return redirect(key)
    key.is_active = False
    core_services.record_update(
        actor=request.user, instance=key, reason=reason or "Clave Open311 revocada"
    )
    messages.success(request, f"Se revocó la clave {key}: Open311 ya no la acepta.")
    return redirect(key)


urlpatterns = [
    *crud("category", "oirs/categorias", category_views),
    *crud("oirssettings", "oirs/parametros", settings_views),
    path("oirs/claves-api/", ApiKeyListView.as_view(), name="apikey_list"),
    path("oirs/claves-api/nueva/", apikey_create, name="apikey_create"),
    path("oirs/claves-api/<int:pk>/", ApiKeyDetailView.as_view(), name="apikey_detail"),
    path("oirs/claves-api/<int:pk>/revocar/", apikey_revoke, name="apikey_revoke"),
]
