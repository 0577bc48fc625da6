"""OIRS staff screens: the request page (casework) and its POST actions.

`oirs/solicitudes/<pk>/` shows a request the user may see (404 outside their scope) with
its timeline (internal notes marked «Interna»), public answer, attachments and possible
duplicates. Each action is a POST form that calls citizen_requests.services; a refusal
(wrong status, missing text) comes back as a Spanish message on the page. Only users with
`change` on the request get the forms, and only the actions the workflow allows from the
current status."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from secpla.citizen_requests import selectors, services, workflow
from secpla.citizen_requests.casework_forms import (
    AnswerForm,
    AssignForm,
    CommentForm,
    DeriveForm,
    MergeForm,
    NoteForm,
    ReopenForm,
)
from secpla.citizen_requests.models import Request
from secpla.core import generic, geo
from secpla.core.models import Document
from secpla.core.permissions import can


def detail_url(pk: int) -> str:
    return reverse("citizen_requests:request_detail", args=[pk])


def _visible(user, pk: int) -> Request:
    return get_object_or_404(
        Request.objects.for_user(user, "view").select_related(
            "category", "directorate", "assigned_to", "merged_into"
        ),
        pk=pk,
    )


ACTION_LABELS = {
    "assign": "Asignar",
    "derive": "Derivar",
    "start": "Iniciar",
    "answer": "Responder",
    "close": "Cerrar",
    "reopen": "Reabrir (a nombre de la persona)",
}


def _forms(r: Request) -> dict:
    forms = {
        "assign": AssignForm(citizen_request=r),
        "derive": DeriveForm(citizen_request=r),
        "start": CommentForm(),
        "answer": AnswerForm(),
        "close": CommentForm(),
        "reopen": ReopenForm(),
    }
    return forms


@login_required
def request_detail(request, pk):
    r = _visible(request.user, pk)
    user = request.user
    can_change = can(user, "change", r)
    allowed = workflow.allowed_actions(r.status) if can_change and not r.merged_into_id else []
    forms = _forms(r)
    actions = [
        (
            name,
            ACTION_LABELS[name],
            forms[name],
            reverse(f"citizen_requests:request_{name}", args=[r.pk]),
        )
        for name in allowed
        if name in forms
    ]
    duplicates = []
    if can_change:
        duplicates = selectors.possible_duplicates(r, Request.objects.for_user(user, "change"))
    ct = ContentType.objects.get_for_model(Request)
    documents = Document.objects.filter(content_type=ct, object_id=str(r.pk)).select_related(
        "uploaded_by"
    )
    context = {
        "object": r,
        "r": r,
        "today": timezone.localdate(),
        "events": r.events.select_related("user", "from_directorate", "to_directorate"),
        "can_change": can_change,
        "actions": actions,
        "can_note": can_change,
        "note_form": NoteForm(),
        "can_merge": can_change and workflow.can(r.status, "merge") and not r.merged_into_id,
        "duplicates": duplicates,
        "documents": documents,
        "ct_id": ct.pk,
        "reopen_until": services.reopen_until(r),
        "location_json": json.dumps(r.location, separators=(",", ":")) if r.location else "",
        **geo.map_config(),
    }
    return render(request, "citizen_requests/staff_request_detail.html", context)


def _action(form_class, run, success, *, needs_request_in_form=False):
    """A POST-only view: check the user may change the request, validate the form, call
    the service, and go back to the page with a Spanish message."""

    @login_required
    @require_POST
    def view(request, pk):
        r = _visible(request.user, pk)
        if not can(request.user, "change", r):
            raise PermissionDenied
        kwargs = {"citizen_request": r} if needs_request_in_form else {}
        form = form_class(request.POST, **kwargs)
        if not form.is_valid():
            messages.error(request, "No se realizó la acción: " + generic.form_errors_text(form))
            return redirect(detail_url(r.pk))
        try:
            result = run(request, r, form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, "No se realizó la acción. " + " ".join(exc.messages))
        except PermissionDenied as exc:
            messages.error(request, str(exc) or "No tiene permiso para realizar esta acción.")
        else:
            messages.success(request, success(result if result is not None else r))
            if not Request.objects.for_user(request.user, "view").filter(pk=r.pk).exists():
                # Derived out of the user's scope: the page is no longer theirs to see.
                return redirect("citizen_requests:dashboard")
        return redirect(detail_url(r.pk))

    return view


request_assign = _action(
    AssignForm,
    lambda req, r, d: services.request_assign(
        actor=req.user, citizen_request=r, user=d["user"], comment=d["comment"]
    ),
    lambda r: f"La solicitud {r.tracking_code} fue asignada a {r.assigned_to}.",
    needs_request_in_form=True,
)
request_derive = _action(
    DeriveForm,
    lambda req, r, d: services.request_derive(
        actor=req.user, citizen_request=r, directorate=d["directorate"], reason=d["reason"]
    ),
    lambda r: f"La solicitud {r.tracking_code} fue derivada a {r.directorate.name}.",
    needs_request_in_form=True,
)
request_start = _action(
    CommentForm,
    lambda req, r, d: services.request_start(
        actor=req.user, citizen_request=r, comment=d["comment"]
    ),
    lambda r: f"La solicitud {r.tracking_code} está «En proceso».",
)
request_answer = _action(
    AnswerForm,
    lambda req, r, d: services.request_answer(
        actor=req.user, citizen_request=r, answer=d["answer"]
    ),
    lambda r: f"Se registró la respuesta de la solicitud {r.tracking_code}.",
)
request_close = _action(
    CommentForm,
    lambda req, r, d: services.request_close(
        actor=req.user, citizen_request=r, comment=d["comment"]
    ),
    lambda r: f"La solicitud {r.tracking_code} fue cerrada.",
)
request_note = _action(
    NoteForm,
    lambda req, r, d: services.request_note(actor=req.user, citizen_request=r, text=d["text"]),
    lambda event: "Se agregó la nota interna.",
)
request_reopen = _action(
    ReopenForm,
    lambda req, r, d: services.request_reopen(
        actor=req.user, tracking_code=r.tracking_code, reason=d["reason"]
    ),
    lambda r: f"La solicitud {r.tracking_code} fue reabierta; nuevo plazo: {r.due_on:%d-%m-%Y}.",
)


def _merge(request, r: Request, data: dict):
    other = Request.objects.for_user(request.user, "view").filter(pk=data["other"]).first()
    if other is None:
        raise ValidationError("No se encontró la otra solicitud.")
    if data["direction"] == "into_this":
        duplicate, original = other, r
    else:
        duplicate, original = r, other
    return services.request_merge(
        actor=request.user, duplicate=duplicate, original=original, reason=data["reason"]
    )


request_merge = _action(
    MergeForm,
    _merge,
    lambda d: f"La solicitud {d.tracking_code} quedó unida a la {d.merged_into.tracking_code}.",
)


urlpatterns = [
    path("oirs/solicitudes/<int:pk>/", request_detail, name="request_detail"),
    path("oirs/solicitudes/<int:pk>/asignar/", request_assign, name="request_assign"),
    path("oirs/solicitudes/<int:pk>/derivar/", request_derive, name="request_derive"),
    path("oirs/solicitudes/<int:pk>/iniciar/", request_start, name="request_start"),
    path("oirs/solicitudes/<int:pk>/responder/", request_answer, name="request_answer"),
    path("oirs/solicitudes/<int:pk>/cerrar/", request_close, name="request_close"),
    path("oirs/solicitudes/<int:pk>/nota/", request_note, name="request_note"),
    path("oirs/solicitudes/<int:pk>/reabrir/", request_reopen, name="request_reopen"),
    path("oirs/solicitudes/<int:pk>/fusionar/", request_merge, name="request_merge"),
]
