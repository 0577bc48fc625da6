"""Possible duplicates, overdue requests and the public view (no personal data)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from secpla.citizen_requests import selectors, services
from secpla.citizen_requests.models import Request
from secpla.citizen_requests.tests.conftest import INSIDE

LON, LAT = INSIDE["coordinates"]


def point(d_lat: float = 0.0) -> dict:
    """A point `d_lat` degrees north of the plaza (0.001° of latitude ≈ 111 m)."""
    return {"type": "Point", "coordinates": [LON, LAT + d_lat]}


def test_duplicates_are_same_category_nearby_recent_open_and_not_itself(
    file_request, pothole, personas, bounded
):
    this = file_request(location=point())
    near = file_request(location=point(0.0004))  # ≈ 44 m
    nearer = file_request(location=point(0.0001))  # ≈ 11 m
    far = file_request(location=point(0.0045))  # ≈ 500 m
    other_category = file_request(location=point(), category=pothole)
    no_location = file_request()
    closed = file_request(location=point())
    services.request_answer(actor=personas.director, citizen_request=closed, answer="x")
    services.request_close(actor=personas.director, citizen_request=closed)
    merged = file_request(location=point())
    services.request_merge(actor=personas.director, duplicate=merged, original=near)
    old = file_request(location=point())
    Request.objects.filter(pk=old.pk).update(received_at=this.received_at - dt.timedelta(days=31))

    found = selectors.possible_duplicates(this)
    assert found == [nearer, near]
    assert [r.distance_m for r in found] == [11, 44]
    assert not {far, other_category, no_location, closed, merged, old, this} & set(found)


def test_a_request_without_location_gets_no_duplicate_suggestions(file_request, bounded):
    file_request(location=point())
    assert selectors.possible_duplicates(file_request()) == []


def test_distance_is_metres_on_the_sphere():
    assert selectors.distance_m(point(), point(0.001)) == pytest.approx(111.2, abs=0.5)


def test_overdue_selects_open_requests_past_due(file_request, personas):
    late, answered, on_time = file_request(), file_request(), file_request()
    past = timezone.localdate() - dt.timedelta(days=1)
    Request.objects.filter(pk__in=[late.pk, answered.pk]).update(due_on=past)
    services.request_answer(actor=personas.director, citizen_request=answered, answer="x")
    assert list(selectors.overdue(Request.objects.all(), timezone.localdate())) == [late]
    later = on_time.due_on + dt.timedelta(days=1)
    assert set(selectors.overdue(Request.objects.all(), later)) == {on_time, late}


PERSONAL_VALUES = ["Ana Pérez", "ana@example.cl", "+56 9 1234 5678", "12.345.678-5"]


def test_the_public_view_carries_no_personal_data(file_request, personas, dom, bounded):
    r = file_request(
        requester_rut="12.345.678-5",
        location=point(),
        address="Pasaje Los Aromos 123",
        description="Vivo en Los Aromos 123, soy Ana Pérez",
    )
    r = services.request_assign(
        actor=personas.director, citizen_request=r, user=personas.enlace_dideco
    )
    services.request_note(
        actor=personas.director, citizen_request=r, text="Nota secreta de Ana Pérez"
    )
    r = services.request_derive(
        actor=personas.director, citizen_request=r, directorate=dom, reason="Lo pidió Ana Pérez"
    )
    r = services.request_answer(
        actor=personas.director, citizen_request=r, answer="Se reparó la luminaria."
    )
    services.request_reopen(
        actor=None,
        tracking_code=r.tracking_code,
        email="ana@example.cl",
        reason="Soy Ana Pérez, sigue igual",
    )

    view = selectors.public_view(Request.objects.get(pk=r.pk))
    assert set(view) == {
        "tracking_code", "kind", "kind_label", "category", "category_code", "status",
        "status_label", "directorate", "received_at", "due_on", "answered_at", "closed_at",
        "is_overdue", "public_answer", "merged_into", "events",
    }  # fmt: skip
    text = json.dumps(view, ensure_ascii=False, default=str)
    for value in [*PERSONAL_VALUES, "Los Aromos", "Nota secreta", str(personas.enlace_dideco)]:
        assert value not in text, value
    assert [e["kind"] for e in view["events"]] == [
        "recibida", "asignada", "derivada", "respondida", "reabierta",
    ]  # fmt: skip
    assert view["events"][2]["text"] == "Derivada a Dirección de Obras Municipales"
    assert view["events"][3]["text"] == "Se reparó la luminaria."
    assert all(set(e) <= {"kind", "label", "at", "text"} for e in view["events"])
    assert view["public_answer"] == "Se reparó la luminaria."


def test_the_public_view_of_a_merged_request_points_to_the_original(file_request, personas):
    a, b = file_request(), file_request()
    services.request_merge(actor=personas.director, duplicate=b, original=a)
    assert selectors.public_view(Request.objects.get(pk=b.pk))["merged_into"] == a.tracking_code
