"""Screens of the PLADECO matrix: export, template, upload (with its history), the job
page with its progress and preview, and applying a previewed import."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

from secpla.core.documents import XLSX, inspect_upload
from secpla.planning import jobs, matrix
from secpla.planning.forms import MatrixUploadForm
from secpla.planning.models import ImportJob, Plan

HISTORY_SIZE = 20
LISTED_ON_PAGE = 500  # entries of each preview list shown (the rest are counted)


def _visible_plan(request, pk: int) -> Plan:
    return get_object_or_404(Plan.objects.for_user(request.user, "view"), pk=pk)


def _xlsx_response(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def plan_export(request, pk):
    """The plan's matrix, as far as the user may view it."""
    plan = _visible_plan(request, pk)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    content = matrix.write_matrix(plan, user=request.user)
    return _xlsx_response(content, f"matriz-pladeco-{slugify(plan.name)[:50]}-{stamp}.xlsx")


@login_required
@require_GET
def plan_template(request, pk):
    """An empty matrix with this plan's level columns and the instructions."""
    plan = _visible_plan(request, pk)
    content = matrix.write_matrix(plan, template=True)
    return _xlsx_response(content, f"plantilla-pladeco-{slugify(plan.name)[:50]}.xlsx")


def _importable_plan(request, pk: int) -> Plan:
    plan = _visible_plan(request, pk)
    if not matrix.can_import(request.user, plan):
        raise PermissionDenied
    return plan


@login_required
def plan_import(request, pk):
    """Upload a matrix: it is analysed (nothing is written) and its preview is shown."""
    plan = _importable_plan(request, pk)
    form = MatrixUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            info = inspect_upload(upload)
            if info.extension != "xlsx":
                raise ValidationError(
                    f"La matriz se importa desde una planilla Excel (.xlsx); «{info.original_name}»"
                    f" es un archivo .{info.extension}. Use la plantilla o la matriz exportada.",
                )
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            job = ImportJob(
                plan=plan,
                original_name=info.original_name,
                created_by=request.user,
                status=ImportJob.Status.ANALYSING,
                started_at=timezone.now(),
            )
            upload.seek(0)
            job.file.save(info.original_name, upload, save=False)
            job.save()
            jobs.start(job.pk, jobs.ANALYSE, user_pk=request.user.pk)
            return redirect(job.get_absolute_url())
    jobs.expire_stale(plan.imports.all())  # an interrupted import shows as failed
    history = plan.imports.select_related("created_by")[:HISTORY_SIZE]
    return render(
        request,
        "planning/import_form.html",
        {"plan": plan, "form": form, "history": history},
    )


def _job_for(request, pk: int) -> ImportJob:
    """A job is reached through its plan: 404 if the plan is not visible, 403 if the user
    may not import into it."""
    job = get_object_or_404(ImportJob.objects.select_related("plan", "created_by"), pk=pk)
    if not Plan.objects.for_user(request.user, "view").filter(pk=job.plan_id).exists():
        raise Http404
    if not matrix.can_import(request.user, job.plan):
        raise PermissionDenied
    return job


def job_context(job: ImportJob) -> dict:
    report = job.report or {}
    counts = report.get("counts", {})
    running = job.status in jobs.RUNNING
    progress = jobs.get_progress(job.pk) if running else None
    changes = sum(
        counts.get(kind, {}).get(what, 0)
        for kind in ("nodes", "initiatives")
        for what in ("created", "updated")
    )
    return {
        "job": job,
        "plan": job.plan,
        "report": report,
        "counts": counts,
        "running": running,
        "progress": progress,
        "stalled": running and progress is None,
        "changes": changes,
        "can_apply": job.status == ImportJob.Status.READY and changes > 0,
        "created": report.get("created", [])[:LISTED_ON_PAGE],
        "updated": report.get("updated", [])[:LISTED_ON_PAGE],
        "rejected": report.get("rejected", [])[:LISTED_ON_PAGE],
        "more_created": max(len(report.get("created", [])) - LISTED_ON_PAGE, 0),
        "more_updated": max(len(report.get("updated", [])) - LISTED_ON_PAGE, 0),
        "more_rejected": max(counts.get("rejected", 0) - LISTED_ON_PAGE, 0),
    }


@login_required
@require_GET
def import_detail(request, pk):
    """A job: its progress while it runs (polled by htmx), then its preview or outcome."""
    job = _job_for(request, pk)
    jobs.expire_if_stale(job)  # interrupted: shown (and saved) as failed
    context = job_context(job)
    if request.GET.get("parcial"):
        return render(request, "planning/import_status.html", context)
    return render(request, "planning/import_detail.html", context)


@login_required
@require_POST
def import_apply(request, pk):
    job = _job_for(request, pk)
    problem = jobs.request_apply(job, request.user)
    if problem:
        messages.error(request, problem)
    else:
        job.refresh_from_db()
        if job.status == ImportJob.Status.APPLIED:
            messages.success(request, "Importación aplicada.")
        elif job.status in jobs.RUNNING:
            messages.info(request, "Aplicando la importación…")
    return redirect(job.get_absolute_url())


urlpatterns = [
    path("pladeco/<int:pk>/matriz.xlsx", plan_export, name="plan_export"),
    path("pladeco/<int:pk>/plantilla.xlsx", plan_template, name="plan_template"),
    path("pladeco/<int:pk>/importar/", plan_import, name="plan_import"),
    path("pladeco/importaciones/<int:pk>/", import_detail, name="import_detail"),
    path("pladeco/importaciones/<int:pk>/aplicar/", import_apply, name="import_apply"),
]
