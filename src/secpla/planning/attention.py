"""Home-page items of the planning module: the council agreements and tasks a user
answers for that are overdue (danger) or due within a week (warning).

Who answers for what is `selectors.overdue_for_user`: the agreements of the user's
directorate, and the tasks assigned to the user (or unassigned tasks of the user's
directorate). Two queries, whatever the number of items.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from secpla.core.selectors import AttentionItem
from secpla.planning.selectors import overdue_for_user

SOON_DAYS = 7  # due within this many days (today included): a warning
MAX_ITEMS = 5  # more than this of one level: a single summary item


def _days(n: int) -> str:
    return f"{n} día" if n == 1 else f"{n} días"


def _count(n: int, singular: str, plural: str) -> str:
    return f"{n} {singular if n == 1 else plural}"


def _when(days_left: int) -> str:
    if days_left == 0:
        return "hoy"
    if days_left == 1:
        return "mañana"
    return f"en {_days(days_left)}"


def _agreement_label(agreement) -> str:
    return (
        f"Acuerdo del Concejo N° {agreement.number} (sesión del {agreement.session_date:%d-%m-%Y})"
    )


def _task_label(task) -> str:
    return f"Tarea «{task.title}» ({task.get_requested_by_display()})"


def _pending_url(user, *, overdue_only: bool) -> str:
    url = reverse("planning:pending")
    query = []
    if user.directorate_id:
        query.append(f"direccion={user.directorate_id}")
    if overdue_only:
        query.append("vencidos=1")
    return url + ("?" + "&".join(query) if query else "")


def _summary(agreements: list, tasks: list) -> str:
    parts = []
    if agreements:
        parts.append(_count(len(agreements), "acuerdo del Concejo", "acuerdos del Concejo"))
    if tasks:
        parts.append(_count(len(tasks), "tarea", "tareas"))
    return " y ".join(parts)


def overdue_items(user, today: dt.date) -> list[AttentionItem]:
    if not getattr(user, "is_authenticated", False):
        return []
    # Everything open that is due before the end of the warning window, overdue included.
    horizon = today + dt.timedelta(days=SOON_DAYS + 1)
    agreements_qs, tasks_qs = overdue_for_user(user, horizon)
    agreements = list(
        agreements_qs.only("pk", "number", "session_date", "due_date", "status").order_by(
            "due_date", "pk"
        )
    )
    tasks = list(
        tasks_qs.only("pk", "title", "requested_by", "due_date", "status").order_by(
            "due_date", "pk"
        )
    )
    late = (
        [a for a in agreements if a.due_date < today],
        [t for t in tasks if t.due_date < today],
    )
    soon = (
        [a for a in agreements if a.due_date >= today],
        [t for t in tasks if t.due_date >= today],
    )

    items: list[AttentionItem] = []
    late_total = len(late[0]) + len(late[1])
    if late_total > MAX_ITEMS:
        items.append(
            AttentionItem(
                "danger",
                f"Tiene {late_total} compromisos vencidos a su cargo ({_summary(*late)}): "
                "revise «Pendientes y vencidos».",
                _pending_url(user, overdue_only=True),
            )
        )
    else:
        for agreement in late[0]:
            days = (today - agreement.due_date).days
            items.append(
                AttentionItem(
                    "danger",
                    f"{_agreement_label(agreement)}: venció el {agreement.due_date:%d-%m-%Y} "
                    f"(hace {_days(days)}) y sigue {agreement.get_status_display().lower()}.",
                    agreement.get_absolute_url(),
                )
            )
        for task in late[1]:
            days = (today - task.due_date).days
            items.append(
                AttentionItem(
                    "danger",
                    f"{_task_label(task)}: venció el {task.due_date:%d-%m-%Y} "
                    f"(hace {_days(days)}) y sigue {task.get_status_display().lower()}.",
                    task.get_absolute_url(),
                )
            )

    soon_total = len(soon[0]) + len(soon[1])
    if soon_total > MAX_ITEMS:
        items.append(
            AttentionItem(
                "warning",
                f"{soon_total} compromisos a su cargo vencen en los próximos {SOON_DAYS} días "
                f"({_summary(*soon)}).",
                _pending_url(user, overdue_only=False),
            )
        )
    else:
        for agreement in soon[0]:
            items.append(
                AttentionItem(
                    "warning",
                    f"{_agreement_label(agreement)}: vence el {agreement.due_date:%d-%m-%Y} "
                    f"({_when((agreement.due_date - today).days)}).",
                    agreement.get_absolute_url(),
                )
            )
        for task in soon[1]:
            items.append(
                AttentionItem(
                    "warning",
                    f"{_task_label(task)}: vence el {task.due_date:%d-%m-%Y} "
                    f"({_when((task.due_date - today).days)}).",
                    task.get_absolute_url(),
                )
            )
    return items


def evaluation_comments_items(user, today: dt.date) -> list[AttentionItem]:
    """Open evaluations still waiting for the comment of the user's directorate.

    Only for those who comment for one directorate (the Enlace): SECPLA sees the count of
    missing comments on the evaluation's own page.
    """
    from django.db.models import Count, Q

    from secpla.core.models import Scope
    from secpla.core.permissions import scope_for
    from secpla.planning.models import Evaluation, EvaluationItem

    if scope_for(user, EvaluationItem, "change") != Scope.DIRECTORATE or not user.directorate_id:
        return []
    waiting = (
        Evaluation.objects.for_user(user, "view")
        .filter(status=Evaluation.Status.OPEN)
        .annotate(
            missing=Count(
                "items",
                filter=Q(
                    items__is_initiative=True,
                    items__directorate_id=user.directorate_id,
                    items__comment="",
                ),
            )
        )
        .filter(missing__gt=0)
        .order_by("as_of")
    )
    return [
        AttentionItem(
            "warning",
            f"La evaluación «{evaluation}» espera el comentario de su dirección en "
            f"{_count(evaluation.missing, 'iniciativa', 'iniciativas')}.",
            evaluation.get_absolute_url() + f"?directorate={user.directorate_id}",
        )
        for evaluation in waiting[:MAX_ITEMS]
    ]
