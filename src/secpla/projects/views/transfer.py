"""Screens of the portfolio spreadsheet: export (with the list's filters), template,
upload with its dry-run preview, and applying the previewed file (all or nothing).

The uploaded file waits for «Aplicar» under MEDIA_ROOT/importaciones-cartera/ with a
random name kept in the user's session (decision 0010); it is removed once applied,
when another file is uploaded, and after a day if abandoned.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from secpla.core import generic
from secpla.core.documents import XLSX, inspect_upload
from secpla.core.permissions import can
from secpla.projects import transfer
from secpla.projects.filters import ProjectFilterSet
from secpla.projects.models import Project

logger = logging.getLogger(__name__)

FOLDER = "importaciones-cartera"
SESSION_KEY = "projects_import"
STALE_AFTER = dt.timedelta(days=1)
LISTED_ON_PAGE = 500


class PortfolioUploadForm(forms.Form):
    file = forms.FileField(
        label="Planilla (.xlsx)",
        help_text="La cartera con las columnas de la plantilla (hoja «Cartera»).",
    )


def _xlsx_response(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _require_view(user) -> None:
    if not can(user, "view", Project):
        raise PermissionDenied


def _portfolio_url() -> str:
    try:
        return reverse("projects:project_list")
    except NoReverseMatch:
        return reverse("home")


@login_required
@require_GET
def portfolio_export(request):
    """The projects the user sees, filtered as the portfolio list is."""
    _require_view(request.user)
    filterset = ProjectFilterSet(
        request.GET or None,
        queryset=Project.objects.for_user(request.user, "view"),
        request=request,
    )
    projects = generic.filtered_rows(filterset)
    content = transfer.write_portfolio(projects, user=request.user)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return _xlsx_response(content, f"cartera-proyectos-{stamp}.xlsx")


@login_required
@require_GET
def portfolio_template(request):
    _require_view(request.user)
    return _xlsx_response(transfer.write_portfolio(template=True), "plantilla-cartera.xlsx")


# --------------------------------------------------------------------------------------
# The stored upload
# --------------------------------------------------------------------------------------


def _stored(request) -> dict | None:
    """The pending upload of this session, if its file is still there."""
    pending = request.session.get(SESSION_KEY)
    if not isinstance(pending, dict):
        return None
    name = str(pending.get("path", ""))
    if not name.startswith(f"{FOLDER}/") or ".." in name or not default_storage.exists(name):
        return None
    return pending


def _forget(request) -> None:
    pending = request.session.pop(SESSION_KEY, None)
    if isinstance(pending, dict):
        name = str(pending.get("path", ""))
        if name.startswith(f"{FOLDER}/") and ".." not in name:
            default_storage.delete(name)


def _remove_stale() -> None:
    """Files of previews nobody applied, older than a day."""
    try:
        _, files = default_storage.listdir(FOLDER)
    except (FileNotFoundError, NotImplementedError, OSError):
        return
    limit = timezone.now() - STALE_AFTER
    for name in files:
        try:
            if default_storage.get_modified_time(f"{FOLDER}/{name}") < limit:
                default_storage.delete(f"{FOLDER}/{name}")
        except (FileNotFoundError, NotImplementedError, OSError):
            continue


def _preview_context(result: transfer.Analysis, pending: dict, *, applied: bool = False) -> dict:
    report = result.report()
    return {
        "original_name": pending.get("original_name", ""),
        "uploaded_at": pending.get("uploaded_at", ""),
        "counts": report["counts"],
        "warnings": report["warnings"],
        "created": report["created"][:LISTED_ON_PAGE],
        "updated": report["updated"][:LISTED_ON_PAGE],
        "rejected": report["rejected"][:LISTED_ON_PAGE],
        "more_created": max(len(report["created"]) - LISTED_ON_PAGE, 0),
        "more_updated": max(len(report["updated"]) - LISTED_ON_PAGE, 0),
        "changes": result.changes,
        "can_apply": not applied and not result.rejected and result.changes > 0,
        "applied": applied,
        "portfolio_url": _portfolio_url(),
    }


# --------------------------------------------------------------------------------------
# Import
# --------------------------------------------------------------------------------------


@login_required
def portfolio_import(request):
    """GET: the upload form. POST: store the file, analyse it (nothing is written) and
    show the preview."""
    transfer.require_import_permission(request.user)
    form = PortfolioUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            info = inspect_upload(upload)
            if info.extension != "xlsx":
                raise ValidationError(
                    f"La cartera se importa desde una planilla Excel (.xlsx); "
                    f"«{info.original_name}» es un archivo .{info.extension}. Use la "
                    "plantilla o la cartera exportada."
                )
            upload.seek(0)
            result = transfer.analyse(upload, user=request.user)
        except ValidationError as exc:
            form.add_error("file", exc)
        except transfer.FileProblem as exc:
            form.add_error("file", str(exc))
        else:
            _forget(request)
            _remove_stale()
            upload.seek(0)
            stored = default_storage.save(f"{FOLDER}/{secrets.token_hex(16)}.xlsx", upload)
            pending = {
                "path": stored,
                "original_name": info.original_name,
                "uploaded_at": timezone.localtime().strftime("%d-%m-%Y %H:%M"),
            }
            request.session[SESSION_KEY] = pending
            return render(
                request, "projects/import_preview.html", _preview_context(result, pending)
            )
    return render(
        request,
        "projects/import_form.html",
        {"form": form, "portfolio_url": _portfolio_url()},
    )


@login_required
@require_POST
def portfolio_import_apply(request):
    """Re-read the stored file and write it all in one transaction, or nothing."""
    transfer.require_import_permission(request.user)
    pending = _stored(request)
    if pending is None:
        messages.error(
            request,
            "No hay un archivo pendiente de aplicar (ya se aplicó o expiró): vuelva a subirlo.",
        )
        return redirect("projects:import")
    reason = f"Importación de la cartera «{pending.get('original_name', '')}»"
    try:
        with default_storage.open(pending["path"], "rb") as source:
            result = transfer.apply(source, user=request.user, reason=reason[:500])
    except transfer.ImportRejected as exc:
        messages.error(
            request,
            "No se guardó nada: el archivo tiene filas rechazadas (los datos pueden haber "
            "cambiado desde la vista previa).",
        )
        return render(
            request, "projects/import_preview.html", _preview_context(exc.analysis, pending)
        )
    except transfer.FileProblem as exc:
        _forget(request)
        messages.error(request, f"No se guardó nada. {exc}")
        return redirect("projects:import")
    except (ValidationError, PermissionDenied) as exc:
        text = " ".join(getattr(exc, "messages", None) or [str(exc)])
        messages.error(request, f"No se guardó nada: {text}")
        return redirect("projects:import")
    except Exception:
        logger.exception("portfolio import failed")
        messages.error(
            request,
            "No se guardó nada: ocurrió un error inesperado al aplicar la importación. "
            "Inténtelo de nuevo o avise al administrador del sistema.",
        )
        return redirect("projects:import")
    _forget(request)
    messages.success(
        request,
        f"Importación aplicada: {len(result.created)} proyecto(s) creado(s) y "
        f"{len(result.updated)} actualizado(s).",
    )
    return render(
        request, "projects/import_preview.html", _preview_context(result, pending, applied=True)
    )


urlpatterns = [
    path("cartera/exportar.xlsx", portfolio_export, name="export"),
    path("cartera/plantilla.xlsx", portfolio_template, name="template"),
    path("cartera/importar/", portfolio_import, name="import"),
    path("cartera/importar/aplicar/", portfolio_import_apply, name="import_apply"),
]
