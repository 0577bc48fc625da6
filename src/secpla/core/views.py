"""Screens of the core module: home, municipality profile, organisation of the
municipality, users and roles, reference data, organisations and agreements, the
change log, documents and the business-day calendar."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from secpla.core import generic, selectors, services
from secpla.core.audit import clean_text
from secpla.core.calendar import Calendar, CalendarError
from secpla.core.filters import (
    AgreementFilterSet,
    ChangeLogEntryFilterSet,
    ContactFilterSet,
    DepartmentFilterSet,
    DirectorateFilterSet,
    LocalHolidayFilterSet,
    OrganisationFilterSet,
    RegionalHolidayFilterSet,
    RoleFilterSet,
    UserFilterSet,
    UTMValueFilterSet,
)
from secpla.core.forms import (
    AgreementForm,
    CalendarForm,
    ContactForm,
    DepartmentForm,
    DirectorateForm,
    DocumentForm,
    LocalHolidayForm,
    MunicipalityForm,
    OrganisationForm,
    RegionalHolidayForm,
    RoleForm,
    SetPasswordForm,
    UserCreateForm,
    UserForm,
    UTMConversionForm,
    UTMValueForm,
)
from secpla.core.models import (
    Agreement,
    ChangeLogEntry,
    Contact,
    Department,
    Directorate,
    Document,
    LocalHoliday,
    Municipality,
    Organisation,
    RegionalHoliday,
    Role,
    RoleGrant,
    User,
    UTMValue,
)
from secpla.core.money import UTMMissing, clp_to_utm, format_clp, format_utm, utm_to_clp
from secpla.core.permissions import can, scope_for

# --------------------------------------------------------------------------------------
# Home
# --------------------------------------------------------------------------------------


@login_required
def home(request):
    return render(
        request,
        "core/home.html",
        {"attention": selectors.attention_items(request.user), "today": timezone.localdate()},
    )


# --------------------------------------------------------------------------------------
# Municipality profile (single record)
# --------------------------------------------------------------------------------------


class MunicipalityMixin:
    """The single municipality row, reached without an id in the URL."""

    model = Municipality
    url_prefix = "core:municipality"

    def get_object(self):
        return get_object_or_404(
            self.visible("view").select_related("comuna__province__region"), pk=1
        )


class MunicipalityDetailView(MunicipalityMixin, generic.RecordDetailView):
    fields = ["name", "rut", "address", "phone", "email", "website", "is_demo"]

    def get(self, request, *args, **kwargs):
        self.require_model_permission("view")
        if Municipality.current() is None and can(request.user, "change", Municipality):
            return redirect("core:municipality_edit")  # first configuration
        return super().get(request, *args, **kwargs)


class MunicipalityEditView(MunicipalityMixin, generic.RecordFormView):
    form_class = MunicipalityForm
    create_action = "change"  # nobody "adds" the municipality: it is configured

    def is_new(self) -> bool:
        return Municipality.current() is None

    def new_instance(self):
        return Municipality(pk=1)

    def save(self, obj, form, *, creating, reason):
        services.municipality_save(actor=self.request.user, instance=obj, reason=reason)


# --------------------------------------------------------------------------------------
# Record screens, declared once per model
# --------------------------------------------------------------------------------------


directorate_views = generic.crud_views(
    Directorate,
    "core:directorate",
    form=DirectorateForm,
    filterset=DirectorateFilterSet,
    columns=[
        ("code", "Sigla"),
        ("name", "Nombre"),
        ("head_name", "Director(a)"),
        ("is_active", "Vigente"),
    ],
    fields=["code", "name", "head_name", "email", "is_active"],
    related_lists=[
        generic.related_list(
            "Departamentos",
            lambda u, o: o.departments.for_user(u, "view"),
            [("code", "Sigla"), ("name", "Nombre")],
        ),
        generic.related_list(
            "Convenios a su cargo",
            lambda u, o: o.agreements.for_user(u, "view").select_related("organisation"),
            [
                ("title", "Convenio"),
                ("organisation", "Organización"),
                ("status", "Estado"),
                ("end_date", "Término"),
            ],
        ),
        generic.related_list(
            "Usuarios",
            lambda u, o: o.users.for_user(u, "view").select_related("role"),
            [("get_full_name", "Nombre"), ("role", "Rol"), ("position", "Cargo")],
            model=User,
        ),
    ],
)

department_views = generic.crud_views(
    Department,
    "core:department",
    form=DepartmentForm,
    filterset=DepartmentFilterSet,
    columns=[
        ("directorate.code", "Dirección"),
        ("code", "Sigla"),
        ("name", "Nombre"),
        ("is_active", "Vigente"),
    ],
    fields=["directorate", "code", "name", "is_active"],
    select_related=("directorate",),
)


class UserCreateView(generic.RecordFormView):
    model = User
    form_class = UserCreateForm
    url_prefix = "core:user"

    def save(self, obj, form, *, creating, reason):
        services.user_create(
            actor=self.request.user,
            instance=obj,
            password=form.cleaned_data["password1"],
            reason=reason,
        )


user_views = generic.crud_views(
    User,
    "core:user",
    form=UserForm,
    filterset=UserFilterSet,
    columns=[
        ("username", "Usuario"),
        ("get_full_name", "Nombre"),
        ("role", "Rol"),
        ("directorate.code", "Dirección"),
        ("is_active", "Activo"),
    ],
    export_columns=[
        ("username", "Usuario"),
        ("first_name", "Nombres"),
        ("last_name", "Apellidos"),
        ("email", "Correo"),
        ("role", "Rol"),
        ("directorate.code", "Dirección"),
        ("department", "Departamento"),
        ("position", "Cargo"),
        ("is_active", "Activo"),
    ],
    fields=[
        "username",
        "first_name",
        "last_name",
        "email",
        "role",
        "directorate",
        "department",
        "position",
        "phone",
        "is_active",
        "last_login",
    ],
    select_related=("role", "directorate"),
)


def _available_permissions(role) -> list[tuple[str, str]]:
    """Permissions of the product's apps that the role does not have yet, for the select."""
    from django.contrib.auth.models import Permission

    taken = set(role.grants.values_list("permission_id", flat=True))
    permissions = (
        Permission.objects.filter(content_type__app_label__in=PRODUCT_APPS)
        .exclude(pk__in=taken)
        .select_related("content_type")
        .order_by("content_type__app_label", "content_type__model", "codename")
    )
    return [(f"{p.content_type.app_label}.{p.codename}", p.name) for p in permissions]


PRODUCT_APPS = ["core"]  # later modules append their app labels

role_views = generic.crud_views(
    Role,
    "core:role",
    form=RoleForm,
    filterset=RoleFilterSet,
    columns=[("name", "Nombre"), ("code", "Código"), ("description", "Descripción")],
    fields=["name", "code", "description"],
    detail_extra=lambda self, obj: {
        "grants": obj.grants.select_related("permission__content_type").order_by(
            "permission__content_type__app_label",
            "permission__content_type__model",
            "permission__codename",
        ),
        "grant_scopes": RoleGrant._meta.get_field("scope").choices,
        "available_permissions": _available_permissions(obj),
        "can_change_grants": can(self.request.user, "change", obj),
        "users_with_role": obj.user_set.for_user(self.request.user, "view")[:50],
        "role_template": "core/role_grants.html",
    },
)

utm_views = generic.crud_views(
    UTMValue,
    "core:utmvalue",
    form=UTMValueForm,
    filterset=UTMValueFilterSet,
    columns=[
        ("year", "Año"),
        ("month", "Mes"),
        ("value", "Valor ($)"),
        ("source", "Fuente"),
        ("verified", "Verificado"),
    ],
    export_columns=[
        ("year", "Año"),
        ("month", "Mes"),
        ("value", "Valor ($)"),
        ("source", "Fuente"),
        ("source_url", "URL"),
        ("verified", "Verificado"),
    ],
    fields=["year", "month", "value", "source", "source_url", "verified"],
)

regional_holiday_views = generic.crud_views(
    RegionalHoliday,
    "core:regionalholiday",
    form=RegionalHolidayForm,
    filterset=RegionalHolidayFilterSet,
    columns=[
        ("name", "Nombre"),
        ("region", "Región"),
        ("comunas_cut", "Comunas"),
        ("day", "Día"),
        ("month", "Mes"),
        ("legal_source", "Norma"),
    ],
    fields=[
        "name",
        "region",
        "comunas_cut",
        "month",
        "day",
        "valid_from",
        "valid_until",
        "legal_source",
    ],
    select_related=("region",),
)

local_holiday_views = generic.crud_views(
    LocalHoliday,
    "core:localholiday",
    form=LocalHolidayForm,
    filterset=LocalHolidayFilterSet,
    columns=[
        ("date", "Fecha"),
        ("name", "Nombre"),
        ("kind", "Tipo"),
        ("legal_source", "Norma o decreto"),
    ],
    fields=["date", "name", "kind", "legal_source"],
)

organisation_views = generic.crud_views(
    Organisation,
    "core:organisation",
    form=OrganisationForm,
    filterset=OrganisationFilterSet,
    columns=[
        ("name", "Nombre"),
        ("kind", "Tipo"),
        ("rut", "RUT"),
        ("email", "Correo"),
        ("phone", "Teléfono"),
    ],
    export_columns=[
        ("name", "Nombre"),
        ("kind", "Tipo"),
        ("rut", "RUT"),
        ("address", "Dirección"),
        ("email", "Correo"),
        ("phone", "Teléfono"),
        ("website", "Sitio web"),
        ("notes", "Observaciones"),
    ],
    fields=["name", "kind", "rut", "address", "email", "phone", "website", "notes"],
    related_lists=[
        generic.related_list(
            "Contactos",
            lambda u, o: o.contacts.for_user(u, "view"),
            [("name", "Nombre"), ("position", "Cargo"), ("email", "Correo"), ("phone", "Teléfono")],
            lambda u, o: (
                (reverse("core:contact_create") + f"?organisation={o.pk}")
                if can(u, "add", Contact)
                else None
            ),
            model=Contact,
        ),
        generic.related_list(
            "Convenios",
            lambda u, o: o.agreements.for_user(u, "view").select_related("directorate"),
            [
                ("title", "Convenio"),
                ("status", "Estado"),
                ("directorate.code", "Dirección"),
                ("end_date", "Término"),
            ],
            lambda u, o: (
                (reverse("core:agreement_create") + f"?organisation={o.pk}")
                if can(u, "add", Agreement)
                else None
            ),
        ),
    ],
)


def _initial_from_query(self):
    """Pre-fill a foreign key from ?organisation=<id> when adding from its page."""
    kwargs = {}
    org = self.request.GET.get("organisation")
    if self.request.method == "GET" and org and org.isdigit() and "pk" not in self.kwargs:
        kwargs["initial"] = {"organisation": int(org)}
    return kwargs


contact_views = generic.crud_views(
    Contact,
    "core:contact",
    form=ContactForm,
    filterset=ContactFilterSet,
    columns=[
        ("name", "Nombre"),
        ("organisation", "Organización"),
        ("position", "Cargo"),
        ("email", "Correo"),
        ("phone", "Teléfono"),
    ],
    fields=["organisation", "name", "position", "email", "phone"],
    select_related=("organisation",),
    form_kwargs=_initial_from_query,
)

agreement_views = generic.crud_views(
    Agreement,
    "core:agreement",
    form=AgreementForm,
    filterset=AgreementFilterSet,
    columns=[
        ("title", "Convenio"),
        ("organisation", "Organización"),
        ("kind", "Tipo"),
        ("status", "Estado"),
        ("directorate.code", "Dirección"),
        ("start_date", "Inicio"),
        ("end_date", "Término"),
        ("amount", "Monto ($)"),
    ],
    export_columns=[
        ("title", "Convenio"),
        ("organisation", "Organización"),
        ("organisation.rut", "RUT organización"),
        ("kind", "Tipo"),
        ("status", "Estado"),
        ("directorate.code", "Dirección"),
        ("start_date", "Inicio"),
        ("end_date", "Término"),
        ("amount", "Monto ($)"),
        ("decree", "Decreto"),
        ("description", "Descripción"),
    ],
    fields=[
        "title",
        "organisation",
        "kind",
        "status",
        "directorate",
        "start_date",
        "end_date",
        "amount",
        "decree",
        "description",
    ],
    select_related=("organisation", "directorate"),
    form_kwargs=lambda self: {"user": self.request.user, **_initial_from_query(self)},
)


@login_required
def user_set_password(request, pk):
    """An administrator sets a new password for a user (the log notes it, without the hash)."""
    target = get_object_or_404(User.objects.for_user(request.user, "view"), pk=pk)
    if not can(request.user, "change", target):
        raise PermissionDenied
    form = SetPasswordForm(request.POST or None, user=target)
    if request.method == "POST" and form.is_valid():
        services.user_set_password(
            actor=request.user,
            user=target,
            password=form.cleaned_data["password1"],
            reason=form.cleaned_data["change_reason"],
        )
        messages.success(request, f"Se asignó una nueva contraseña a {target}.")
        return redirect(target)
    return render(request, "core/user_set_password.html", {"form": form, "target": target})


@login_required
def utm_convert(request):
    """Pesos ↔ UTM with the UTM of the chosen month; a missing month is said, never guessed."""
    if scope_for(request.user, UTMValue, "view") is None:
        raise PermissionDenied
    today = timezone.localdate()
    form = UTMConversionForm(
        request.GET or None, initial={"year": today.year, "month": today.month}
    )
    result = error = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            if data["direction"] == "clp":
                result = format_utm(clp_to_utm(int(data["amount"]), data["year"], data["month"]))
            else:
                result = format_clp(utm_to_clp(data["amount"], data["year"], data["month"]))
        except UTMMissing as exc:
            error = str(exc)
    return render(
        request, "core/utm_convert.html", {"form": form, "result": result, "error": error}
    )


# --------------------------------------------------------------------------------------
# Role grants (permissions are data)
# --------------------------------------------------------------------------------------


@login_required
@require_POST
def role_grant_add(request, pk):
    role = get_object_or_404(Role.objects.for_user(request.user, "view"), pk=pk)
    if not can(request.user, "change", role):
        raise PermissionDenied
    from django.contrib.auth.models import Permission

    codename = clean_text(request.POST.get("permission", ""))
    app_label, _, code = codename.partition(".")
    permission = Permission.objects.filter(content_type__app_label=app_label, codename=code).first()
    if permission is None:
        messages.error(request, f"El permiso «{codename}» no existe.")
        return redirect(role)
    grant = RoleGrant(
        role=role, permission=permission, scope=clean_text(request.POST.get("scope", "all"))
    )
    try:
        services.record_create(
            actor=request.user,
            instance=grant,
            reason=clean_text(request.POST.get("change_reason", "")),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Permiso agregado: {permission.name}.")
    return redirect(role)


@login_required
@require_POST
def role_grant_delete(request, pk, grant_pk):
    role = get_object_or_404(Role.objects.for_user(request.user, "view"), pk=pk)
    grant = get_object_or_404(role.grants, pk=grant_pk)
    if not can(request.user, "change", role):
        raise PermissionDenied
    services.record_delete(
        actor=request.user, instance=grant, reason=clean_text(request.POST.get("change_reason", ""))
    )
    messages.success(request, "Permiso quitado.")
    return redirect(role)


# --------------------------------------------------------------------------------------
# Change log (global, administrators)
# --------------------------------------------------------------------------------------


class ChangeLogListView(generic.RecordListView):
    model = ChangeLogEntry
    url_prefix = "core:changelog"
    template_name = "core/changelog_list.html"
    filterset_class = ChangeLogEntryFilterSet
    select_related = ("content_type", "user")
    paginate_by = 50
    columns = [
        ("timestamp", "Fecha"),
        ("user_repr", "Usuario"),
        ("action", "Acción"),
        ("content_type.name", "Tipo"),
        ("object_repr", "Registro"),
        ("source", "Origen"),
        ("reason", "Motivo"),
    ]
    export_columns = [
        ("timestamp", "Fecha"),
        ("user_repr", "Usuario"),
        ("action", "Acción"),
        ("content_type.name", "Tipo"),
        ("object_id", "Id"),
        ("object_repr", "Registro"),
        ("source", "Origen"),
        ("request_id", "Id de solicitud"),
        ("reason", "Motivo"),
        ("before", "Antes"),
        ("after", "Después"),
    ]


@login_required
def changelog_detail(request, pk):
    entry = get_object_or_404(
        ChangeLogEntry.objects.for_user(request.user, "view").select_related("content_type"),
        pk=pk,
    )
    return render(request, "core/changelog_detail.html", {"entry": entry})


# --------------------------------------------------------------------------------------
# Documents attached to any record
# --------------------------------------------------------------------------------------


def _target_for(request, content_type_id: int, object_id: str, action: str):
    content_type = get_object_or_404(ContentType, pk=content_type_id)
    model = content_type.model_class()
    if model is None or not hasattr(model.objects, "for_user"):
        raise Http404
    if not hasattr(model, "get_absolute_url"):
        raise Http404  # documents attach to records that have a page
    try:
        target = model.objects.for_user(request.user, "view").get(pk=object_id)
    except (model.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc
    if action != "view" and not can(request.user, action, target):
        raise PermissionDenied
    return target


@login_required
def document_upload(request, content_type_id, object_id):
    target = _target_for(request, content_type_id, object_id, "change")
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.document_attach(
                actor=request.user,
                target=target,
                upload=form.cleaned_data["file"],
                title=form.cleaned_data["title"],
                kind=form.cleaned_data["kind"],
                reason=form.cleaned_data["change_reason"],
            )
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            messages.success(request, "Documento adjuntado.")
            return redirect(target.get_absolute_url() + "?tab=documentos")
    return render(request, "core/document_form.html", {"form": form, "target": target})


def _document_for(request, pk: int, action: str) -> tuple[Document, object]:
    """A document and its record, reached with the record's own permission and scope."""
    document = get_object_or_404(Document, pk=pk)
    target = _target_for(request, document.content_type_id, document.object_id, "view")
    if action != "view" and not can(request.user, action, target):
        raise PermissionDenied
    return document, target


@login_required
def document_download(request, pk):
    document, _target = _document_for(request, pk, "view")
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("El archivo no está disponible.") from exc
    return FileResponse(
        handle, as_attachment=True, filename=document.original_name, content_type=document.mime_type
    )


@login_required
def document_delete(request, pk):
    document, target = _document_for(request, pk, "change")
    if request.method == "POST":
        services.document_delete(
            actor=request.user,
            document=document,
            reason=clean_text(request.POST.get("change_reason", ""))[:500],
        )
        messages.success(request, "Documento eliminado.")
        return redirect(target.get_absolute_url() + "?tab=documentos")
    return render(
        request,
        "core/record_confirm_delete.html",
        {
            "object": document,
            "opts": Document._meta,
            "cancel_url": target.get_absolute_url(),
        },
    )


# --------------------------------------------------------------------------------------
# Business-day calendar
# --------------------------------------------------------------------------------------


@login_required
def calendar_view(request):
    form = CalendarForm(request.GET or None)
    result = error = None
    calendar = Calendar()
    if form.is_bound and form.is_valid():
        try:
            result = calendar.add_business_days(
                form.cleaned_data["start"], form.cleaned_data["days"]
            )
        except CalendarError as exc:
            error = str(exc)
    today = timezone.localdate()
    upcoming = []
    day = today
    for _ in range(366):
        reason = calendar.holiday(day)
        if reason:
            upcoming.append((day, reason))
            if len(upcoming) >= 8:
                break
        day += dt.timedelta(days=1)
    return render(
        request,
        "core/calendar.html",
        {
            "form": form,
            "result": result,
            "error": error,
            "upcoming": upcoming,
            "comuna": calendar.comuna,
        },
    )
