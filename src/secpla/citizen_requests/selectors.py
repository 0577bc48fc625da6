"""Reads of the OIRS: possible duplicates, overdue requests, the public view of a request
(no personal data: the tracking page and Open311 build on it) and everything stored about
one person (for the export command)."""

from __future__ import annotations

import datetime as dt
import math

from django.db.models import Q, QuerySet
from django.utils import timezone

from secpla.citizen_requests.models import OirsSettings, Request, RequestEvent
from secpla.citizen_requests.workflow import OPEN_STATUSES
from secpla.core.validators import normalize_rut

EARTH_RADIUS_M = 6_371_008.8

# What a public event shows besides its kind and date: nothing of its free text (a
# derivation reason or a citizen's reopening reason may name people), only the answer
# itself and the directorate a request was derived to.
PUBLIC_EVENT_KINDS = {
    RequestEvent.Kind.RECEIVED,
    RequestEvent.Kind.ASSIGNED,
    RequestEvent.Kind.DERIVED,
    RequestEvent.Kind.STARTED,
    RequestEvent.Kind.ANSWERED,
    RequestEvent.Kind.CLOSED,
    RequestEvent.Kind.REOPENED,
    RequestEvent.Kind.MERGED,
}


def distance_m(a: dict, b: dict) -> float:
    """Great-circle distance in metres between two GeoJSON points (WGS84)."""
    (lon1, lat1), (lon2, lat2) = a["coordinates"][:2], b["coordinates"][:2]
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def possible_duplicates(
    citizen_request: Request, among: QuerySet[Request] | None = None
) -> list[Request]:
    """Open requests of the same category received within the duplicate window (before or
    after this one) and located within the duplicate radius, nearest first, taken from
    `among` (all requests by default; e.g. those a user may change). A request without a
    location has no "nearby", so it gets no suggestions."""
    if not citizen_request.location or citizen_request.location.get("type") != "Point":
        return []
    rules = OirsSettings.in_force(timezone.localdate(citizen_request.received_at))
    window = dt.timedelta(days=rules.duplicate_window_days)
    candidates = (
        (Request.objects.all() if among is None else among)
        .filter(
            category_id=citizen_request.category_id,
            status__in=OPEN_STATUSES,
            merged_into__isnull=True,
            location__isnull=False,
            received_at__gte=citizen_request.received_at - window,
            received_at__lte=citizen_request.received_at + window,
        )
        .exclude(pk=citizen_request.pk)
        .select_related("category", "directorate")
    )
    found = []
    for other in candidates:
        if other.location.get("type") != "Point":
            continue
        distance = distance_m(citizen_request.location, other.location)
        if distance <= rules.duplicate_radius_m:
            other.distance_m = round(distance)
            found.append(other)
    return sorted(found, key=lambda r: r.distance_m)


def overdue_q(today: dt.date | None = None) -> Q:
    """Still waiting for an answer after the due date (as Request.is_overdue)."""
    return Q(status__in=OPEN_STATUSES, due_on__lt=today or timezone.localdate())


def overdue(queryset: QuerySet[Request], today: dt.date | None = None) -> QuerySet[Request]:
    """Requests still waiting for an answer after their due date."""
    return queryset.filter(overdue_q(today))


def _local(value: dt.datetime | None) -> dt.datetime | None:
    return timezone.localtime(value) if value else None


def _iso(value: dt.datetime | None) -> str | None:
    """For JSON exports: the local time in ISO 8601."""
    return timezone.localtime(value).isoformat() if value else None


def public_view(citizen_request: Request) -> dict:
    """What anybody with the tracking code may read: no name, e-mail, phone, RUT,
    description, address, location, assignee or internal note."""
    r = citizen_request
    events = []
    for event in r.events.filter(is_public=True, kind__in=PUBLIC_EVENT_KINDS).select_related(
        "to_directorate"
    ):
        item = {"kind": event.kind, "label": event.get_kind_display(), "at": _local(event.at)}
        if event.kind == RequestEvent.Kind.ANSWERED:
            item["text"] = event.text
        if event.kind == RequestEvent.Kind.DERIVED and event.to_directorate:
            item["text"] = f"Derivada a {event.to_directorate.name}"
        events.append(item)
    return {
        "tracking_code": r.tracking_code,
        "kind": r.kind,
        "kind_label": r.get_kind_display(),
        "category": r.category.name,
        "category_code": r.category.code,
        "status": r.status,
        "status_label": r.get_status_display(),
        "directorate": r.directorate.name,
        "received_at": _local(r.received_at),
        "due_on": r.due_on,
        "answered_at": _local(r.answered_at),
        "closed_at": _local(r.closed_at),
        "is_overdue": r.is_overdue(),
        "public_answer": r.public_answer,
        "merged_into": r.merged_into.tracking_code if r.merged_into_id else None,
        "events": events,
    }


def personal_data_for(*, email: str = "", rut: str = "") -> dict:
    """Everything stored about one person, found by e-mail or RUT: their requests with
    their own data and the events visible to them (internal notes excluded)."""
    if bool(email) == bool(rut):
        raise ValueError("Indique un correo o un RUT, no ambos.")
    if email:
        requests = Request.objects.filter(requester_email=email.strip().lower())
        criterion = {"correo": email.strip().lower()}
    else:
        normalized = normalize_rut(rut)
        requests = Request.objects.filter(requester_rut=normalized)
        criterion = {"rut": normalized}
    items = []
    for r in requests.select_related("category", "directorate").order_by("received_at"):
        items.append(
            {
                "codigo_seguimiento": r.tracking_code,
                "tipo": r.get_kind_display(),
                "categoria": r.category.name,
                "canal": r.get_channel_display(),
                "descripcion": r.description,
                "direccion_o_referencia": r.address,
                "ubicacion": r.location,
                "estado": r.get_status_display(),
                "direccion_municipal_a_cargo": r.directorate.name,
                "recibida": _iso(r.received_at),
                "plazo": r.due_on.isoformat(),
                "respondida": _iso(r.answered_at),
                "cerrada": _iso(r.closed_at),
                "respuesta": r.public_answer,
                "datos_de_contacto": {
                    "nombre": r.requester_name,
                    "correo": r.requester_email,
                    "telefono": r.requester_phone,
                    "rut": r.requester_rut,
                },
                "consentimiento": {"otorgado": r.consent_given, "version": r.consent_version},
                "eventos": [
                    {"tipo": e.get_kind_display(), "fecha": _iso(e.at), "texto": e.text}
                    for e in r.events.filter(is_public=True)
                ],
            }
        )
    return {
        "generado": _iso(timezone.now()),
        "criterio": criterion,
        "solicitudes": items,
    }
