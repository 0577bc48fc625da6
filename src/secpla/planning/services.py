"""Writes of the planning module. Plain records go through core.services; what has a
rule of its own lives here: an initiative's timeline, evaluations (freeze, comment,
close) and many-to-many links."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from secpla.core import services as core_services
from secpla.core.audit import audit_context
from secpla.core.models import AuditedModel, Scope
from secpla.core.permissions import can, scope_for
from secpla.planning.models import (
    Evaluation,
    EvaluationItem,
    IndicatorTarget,
    Initiative,
    InitiativeStatus,
    Plan,
    StatusChange,
)
from secpla.planning.selectors import flatten, plan_tree


def _timeline_step(initiative: Initiative, *, actor, date: dt.date, comment: str) -> None:
    StatusChange.objects.create(
        initiative=initiative,
        date=date,
        status=initiative.status,
        progress=initiative.progress,
        comment=comment,
        user=actor if getattr(actor, "is_authenticated", False) else None,
    )


def apply_status_default(initiative: Initiative, previous: Initiative | None) -> None:
    """Moving to a status with a default progress takes it, unless the progress was also
    changed in the same edit (what Decidim's accountability results do)."""
    status_changed = previous is None or previous.status_id != initiative.status_id
    progress_changed = previous is not None and previous.progress != initiative.progress
    if (
        status_changed
        and initiative.status_id
        and initiative.status.default_progress is not None
        and not progress_changed
        and (previous is not None or initiative.progress is None)
    ):
        initiative.progress = initiative.status.default_progress


# What a role limited to its own directorate may change: it reports, Estudios plans.
REPORTING_FIELDS = {
    "Initiative": {"status", "progress"},
    "IndicatorTarget": {"achieved"},
}


def _require_reporting_only(actor, instance) -> None:
    """A directorate-scoped role (the Enlace) may change only the reporting fields."""
    model = type(instance)
    if instance.pk is None or scope_for(actor, model, "change") != Scope.DIRECTORATE:
        return
    allowed = REPORTING_FIELDS[model.__name__]
    previous = model.objects.get(pk=instance.pk)
    changed = [
        field.verbose_name
        for field in model._meta.concrete_fields
        if field.name not in allowed
        and field.name not in AuditedModel.audit_exclude
        and field.value_from_object(previous) != field.value_from_object(instance)
    ]
    if changed:
        raise PermissionDenied(
            "Su rol solo puede informar el avance; no puede cambiar: "
            + ", ".join(str(name) for name in changed)
            + "."
        )


def target_save(*, actor, target: IndicatorTarget, reason: str = "") -> IndicatorTarget:
    """Create or update a yearly target; a directorate's liaison only records `achieved`."""
    if target.pk is None:
        return core_services.record_create(actor=actor, instance=target, reason=reason)
    _require_reporting_only(actor, target)
    return core_services.record_update(actor=actor, instance=target, reason=reason)


def initiative_save(
    *,
    actor,
    initiative: Initiative,
    reason: str = "",
    date: dt.date | None = None,
    comment: str = "",
) -> Initiative:
    """Create or update an initiative; a change of status or progress adds a timeline step."""
    creating = initiative.pk is None
    previous = None if creating else Initiative.objects.get(pk=initiative.pk)
    _require_reporting_only(actor, initiative)
    apply_status_default(initiative, previous)
    date = date or timezone.localdate()
    if date > timezone.localdate():
        raise ValidationError({"date": "La fecha del avance no puede ser futura."})
    moves = previous is not None and (
        previous.status_id != initiative.status_id or previous.progress != initiative.progress
    )
    latest = latest_step_date(initiative) if moves else None
    if latest is not None and date < latest:
        raise ValidationError(
            {
                "progress_date": "La línea de tiempo ya tiene un avance del "
                f"{latest:%d-%m-%Y}: para informar uno anterior use «Registrar avance»."
            }
        )
    with transaction.atomic():
        if creating:
            core_services.record_create(actor=actor, instance=initiative, reason=reason)
        else:
            core_services.record_update(actor=actor, instance=initiative, reason=reason)
        moved = creating or (
            previous.status_id != initiative.status_id or previous.progress != initiative.progress
        )
        if moved and (initiative.status_id or initiative.progress is not None or not creating):
            _timeline_step(initiative, actor=actor, date=date, comment=comment or reason)
    return initiative


def initiative_report_progress(
    *,
    actor,
    initiative: Initiative,
    status: InitiativeStatus | None,
    progress: Decimal | None,
    date: dt.date,
    comment: str,
) -> Initiative:
    """What a directorate reports: a status and/or progress as of a date, with a comment.

    A progress left empty takes the status' default progress when the status changes,
    and keeps the current one otherwise. A report dated before the latest step of the
    timeline only adds that past step: the current status and progress stay those of
    the latest step.
    """
    if date > timezone.localdate():
        raise ValidationError({"date": "La fecha del avance no puede ser futura."})
    with transaction.atomic():
        initiative = Initiative.objects.select_for_update().get(pk=initiative.pk)
        if progress is None:
            status_changed = (status.pk if status else None) != initiative.status_id
            progress = (
                status.default_progress
                if status_changed and status is not None and status.default_progress is not None
                else initiative.progress
            )
        if date < (latest_step_date(initiative) or date):
            step = StatusChange(initiative=initiative, status=status, progress=progress)
            step.full_clean(exclude=["initiative", "date", "user"])
            core_services._require(actor, "change", initiative)
            StatusChange.objects.create(
                initiative=initiative,
                date=date,
                status=status,
                progress=progress,
                comment=comment,
                user=actor if getattr(actor, "is_authenticated", False) else None,
            )
            return initiative
        _require_reporting_only(actor, initiative)
        initiative.status = status
        initiative.progress = progress
        core_services.record_update(actor=actor, instance=initiative, reason=comment)
        _timeline_step(initiative, actor=actor, date=date, comment=comment)
    return initiative


def latest_step_date(initiative: Initiative) -> dt.date | None:
    return (
        StatusChange.objects.filter(initiative=initiative)
        .order_by("-date", "-id")
        .values_list("date", flat=True)
        .first()
    )


# --------------------------------------------------------------------------------------
# Evaluations
# --------------------------------------------------------------------------------------


def evaluation_create(*, actor, evaluation: Evaluation, reason: str = "") -> Evaluation:
    """Create an evaluation and freeze the plan as it stood on its cut-off date."""
    with transaction.atomic():
        core_services.record_create(actor=actor, instance=evaluation, reason=reason)
        freeze(evaluation)
    return evaluation


def freeze(evaluation: Evaluation) -> int:
    """Copy the tree with each initiative's status and progress as of the cut-off date.

    Items are written with bulk_create (the evaluation's own creation is the logged
    change); each later comment on an item is logged.
    """
    plan = evaluation.plan
    roots = plan_tree(plan, as_of=evaluation.as_of)
    items = []
    parents: dict[int, str] = {}
    for position, node in enumerate(flatten(roots)):
        for child in node.children:
            parents[id(child)] = node.code
        obj = node.obj
        status = ""
        if node.is_initiative:
            status = obj.status_as_of.name if getattr(obj, "status_as_of", None) else ""
        items.append(
            EvaluationItem(
                evaluation=evaluation,
                is_initiative=node.is_initiative,
                initiative=obj if node.is_initiative else None,
                code=node.code,
                name=node.name,
                parent_code=parents.get(id(node), ""),
                depth=node.depth,
                level_name=node.level,
                weight=node.weight,
                directorate=obj.directorate if node.is_initiative else None,
                status_name=status,
                progress=node.progress,
                position=position,
            )
        )
    EvaluationItem.objects.bulk_create(items, batch_size=500)
    return len(items)


def evaluation_comment(*, actor, item: EvaluationItem, comment: str) -> EvaluationItem:
    """The responsible directorate's comment on one frozen initiative."""
    if not Evaluation.objects.filter(pk=item.evaluation_id, status=Evaluation.Status.OPEN).exists():
        raise ValidationError("La evaluación está cerrada: ya no admite comentarios.")
    if not item.is_initiative:
        raise ValidationError("Solo las iniciativas llevan comentario de la dirección.")
    if not can(actor, "change", item):
        raise PermissionDenied("Solo la dirección responsable puede comentar esta iniciativa.")
    item.comment = comment.strip()
    item.full_clean()
    with transaction.atomic(), audit_context(user=actor):
        item.save(update_fields=["comment", "updated_at"])
    return item


def evaluation_close(*, actor, evaluation: Evaluation, reason: str = "") -> Evaluation:
    """Close an evaluation: from then on nothing in it changes."""
    evaluation.refresh_from_db()
    if not evaluation.is_open:
        raise ValidationError("La evaluación ya está cerrada.")
    evaluation.status = Evaluation.Status.CLOSED
    evaluation.closed_at = timezone.now()
    return core_services.record_update(actor=actor, instance=evaluation, reason=reason)


def plan_activate(*, actor, plan: Plan, reason: str = "") -> Plan:
    """Make a plan the current one (vigente); the previous current plan is closed."""
    with transaction.atomic():
        for current in Plan.objects.filter(status=Plan.Status.CURRENT).exclude(pk=plan.pk):
            current.status = Plan.Status.CLOSED
            core_services.record_update(actor=actor, instance=current, reason=reason)
        plan.status = Plan.Status.CURRENT
        core_services.record_update(actor=actor, instance=plan, reason=reason)
    return plan
