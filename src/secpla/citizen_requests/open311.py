"""Open311 GeoReport v2 at /open311/v2/ (spec: citizen_requests/spec/index.md; where its
swagger.json differs, index.md rules).

Each resource answers in `.json` or `.xml`. The categories are the services (their code
is the `service_code`); a request's tracking code is its `service_request_id`. POST
creates the request at once (services are `realtime`), so no token is ever issued: a
token is the `service_request_id` itself and `tokens/{id}` resolves to it.

No personal data leave through this API. A request shows only what the public tracking
page shows, plus its location rounded to 3 decimals (about 100 m): never the requester's
name, e-mail, phone or RUT, nor the description or the address they typed (free text
that may name or locate a person), nor internal notes or staff names. The OIRS statuses
map to Open311's two: recibida, asignada, en proceso and reabierta are `open`; respondida
and cerrada (a merged duplicate is closed) are `closed`.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max, Q
from django.http import HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.csrf import csrf_exempt

from secpla.citizen_requests import public_cache, services
from secpla.citizen_requests.forms import MAX_DESCRIPTION  # index.md: "limited to 4,000"
from secpla.citizen_requests.models import Category, Request
from secpla.citizen_requests.selectors import PUBLIC_EVENT_KINDS
from secpla.citizen_requests.workflow import OPEN_STATUSES, Status
from secpla.core.audit import clean_text

MAX_RESULTS = 1000  # index.md, "Response Volume": 90 days or 1000 requests
MAX_SPAN = dt.timedelta(days=90)
COORDINATE_DECIMALS = 3

OPEN, CLOSED = "open", "closed"
STATUS_GROUPS = {
    OPEN: tuple(OPEN_STATUSES),
    CLOSED: tuple(s for s in Status.values if s not in OPEN_STATUSES),
}
TRUE_WORDS = {"true", "1", "si", "sí", "yes"}

JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"
# Characters XML 1.0 cannot carry, even escaped.
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class Open311Error(Exception):
    """A spec error: the HTTP status and a Spanish description for the client's user."""

    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


# --- rendering ---------------------------------------------------------------------------


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return XML_INVALID.sub("", str(value))


def _element(tag: str, value) -> ET.Element:
    """One XML element from a JSON-shaped value (the Spark convention the spec follows:
    a list becomes a wrapper of singular children, e.g. attributes → attribute)."""
    node = ET.Element(tag)
    if isinstance(value, dict):
        for key, item in value.items():
            if item is not None:
                node.append(_element(key, item))
    elif isinstance(value, list):
        child = tag[:-1] if tag.endswith("s") else tag
        for item in value:
            node.append(_element(child, item))
    else:
        node.text = _text(value)
    return node


def _render(fmt: str, data, *, root: str, item: str | None = None, status: int = 200):
    """`data` as JSON, or as XML under `root` (a list's items each in an `item`)."""
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False)
        return HttpResponse(body, content_type=JSON_TYPE, status=status)
    if item is None:
        tree = _element(root, data)
    else:
        tree = ET.Element(root)
        for row in data:
            tree.append(_element(item, row))
    body = '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(tree, encoding="unicode")
    return HttpResponse(body.encode(), content_type=XML_TYPE, status=status)


def _error(fmt: str, status: int, description: str) -> HttpResponse:
    data = [{"code": status, "description": description}]
    return _render(fmt, data, root="errors", item="error", status=status)


def _endpoint(methods: tuple[str, ...]):
    """Method check, and Open311Error turned into the spec's error format."""

    def wrap(view):
        def run(request, *args, fmt: str, **kwargs):
            allowed = {*methods, "HEAD"} if "GET" in methods else set(methods)
            if request.method not in allowed:
                response = _error(
                    fmt, 405, f"Método {request.method} no permitido en este recurso."
                )
                response["Allow"] = ", ".join(sorted(allowed))
                return response
            try:
                return view(request, *args, fmt=fmt, **kwargs)
            except Open311Error as exc:
                return _error(fmt, exc.status, exc.description)

        run.__name__ = view.__name__
        run.__doc__ = view.__doc__
        return run

    return wrap


def _public_get(*, by_minute: bool = False):
    """Serve a GET from the public cache (public_cache; decision 0015): the same answer
    for everyone until a shown record changes. `by_minute` also renews it each minute
    when no dates or ids are given, as the default window ends "now". Errors are never
    cached."""

    def wrap(view):
        @functools.wraps(view)
        def run(request, *args, fmt: str, **kwargs):
            if request.method not in ("GET", "HEAD"):
                return view(request, *args, fmt=fmt, **kwargs)

            def build() -> tuple[str, bytes]:
                response = view(request, *args, fmt=fmt, **kwargs)
                return response["Content-Type"], response.content

            query = urlencode(sorted(request.GET.lists()), doseq=True)
            open_ended = not any(
                _param(request.GET, name)
                for name in ("start_date", "end_date", "service_request_id")
            )
            minute = timezone.now().strftime("%Y%m%d%H%M") if by_minute and open_ended else ""
            parts = ("open311", request.path, query, minute)
            content_type, body = public_cache.get_or_build(parts, build)
            return HttpResponse(body, content_type=content_type)

        return run

    return wrap


# --- serialisation -----------------------------------------------------------------------


def _w3(value: dt.datetime | None) -> str | None:
    """A w3 datetime with its offset (America/Santiago), e.g. 2026-11-24T09:30:00-03:00."""
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def service_data(category: Category) -> dict:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description,
        "metadata": False,
        "type": "realtime",
        "keywords": ", ".join(category.keyword_list()),
        "group": category.group,
    }


def open311_status(citizen_request: Request) -> str:
    return OPEN if citizen_request.status in OPEN_STATUSES else CLOSED


def _status_notes(r: Request) -> str:
    if r.merged_into_id:
        return f"Unida a la solicitud {r.merged_into.tracking_code}, que trata el mismo asunto."
    if r.status in (Status.ANSWERED, Status.CLOSED) and r.public_answer:
        return r.public_answer
    return f"Estado OIRS: {r.get_status_display()}."


def _updated(r: Request) -> dt.datetime:
    """For a closed request, when it was closed (answered, for «respondida»); otherwise
    its latest public event (annotated by `_requests`), else its receipt."""
    if open311_status(r) == CLOSED:
        return r.closed_at or r.answered_at or r.received_at
    return getattr(r, "last_public_event_at", None) or r.received_at


def request_data(r: Request) -> dict:
    """The public fields of a request (see the module docstring for what is left out)."""
    expected = dt.datetime.combine(r.due_on, dt.time(23, 59, 59)) if r.due_on else None
    data = {
        "service_request_id": r.tracking_code,
        "status": open311_status(r),
        "status_notes": _status_notes(r),
        "service_name": r.category.name,
        "service_code": r.category.code,
        "agency_responsible": r.directorate.name,
        "requested_datetime": _w3(r.received_at),
        "updated_datetime": _w3(_updated(r)),
        "expected_datetime": _w3(timezone.make_aware(expected)) if expected else None,
    }
    point = r.location if isinstance(r.location, dict) else None
    if point and point.get("type") == "Point":
        lon, lat = point["coordinates"][:2]
        data["lat"] = round(float(lat), COORDINATE_DECIMALS)
        data["long"] = round(float(lon), COORDINATE_DECIMALS)
    return {key: value for key, value in data.items() if value is not None}


def _requests():
    return Request.objects.select_related("category", "directorate", "merged_into").annotate(
        last_public_event_at=Max(
            "events__at",
            filter=Q(events__is_public=True, events__kind__in=PUBLIC_EVENT_KINDS),
        )
    )


# --- query parsing -----------------------------------------------------------------------


def _param(source, name: str) -> str:
    """An argument without control characters, "" when absent or empty (the spec treats
    both alike)."""
    return clean_text(source.get(name))


def _comma_list(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _parse_w3(value: str, name: str, *, end: bool = False) -> dt.datetime:
    """A w3 datetime (a date alone means its start, or its end for `end_date`); without
    an offset it is read in America/Santiago."""
    text = value.replace(" ", "+")  # an unencoded "+" offset arrives as a space
    try:
        moment = parse_datetime(text)
        if moment is None:
            day = parse_date(text)
            if day is not None:
                moment = dt.datetime.combine(day, dt.time.max if end else dt.time.min)
    except ValueError:
        moment = None
    if moment is None:
        raise Open311Error(
            400,
            f"«{name}» no es una fecha y hora válida: use el formato w3, por ejemplo "
            "2026-01-31T00:00:00-03:00 o 2026-01-31T03:00:00Z.",
        )
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _window(query) -> tuple[dt.datetime, dt.datetime]:
    start_text, end_text = _param(query, "start_date"), _param(query, "end_date")
    try:
        start = _parse_w3(start_text, "start_date") if start_text else None
        end = _parse_w3(end_text, "end_date", end=True) if end_text else None
        if start is None and end is None:
            end = timezone.now()
        if start is None:
            start = end - MAX_SPAN
        if end is None:
            end = start + MAX_SPAN
    except OverflowError:
        raise Open311Error(400, "Las fechas están fuera del rango admitido.") from None
    if start > end:
        raise Open311Error(400, "«start_date» no puede ser posterior a «end_date».")
    if end - start > MAX_SPAN:
        raise Open311Error(
            400, "El rango entre «start_date» y «end_date» no puede superar 90 días."
        )
    return start, end


def _statuses(value: str) -> list[str]:
    wanted = [word.lower() for word in _comma_list(value)]
    unknown = [word for word in wanted if word not in STATUS_GROUPS]
    if unknown:
        raise Open311Error(
            400, f"«status» no reconoce «{unknown[0]}»: use open o closed, separados por coma."
        )
    return [status for word in wanted for status in STATUS_GROUPS[word]]


# --- views -------------------------------------------------------------------------------


@_endpoint(("GET",))
@_public_get()
def services_list(request, *, fmt: str):
    """GET Service List: the categories in force."""
    data = [service_data(c) for c in Category.objects.filter(is_active=True)]
    return _render(fmt, data, root="services", item="service")


@_endpoint(("GET",))
@_public_get()
def service_definition(request, *, service_code: str, fmt: str):
    """GET Service Definition. No service has extra attributes (`metadata` is false), so
    the definition exists to say so: an empty list of attributes."""
    category = Category.objects.filter(is_active=True, code=service_code).first()
    if category is None:
        raise Open311Error(404, f"No existe el servicio «{service_code}».")
    data = {"service_code": category.code, "attributes": []}
    return _render(fmt, data, root="service_definition")


@csrf_exempt  # an API for other systems, authenticated by api_key, never by a session
@_endpoint(("GET", "POST"))
@_public_get(by_minute=True)
def requests_endpoint(request, *, fmt: str):
    """GET Service Requests (the spec's filters), or POST Service Request."""
    if request.method == "POST":
        return _create(request, fmt)
    query = request.GET
    ids = _param(query, "service_request_id")
    if ids:  # "This overrides all other arguments."
        codes = [code.upper() for code in _comma_list(ids)][:MAX_RESULTS]
        rows = _requests().filter(tracking_code__in=codes)
    else:
        start, end = _window(query)
        rows = _requests().filter(received_at__gte=start, received_at__lte=end)
        codes = _comma_list(_param(query, "service_code"))
        if codes:
            rows = rows.filter(category__code__in=codes)
        status = _param(query, "status")
        if status:
            rows = rows.filter(status__in=_statuses(status))
    data = [request_data(r) for r in rows.order_by("-received_at")[:MAX_RESULTS]]
    return _render(fmt, data, root="service_requests", item="request")


@_endpoint(("GET",))
@_public_get()
def request_detail(request, *, service_request_id: str, fmt: str):
    """GET Service Request: a list of one, as index.md shows (swagger.json's
    `request/{id}` describes a bare object; index.md rules, so both spellings answer the
    same list)."""
    r = _requests().filter(tracking_code=service_request_id.upper()).first()
    if r is None:
        raise Open311Error(404, f"No existe la solicitud «{service_request_id}».")
    return _render(fmt, [request_data(r)], root="service_requests", item="request")


@_endpoint(("GET",))
def token_detail(request, *, token_id: str, fmt: str):
    """GET service_request_id from a token. POST answers at once with the id and never a
    token, so nothing is stored for tokens: a client that asks anyway with the id gets it
    back; anything else is not found."""
    code = token_id.upper()
    if not Request.objects.filter(tracking_code=code).exists():
        raise Open311Error(404, f"No existe el token «{token_id}».")
    data = [{"service_request_id": code, "token": code}]
    return _render(fmt, data, root="service_requests", item="request")


# --- POST ----------------------------------------------------------------------------------

# Open311 argument -> the request field it fills (to name it in error messages).
FIELD_ARGUMENTS = {
    "requester_name": "first_name/last_name",
    "requester_email": "email",
    "requester_phone": "phone",
    "description": "description",
    "address": "address_string",
    "location": "lat/long",
    "category": "service_code",
}


def _validation_text(exc: ValidationError) -> str:
    if not hasattr(exc, "error_dict"):
        return " ".join(exc.messages)
    parts = []
    for field, messages in exc.message_dict.items():
        text = " ".join(messages)
        argument = FIELD_ARGUMENTS.get(field)
        parts.append(f"{argument}: {text}" if argument else text)
    return " ".join(parts)


def _location(data) -> tuple[dict | None, str]:
    lat_text, long_text = _param(data, "lat"), _param(data, "long")
    address = _param(data, "address_string")
    point = None
    if lat_text or long_text:
        try:
            lat, lon = float(lat_text.replace(",", ".")), float(long_text.replace(",", "."))
        except ValueError:
            raise Open311Error(
                400,
                "«lat» y «long» deben ser números en grados WGS84, por ejemplo "
                "lat=-36.7425&long=-72.3016.",
            ) from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise Open311Error(400, "«lat» y «long» están fuera de rango (grados WGS84).")
        point = {"type": "Point", "coordinates": [lon, lat]}
    if point is None and not address:
        if _param(data, "address_id"):
            raise Open311Error(
                400,
                "La municipalidad no usa un registro de direcciones: envíe «lat» y «long» o "
                "«address_string» en vez de «address_id».",
            )
        raise Open311Error(
            400, "Indique la ubicación: «lat» y «long», o «address_string» con la dirección."
        )
    return point, address


def _create(request, fmt: str):
    """POST Service Request: checks the api_key, builds the request from the arguments
    and files it through services.request_create (channel API)."""
    data = request.POST
    key = services.api_key_check(_param(data, "api_key"))
    if key is None:
        raise Open311Error(403, "Falta la api_key o no es válida: no se puede crear la solicitud.")
    code = _param(data, "service_code")
    if not code:
        raise Open311Error(400, "Falta «service_code»: elija un servicio de services.json.")
    category = Category.objects.filter(is_active=True, code=code).first()
    if category is None:
        raise Open311Error(404, f"No existe el servicio «{code}».")
    point, address = _location(data)
    description = _param(data, "description")
    if not description:
        raise Open311Error(400, "Falta «description»: describa la solicitud.")
    if len(description) > MAX_DESCRIPTION:
        raise Open311Error(400, f"«description» no puede superar {MAX_DESCRIPTION} caracteres.")
    name = " ".join(p for p in (_param(data, "first_name"), _param(data, "last_name")) if p)
    citizen_request = Request(
        kind=Request.Kind.REQUEST,
        category=category,
        description=description,
        location=point,
        address=address,
        requester_name=name,
        requester_email=_param(data, "email"),
        requester_phone=_param(data, "phone"),
        consent_given=_param(data, "consent").lower() in TRUE_WORDS,
    )
    if citizen_request.has_personal_data() and not citizen_request.consent_given:
        raise Open311Error(
            400,
            "Para enviar datos de contacto (first_name, last_name, email o phone) la persona "
            "debe aceptar el tratamiento de sus datos personales: agregue consent=true.",
        )
    try:
        created = services.request_create(actor=None, citizen_request=citizen_request, api_key=key)
    except ValidationError as exc:
        raise Open311Error(400, _validation_text(exc)) from None
    except PermissionDenied as exc:  # the key was revoked between its check and the save
        raise Open311Error(403, str(exc)) from None
    days, _ = category.effective_answer_days(timezone.localdate(created.received_at))
    notice = (
        f"Recibida por {created.directorate.name}. Plazo de respuesta: "
        f"{created.due_on:%d-%m-%Y} ({days} días hábiles). Siga su estado con el código "
        f"{created.tracking_code}."
    )
    result = [{"service_request_id": created.tracking_code, "service_notice": notice}]
    return _render(fmt, result, root="service_requests", item="request")
