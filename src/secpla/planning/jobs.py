"""Import jobs of the PLADECO matrix: analysis (dry run) and application, in the
background.

`start(job_pk, phase)` runs the phase in a daemon thread (or inline when
`settings.INLINE_JOBS` is true, as in tests). While it runs, its progress (rows
processed / total) lives in the cache, so the job page can poll it; the outcome goes to
`ImportJob.status` and `ImportJob.report`.

A thread dies with its process (a server restart): its job would stay "running" for
ever and block the plan. A job still running `STALE_AFTER` after its phase started
(`ImportJob.started_at`) is taken as interrupted: reading it marks it failed.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import threading

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from secpla.core.audit import audit_context
from secpla.core.models import User
from secpla.planning import matrix
from secpla.planning.models import ImportJob

logger = logging.getLogger(__name__)

ANALYSE, APPLY = "analyse", "apply"
PHASE_LABELS = {ANALYSE: "Analizando el archivo", APPLY: "Aplicando los cambios"}
RUNNING = (ImportJob.Status.ANALYSING, ImportJob.Status.APPLYING)
# A phase still running this long after it started was interrupted (the server restarted
# or its process ended, and the thread with it). The largest measured apply, 2,000
# initiatives, takes well under a minute, so 30 minutes is a wide margin, and a plan
# blocked by a dead import is free again within the half hour.
STALE_AFTER = dt.timedelta(minutes=30)
INTERRUPTED = (
    "La importación se interrumpió (el servidor se reinició o el proceso terminó): el plan "
    "quedó como estaba. Vuelva a subir el archivo."
)
# Progress older than that belongs to an interrupted job: it need not outlive it.
PROGRESS_TIMEOUT = int(STALE_AFTER.total_seconds())
AUDIT_SOURCE = matrix.AUDIT_SOURCE


def progress_key(job_pk: int) -> str:
    return f"secpla:planning:import:{job_pk}:progress"


def set_progress(job_pk: int, phase: str, done: int, total: int, step: str = "") -> None:
    cache.set(
        progress_key(job_pk),
        {"phase": phase, "done": done, "total": total, "step": step},
        timeout=PROGRESS_TIMEOUT,
    )


def get_progress(job_pk: int) -> dict | None:
    """{'phase', 'label', 'step', 'done', 'total', 'percent'} of a running job, or None."""
    data = cache.get(progress_key(job_pk))
    if not data:
        return None
    total, done = data.get("total") or 0, data.get("done") or 0
    return {
        **data,
        "label": PHASE_LABELS.get(data.get("phase"), ""),
        "percent": int(100 * done / total) if total else 0,
    }


def _stale() -> Q:
    """Running jobs whose phase started more than STALE_AFTER ago (`started_at` is empty
    only in a job created but not yet started: its creation counts)."""
    cutoff = timezone.now() - STALE_AFTER
    return Q(status__in=RUNNING) & (
        Q(started_at__lt=cutoff) | Q(started_at__isnull=True, created_at__lt=cutoff)
    )


def _fresh() -> Q:
    """Running jobs that are not stale."""
    cutoff = timezone.now() - STALE_AFTER
    return Q(status__in=RUNNING) & (
        Q(started_at__gte=cutoff) | Q(started_at__isnull=True, created_at__gte=cutoff)
    )


def is_stale(job: ImportJob) -> bool:
    if job.status not in RUNNING:
        return False
    return (job.started_at or job.created_at) < timezone.now() - STALE_AFTER


def expire_stale(queryset: QuerySet[ImportJob]) -> int:
    """Mark the interrupted jobs of `queryset` as failed; how many there were.

    An interrupted analysis wrote nothing, and an interrupted apply's transaction was
    rolled back with its connection: the plan is as it was. The update is conditional,
    so a job that finishes meanwhile keeps its real outcome.
    """
    stale = list(queryset.filter(_stale()).values_list("pk", flat=True))
    if not stale:
        return 0
    expired = ImportJob.objects.filter(_stale(), pk__in=stale).update(
        status=ImportJob.Status.FAILED, error=INTERRUPTED
    )
    cache.delete_many([progress_key(pk) for pk in stale])
    return expired


def expire_if_stale(job: ImportJob) -> bool:
    """Mark `job` failed if it was interrupted (see expire_stale); whether it was."""
    if not is_stale(job):
        return False
    expired = expire_stale(ImportJob.objects.filter(pk=job.pk))
    job.refresh_from_db(fields=["status", "error", "report", "total_rows", "applied_at"])
    return bool(expired)


def start(
    job_pk: int, phase: str, *, user_pk: int | None = None, inline: bool | None = None
) -> None:
    """Run `phase` ("analyse" or "apply") of the job, in a thread unless INLINE_JOBS
    (or `inline`, which the command line uses: it must not exit before the job ends)."""
    if phase not in PHASE_LABELS:
        raise ValueError(f"Unknown phase {phase!r}")
    set_progress(job_pk, phase, 0, 0)
    if settings.INLINE_JOBS if inline is None else inline:
        run(job_pk, phase, user_pk=user_pk)
        return
    thread = threading.Thread(
        target=_run_in_thread,
        args=(job_pk, phase, user_pk),
        name=f"secpla-import-{job_pk}-{phase}",
        daemon=True,
    )
    # The job row must be committed before the thread (another connection) reads it.
    transaction.on_commit(thread.start)


def _run_in_thread(job_pk: int, phase: str, user_pk: int | None) -> None:
    try:
        run(job_pk, phase, user_pk=user_pk)
    except Exception:  # the thread must not die silently
        logger.exception("Import job %s (%s) failed", job_pk, phase)
    finally:
        connection.close()


def run(job_pk: int, phase: str, *, user_pk: int | None = None) -> ImportJob:
    """Run one phase now, in this thread; the job's status and report say how it went."""
    job = ImportJob.objects.select_related("plan", "created_by").get(pk=job_pk)
    job.started_at = timezone.now()
    job.save(update_fields=["started_at"])
    user = User.objects.filter(pk=user_pk).first() if user_pk else job.created_by
    try:
        if phase == ANALYSE:
            _analyse(job, user)
        else:
            _apply(job, user)
    finally:
        cache.delete(progress_key(job.pk))
    return job


def _reporter(job: ImportJob, phase: str):
    def report(done: int, total: int, step: str = "") -> None:
        set_progress(job.pk, phase, done, total, step)

    return report


def _read(job: ImportJob) -> io.BytesIO:
    with job.file.open("rb") as handle:
        return io.BytesIO(handle.read())


def _analyse(job: ImportJob, user) -> None:
    try:
        with audit_context(user=user, source=AUDIT_SOURCE):
            result = matrix.analyse(
                job.plan,
                _read(job),
                user=user,
                file_name=job.original_name,
                progress=_reporter(job, ANALYSE),
            )
    except Exception:
        logger.exception("Analysis of import job %s failed", job.pk)
        _finish(
            job,
            ImportJob.Status.FAILED,
            error="No se pudo analizar el archivo por un error inesperado. Vuelva a "
            "intentarlo; si se repite, avise al administrador del sistema.",
        )
        return
    job.total_rows = result.total_rows
    _finish(
        job,
        ImportJob.Status.READY if result.ok else ImportJob.Status.INVALID,
        report=result.report(),
        error=result.file_error,
    )


def _apply(job: ImportJob, user) -> None:
    reason = f"Importación de la matriz PLADECO: {job.original_name}"
    try:
        with audit_context(user=user, source=AUDIT_SOURCE, reason=reason):
            result = matrix.apply(
                job.plan,
                _read(job),
                user=user,
                reason=reason,
                file_name=job.original_name,
                progress=_reporter(job, APPLY),
            )
    except matrix.Rejected as exc:
        job.total_rows = exc.analysis.total_rows
        _finish(
            job,
            ImportJob.Status.INVALID,
            report=exc.analysis.report(),
            error=exc.analysis.file_error
            or "Al aplicar, el archivo ya no calza con el plan (cambió desde la vista previa): "
            "revise las filas rechazadas. No se guardó nada.",
        )
    except (ValidationError, PermissionDenied) as exc:
        messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
        _finish(
            job,
            ImportJob.Status.FAILED,
            error=f"No se pudo aplicar la importación: {' '.join(messages)} "
            "El plan quedó exactamente como estaba.",
        )
    except Exception:
        logger.exception("Applying import job %s failed", job.pk)
        _finish(
            job,
            ImportJob.Status.FAILED,
            error="No se pudo aplicar la importación por un error inesperado. El plan quedó "
            "exactamente como estaba; avise al administrador del sistema.",
        )
    else:
        report = result.report()
        report["applied_by"] = (user.get_full_name() or user.get_username()) if user else ""
        job.total_rows = result.total_rows
        job.applied_at = timezone.now()
        _finish(job, ImportJob.Status.APPLIED, report=report, error="")


def _finish(job: ImportJob, status: str, *, report: dict | None = None, error: str = "") -> None:
    job.status = status
    if report is not None:
        job.report = report
    job.error = error
    job.save(update_fields=["status", "report", "error", "total_rows", "applied_at"])


def request_apply(job: ImportJob, user, *, inline: bool | None = None) -> str:
    """Start applying a job whose preview is ready; '' or a Spanish reason why not.

    The status moves from "lista" to "aplicando" in one conditional update, so a
    double click (or two users) cannot apply the same file twice, and a plan takes one
    import at a time. An interrupted apply (see STALE_AFTER) does not block the plan.
    """
    if not matrix.can_import(user, job.plan):
        return "No tiene permiso para importar la matriz de este PLADECO."
    if job.status != ImportJob.Status.READY:
        return f"Esta importación no se puede aplicar: su estado es «{job.get_status_display()}»."
    others = ImportJob.objects.filter(plan=job.plan).exclude(pk=job.pk)
    expire_stale(others)
    busy = others.filter(_fresh(), status=ImportJob.Status.APPLYING).exists()
    if busy:
        return "Ya se está aplicando otra importación de este plan: espere a que termine."
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.READY).update(
        status=ImportJob.Status.APPLYING, started_at=timezone.now()
    )
    if not claimed:
        return "Esta importación ya se está aplicando o ya se aplicó."
    start(job.pk, APPLY, user_pk=user.pk, inline=inline)
    return ""
