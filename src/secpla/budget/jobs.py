"""Execution imports started in the browser, run in the background (as planning.jobs).

`start(job_pk)` runs `execution.import_month` for the job's stored file in a daemon thread,
or inline when `settings.INLINE_JOBS` is true (tests). While it runs, its progress lives in
the cache for the job page to poll; the outcome goes to `ExecutionImportJob.status` and
`.report` (`execution.Report.as_dict()`).

A thread dies with its process (a server restart) and its job would stay "procesando" for
ever. A job still queued or running `STALE_AFTER` after it started is taken as interrupted:
reading it marks it failed. Nothing was written, since the import is one transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from secpla.budget import execution
from secpla.budget.models import ExecutionImportJob

logger = logging.getLogger(__name__)

Status = ExecutionImportJob.Status
RUNNING = (Status.QUEUED, Status.RUNNING)
# 100 000 rows import in a few seconds (docs/benchmarks.md): half an hour is a wide margin.
STALE_AFTER = dt.timedelta(minutes=30)
PROGRESS_TIMEOUT = int(STALE_AFTER.total_seconds())
INTERRUPTED = (
    "La importación se interrumpió (el servidor se reinició o el proceso terminó): no se "
    "guardó nada de este archivo. Vuelva a subirlo."
)
UNEXPECTED = (
    "La importación falló por un error inesperado: no se guardó nada. Vuelva a intentarlo; "
    "si se repite, avise al administrador del sistema."
)
PHASE_LABELS = {
    "queued": "En cola",
    "checking": "Revisando el archivo",
    "writing": "Guardando las filas",
}


def progress_key(job_pk: int) -> str:
    return f"secpla:budget:execution-import:{job_pk}:progress"


def set_progress(job_pk: int, phase: str, done: int, total: int) -> None:
    cache.set(
        progress_key(job_pk),
        {"phase": phase, "done": done, "total": total},
        timeout=PROGRESS_TIMEOUT,
    )


def get_progress(job_pk: int) -> dict | None:
    """{'phase', 'label', 'done', 'total', 'percent'} of a running job, or None."""
    data = cache.get(progress_key(job_pk))
    if not data:
        return None
    done, total = data.get("done") or 0, data.get("total") or 0
    return {
        **data,
        "label": PHASE_LABELS.get(data.get("phase"), ""),
        "percent": int(100 * done / total) if total else 0,
    }


def _stale() -> Q:
    cutoff = timezone.now() - STALE_AFTER
    return Q(status__in=RUNNING) & (
        Q(started_at__lt=cutoff) | Q(started_at__isnull=True, created_at__lt=cutoff)
    )


def is_stale(job: ExecutionImportJob) -> bool:
    if job.status not in RUNNING:
        return False
    return (job.started_at or job.created_at) < timezone.now() - STALE_AFTER


def expire_stale(queryset: QuerySet[ExecutionImportJob]) -> int:
    """Mark the interrupted jobs of `queryset` failed; how many there were. The update is
    conditional, so a job that finishes meanwhile keeps its real outcome."""
    stale = list(queryset.filter(_stale()).values_list("pk", flat=True))
    if not stale:
        return 0
    expired = ExecutionImportJob.objects.filter(_stale(), pk__in=stale).update(
        status=Status.FAILED, error=INTERRUPTED, finished_at=timezone.now()
    )
    cache.delete_many([progress_key(pk) for pk in stale])
    return expired


def expire_if_stale(job: ExecutionImportJob) -> bool:
    if not is_stale(job):
        return False
    expired = expire_stale(ExecutionImportJob.objects.filter(pk=job.pk))
    job.refresh_from_db(fields=["status", "error", "finished_at"])
    return bool(expired)


def start(job_pk: int, *, inline: bool | None = None) -> None:
    """Run the job in a thread, or now when INLINE_JOBS (or `inline`) says so."""
    set_progress(job_pk, "queued", 0, 0)
    if settings.INLINE_JOBS if inline is None else inline:
        run(job_pk)
        return
    thread = threading.Thread(
        target=_run_in_thread, args=(job_pk,), name=f"secpla-execution-{job_pk}", daemon=True
    )
    # The job row must be committed before the thread (another connection) reads it.
    transaction.on_commit(thread.start)


def _run_in_thread(job_pk: int) -> None:
    try:
        run(job_pk)
    except Exception:  # the thread must not die silently
        logger.exception("Execution import job %s failed", job_pk)
    finally:
        connection.close()


def run(job_pk: int) -> ExecutionImportJob:
    """Run a queued job now, in this thread; a job already claimed is left alone."""
    claimed = ExecutionImportJob.objects.filter(pk=job_pk, status=Status.QUEUED).update(
        status=Status.RUNNING, started_at=timezone.now()
    )
    job = ExecutionImportJob.objects.select_related("budget_year", "created_by").get(pk=job_pk)
    if not claimed:
        return job
    set_progress(job.pk, "checking", 0, 0)
    try:
        _import(job)
    finally:
        cache.delete(progress_key(job.pk))
    return job


def _reporter(job: ExecutionImportJob):
    """import_month reports (done, total) over checking and then writing (each half of
    the total on a real import); the phase is told from where `done` is."""

    def report(done: int, total: int) -> None:
        writing = not job.dry_run and total and done > total // 2
        set_progress(job.pk, "writing" if writing else "checking", done, total)

    return report


def _import(job: ExecutionImportJob) -> None:
    try:
        with job.file.open("rb") as handle:
            data = handle.read()
        report = execution.import_month(
            actor=job.created_by,
            budget_year=job.budget_year,
            month=job.month,
            source=data,
            file_name=job.original_name,
            dry_run=job.dry_run,
            progress=_reporter(job),
        )
    except PermissionDenied as exc:
        _finish(job, Status.FAILED, error=f"{exc} No se guardó nada.")
    except Exception:
        logger.exception("Execution import job %s failed", job.pk)
        _finish(job, Status.FAILED, error=UNEXPECTED)
    else:
        _finish(job, Status.DONE if report.ok else Status.INVALID, report=report.as_dict())


def _finish(job: ExecutionImportJob, status: str, *, report: dict | None = None, error: str = ""):
    job.status = status
    if report is not None:
        job.report = report
    job.error = error
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "report", "error", "finished_at"])


def can_run_now(job: ExecutionImportJob) -> bool:
    """A dry run that passed can be imported for real with the same file."""
    return job.dry_run and job.status == Status.DONE and bool(job.report.get("ok"))


def import_checked(job: ExecutionImportJob, user) -> tuple[ExecutionImportJob | None, str]:
    """Start the real import of a dry run that passed, with the same stored file:
    (the new job, ''), or a Spanish reason why not with the job to show instead (None when
    the dry run did not pass; the import already started, on a second click)."""
    execution.check_permission(user)
    if not can_run_now(job):
        return None, "Solo se importa un archivo revisado sin errores."
    with transaction.atomic():
        ExecutionImportJob.objects.select_for_update().filter(pk=job.pk).first()
        started = (
            ExecutionImportJob.objects.filter(file=job.file.name, dry_run=False)
            .exclude(status=Status.FAILED)
            .first()
        )
        if started is not None:
            return started, "Este archivo ya se importó o se está importando."
        real = ExecutionImportJob.objects.create(
            budget_year=job.budget_year,
            month=job.month,
            file=job.file.name,
            original_name=job.original_name,
            dry_run=False,
            created_by=user,
        )
    start(real.pk)
    return real, ""
