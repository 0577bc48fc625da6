"""Open311 GeoReport v2: conformance of every response (JSON against the schemas of the
copied swagger.json, XML against the same definitions and element names of index.md),
the filters of GET requests, POST with an api_key, and no personal data anywhere."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
import pytest
from django.urls import reverse
from django.utils import timezone

from secpla.citizen_requests import services
from secpla.citizen_requests.models import Category, Request
from secpla.citizen_requests.tests.conftest import INSIDE, OUTSIDE
from secpla.core.audit import audit_context

SWAGGER = json.loads((Path(__file__).parents[1] / "spec" / "swagger.json").read_text())
DEFINITIONS = SWAGGER["definitions"]


def _schema(path: str, method: str = "get") -> dict:
    schema = SWAGGER["paths"][path][method]["responses"]["200"]["schema"]
    return {**schema, "definitions": DEFINITIONS}


def _items_of(definition: str) -> dict:
    return {
        "type": "array",
        "items": {"$ref": f"#/definitions/{definition}"},
        "definitions": DEFINITIONS,
    }


SERVICES = _schema("/services.{response_format}")
SERVICE_DEFINITION = _schema("/services/{service_code}.{response_format}")
REQUESTS = _schema("/requests.{response_format}")
POST_RESPONSE = _schema("/requests.{response_format}", "post")
# swagger.json gives these as bare objects; index.md (which rules) answers a list of one.
REQUEST_LIST = _items_of("Request")
TOKEN_LIST = _items_of("TokenResponse")
ERRORS = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "required": ["code", "description"],
        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
        "additionalProperties": False,
    },
}


def url(name: str, fmt: str = "json", **kwargs) -> str:
    return reverse(f"open311:{name}", kwargs={"fmt": fmt, **kwargs})


def _known_fields(items: list[dict], definition: str) -> None:
    """Only the definition's own fields (swagger allows extra ones; the spec's XML note
    asks for no foreign tags, so the JSON keeps to the same names)."""
    allowed = set(DEFINITIONS[definition]["properties"])
    for item in items:
        assert set(item) <= allowed, set(item) - allowed


def get_json(client, address: str, schema: dict, expect: int = 200, params=None):
    response = client.get(address, params or {})
    assert response.status_code == expect, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    data = json.loads(response.content.decode("utf-8"))
    jsonschema.Draft4Validator(schema).validate(data)
    return data


def _xml_value(node: ET.Element):
    children = list(node)
    if not children:
        return node.text or ""
    return {child.tag: _xml_value(child) for child in children}


def _as_text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return {k: _as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return "" if not value else [_as_text(v) for v in value]
    return str(value)


def get_xml(client, address: str, root: str, item: str | None, expect: int = 200, params=None):
    response = client.get(address, params or {})
    return check_xml(response, root, item, expect)


def check_xml(response, root: str, item: str | None, status: int = 200):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    body = response.content.decode("utf-8")
    assert body.startswith('<?xml version="1.0" encoding="utf-8"?>')
    tree = ET.fromstring(response.content)  # noqa: S314 -- our own response, in a test
    assert tree.tag == root
    if item is None:
        return tree
    assert all(child.tag == item for child in tree), [child.tag for child in tree]
    return [_xml_value(child) for child in tree]


def assert_xml_mirrors_json(client, name: str, root: str, item: str | None, **kwargs):
    """The XML of a resource carries the same elements and values as its JSON."""
    params = kwargs.pop("params", {})
    data = client.get(url(name, "json", **kwargs), params).json()
    xml = get_xml(client, url(name, "xml", **kwargs), root, item, params=params)
    if item is None:
        assert _xml_value(xml) == _as_text(data)
    else:
        assert xml == [_as_text(row) for row in data]
    return xml


@pytest.fixture
def api_key(personas):
    _, raw = services.api_key_issue(actor=personas.admin, name="App Barrio")
    return raw


# --- services ------------------------------------------------------------------------------


def test_services_lists_the_categories_in_force(client, lighting, pothole):
    with audit_context(source="test"):
        lighting.keywords = "luz, poste"
        lighting.group = "Alumbrado"
        lighting.save()
        Category.objects.create(
            name="Antigua", code="antigua", directorate=lighting.directorate, is_active=False
        )
    data = get_json(client, url("services"), SERVICES)
    _known_fields(data, "Service")
    by_code = {row["service_code"]: row for row in data}
    assert set(by_code) == {"luminaria", "bache"}
    assert by_code["luminaria"] == {
        "service_code": "luminaria",
        "service_name": "Luminaria apagada",
        "description": "",
        "metadata": False,
        "type": "realtime",
        "keywords": "luz, poste",
        "group": "Alumbrado",
    }
    assert_xml_mirrors_json(client, "services", "services", "service")


def test_a_service_definition_has_no_attributes(client, lighting):
    data = get_json(client, url("service", service_code="luminaria"), SERVICE_DEFINITION)
    assert data == {"service_code": "luminaria", "attributes": []}
    tree = get_xml(
        client, url("service", "xml", service_code="luminaria"), "service_definition", None
    )
    assert [child.tag for child in tree] == ["service_code", "attributes"]
    assert list(tree.find("attributes")) == []


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_service_is_a_404_in_the_spec_error_format(client, lighting, fmt):
    address = url("service", fmt, service_code="no-existe")
    if fmt == "json":
        [error] = get_json(client, address, ERRORS, expect=404)
    else:
        [error] = get_xml(client, address, "errors", "error", expect=404)
        error["code"] = int(error["code"])
    assert error["code"] == 404 and "no-existe" in error["description"]


# --- requests: GET ---------------------------------------------------------------------------


def test_requests_conform_and_map_the_workflow_to_open_and_closed(
    client, personas, bounded, file_request, pothole
):
    received = file_request(location=INSIDE)
    answered = file_request(category=pothole)
    services.request_answer(actor=personas.director, citizen_request=answered, answer="Reparado.")
    data = get_json(client, url("requests"), REQUESTS)
    _known_fields(data, "Request")
    rows = {row["service_request_id"]: row for row in data}
    assert set(rows) == {received.tracking_code, answered.tracking_code}
    open_row, closed_row = rows[received.tracking_code], rows[answered.tracking_code]
    assert open_row["status"] == "open" and open_row["status_notes"] == "Estado OIRS: Recibida."
    assert (open_row["lat"], open_row["long"]) == (-36.742, -72.302)  # rounded to ~100 m
    assert open_row["agency_responsible"] == received.directorate.name
    assert open_row["expected_datetime"].startswith(received.due_on.isoformat() + "T23:59:59")
    assert closed_row["status"] == "closed" and closed_row["status_notes"] == "Reparado."
    answered.refresh_from_db()
    assert dt.datetime.fromisoformat(
        closed_row["updated_datetime"]
    ) == answered.answered_at.replace(microsecond=0)
    assert "lat" not in closed_row
    for row in data:  # w3 datetimes with their offset
        assert dt.datetime.fromisoformat(row["requested_datetime"]).tzinfo is not None
    assert_xml_mirrors_json(client, "requests", "service_requests", "request")


def test_requests_filters(client, personas, file_request, pothole):
    a = file_request()
    b = file_request(category=pothole)
    services.request_answer(actor=personas.director, citizen_request=b, answer="Listo.")
    old = file_request()
    Request.objects.filter(pk=old.pk).update(received_at=timezone.now() - dt.timedelta(days=120))

    def codes(**params):
        return {
            row["service_request_id"]
            for row in get_json(client, url("requests"), REQUESTS, params=params)
        }

    assert codes() == {a.tracking_code, b.tracking_code}  # the last 90 days by default
    assert codes(service_code="bache") == {b.tracking_code}
    assert codes(service_code="bache,luminaria") == {a.tracking_code, b.tracking_code}
    assert codes(status="open") == {a.tracking_code}
    assert codes(status="closed") == {b.tracking_code}
    assert codes(status="open,closed") == {a.tracking_code, b.tracking_code}
    # service_request_id overrides every other argument (the old one comes back too)
    ids = f"{old.tracking_code},{b.tracking_code.lower()}"
    assert codes(service_request_id=ids, status="open") == {old.tracking_code, b.tracking_code}
    start = (timezone.now() - dt.timedelta(days=130)).isoformat()
    end = (
        (timezone.now() - dt.timedelta(days=100)).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    )
    assert codes(start_date=start, end_date=end) == {old.tracking_code}
    assert codes(end_date=end) == {old.tracking_code}  # the 90 days before end_date
    assert codes(start_date=start) == {old.tracking_code}  # the 90 days after start_date
    assert codes(service_code="no-existe") == set()


@pytest.mark.parametrize(
    "params, fragment",
    [
        ({"start_date": "ayer"}, "start_date"),
        ({"end_date": "2026-13-45T00:00:00Z"}, "end_date"),
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, "90 días"),
        ({"start_date": "2026-03-01T00:00:00Z", "end_date": "2026-02-01T00:00:00Z"}, "posterior"),
        ({"status": "pendiente"}, "open o closed"),
        ({"start_date": "9999-12-31T00:00:00Z"}, "rango"),
        ({"end_date": "0001-01-01"}, "rango"),
    ],
)
def test_bad_filters_get_a_400_in_spanish(client, lighting, params, fragment):
    [error] = get_json(client, url("requests"), ERRORS, 400, params)
    assert error["code"] == 400 and fragment in error["description"]
    [xml_error] = get_xml(client, url("requests", "xml"), "errors", "error", 400, params)
    assert xml_error == {"code": "400", "description": error["description"]}


@pytest.mark.parametrize("name", ["request", "request_swagger"])
def test_one_request_by_either_spelling(client, file_request, name):
    r = file_request()
    assert reverse(f"open311:{name}", kwargs={"fmt": "json", "service_request_id": "X"}) in {
        "/open311/v2/requests/X.json",
        "/open311/v2/request/X.json",
    }
    [row] = get_json(client, url(name, service_request_id=r.tracking_code), REQUEST_LIST)
    _known_fields([row], "Request")
    assert row["service_request_id"] == r.tracking_code and row["service_code"] == "luminaria"
    assert_xml_mirrors_json(
        client, name, "service_requests", "request", service_request_id=r.tracking_code
    )
    [error] = get_json(client, url(name, service_request_id="OIRS-2026-NOPE"), ERRORS, expect=404)
    assert error["code"] == 404


def test_a_token_resolves_to_its_request(client, file_request):
    r = file_request()
    data = get_json(client, url("token", token_id=r.tracking_code), TOKEN_LIST)
    assert data == [{"service_request_id": r.tracking_code, "token": r.tracking_code}]
    assert_xml_mirrors_json(
        client, "token", "service_requests", "request", token_id=r.tracking_code
    )
    [error] = get_json(client, url("token", token_id="12345"), ERRORS, expect=404)
    assert "12345" in error["description"]


def test_a_merged_duplicate_is_closed_and_points_at_its_original(client, personas, file_request):
    original, duplicate = file_request(), file_request()
    services.request_merge(actor=personas.director, duplicate=duplicate, original=original)
    [row] = get_json(
        client, url("request", service_request_id=duplicate.tracking_code), REQUEST_LIST
    )
    assert row["status"] == "closed" and original.tracking_code in row["status_notes"]


# --- requests: POST --------------------------------------------------------------------------


def post(client, fmt="json", **data):
    return client.post(url("requests", fmt), data)


def test_post_creates_a_request_through_the_api_channel(client, bounded, lighting, api_key):
    client.handler.enforce_csrf_checks = True  # no CSRF token: the API is exempt
    response = post(
        client,
        api_key=api_key,
        service_code="luminaria",
        lat=str(INSIDE["coordinates"][1]),
        long=str(INSIDE["coordinates"][0]),
        description="Poste apagado frente a la plaza.",
        media_url="https://example.org/foto.jpg",
    )
    assert response.status_code == 200, response.content
    data = json.loads(response.content)
    jsonschema.Draft4Validator(POST_RESPONSE).validate(data)
    _known_fields(data, "RequestResponse")
    [row] = data
    r = Request.objects.get(tracking_code=row["service_request_id"])
    assert (r.channel, r.category, r.api_key.name) == ("api", lighting, "App Barrio")
    assert r.location == {"type": "Point", "coordinates": [-72.3016, -36.7425]}
    assert not r.has_personal_data()
    assert (
        f"{r.due_on:%d-%m-%Y}" in row["service_notice"] and r.tracking_code in row["service_notice"]
    )
    assert r.events.get().kind == "recibida"


def test_post_in_xml_with_an_address_and_consented_contact_data(client, lighting, api_key):
    response = post(
        client,
        "xml",
        api_key=api_key,
        service_code="luminaria",
        address_string="Carrera 400, Bulnes",
        description="Luminaria\x00 intermitente.",  # a NUL is dropped, never a 500
        first_name="Rosa",
        last_name="Tapia",
        email="Rosa@Example.cl",
        phone="+56 9 8765 4321",
        consent="true",
    )
    [row] = check_xml(response, "service_requests", "request")
    assert set(row) == {"service_request_id", "service_notice"}
    r = Request.objects.get(tracking_code=row["service_request_id"])
    assert (r.requester_name, r.requester_email, r.address) == (
        "Rosa Tapia",
        "rosa@example.cl",
        "Carrera 400, Bulnes",
    )
    assert r.consent_given and r.consent_version
    assert r.description == "Luminaria intermitente."
    assert "Rosa" not in response.content.decode()


@pytest.mark.parametrize(
    "changes, status, fragment",
    [
        ({"api_key": ""}, 403, "api_key"),
        ({"api_key": "no-es-una-clave"}, 403, "api_key"),
        ({"service_code": ""}, 400, "service_code"),
        ({"service_code": "no-existe"}, 404, "no-existe"),
        ({"lat": "", "long": ""}, 400, "ubicación"),
        ({"lat": "", "long": "", "address_id": "545483"}, 400, "address_id"),
        ({"lat": "norte"}, 400, "lat"),
        ({"lat": "123"}, 400, "fuera de rango"),
        ({"lat": "-33.4372", "long": "-70.6506"}, 400, "fuera de la comuna"),
        ({"description": ""}, 400, "description"),
        ({"description": "x" * 4001}, 400, "4000"),
        ({"email": "ana@example.cl"}, 400, "consent=true"),
        ({"email": "no-es-correo", "consent": "true"}, 400, "email:"),
        ({"lat": "nan"}, 400, "fuera de rango"),
    ],
)
def test_post_refusals_in_the_spec_error_format(
    client, bounded, lighting, api_key, changes, status, fragment
):
    data = {
        "api_key": api_key,
        "service_code": "luminaria",
        "lat": str(INSIDE["coordinates"][1]),
        "long": str(INSIDE["coordinates"][0]),
        "description": "Poste apagado.",
        **changes,
    }
    for fmt in ("json", "xml"):
        response = post(client, fmt, **data)
        if fmt == "json":
            assert response.status_code == status, response.content
            [error] = json.loads(response.content)
            jsonschema.Draft4Validator(ERRORS).validate([error])
        else:
            [error] = check_xml(response, "errors", "error", status)
        assert fragment in error["description"] and str(error["code"]) == str(status)
    assert not Request.objects.exists()
    assert OUTSIDE["coordinates"] == [-70.6506, -33.4372]  # the Santiago case above


def test_other_methods_get_a_405(client, lighting):
    response = client.put(url("requests"))
    assert response.status_code == 405 and "POST" in response["Allow"]
    [error] = json.loads(response.content)
    assert error["code"] == 405
    assert client.post(url("services")).status_code == 405
    assert client.head(url("services")).status_code == 200


# --- personal data ---------------------------------------------------------------------------


def test_no_personal_data_in_any_open311_response(client, personas, bounded, file_request, api_key):
    secrets = {
        "requester_name": "Zacarías Quintanilla",
        "requester_email": "zacarias.q@correo-privado.cl",
        "requester_phone": "+56 9 7777 1234",
        "requester_rut": "12.345.678-5",
        "description": "Vivo en Pasaje Secreto 1234 y mi vecino Ulises Barrientos",
        "address": "Pasaje Secreto 1234, depto 56",
    }
    r = file_request(location=INSIDE, **secrets)
    services.request_note(actor=personas.director, citizen_request=r, text="NotaInternaReservada")
    services.request_assign(actor=personas.director, citizen_request=r, user=personas.enlace_dideco)
    services.request_answer(
        actor=personas.director, citizen_request=r, answer="Se repuso la luminaria."
    )
    r.refresh_from_db()
    assert r.requester_rut  # stored, normalised
    forbidden = [
        "Zacarías",
        "Quintanilla",
        "zacarias.q",
        "correo-privado",
        "7777",
        "12345678",
        "12.345.678",
        "Pasaje Secreto",
        "Ulises",
        "NotaInternaReservada",
        personas.enlace_dideco.username,
        personas.director.username,
        "-72.3016",
        "-36.7425",
    ]
    for name in (personas.enlace_dideco, personas.director):
        forbidden += [part for part in (name.first_name, name.last_name, name.email) if part]
    addresses = []
    for fmt in ("json", "xml"):
        addresses += [
            url("services", fmt),
            url("service", fmt, service_code="luminaria"),
            url("requests", fmt),
            url("requests", fmt) + f"?service_request_id={r.tracking_code}",
            url("request", fmt, service_request_id=r.tracking_code),
            url("request_swagger", fmt, service_request_id=r.tracking_code),
            url("token", fmt, token_id=r.tracking_code),
        ]
    seen_answer = False
    for address in addresses:
        body = client.get(address).content.decode("utf-8")
        assert r.tracking_code in body or "services" in address
        seen_answer |= "Se repuso la luminaria." in body
        leaked = [word for word in forbidden if word in body]
        assert not leaked, (address, leaked)
    assert seen_answer
    created = post(
        client,
        api_key=api_key,
        service_code="luminaria",
        address_string="Pasaje Secreto 1234",
        description="Soy Zacarías Quintanilla",
        email="zacarias.q@correo-privado.cl",
        first_name="Zacarías",
        last_name="Quintanilla",
        phone="+56 9 7777 1234",
        consent="true",
    ).content.decode()
    assert not [word for word in forbidden if word in created]
