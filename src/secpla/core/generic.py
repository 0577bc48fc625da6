"""Generic record views: list (filters, search, pagination, CSV/XLSX export), detail
(with Historial and Documentos), create, edit and delete with confirmation.

Every view fetches through `Model.objects.for_user(user, action)`: a record outside the
user's scope is 404; a visible record the user may not change is 403. Writes go through
core.services, which validates and leaves one change-log record.
"""

from __future__ import annotations

import csv
import io

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.text import capfirst, slugify
from django.views.generic import TemplateView
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from secpla.core import services
from secpla.core.audit import clean_text, history_for
from secpla.core.models import Document
from secpla.core.money import format_clp
from secpla.core.permissions import can, scope_for
from secpla.core.templatetags.secpla import field_value


class ReasonFormMixin(forms.Form):
    """An optional 'why' for the change log, on every edit form."""

    change_reason = forms.CharField(
        label="Motivo del cambio (opcional)",
        required=False,
        max_length=500,
        help_text="Queda en el historial del registro.",
    )


def with_reason(form_class: type[forms.ModelForm]) -> type[forms.ModelForm]:
    return type(form_class.__name__, (form_class, ReasonFormMixin), {})


class RecordViewMixin(LoginRequiredMixin):
    """What every record view knows: the model, its names and URLs."""

    model = None
    url_prefix: str = ""  # e.g. "core:organisation"
    title_plural: str = ""

    def opts(self):
        return self.model._meta

    def visible(self, action: str = "view"):
        return self.model.objects.for_user(self.request.user, action)

    def get_object(self):
        return get_object_or_404(self.visible("view"), pk=self.kwargs["pk"])

    def require_model_permission(self, action: str) -> None:
        if scope_for(self.request.user, self.model, action) is None:
            raise PermissionDenied

    def base_context(self) -> dict:
        user = self.request.user
        return {
            "opts": self.opts(),
            "url_prefix": self.url_prefix,
            "title_plural": self.title_plural or capfirst(self.opts().verbose_name_plural),
            "can_add": scope_for(user, self.model, "add") is not None,
        }


class RecordListView(RecordViewMixin, TemplateView):
    """A filtered, searchable, paginated list with CSV and XLSX export of the same columns."""

    template_name = "core/record_list.html"
    filterset_class = None
    columns: list[tuple[str, str]] = []  # (attribute or dotted path, header)
    export_columns: list[tuple[str, str]] | None = None
    paginate_by = 25
    select_related: tuple[str, ...] = ()
    money_columns: tuple[str, ...] = ("amount", "value")  # integer pesos

    def get_queryset(self):
        return self.visible("view").select_related(*self.select_related)

    def get(self, request, *args, **kwargs):
        self.require_model_permission("view")
        self.filterset = self.filterset_class(
            request.GET or None, queryset=self.get_queryset(), request=request
        )
        queryset = self.filtered_queryset()
        export = request.GET.get("export")
        if export in {"csv", "xlsx"}:
            return self.export(queryset, export)
        page = Paginator(queryset, self.paginate_by).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            **self.base_context(),
            "filter": self.filterset,
            "page_obj": page,
            "columns": self.columns,
            "rows": [
                (obj, [self.display(path, resolve(obj, path)) for path, _ in self.columns])
                for obj in page
            ],
            "querystring": query.urlencode(),
            "total": page.paginator.count,
        }
        return self.render_to_response(context)

    def filtered_queryset(self):
        """The rows the list shows (see `filtered_rows`)."""
        return filtered_rows(self.filterset)

    def display(self, path: str, value):
        """What a list cell shows: pesos as $ 1.234.567 (exports keep plain numbers)."""
        if path in self.money_columns and value is not None:
            return format_clp(value)
        return value

    def export(self, queryset, kind: str) -> HttpResponse:
        columns = self.export_columns or self.columns
        headers = [header for _, header in columns]
        rows = ([export_value(resolve(obj, path)) for path, _ in columns] for obj in queryset)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        name = f"{slugify(self.title_plural or self.opts().verbose_name_plural)}-{stamp}"
        if kind == "csv":
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(headers)
            writer.writerows(rows)
            response = HttpResponse(
                "\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
            return response
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title=str(self.opts().verbose_name_plural)[:31])
        sheet.append(headers)
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response


def filtered_rows(filterset):
    """The rows a filterset selects; an invalid filter selects nothing (its form says why)
    rather than everything. Lists, exports, maps and totals all use this rule."""
    if not filterset.is_bound:
        return filterset.queryset
    if not filterset.is_valid():
        return filterset.queryset.none()
    return filterset.qs


def resolve(obj, path: str):
    """obj.a.b, using get_<field>_display for choices."""
    value = obj
    parts = path.split(".")
    for i, part in enumerate(parts):
        if value is None:
            return None
        display = getattr(value, f"get_{part}_display", None)
        if i == len(parts) - 1 and callable(display):
            return display()
        value = getattr(value, part)
        if callable(value) and not hasattr(value, "_meta"):
            value = value()
    return value


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def export_value(value):
    """A cell value safe for spreadsheets: no control characters, no live formulas."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Sí" if value else "No"
    if getattr(value, "tzinfo", None) is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    if isinstance(value, int | float) or hasattr(value, "isoformat"):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def xlsx_cell(sheet, value, *, number_format: str = "", bold: bool = False):
    """A write-only XLSX cell that is safe to open: no control characters, and text that
    looks like a formula stays text (quoted), as in `export_value`."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        cell.data_type = "s"
        cell.quotePrefix = True
    if number_format:
        cell.number_format = number_format
    if bold:
        cell.font = Font(bold=True)
    return cell


class RecordDetailView(RecordViewMixin, TemplateView):
    template_name = "core/record_detail.html"
    fields: list[str] = []
    related_lists: list = []  # callables (view, obj) -> dict(title, columns, rows, add_url)
    documents = True

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        tab = request.GET.get("tab", "datos")
        user = request.user
        context = {
            **self.base_context(),
            "object": self.object,
            "fields": [
                (self.model._meta.get_field(f).verbose_name, field_value(self.object, f))
                for f in self.fields
            ],
            "tab": tab,
            "can_change": can(user, "change", self.object),
            "can_delete": can(user, "delete", self.object),
            "show_documents": self.documents,
            "related": [
                block
                for block in (build(self, self.object) for build in self.related_lists)
                if block is not None
            ],
        }
        if tab == "historial":
            context["history"] = history_for(self.object)[:200]
        if self.documents:
            from django.contrib.contenttypes.models import ContentType

            content_type = ContentType.objects.get_for_model(self.model)
            context["ct_id"] = content_type.pk
            context["documents"] = Document.objects.filter(
                content_type=content_type, object_id=str(self.object.pk)
            ).select_related("uploaded_by")
        context.update(self.extra_context_for(self.object))
        return self.render_to_response(context)

    def extra_context_for(self, obj) -> dict:
        return {}


class RecordFormView(RecordViewMixin, TemplateView):
    """Create (no pk) or edit (pk) through a ModelForm and the record services."""

    template_name = "core/record_form.html"
    form_class = None

    create_action = "add"  # the permission that allows creating the record

    def is_new(self) -> bool:
        return "pk" not in self.kwargs

    def get_instance(self):
        if not self.is_new():
            obj = self.get_object()  # 404 outside the scope
            if not can(self.request.user, "change", obj):
                raise PermissionDenied
            return obj
        self.require_model_permission(self.create_action)
        return self.new_instance()

    def new_instance(self):
        instance = self.model()
        field = getattr(self.model, "scope_field", None)
        user = self.request.user
        if field and field != "pk" and "__" not in field and user.directorate_id:
            setattr(instance, f"{field}_id", user.directorate_id)
        return instance

    def get_form(self, instance, data=None, files=None):
        return with_reason(self.form_class)(
            data=data, files=files, instance=instance, **self.form_kwargs()
        )

    def form_kwargs(self) -> dict:
        return {}

    def get(self, request, *args, **kwargs):
        instance = self.get_instance()
        return self.render_form(self.get_form(instance), instance)

    def render_form(self, form, instance):
        return self.render_to_response(
            {**self.base_context(), "form": form, "object": instance if instance.pk else None}
        )

    def post(self, request, *args, **kwargs):
        instance = self.get_instance()
        creating = instance.pk is None
        form = self.get_form(instance, request.POST, request.FILES)
        if form.is_valid():
            obj = form.save(commit=False)
            reason = form.cleaned_data.get("change_reason", "")
            try:
                self.save(obj, form, creating=creating, reason=reason)
            except ValidationError as exc:
                add_validation_errors(form, exc)
            else:
                messages.success(
                    request,
                    f"Se agregó {self.opts().verbose_name}: {obj}."
                    if creating
                    else f"Se guardaron los cambios de {obj}.",
                )
                return redirect(obj.get_absolute_url())
        return self.render_form(form, instance)

    def save(self, obj, form, *, creating: bool, reason: str):
        user = self.request.user
        with transaction.atomic():
            if creating:
                services.record_create(actor=user, instance=obj, reason=reason)
            else:
                services.record_update(actor=user, instance=obj, reason=reason)
            for field in obj._meta.many_to_many:
                if field.name in form.cleaned_data:
                    services.record_set_links(
                        actor=user,
                        instance=obj,
                        field=field.name,
                        values=form.cleaned_data[field.name],
                        reason=reason,
                    )


def form_errors_text(form) -> str:
    """Every error of a form in one line, for a message after a redirect."""
    return " ".join(error for errors in form.errors.values() for error in errors)


def add_validation_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class RecordDeleteView(RecordViewMixin, TemplateView):
    template_name = "core/record_confirm_delete.html"

    def get_target(self):
        obj = self.get_object()
        if not can(self.request.user, "delete", obj):
            raise PermissionDenied
        return obj

    def get(self, request, *args, **kwargs):
        obj = self.get_target()
        return self.render_to_response({**self.base_context(), "object": obj})

    def post(self, request, *args, **kwargs):
        obj = self.get_target()
        reason = clean_text(request.POST.get("change_reason", ""))[:500]
        label = str(obj)
        try:
            services.record_delete(actor=request.user, instance=obj, reason=reason)
        except ValidationError as exc:
            return self.render_to_response(
                {**self.base_context(), "object": obj, "error": exc.messages[0]}
            )
        messages.success(request, f"Se eliminó {self.opts().verbose_name}: {label}.")
        return redirect(f"{self.url_prefix}_list")


def crud_views(
    model,
    prefix,
    *,
    form,
    filterset,
    columns,
    fields,
    select_related=(),
    related_lists=(),
    export_columns=None,
    form_kwargs=None,
    detail_extra=None,
    detail_template=None,
):
    """Build the list/detail/create/edit/delete views of one model."""
    attrs = {"model": model, "url_prefix": prefix}
    list_view = type(
        f"{model.__name__}ListView",
        (RecordListView,),
        {
            **attrs,
            "filterset_class": filterset,
            "columns": columns,
            "export_columns": export_columns,
            "select_related": select_related,
        },
    )
    detail_view = type(
        f"{model.__name__}DetailView",
        (RecordDetailView,),
        {
            **attrs,
            "fields": fields,
            "related_lists": list(related_lists),
            **({"extra_context_for": detail_extra} if detail_extra else {}),
            **({"template_name": detail_template} if detail_template else {}),
        },
    )
    methods = {}
    if form_kwargs:
        methods["form_kwargs"] = form_kwargs
    edit_view = type(
        f"{model.__name__}EditView",
        (RecordFormView,),
        {**attrs, "form_class": form, **methods},
    )
    create_view = type(
        f"{model.__name__}CreateView",
        (RecordFormView,),
        {**attrs, "form_class": form, **methods},
    )
    delete_view = type(f"{model.__name__}DeleteView", (RecordDeleteView,), attrs)
    return list_view, detail_view, create_view, edit_view, delete_view


def related_list(title, queryset_fn, columns, add_url_fn=None, model=None):
    """A list of related records on a detail page; hidden from roles that can't view them."""

    def build(view, obj):
        if model is not None and scope_for(view.request.user, model, "view") is None:
            return None
        rows = queryset_fn(view.request.user, obj)
        return {
            "title": title,
            "columns": columns,
            "rows": [(r, [resolve(r, path) for path, _ in columns]) for r in rows],
            "add_url": add_url_fn(view.request.user, obj) if add_url_fn else None,
        }

    return build
