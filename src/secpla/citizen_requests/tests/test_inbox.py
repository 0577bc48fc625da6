"""The OIRS inbox (scoped per directorate, filters, overdue badges, export with lifecycle
timestamps in a fixed number of queries) and the staff intake from other channels."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from secpla.citizen_requests import services
from secpla.citizen_requests.models import Request, RequestEvent
from secpla.citizen_requests.tests.conftest import INSIDE, OUTSIDE, local

pytestmark = pytest.mark.django_db

INBOX = "citizen_requests:request_list"
INTAKE = "citizen_requests:request_create"


def export_rows(client, kind="xlsx", **params):
    response = client.get(reverse(INBOX), {**params, "export": kind})
    assert response.status_code == 200
    if kind == "csv":
        return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_enlace_sees_only_its_directorates_requests(
    personas, file_request, pothole, dideco, dom, client_as
):
    mine = file_request(description="Luminaria apagada en calle Carrera")
    other = file_request(category=pothole, description="Bache en avenida Bulnes")
    client = client_as(personas.enlace_dideco)
    response = client.get(reverse(INBOX))
    assert response.status_code == 200
    body = response.content.decode()
    assert mine.tracking_code in body and other.tracking_code not in body
    # The directorate filter offers only its own.
    choices = list(response.context["filter"].form.fields["directorate"].queryset)
    assert choices == [dideco]
    refused = client.get(reverse(INBOX), {"directorate": dom.pk})
    assert other.tracking_code not in refused.content.decode()
    assert not refused.context["filter"].is_valid() and refused.context["items"] == []
    codes = [row[0] for row in export_rows(client)[1:]]
    assert codes == [mine.tracking_code]
    # The Director sees both; the system administrator and the Concejal see no request.
    director = client_as(personas.director).get(reverse(INBOX)).content.decode()
    assert mine.tracking_code in director and other.tracking_code in director
    assert client_as(personas.admin).get(reverse(INBOX)).status_code == 403
    assert client_as(personas.concejala).get(reverse(INBOX)).status_code == 403


def test_filters_status_overdue_and_text(personas, file_request, client_as):
    late = file_request(description="Poste caído", requester_name="Berta Soto")
    Request.objects.filter(pk=late.pk).update(due_on=timezone.localdate() - dt.timedelta(days=2))
    fresh = file_request(description="Luminaria intermitente", requester_name="Carlos Díaz")
    services.request_assign(actor=personas.director, citizen_request=fresh,
                            user=personas.enlace_dideco)  # fmt: skip
    client = client_as(personas.director)

    def codes(**params):
        response = client.get(reverse(INBOX), params)
        assert response.status_code == 200
        return {item["object"].tracking_code for item in response.context["items"]}

    assert codes(status=["asignada"]) == {fresh.tracking_code}
    assert codes(status=["asignada", "recibida"]) == {fresh.tracking_code, late.tracking_code}
    assert codes(overdue="true") == {late.tracking_code}
    assert codes(overdue="false") == {fresh.tracking_code}
    assert codes(q="Berta") == {late.tracking_code}
    assert codes(q=fresh.tracking_code) == {fresh.tracking_code}
    assert codes(q="intermitente") == {fresh.tracking_code}
    # Sorted by due date: the overdue one first, with its badge.
    response = client.get(reverse(INBOX))
    items = response.context["items"]
    assert items[0]["object"] == late and items[0]["overdue"]
    assert response.content.decode().count('data-testid="overdue-badge"') == 1
    # A bad date is a Spanish message, never a 500, and selects nothing.
    bad = client.get(reverse(INBOX), {"received_from": "31-02-2026"})
    assert bad.status_code == 200 and "Escriba una fecha válida." in bad.content.decode()
    assert bad.context["items"] == []


def test_export_has_the_lifecycle_timestamps(personas, file_request, dom, client_as):
    r = file_request()
    services.request_assign(actor=personas.director, citizen_request=r,
                            user=personas.enlace_dideco)  # fmt: skip
    services.request_start(actor=personas.enlace_dideco, citizen_request=r)
    services.request_answer(actor=personas.enlace_dideco, citizen_request=r,
                            answer="Se cambió la ampolleta.")  # fmt: skip
    services.request_close(actor=personas.director, citizen_request=r)
    other = file_request(description="Otra luminaria")
    services.request_derive(actor=personas.director, citizen_request=other, directorate=dom,
                            reason="Corresponde a obras")  # fmt: skip
    r.refresh_from_db()
    events = {e.kind: e.at for e in r.events.all()}
    rows = export_rows(client_as(personas.director))
    header, data = rows[0], {row[0]: row for row in rows[1:]}
    assert header == [
        "Código de seguimiento", "Tipo", "Categoría", "Dirección a cargo", "Canal", "Estado",
        "Recibida", "Asignada", "En proceso (primera vez)", "Respondida", "Cerrada",
        "Plazo de respuesta", "Respondida a tiempo", "Vencida", "Derivaciones",
    ]  # fmt: skip
    row = dict(zip(header, data[r.tracking_code], strict=True))

    def naive(value):
        return timezone.localtime(value).replace(tzinfo=None, microsecond=0)

    def cell(value):
        return value.replace(microsecond=0)

    assert row["Estado"] == "Cerrada" and row["Tipo"] == "Solicitud"
    assert row["Canal"] == "Formulario web" and row["Dirección a cargo"] == r.directorate.name
    assert cell(row["Recibida"]) == naive(r.received_at)
    assert cell(row["Asignada"]) == naive(events[RequestEvent.Kind.ASSIGNED])
    assert cell(row["En proceso (primera vez)"]) == naive(events[RequestEvent.Kind.STARTED])
    assert cell(row["Respondida"]) == naive(r.answered_at)
    assert cell(row["Cerrada"]) == naive(r.closed_at)
    assert row["Plazo de respuesta"].date() == r.due_on
    assert row["Respondida a tiempo"] == "Sí" and row["Vencida"] == "No"
    assert row["Derivaciones"] == 0
    derived = dict(zip(header, data[other.tracking_code], strict=True))
    assert derived["Derivaciones"] == 1 and derived["Asignada"] is None
    assert derived["Dirección a cargo"] == dom.name and derived["Respondida a tiempo"] is None
    # No personal data in the export.
    flat = " ".join(str(value) for row in rows for value in row)
    assert "Ana Pérez" not in flat and "ana@example.cl" not in flat
    csv_rows = export_rows(client_as(personas.director), "csv")
    assert csv_rows[0] == header and len(csv_rows) == 3


def test_export_and_page_take_a_fixed_number_of_queries(personas, file_request, client_as):
    client = client_as(personas.director)

    def count(kind):
        with CaptureQueriesContext(connection) as queries:
            if kind:
                export_rows(client, kind)
            else:
                assert client.get(reverse(INBOX)).status_code == 200
        return len(queries)

    for _ in range(2):
        r = file_request()
        services.request_assign(actor=personas.director, citizen_request=r,
                                user=personas.enlace_dideco)  # fmt: skip
    few = {kind: count(kind) for kind in ("", "xlsx", "csv")}
    for _ in range(4):
        r = file_request()
        services.request_assign(actor=personas.director, citizen_request=r,
                                user=personas.enlace_dideco)  # fmt: skip
    assert {kind: count(kind) for kind in ("", "xlsx", "csv")} == few


def intake_data(chosen, /, **extra):
    data = {
        "channel": "carta",
        "received_at": "2026-11-02T10:30",
        "kind": "reclamo",
        "category": chosen.pk,
        "description": "Carta de la junta de vecinos por luminarias apagadas.",
        "location": "",
        "address": "Calle Carrera 450",
        "requester_name": "Rosa Muñoz",
        "requester_email": "rosa@example.cl",
        "requester_phone": "",
        "requester_rut": "12.345.678-5",
        "consent_given": "on",
    }
    data.update(extra)
    return data


def test_staff_intake_with_a_past_date(personas, lighting, client_as):
    client = client_as(personas.enlace_dideco)
    assert client.get(reverse(INTAKE)).status_code == 200
    response = client.post(reverse(INTAKE), intake_data(lighting))
    r = Request.objects.get()
    assert response.status_code == 302 and response.url == r.get_absolute_url()
    assert r.channel == Request.Channel.LETTER and r.kind == Request.Kind.COMPLAINT
    assert r.received_at == local(2026, 11, 2, 10, 30)
    assert r.directorate == lighting.directorate and r.requester_rut == "12.345.678-5"
    assert r.consent_given and r.due_on > dt.date(2026, 11, 2)
    # The due date counts from the real date of receipt, not from today.
    assert r.due_on == services.compute_due_date(lighting, r.received_at)[0]
    assert r.events.get().kind == RequestEvent.Kind.RECEIVED


def test_staff_intake_refuses_a_future_date_and_web_or_api(personas, lighting, client_as):
    client = client_as(personas.director)
    future = timezone.localtime() + dt.timedelta(days=2)
    response = client.post(
        reverse(INTAKE), intake_data(lighting, received_at=future.strftime("%Y-%m-%dT%H:%M"))
    )
    assert response.status_code == 200
    assert "La fecha de recepción no puede ser futura." in response.content.decode()
    for channel in ("web", "api"):
        response = client.post(reverse(INTAKE), intake_data(lighting, channel=channel))
        assert "Elija un canal de la lista" in response.content.decode()
    assert not Request.objects.exists()


def test_staff_intake_applies_the_public_rules(personas, lighting, bounded, client_as):
    client = client_as(personas.director)
    cases = [
        ({"consent_given": ""}, "la persona debe aceptar el tratamiento"),
        ({"requester_rut": "12.345.678-9"}, "RUT"),
        ({"location": '{"type": "Point", "coordinates": ' + str(OUTSIDE["coordinates"]) + "}"},
         "comuna"),
        ({"description": ""}, "Describa la solicitud."),
        ({"category": ""}, "Elija una categoría."),
        ({"received_at": "ayer"}, "Escriba una fecha y hora válidas."),
    ]  # fmt: skip
    for extra, message in cases:
        response = client.post(reverse(INTAKE), intake_data(lighting, **extra))
        assert response.status_code == 200, extra
        assert message in response.content.decode(), extra
    assert not Request.objects.exists()
    response = client.post(
        reverse(INTAKE),
        intake_data(lighting, location=json.dumps(INSIDE), requester_name="",
                    requester_email="", requester_rut="", consent_given=""),
    )  # fmt: skip
    assert response.status_code == 302
    r = Request.objects.get()
    assert r.location["type"] == "Point" and not r.has_personal_data()


def test_enlace_registers_only_its_directorates_categories(personas, lighting, pothole, client_as):
    client = client_as(personas.enlace_dideco)
    form = client.get(reverse(INTAKE)).context["form"]
    assert list(form.fields["category"].queryset) == [lighting]
    response = client.post(reverse(INTAKE), intake_data(pothole))
    assert response.status_code == 200
    assert "Elija una categoría de la lista." in response.content.decode()
    assert client_as(personas.estudios).get(reverse(INTAKE)).status_code == 403
    assert not Request.objects.exists()
