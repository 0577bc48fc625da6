"""Budget screens: importing the monthly execution in the browser (upload, the job page with
its progress and report, «Importar ahora» after a dry run), the import jobs and the months
imported so far.

Importing needs what `execution.check_permission` asks (change on BudgetYear); the lists
and job pages are for whoever reads the budget. The form and filter classes live here
because they serve only these screens."""

from __future__ import annotations

import django_filters as filters
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from secpla.budget import execution, jobs
from secpla.budget.models import BudgetYear, ExecutionImportJob, ExecutionMonth
from secpla.core.documents import inspect_upload
from secpla.core.generic import filtered_rows
from secpla.core.money import MONTHS_ES
from secpla.core.permissions import can, scope_for

ACCEPTED = ("csv", "xlsx")
RECENT_JOBS = 10
ERRORS_PER_PAGE = 100
PER_PAGE = 25
MONTH_CHOICES = [(number, name.capitalize()) for number, name in enumerate(MONTHS_ES, start=1)]


def may_import(user) -> bool:
    return can(user, "change", BudgetYear)


def _require_reader(user) -> None:
    if scope_for(user, BudgetYear, "view") is None:
        raise PermissionDenied


class ExecutionUploadForm(forms.Form):
    budget_year = forms.ModelChoiceField(
        queryset=BudgetYear.objects.order_by("-year"),
        label="Presupuesto",
        empty_label=None,
    )
    month = forms.TypedChoiceField(choices=MONTH_CHOICES, coerce=int, label="Mes")
    file = forms.FileField(
        label="Archivo (CSV o XLSX)",
        help_text="La exportación del sistema contable: una fila por cuenta con su obligado, "
        "devengado y pagado (gastos) o su devengado y percibido (ingresos), acumulados al "
        "cierre del mes.",
    )
    dry_run = forms.BooleanField(label="Solo revisar (no guardar)", required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        info = inspect_upload(upload)  # ValidationError in Spanish: size, type, content
        if info.extension not in ACCEPTED:
            raise ValidationError(
                f"La ejecución se importa desde un archivo CSV o XLSX; «{info.original_name}» "
                f"es un archivo .{info.extension}."
            )
        self.original_name = info.original_name
        return upload


def _initial() -> dict:
    """This year's budget (or the newest) and the month before this one."""
    today = timezone.localdate()
    year = BudgetYear.objects.filter(year=today.year).first() or BudgetYear.objects.first()
    month = today.month - 1 if today.month > 1 else 1
    return {"budget_year": year, "month": month}


@login_required
def execution_import(request):
    """Upload a month's execution: the job runs in the background and its page follows it."""
    execution.check_permission(request.user)
    form = ExecutionUploadForm(request.POST or None, request.FILES or None, initial=_initial())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        job = ExecutionImportJob(
            budget_year=data["budget_year"],
            month=data["month"],
            original_name=form.original_name,
            dry_run=data["dry_run"],
            created_by=request.user,
        )
        upload.seek(0)
        job.file.save(form.original_name, upload, save=False)
        job.save()
        jobs.start(job.pk)
        return redirect(job.get_absolute_url())
    recent = ExecutionImportJob.objects.select_related("budget_year", "created_by")
    jobs.expire_stale(recent)  # an interrupted import shows as failed
    return render(
        request, "budget/import_form.html", {"form": form, "recent": recent[:RECENT_JOBS]}
    )


def job_context(request, job: ExecutionImportJob) -> dict:
    report = job.report or {}
    running = job.status in jobs.RUNNING
    progress = jobs.get_progress(job.pk) if running else None
    errors = report.get("errors", [])
    page = Paginator(errors, ERRORS_PER_PAGE).get_page(request.GET.get("pagina"))
    return {
        "job": job,
        "report": report,
        "running": running,
        "progress": progress,
        "stalled": running and progress is None,
        "month_name": MONTHS_ES[job.month - 1],
        "errors_page": page,
        "error_count": len(errors),
        "errors_capped": len(errors) >= execution.MAX_ERRORS,
        "max_errors": execution.MAX_ERRORS,
        "can_run_now": jobs.can_run_now(job) and may_import(request.user),
        "may_import": may_import(request.user),
    }


@login_required
@require_GET
def execution_import_detail(request, pk):
    """A job: its progress while it runs (polled by htmx every second), then its report."""
    _require_reader(request.user)
    job = get_object_or_404(
        ExecutionImportJob.objects.select_related("budget_year", "created_by"), pk=pk
    )
    jobs.expire_if_stale(job)  # interrupted: shown (and saved) as failed
    context = job_context(request, job)
    if request.GET.get("parcial"):
        return render(request, "budget/import_status.html", context)
    return render(request, "budget/import_detail.html", context)


@login_required
@require_POST
def execution_import_run(request, pk):
    """«Importar ahora»: import for real the file of a dry run that passed."""
    execution.check_permission(request.user)
    job = get_object_or_404(ExecutionImportJob, pk=pk)
    real, problem = jobs.import_checked(job, request.user)
    if problem:
        messages.error(request, problem)
        return redirect((real or job).get_absolute_url())
    real.refresh_from_db()
    if real.status == ExecutionImportJob.Status.DONE:
        messages.success(request, "Se importó el mes.")
    return redirect(real.get_absolute_url())


class ExecutionImportJobFilterSet(filters.FilterSet):
    budget_year = filters.ModelChoiceFilter(
        queryset=BudgetYear.objects.order_by("-year"), label="Presupuesto"
    )
    month = filters.TypedChoiceFilter(choices=MONTH_CHOICES, coerce=int, label="Mes")
    status = filters.ChoiceFilter(choices=ExecutionImportJob.Status.choices, label="Estado")

    class Meta:
        model = ExecutionImportJob
        fields = ["budget_year", "month", "status"]


@login_required
@require_GET
def execution_import_list(request):
    """Every upload, newest first, with its outcome."""
    _require_reader(request.user)
    queryset = ExecutionImportJob.objects.select_related("budget_year", "created_by")
    jobs.expire_stale(queryset)
    filterset = ExecutionImportJobFilterSet(request.GET or None, queryset=queryset)
    page = Paginator(filtered_rows(filterset), PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "budget/import_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "querystring": _querystring(request),
            "may_import": may_import(request.user),
        },
    )


class ExecutionMonthFilterSet(filters.FilterSet):
    budget_year = filters.ModelChoiceFilter(
        queryset=BudgetYear.objects.order_by("-year"), label="Presupuesto"
    )

    class Meta:
        model = ExecutionMonth
        fields = ["budget_year"]


@login_required
@require_GET
def executionmonth_list(request):
    """The months imported so far (the last import of each), with the job that imported
    it when it came through the browser (the command line leaves no job)."""
    _require_reader(request.user)
    queryset = ExecutionMonth.objects.select_related("budget_year", "imported_by").order_by(
        "-budget_year__year", "-month"
    )
    filterset = ExecutionMonthFilterSet(request.GET or None, queryset=queryset)
    page = Paginator(filtered_rows(filterset), PER_PAGE).get_page(request.GET.get("page"))
    months = list(page)
    imported_by_job = {}
    done = ExecutionImportJob.objects.filter(
        status=ExecutionImportJob.Status.DONE,
        dry_run=False,
        budget_year__in={m.budget_year_id for m in months},
    ).order_by("finished_at", "pk")
    for job in done:
        if job.report.get("sha256"):
            imported_by_job[(job.budget_year_id, job.month, job.report["sha256"])] = job
    rows = [
        (m, MONTHS_ES[m.month - 1], imported_by_job.get((m.budget_year_id, m.month, m.sha256)))
        for m in months
    ]
    return render(
        request,
        "budget/import_months.html",
        {
            "filter": filterset,
            "page_obj": page,
            "rows": rows,
            "querystring": _querystring(request),
            "may_import": may_import(request.user),
        },
    )


def _querystring(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


urlpatterns = [
    path("presupuesto/ejecucion/importar/", execution_import, name="execution_import"),
    path(
        "presupuesto/ejecucion/importaciones/", execution_import_list, name="execution_import_list"
    ),
    path(
        "presupuesto/ejecucion/importaciones/<int:pk>/",
        execution_import_detail,
        name="execution_import_detail",
    ),
    path(
        "presupuesto/ejecucion/importaciones/<int:pk>/importar/",
        execution_import_run,
        name="execution_import_run",
    ),
    path("presupuesto/ejecucion/meses/", executionmonth_list, name="executionmonth_list"),
]
