"""The OIRS public pages (no login): the intake form, its confirmation, the tracking page
and the citizen's reopening.

Whoever is signed in, these pages act as the citizen (actor None): a request filed here
is a web request, and reopening needs the tracking code and the e-mail given.
Nothing personal is ever shown: the tracking page renders `selectors.public_view` only.

Honeypot decision: a filled honeypot gets HTTP 400 with a Spanish page and nothing is
stored. A fake "received" page would also fool a person whose browser autofilled the
hidden field into waiting for an answer that never comes; the 400 page tells them to
send the form again, and bots learn nothing they could not learn from the markup.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from secpla.citizen_requests import public_cache, selectors, services, workflow
from secpla.citizen_requests.forms import (
    PublicRequestForm,
    ReopenForm,
    TrackingSearchForm,
)
from secpla.citizen_requests.models import Request
from secpla.citizen_requests.ratelimit import limit_posts
from secpla.core import geo
from secpla.core.audit import audit_context
from secpla.core.documents import UploadInfo
from secpla.core.generic import add_validation_errors
from secpla.core.models import Document

SESSION_KEY = "oirs_received"
IMAGE_TYPES = frozenset({"image/png", "image/jpeg"})


def attach(
    citizen_request: Request, attachments: list[tuple[UploadedFile, UploadInfo]]
) -> list[Document]:
    """Store the citizen's files as core Documents of the request. The files were
    checked by the form (core.documents.inspect_upload); there is no signed-in user, so
    core.services.document_attach (which needs `change` on the target) is not used."""
    content_type = ContentType.objects.get_for_model(Request)
    saved: list[Document] = []
    try:
        for upload, info in attachments:
            is_image = info.mime_type in IMAGE_TYPES
            document = Document(
                content_type=content_type,
                object_id=str(citizen_request.pk),
                title=info.original_name[:200],
                kind=Document.Kind.PHOTO if is_image else Document.Kind.EVIDENCE,
                original_name=info.original_name,
                extension=info.extension,
                mime_type=info.mime_type,
                size=info.size,
                sha256=info.sha256,
                uploaded_by=None,
            )
            upload.seek(0)
            document.file.save(info.original_name, upload, save=False)
            saved.append(document)
            # uploaded_by is not blank=True (staff always upload as themselves); a
            # citizen's file has no uploader, which the column allows (null=True).
            document.full_clean(exclude=["uploaded_by"])
            # AnonymousUser: None would keep the signed-in user of the browser, if any.
            with audit_context(
                user=AnonymousUser(), reason="Adjunto de la solicitud ciudadana", source="web"
            ):
                document.save()
    except Exception:
        for document in saved:
            document.file.delete(save=False)
        raise
    return saved


@require_http_methods(["GET", "POST"])
@limit_posts("public_create")
def public_create(request):
    if request.method == "POST":
        form = PublicRequestForm(request.POST, request.FILES)
        if form.honeypot_filled:
            return render(request, "citizen_requests/public_rejected.html", status=400)
        if form.is_valid():
            data = form.cleaned_data
            citizen_request = form.save(commit=False)
            try:
                with transaction.atomic():
                    citizen_request = services.request_create(
                        actor=None, citizen_request=citizen_request
                    )
                    attach(citizen_request, data["attachments"])
            except ValidationError as exc:
                add_validation_errors(form, exc)
            except PermissionDenied:
                form.add_error(None, "No se pudo recibir la solicitud. Inténtelo de nuevo.")
            else:
                request.session[SESSION_KEY] = citizen_request.tracking_code
                return redirect("citizen_requests:public_received")
    else:
        # The blank form is the same for everyone: built once per public-cache generation
        # (the CSRF token stays outside it, in the page). The date: dated OIRS settings.
        today = timezone.localdate().isoformat()
        parts = ("public_form", today, settings.MAP_TILES_URL, settings.MAP_TILES_ATTRIBUTION)
        context = public_cache.get_or_build(parts, _blank_form)
        return render(request, "citizen_requests/public_form.html", context)
    return render(request, "citizen_requests/public_form.html", _form_context(form))


def _form_context(form: PublicRequestForm) -> dict:
    config = geo.map_config()
    return {
        "form": form,
        "rules": form.rules,
        "max_answer_days": form.rules.max_answer_days,
        "has_map": bool(config["boundary"]),
        **config,
    }


def _blank_form() -> dict:
    context = _form_context(PublicRequestForm())
    fields = render_to_string("citizen_requests/public_form_fields.html", context)
    return {
        "fields_html": mark_safe(fields),  # our own template's output, escaped there
        "max_answer_days": context["max_answer_days"],
        "has_map": context["has_map"],
    }


@require_GET
def public_received(request):
    """The confirmation after a submission (post/redirect/get): shown once, to the
    browser that sent the form."""
    code = request.session.pop(SESSION_KEY, None)
    citizen_request = (
        Request.objects.select_related("category", "directorate").filter(tracking_code=code).first()
        if code
        else None
    )
    if citizen_request is None:
        return redirect("citizen_requests:public_create")
    return render(
        request,
        "citizen_requests/public_received.html",
        {
            "code": citizen_request.tracking_code,
            "due_on": citizen_request.due_on,
            "category": citizen_request.category.name,
            "directorate": citizen_request.directorate.name,
            "emailed": bool(citizen_request.requester_email),
        },
    )


def not_found(request, code: str = ""):
    return render(request, "citizen_requests/public_not_found.html", {"code": code}, status=404)


@require_GET
def public_track(request, code: str = ""):
    """Without a code: the search form (GET ?codigo=… goes to the request's page).
    With a code: the public view of the request, and the reopening form when it applies."""
    if not code:
        form = TrackingSearchForm(request.GET if "codigo" in request.GET else None)
        if form.is_bound and form.is_valid():
            return redirect("citizen_requests:public_track", code=form.cleaned_data["codigo"])
        return render(request, "citizen_requests/public_track_search.html", {"form": form})
    code = code.strip().upper()
    citizen_request = (
        Request.objects.select_related("category", "directorate", "merged_into")
        .filter(tracking_code=code)
        .first()
    )
    if citizen_request is None:
        return not_found(request, code)
    return render_tracking(request, citizen_request, ReopenForm(initial={"tracking_code": code}))


def reopen_offered(citizen_request: Request) -> dict:
    """Whether the page offers reopening, and until when (the service decides again)."""
    until = services.reopen_until(citizen_request)
    open_now = (
        workflow.can(citizen_request.status, "reopen")
        and not citizen_request.merged_into_id
        and until is not None
        and timezone.localdate() <= until
    )
    return {"reopen_until": until, "can_reopen": open_now}


def render_tracking(request, citizen_request: Request, reopen_form: ReopenForm, status=200):
    view = selectors.public_view(citizen_request)
    return render(
        request,
        "citizen_requests/public_track.html",
        {"view": view, "reopen_form": reopen_form, **reopen_offered(citizen_request)},
        status=status,
    )


@require_POST
@limit_posts("public_reopen")
def public_reopen(request):
    """The citizen reopens an answered request with its code and their e-mail. A wrong
    code and a wrong e-mail get the same message (the service's)."""
    form = ReopenForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            citizen_request = services.request_reopen(
                actor=None,
                tracking_code=data["tracking_code"],
                email=data["email"],
                reason=data["reason"],
            )
        except ValidationError as exc:
            add_validation_errors(form, exc)
        else:
            messages.success(
                request,
                "Su solicitud fue reabierta. Le avisaremos por correo del nuevo plazo de "
                "respuesta.",
            )
            return redirect("citizen_requests:public_track", code=citizen_request.tracking_code)
    code = (request.POST.get("tracking_code") or "").strip().upper()
    return render(
        request,
        "citizen_requests/public_reopen.html",
        {"form": form, "code": code, "track_url": _track_url(code)},
    )


def _track_url(code: str) -> str:
    try:
        return reverse("citizen_requests:public_track", kwargs={"code": code})
    except NoReverseMatch:  # a code that cannot be part of a URL
        return reverse("citizen_requests:public_track")
