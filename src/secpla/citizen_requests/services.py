"""Writes of the OIRS: receiving a request (from the public form, Open311 or staff),
moving it through the workflow, internal notes, merging duplicates, reopening by the
citizen, issuing Open311 keys and anonymising personal data.

Every service is keyword-only, takes the acting user (None or an anonymous user for the
citizen), validates with `full_clean`, writes in one transaction with the change log, adds
its step to the request's timeline and, on a status change, e-mails the requester after
the commit (only when they gave an e-mail; internal notes are never sent).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from secpla.citizen_requests import workflow
from secpla.citizen_requests.models import (
    PERSONAL_FIELDS,
    ApiKey,
    Category,
    OirsSettings,
    Request,
    RequestEvent,
)
from secpla.core import services as core_services
from secpla.core.audit import audit_context, clean_text
from secpla.core.calendar import Calendar
from secpla.core.models import Directorate, Municipality

log = logging.getLogger(__name__)

S = workflow.Status
E = RequestEvent.Kind

# No 0/O, 1/I/L: a code read over the phone or copied from paper is not mistyped.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6  # 31**6 ≈ 887 million codes per year, drawn with `secrets`
NO_MATCH = "El código de seguimiento y el correo no corresponden a ninguna solicitud."


# --- helpers -------------------------------------------------------------------------------


def _is_staff(actor) -> bool:
    return bool(actor is not None and getattr(actor, "is_authenticated", False))


_require = core_services._require


def _lock(citizen_request: Request) -> Request:
    return Request.objects.select_for_update().get(pk=citizen_request.pk)


def _check(citizen_request: Request, action: str) -> None:
    if not workflow.can(citizen_request.status, action):
        raise ValidationError({"status": workflow.refusal(citizen_request.status, action)})


def _required_text(value: str, field: str, message: str) -> str:
    text = clean_text(value)
    if not text:
        raise ValidationError({field: message})
    return text


def _save(citizen_request: Request, *, actor, reason: str, source: str | None = None) -> None:
    """Validate and save with the change log, without the directorate-move guard of
    core.services (a derivation legitimately moves the request to another directorate)."""
    citizen_request.full_clean()
    # AnonymousUser, not None: audit_context reads None as "keep the request's user", which
    # would name whoever is signed in in the browser for what the citizen (or an Open311
    # client) filed.
    user = actor if _is_staff(actor) else AnonymousUser()
    with audit_context(user=user, reason=reason, source=source):
        citizen_request.save()


def _event(
    citizen_request: Request,
    kind: str,
    *,
    actor,
    text: str = "",
    public: bool = True,
    from_directorate: Directorate | None = None,
    to_directorate: Directorate | None = None,
) -> RequestEvent:
    return RequestEvent.objects.create(
        request=citizen_request,
        kind=kind,
        user=actor if _is_staff(actor) else None,
        is_public=public,
        text=text,
        from_directorate=from_directorate,
        to_directorate=to_directorate,
    )


def new_tracking_code(year: int) -> str:
    """OIRS-<year>-XXXXXX from a safe alphabet, random (not sequential: a code is the key
    to the public tracking page, so it must not be guessable)."""
    for _ in range(50):
        body = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        code = f"OIRS-{year}-{body}"
        if not Request.objects.filter(tracking_code=code).exists():
            return code
    raise RuntimeError("No se pudo generar un código de seguimiento libre.")


def compute_due_date(category: Category, received_at: dt.datetime) -> tuple[dt.date, str]:
    """The answer deadline in días hábiles and the rule that produced it.

    Ley 19.880 art. 25: a filing on an inhábil day counts as made on the next día hábil,
    and the period runs from the day after. The days are the category's (or the default
    in force), never more than the legal maximum in force on the day of receipt."""
    received = timezone.localdate(received_at)
    days, rules = category.effective_answer_days(received)
    calendar = Calendar()
    start, shifted = received, ""
    if not calendar.is_business_day(received):
        start = calendar.add_business_days(received, 1).date
        shifted = (
            f"Ingresada en día inhábil ({received:%d-%m-%Y}): se entiende presentada el "
            f"{start:%d-%m-%Y} (Ley 19.880, art. 25). "
        )
    answer = calendar.add_business_days(start, days)
    rule = (
        f"{shifted}{answer.rule} Plazo de la categoría «{category.name}»: {days} días "
        f"hábiles; máximo legal vigente: {rules.max_answer_days} ({rules.source})."
    )
    return answer.date, rule


def reopen_until(citizen_request: Request) -> dt.date | None:
    """The last day the citizen may reopen: N días hábiles after the answer (N from the
    settings in force on the answer day). Días hábiles, like every period of the
    procedure (Ley 19.880 art. 25); counted from the answer, not from the closing, so an
    immediate close by staff does not shorten or lengthen the citizen's window."""
    if citizen_request.answered_at is None:
        return None
    answered = timezone.localdate(citizen_request.answered_at)
    rules = OirsSettings.in_force(answered)
    return Calendar().add_business_days(answered, rules.reopen_days).date


# --- notifications -----------------------------------------------------------------------


def _message(citizen_request: Request, kind: str) -> str:
    r = citizen_request
    kind_name = r.get_kind_display().lower()
    what = f"su {kind_name} {r.tracking_code}"
    # «Su solicitud …» whatever the kind, since the participles below are feminine (a
    # reclamo would read «fue asignada»); and not what.capitalize(), which lowercases the code.
    opening = f"Su solicitud {r.tracking_code}"
    if r.kind != Request.Kind.REQUEST:
        opening += f" ({kind_name})"
    due = f"{r.due_on:%d-%m-%Y}"
    if kind == E.RECEIVED:
        return (
            f"Recibimos {what} ({r.category.name}). Está a cargo de {r.directorate.name}.\n"
            f"Plazo de respuesta: {due}.\nGuarde el código {r.tracking_code} para seguir "
            "su estado."
        )
    if kind == E.ASSIGNED:
        return f"{opening} fue asignada para su atención en {r.directorate.name}."
    if kind == E.DERIVED:
        return (
            f"{opening} fue derivada a {r.directorate.name}, la dirección "
            f"competente. El plazo de respuesta no cambia: {due}."
        )
    if kind == E.STARTED:
        return f"{opening} está en proceso en {r.directorate.name}."
    if kind == E.ANSWERED:
        until = reopen_until(r)
        return (
            f"{opening} fue respondida:\n\n{r.public_answer}\n\n"
            f"Si la respuesta no resuelve su caso, puede reabrirla hasta el {until:%d-%m-%Y} "
            "con su código de seguimiento y este correo."
        )
    if kind == E.CLOSED:
        return f"{opening} fue cerrada."
    if kind == E.REOPENED:
        return f"{opening} fue reabierta. Nuevo plazo de respuesta: {due}."
    if kind == E.MERGED:
        return (
            f"{opening} trata el mismo asunto que la solicitud "
            f"{r.merged_into.tracking_code}, con la que fue unida. Siga su estado con ese "
            "código."
        )
    raise ValueError(kind)


def _notify(citizen_request: Request, kind: str) -> None:
    """E-mail the requester about a status change once the transaction commits, then
    record «notificación enviada». Never for internal notes; nothing without an e-mail."""
    if kind == E.NOTE or not citizen_request.requester_email:
        return
    address = citizen_request.requester_email
    pk = citizen_request.pk
    label = RequestEvent.Kind(kind).label
    municipality = Municipality.current()
    sender = municipality.name if municipality else "Municipalidad"
    subject = f"{sender} — {citizen_request.tracking_code}: {label.lower()}"
    name = citizen_request.requester_name
    greeting = f"Estimado(a) {name}:" if name else "Estimado(a):"
    body = (
        f"{greeting}\n\n{_message(citizen_request, kind)}\n\n"
        "Este es un mensaje automático de la Oficina de Informaciones, Reclamos y "
        "Sugerencias (OIRS). No responda a este correo."
    )

    def send() -> None:
        try:
            send_mail(subject, body, None, [address])
        except Exception:  # the request is already saved; a mail failure must not undo it
            log.exception("No se pudo enviar el aviso de la solicitud %s", pk)
            return
        RequestEvent.objects.create(
            request_id=pk,
            kind=E.NOTIFIED,
            is_public=False,
            text=f"Aviso «{label}» enviado por correo electrónico.",
        )

    transaction.on_commit(send)


# --- intake --------------------------------------------------------------------------------


def request_create(
    *, actor, citizen_request: Request, api_key: ApiKey | None = None, reason: str = ""
) -> Request:
    """Receive a request: give it a tracking code, route it to its category's
    directorate, compute its due date and open its timeline.

    Staff (an authenticated actor with `add`) register requests from any channel but the
    API, and may give the real date of receipt of a letter or e-mail. The public form
    (no actor) always records the web channel and the current time; Open311 passes the
    active `api_key` and gets the API channel."""
    r = citizen_request
    staff = _is_staff(actor)
    now = timezone.now()
    for name in PERSONAL_FIELDS:
        setattr(r, name, clean_text(getattr(r, name)))
    r.requester_email = r.requester_email.lower()
    if staff:
        _require(actor, "add", Request)
        if r.channel == Request.Channel.API:
            raise ValidationError({"channel": "El canal API se usa solo desde Open311."})
        if r.received_at and r.received_at > now:
            raise ValidationError({"received_at": "La fecha de recepción no puede ser futura."})
        r.received_at = r.received_at or now
    else:
        if api_key is not None and not (api_key.pk and api_key.is_active):
            raise PermissionDenied("La clave de API no es válida o fue desactivada.")
        r.channel = Request.Channel.API if api_key else Request.Channel.WEB
        r.received_at = now
    r.api_key = api_key
    if not r.category_id:
        raise ValidationError({"category": "Elija una categoría."})
    if not r.category.is_active:
        raise ValidationError({"category": "Esa categoría ya no está vigente."})
    rules = OirsSettings.in_force(timezone.localdate(r.received_at))
    if r.has_personal_data():
        if not r.consent_given:
            raise ValidationError(
                {
                    "consent_given": "Para dejar sus datos de contacto debe aceptar el "
                    "tratamiento de sus datos personales."
                }
            )
        r.consent_version = rules.consent_version
    else:
        r.consent_given, r.consent_version = False, ""
    r.status = workflow.INITIAL
    r.assigned_to = None
    r.answered_at = r.closed_at = r.anonymised_at = r.merged_into = None
    r.public_answer = ""
    r.directorate = r.category.directorate
    r.due_on, r.due_rule = compute_due_date(r.category, r.received_at)
    with transaction.atomic():
        r.tracking_code = new_tracking_code(timezone.localdate(r.received_at).year)
        if staff:
            core_services.record_create(actor=actor, instance=r, reason=reason)
        else:
            source = "api" if api_key else "web"
            _save(r, actor=None, reason=reason or "Ingreso ciudadano", source=source)
        _event(
            r,
            E.RECEIVED,
            actor=actor,
            text=f"Recibida por {r.get_channel_display().lower()}; a cargo de "
            f"{r.directorate.name}.",
        )
        _notify(r, E.RECEIVED)
    return r


# --- workflow ------------------------------------------------------------------------------


def request_assign(*, actor, citizen_request: Request, user, comment: str = "") -> Request:
    """Give the request to an active official of the directorate in charge."""
    with transaction.atomic():
        r = _lock(citizen_request)
        _require(actor, "change", r)
        _check(r, "assign")
        if user is None or not user.is_active or user.directorate_id != r.directorate_id:
            raise ValidationError(
                {
                    "assigned_to": "Asigne la solicitud a una persona activa de "
                    f"{r.directorate.name}."
                }
            )
        r.assigned_to = user
        r.status = workflow.target("assign")
        core_services.record_update(actor=actor, instance=r, reason=comment)
        text = f"Asignada a {user}." + (f" {clean_text(comment)}" if comment else "")
        _event(r, E.ASSIGNED, actor=actor, text=text)
        _notify(r, E.ASSIGNED)
    return r


def request_derive(
    *, actor, citizen_request: Request, directorate: Directorate, reason: str
) -> Request:
    """Transfer the request to the competent directorate (it returns to «Recibida» there,
    without an assignee).

    The due date does NOT restart. Ley 19.880 art. 24 makes forwarding to the competent
    unit an internal step of the same body (within 24 hours), and the OIRS deadline (Ley
    18.695 art. 98) binds the municipality from the day it received the request: a
    transfer between its own directorates must not lengthen the citizen's wait. Any
    directorate-scoped official who can change the request may send it elsewhere."""
    reason = _required_text(reason, "reason", "Indique el motivo de la derivación.")
    with transaction.atomic():
        r = _lock(citizen_request)
        _require(actor, "change", r)
        _check(r, "derive")
        if directorate is None or not directorate.is_active:
            raise ValidationError({"directorate": "Elija una dirección vigente."})
        if directorate.pk == r.directorate_id:
            raise ValidationError({"directorate": "La solicitud ya está a cargo de esa dirección."})
        previous = r.directorate
        r.directorate = directorate
        r.assigned_to = None
        r.status = workflow.target("derive")
        _save(r, actor=actor, reason=reason)
        _event(
            r,
            E.DERIVED,
            actor=actor,
            text=reason,
            from_directorate=previous,
            to_directorate=directorate,
        )
        _notify(r, E.DERIVED)
    return r


def request_start(*, actor, citizen_request: Request, comment: str = "") -> Request:
    """The directorate starts working on the request."""
    with transaction.atomic():
        r = _lock(citizen_request)
        _require(actor, "change", r)
        _check(r, "start")
        r.status = workflow.target("start")
        core_services.record_update(actor=actor, instance=r, reason=comment)
        _event(r, E.STARTED, actor=actor, text=clean_text(comment))
        _notify(r, E.STARTED)
    return r


def request_answer(*, actor, citizen_request: Request, answer: str) -> Request:
    """Give the public answer (required): it is what the citizen reads."""
    answer = _required_text(answer, "public_answer", "Escriba la respuesta para la persona.")
    with transaction.atomic():
        r = _lock(citizen_request)
        _require(actor, "change", r)
        _check(r, "answer")
        r.public_answer = answer
        r.answered_at = timezone.now()
        r.status = workflow.target("answer")
        core_services.record_update(actor=actor, instance=r, reason="Respuesta")
        _event(r, E.ANSWERED, actor=actor, text=answer)
        _notify(r, E.ANSWERED)
    return r


def request_close(*, actor, citizen_request: Request, comment: str = "") -> Request:
    """Close an answered request (the citizen can still reopen it within the window)."""
    with transaction.atomic():
        r = _lock(citizen_request)
        _require(actor, "change", r)
        _check(r, "close")
        r.closed_at = timezone.now()
        r.status = workflow.target("close")
        core_services.record_update(actor=actor, instance=r, reason=comment)
        _event(r, E.CLOSED, actor=actor, text=clean_text(comment))
        _notify(r, E.CLOSED)
    return r


def request_reopen(*, actor, tracking_code: str, reason: str, email: str = "") -> Request:
    """Reopen an answered or closed request within the reopen window (see `reopen_until`).

    The citizen (no actor) proves it is theirs with the tracking code and the e-mail they
    gave; a wrong code and a wrong e-mail get the same message, so the form tells nothing
    about which codes exist. Staff who can change the request may reopen it on the
    citizen's behalf (a phone call). It gets a new due date counted from today."""
    reason = _required_text(reason, "reason", "Indique por qué reabre la solicitud.")
    code = clean_text(tracking_code).upper()
    staff = _is_staff(actor)
    with transaction.atomic():
        r = Request.objects.select_for_update().filter(tracking_code=code).first()
        if staff:
            if r is None:
                raise ValidationError({"tracking_code": "No existe una solicitud con ese código."})
            _require(actor, "change", r)
        else:
            given = clean_text(email).lower()
            if r is None or not r.requester_email or given != r.requester_email:
                raise ValidationError(NO_MATCH)
        if r.merged_into_id:
            raise ValidationError(
                f"Esta solicitud fue unida a la {r.merged_into.tracking_code}; siga ese código."
            )
        _check(r, "reopen")
        until = reopen_until(r)
        if until is None or timezone.localdate() > until:
            raise ValidationError(
                f"El plazo para reabrir la solicitud venció el {until:%d-%m-%Y}."
                if until
                else "Esta solicitud no tiene una respuesta que reabrir."
            )
        r.status = workflow.target("reopen")
        r.answered_at = r.closed_at = None
        now = timezone.now()
        due_on, rule = compute_due_date(r.category, now)
        r.due_on, r.due_rule = due_on, f"Reabierta el {timezone.localdate(now):%d-%m-%Y}. {rule}"
        _save(r, actor=actor, reason=reason, source=None if staff else "web")
        _event(r, E.REOPENED, actor=actor, text=reason)
        _notify(r, E.REOPENED)
    return r


def request_note(*, actor, citizen_request: Request, text: str) -> RequestEvent:
    """An internal note on the timeline: never public, never e-mailed."""
    text = _required_text(text, "text", "Escriba la nota.")
    _require(actor, "change", citizen_request)
    return _event(citizen_request, E.NOTE, actor=actor, text=text, public=False)


def request_merge(*, actor, duplicate: Request, original: Request, reason: str = "") -> Request:
    """Merge a duplicate into its original: the duplicate is closed pointing at the
    original; both keep their own timeline, each with a «fusionada» event."""
    with transaction.atomic():
        duplicate = _lock(duplicate)
        original = _lock(original)
        _require(actor, "change", duplicate)
        _require(actor, "change", original)
        if duplicate.pk == original.pk:
            raise ValidationError("Una solicitud no puede fusionarse consigo misma.")
        if original.merged_into_id:
            raise ValidationError(
                f"La solicitud {original.tracking_code} ya fue unida a la "
                f"{original.merged_into.tracking_code}; fusione con esa."
            )
        _check(duplicate, "merge")
        duplicate.merged_into = original
        duplicate.closed_at = timezone.now()
        duplicate.status = workflow.target("merge")
        text = clean_text(reason)
        _save(duplicate, actor=actor, reason=text or f"Duplicada de {original.tracking_code}")
        _event(
            duplicate,
            E.MERGED,
            actor=actor,
            text=f"Unida a la solicitud {original.tracking_code}. {text}".strip(),
        )
        _event(
            original,
            E.MERGED,
            actor=actor,
            public=False,
            text=f"Se le unió la solicitud duplicada {duplicate.tracking_code}. {text}".strip(),
        )
        _notify(duplicate, E.MERGED)
    return duplicate


# --- personal data -------------------------------------------------------------------------


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` months earlier (the last day of the month if it is shorter)."""
    import calendar as calendar_lib

    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last = calendar_lib.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def anonymisable(today: dt.date | None = None):
    """Closed requests whose retention period (in force today) has run out and that
    still hold personal data."""
    today = today or timezone.localdate()
    rules = OirsSettings.in_force(today)
    limit = months_before(today, rules.retention_months)
    queryset = Request.objects.filter(
        status=S.CLOSED, closed_at__date__lt=limit, anonymised_at__isnull=True
    )
    has_data = Q()
    for name in PERSONAL_FIELDS:
        has_data |= ~Q(**{name: ""})
    return queryset.filter(has_data), rules


def request_anonymise(*, actor=None, citizen_request: Request, reason: str) -> Request:
    """Blank the requester's personal data (the description is kept: it is the matter,
    not the person). One change-log entry per request (anonymised_at changes), so each
    request's history says when its data were removed. The command runs it as the
    system (no actor); an actor, when given, needs `change` on the request."""
    if actor is not None:
        _require(actor, "change", citizen_request)
    with transaction.atomic():
        r = _lock(citizen_request)
        for name in PERSONAL_FIELDS:
            setattr(r, name, "")
        r.anonymised_at = timezone.now()
        user = actor if _is_staff(actor) else None
        with audit_context(user=user, reason=reason, source="sistema"):
            r.save()
    return r


# --- Open311 keys --------------------------------------------------------------------------


def _digest(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def api_key_issue(
    *, actor, name: str, organisation: str = "", contact: str = ""
) -> tuple[ApiKey, str]:
    """Issue a key; the clear key is returned once, to show to the administrator, and
    never stored."""
    raw = secrets.token_urlsafe(32)
    key = ApiKey(
        name=name,
        organisation=organisation,
        contact=contact,
        prefix=raw[:8],
        key_hash=_digest(raw),
        created_by=actor if _is_staff(actor) else None,
    )
    core_services.record_create(actor=actor, instance=key, reason="Emisión de clave Open311")
    return key, raw


def api_key_check(raw_key: str) -> ApiKey | None:
    """The active key matching `raw_key` (its last use noted, outside the change log)."""
    if not raw_key:
        return None
    key = ApiKey.objects.filter(key_hash=_digest(str(raw_key)), is_active=True).first()
    if key is not None:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return key
