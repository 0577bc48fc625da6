"""Screens of the technical secretariat: the council agreements (acuerdos del Concejo) a
directorate must carry out, the tasks the Alcalde(sa) or the Administrador(a) Municipal
give SECPLA, a quick "Marcar cumplido" form for both, and the "Pendientes y vencidos"
page (per directorate, and a summary by directorate for those who see them all)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone

from secpla.core import generic, services
from secpla.core.forms import DateInput
from secpla.core.models import Directorate, Scope
from secpla.core.permissions import can, scope_for
from secpla.core.urls import crud
from secpla.planning import selectors
from secpla.planning.filters import CouncilAgreementFilterSet, TaskFilterSet
from secpla.planning.forms import TEXTAREA, CouncilAgreementForm, TaskForm
from secpla.planning.models import CouncilAgreement, Task

SOON_DAYS = 7  # an open item due within this many days is "por vencer"
DETAIL_TEMPLATE = "planning/followup_detail.html"


def _user_kwargs(self) -> dict:
    return {"user": self.request.user}


def followup_state(obj, today: dt.date) -> dict:
    """Days overdue, or days left when due within SOON_DAYS (None otherwise)."""
    days_overdue = obj.days_overdue(today)
    days_left = None
    if obj.is_open and obj.due_date is not None and not days_overdue:
        left = (obj.due_date - today).days
        days_left = left if left <= SOON_DAYS else None
    return {"days_overdue": days_overdue, "days_left": days_left}


def _detail_extra(view, obj) -> dict:
    return {
        **followup_state(obj, timezone.localdate()),
        "complete_url": reverse(f"{view.url_prefix}_complete", args=[obj.pk]),
    }


# --------------------------------------------------------------------------------------
# Council agreements
# --------------------------------------------------------------------------------------

agreement_views = generic.crud_views(
    CouncilAgreement,
    "planning:councilagreement",
    form=CouncilAgreementForm,
    filterset=CouncilAgreementFilterSet,
    columns=[
        ("number", "N°"),
        ("session_date", "Sesión"),
        ("directorate.code", "Dirección"),
        ("due_date", "Plazo"),
        ("status", "Estado"),
        ("is_overdue", "Vencido"),
    ],
    export_columns=[
        ("number", "N° de acuerdo"),
        ("session_date", "Fecha de la sesión"),
        ("session", "Sesión"),
        ("text", "Texto del acuerdo"),
        ("directorate.code", "Dirección"),
        ("due_date", "Plazo"),
        ("status", "Estado"),
        ("is_overdue", "Vencido"),
        ("days_overdue", "Días de atraso"),
        ("evidence", "Evidencia de cumplimiento"),
        ("completed_on", "Fecha de cumplimiento"),
    ],
    fields=[
        "number",
        "session_date",
        "session",
        "text",
        "directorate",
        "due_date",
        "status",
        "evidence",
        "completed_on",
    ],
    select_related=("directorate",),
    form_kwargs=_user_kwargs,
    detail_extra=_detail_extra,
    detail_template=DETAIL_TEMPLATE,
)


# str.capitalize() would write "Acuerdos del concejo": keep the capital C.
for _view in agreement_views:
    _view.title_plural = "Acuerdos del Concejo"


# --------------------------------------------------------------------------------------
# Tasks given to SECPLA
# --------------------------------------------------------------------------------------

task_views = generic.crud_views(
    Task,
    "planning:task",
    form=TaskForm,
    filterset=TaskFilterSet,
    columns=[
        ("title", "Tarea"),
        ("requested_by", "Encargada por"),
        ("directorate.code", "Dirección"),
        ("assignee", "Responsable"),
        ("due_date", "Plazo"),
        ("status", "Estado"),
        ("is_overdue", "Vencida"),
    ],
    export_columns=[
        ("title", "Tarea"),
        ("requested_by", "Encargada por"),
        ("request_date", "Fecha del encargo"),
        ("description", "Detalle"),
        ("directorate.code", "Dirección"),
        ("assignee", "Responsable"),
        ("due_date", "Plazo"),
        ("status", "Estado"),
        ("is_overdue", "Vencida"),
        ("days_overdue", "Días de atraso"),
        ("result", "Resultado"),
        ("completed_on", "Fecha de término"),
    ],
    fields=[
        "requested_by",
        "title",
        "description",
        "request_date",
        "due_date",
        "directorate",
        "assignee",
        "status",
        "result",
        "completed_on",
    ],
    select_related=("directorate", "assignee"),
    form_kwargs=_user_kwargs,
    detail_extra=_detail_extra,
    detail_template=DETAIL_TEMPLATE,
)


# --------------------------------------------------------------------------------------
# "Marcar cumplido": close an open item with its date and evidence
# --------------------------------------------------------------------------------------


class AgreementDoneForm(forms.Form):
    """Plain forms (not ModelForms): the model's rules on the other fields come back from
    the service as errors of the whole form instead of breaking a partial ModelForm."""

    completed_on = forms.DateField(
        label="Fecha de cumplimiento",
        widget=DateInput(),
        error_messages={"required": "Indique la fecha en que se cumplió."},
    )
    evidence = forms.CharField(
        label="Evidencia de cumplimiento",
        widget=TEXTAREA,
        max_length=5000,
        help_text="Qué se hizo. Adjunte los documentos en la pestaña Documentos.",
        error_messages={"required": "Describa la evidencia de cumplimiento."},
    )


class TaskDoneForm(forms.Form):
    completed_on = forms.DateField(
        label="Fecha de término",
        widget=DateInput(),
        error_messages={"required": "Indique la fecha de término."},
    )
    result = forms.CharField(label="Resultado", widget=TEXTAREA, max_length=5000, required=False)


def _complete(request, pk, model, form_class, done_status):
    obj = get_object_or_404(model.objects.for_user(request.user, "view"), pk=pk)
    if not can(request.user, "change", obj):
        raise PermissionDenied
    if not obj.is_open:
        messages.info(request, f"«{obj}» ya está en estado {obj.get_status_display()}.")
        return redirect(obj.get_absolute_url())
    initial = {name: getattr(obj, name) for name in form_class.base_fields}
    initial["completed_on"] = obj.completed_on or timezone.localdate()
    form = generic.with_reason(form_class)(request.POST or None, initial=initial)
    form.order_fields([*form_class.base_fields, "change_reason"])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        obj.status = done_status
        for name in form_class.base_fields:
            setattr(obj, name, data[name])
        try:
            services.record_update(actor=request.user, instance=obj, reason=data["change_reason"])
        except ValidationError as exc:
            generic.add_validation_errors(form, exc)
        else:
            messages.success(request, f"«{obj}» quedó como {obj.get_status_display()}.")
            return redirect(obj.get_absolute_url())
    return render(
        request,
        "planning/followup_complete.html",
        {
            "object": obj,
            "form": form,
            "opts": model._meta,
            "done_label": model.Status(done_status).label,
        },
    )


@login_required
def agreement_complete(request, pk):
    return _complete(request, pk, CouncilAgreement, AgreementDoneForm, CouncilAgreement.Status.DONE)


@login_required
def task_complete(request, pk):
    return _complete(request, pk, Task, TaskDoneForm, Task.Status.DONE)


# --------------------------------------------------------------------------------------
# Pendientes y vencidos
# --------------------------------------------------------------------------------------


@dataclass
class PendingRow:
    obj: object
    days_overdue: int
    days_left: int | None


@dataclass
class SummaryRow:
    directorate: Directorate | None
    counts: dict[str, list[int]] = field(
        default_factory=lambda: {"agreements": [0, 0], "tasks": [0, 0]}
    )

    @property
    def overdue(self) -> int:
        return self.counts["agreements"][1] + self.counts["tasks"][1]


def pending_rows(queryset, today: dt.date, only_overdue: bool = False) -> list[PendingRow]:
    """Overdue first (the oldest due date first), then by due date, undated last."""
    rows = [PendingRow(obj=obj, **followup_state(obj, today)) for obj in queryset]
    if only_overdue:
        rows = [row for row in rows if row.days_overdue]
    rows.sort(
        key=lambda r: (
            not r.days_overdue,
            r.obj.due_date is None,
            r.obj.due_date or dt.date.max,
            r.obj.pk,
        )
    )
    return rows


def summary_by_directorate(user, kinds: dict, today: dt.date) -> tuple[list, SummaryRow]:
    """Open and overdue counts per directorate for each kind the user may see."""
    rows: dict[int, SummaryRow] = {}
    total = SummaryRow(directorate=None)
    for key, model in kinds.items():
        counts = (
            model.objects.for_user(user, "view")
            .pending()
            .values("directorate")
            .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=today)))
            .order_by()
        )
        for item in counts:
            row = rows.setdefault(item["directorate"], SummaryRow(directorate=None))
            row.counts[key] = [item["open"], item["overdue"]]
            total.counts[key][0] += item["open"]
            total.counts[key][1] += item["overdue"]
    directorates = Directorate.objects.in_bulk(list(rows))
    for pk, row in rows.items():
        row.directorate = directorates.get(pk)
    ordered = sorted(rows.values(), key=lambda r: (-r.overdue, r.directorate.code))
    return ordered, total


@login_required
def pending(request):
    """Open council agreements and tasks, overdue first, per directorate."""
    user = request.user
    today = timezone.localdate()
    scopes = {
        "agreements": scope_for(user, CouncilAgreement, "view"),
        "tasks": scope_for(user, Task, "view"),
    }
    if not any(scopes.values()):
        raise PermissionDenied
    kinds = {
        key: model
        for key, model in (("agreements", CouncilAgreement), ("tasks", Task))
        if scopes[key] is not None
    }
    sees_all = Scope.ALL in scopes.values()
    directorate = None
    if sees_all:
        raw = request.GET.get("direccion", "")
        if raw.isdigit() and len(raw) < 10:
            directorate = Directorate.objects.filter(pk=int(raw)).first()
    else:
        directorate = user.directorate
    only_overdue = request.GET.get("vencidos") == "1"
    lists = selectors.pending_for(user, directorate.pk if directorate else None)
    context = {
        "today": today,
        "soon_days": SOON_DAYS,
        "sees_all": sees_all,
        "directorate": directorate,
        "only_overdue": only_overdue,
        "show_agreements": "agreements" in kinds,
        "show_tasks": "tasks" in kinds,
        "agreements": pending_rows(lists["agreements"], today, only_overdue)
        if "agreements" in kinds
        else [],
        "tasks": pending_rows(lists["tasks"], today, only_overdue) if "tasks" in kinds else [],
    }
    if sees_all:
        summary, total = summary_by_directorate(user, kinds, today)
        context.update(
            summary=summary,
            total=total,
            directorates=Directorate.objects.filter(
                Q(is_active=True) | Q(pk=directorate.pk if directorate else None)
            ),
        )
    return render(request, "planning/pending.html", context)


urlpatterns = [
    *crud("councilagreement", "acuerdos-concejo", agreement_views),
    path(
        "acuerdos-concejo/<int:pk>/cumplido/",
        agreement_complete,
        name="councilagreement_complete",
    ),
    *crud("task", "tareas", task_views),
    path("tareas/<int:pk>/cumplida/", task_complete, name="task_complete"),
    path("pendientes/", pending, name="pending"),
]
