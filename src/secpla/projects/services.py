"""Writes of the projects module with a rule of their own: creating a project (its
internal code and first status), moving it through the status workflow, and linking it
to PLADECO initiatives. Plain sub-records go through core.services."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from secpla.core import services as core_services
from secpla.projects import workflow
from secpla.projects.models import Project, StatusChange


def next_code(year: int) -> str:
    """PRY-<year>-<NNN>, the next free number of that year."""
    prefix = f"PRY-{year}-"
    taken = Project.objects.filter(code__startswith=prefix).values_list("code", flat=True)
    numbers = [int(code[len(prefix) :]) for code in taken if code[len(prefix) :].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


def project_create(
    *,
    actor,
    project: Project,
    reason: str = "",
    comment: str = "",
    date: dt.date | None = None,
) -> Project:
    """A new project starts "en formulación" (since `date`, today by default), with the
    first step of its timeline."""
    today = timezone.localdate()
    date = date or today
    if date > today:
        raise ValidationError({"date": "La fecha de inicio no puede ser futura."})
    with transaction.atomic():
        if not project.code:
            project.code = next_code(today.year)
        project.status = workflow.INITIAL
        project.status_since = date
        core_services.record_create(actor=actor, instance=project, reason=reason)
        _step(project, actor=actor, date=date, source="", comment=comment or reason)
    return project


def project_transition(
    *, actor, project: Project, to_status: str, date: dt.date | None = None, comment: str = ""
) -> Project:
    """Move the project to `to_status` if the workflow allows it; else a Spanish refusal."""
    date = date or timezone.localdate()
    if to_status not in workflow.Status.values:
        raise ValidationError({"status": "Estado desconocido."})
    if date > timezone.localdate():
        raise ValidationError({"date": "La fecha del cambio de estado no puede ser futura."})
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        if not workflow.can_move(project.status, to_status):
            raise ValidationError({"status": workflow.refusal(project.status, to_status)})
        if project.status_since and date < project.status_since:
            raise ValidationError(
                {
                    "date": "La fecha es anterior a la del estado actual "
                    f"({project.status_since:%d-%m-%Y})."
                }
            )
        previous = project.status
        project.status = to_status
        project.status_since = date
        core_services.record_update(actor=actor, instance=project, reason=comment)
        _step(project, actor=actor, date=date, source=previous, comment=comment)
    return project


def _step(project: Project, *, actor, date: dt.date, source: str, comment: str) -> None:
    StatusChange.objects.create(
        project=project,
        date=date,
        from_status=source,
        to_status=project.status,
        comment=comment,
        user=actor if getattr(actor, "is_authenticated", False) else None,
    )
