"""The demo OIRS: core's demo loads it, it covers every status (answered on time and
late, overdue open, derived, merged, reopened), its dates make sense, its points fall
inside Bulnes, and loading it twice writes nothing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from shapely.geometry import Point, shape

from secpla.citizen_requests import demo as oirs_demo
from secpla.citizen_requests.models import Category, OirsSettings, Request, RequestEvent
from secpla.citizen_requests.workflow import Status
from secpla.core.demo import load_demo
from secpla.core.models import ChangeLogEntry, Municipality

MODELS = [Category, Request, RequestEvent, ChangeLogEntry]
TODAY = dt.date(2026, 11, 20)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.fixture
def demo(db):
    load_demo(today=TODAY)  # core's demo loads the OIRS after the budget


def test_loading_twice_writes_nothing(demo):
    before = counts()
    out = io.StringIO()
    oirs_demo.load(stdout=out, today=TODAY)
    assert "0 registros nuevos" in out.getvalue()
    load_demo(today=TODAY)
    assert counts() == before
    assert before["Request"] == len(oirs_demo.SPECS) >= 40
    assert before["Category"] == len(oirs_demo.CATEGORIES)


def test_every_status_and_situation_is_there(demo):
    requests = list(Request.objects.select_related("category", "directorate"))
    assert {r.status for r in requests} == set(Status.values)
    assert {r.channel for r in requests} == {"web", "presencial", "telefono"}
    assert {r.kind for r in requests} == set(Request.Kind.values)
    answered = [r for r in requests if r.answered_at]
    assert any(r.answered_on_time() for r in answered)
    assert any(r.answered_on_time() is False for r in answered)
    overdue = [r for r in requests if r.is_overdue(TODAY)]
    assert len(overdue) >= 4
    assert any(r.is_open and not r.is_overdue(TODAY) for r in requests)
    derived = Request.objects.filter(events__kind=RequestEvent.Kind.DERIVED)
    assert derived.count() == 1
    assert derived.get().directorate.code == "DOM"
    assert derived.get().category.directorate.code == "SECPLA"
    merged = Request.objects.get(merged_into__isnull=False)
    assert merged.status == Status.CLOSED
    assert merged.merged_into.category == merged.category
    reopened = Request.objects.get(events__kind=RequestEvent.Kind.REOPENED)
    assert reopened.status == Status.REOPENED and reopened.answered_at is None
    # No e-mail is stored, so loading the demo sends nothing.
    assert not Request.objects.exclude(requester_email="").exists()
    assert not RequestEvent.objects.filter(kind=RequestEvent.Kind.NOTIFIED).exists()


def test_dates_are_coherent_and_relative_to_today(demo):
    for r in Request.objects.all():
        received = timezone.localdate(r.received_at)
        assert received < TODAY
        assert r.due_on >= received, r.description
        if r.answered_at:
            assert received <= timezone.localdate(r.answered_at) < TODAY
        if r.closed_at:
            assert timezone.localdate(r.closed_at) < TODAY
            assert r.answered_at is None or r.closed_at >= r.answered_at
        times = list(r.events.values_list("at", flat=True))  # timeline order
        assert times == sorted(times) and times[0] == r.received_at
        assert all(timezone.localdate(at) < TODAY for at in times)
    oldest = Request.objects.order_by("received_at").first()
    assert (TODAY - timezone.localdate(oldest.received_at)).days >= 150


def test_categories_route_to_demo_directorates_within_the_legal_maximum(demo):
    legal = OirsSettings.in_force(TODAY).max_answer_days
    routes = {c.code: c.directorate.code for c in Category.objects.all()}
    assert routes["ayudas-sociales"] == "DIDECO"
    assert routes["patentes"] == "DAF"
    assert routes["consultas-generales"] == "SECPLA"
    assert routes["alumbrado-publico"] == "DOM"
    for category in Category.objects.all():
        assert category.guidance
        assert category.effective_answer_days(TODAY)[0] <= legal
        assert category.answer_days is None or category.answer_days <= legal


def test_points_fall_inside_the_comuna_and_people_are_fictitious(demo):
    boundary = shape(Municipality.current().boundary)
    located = Request.objects.exclude(location=None)
    assert located.count() >= 15
    for r in located:
        assert boundary.covers(Point(r.location["coordinates"]))
    named = Request.objects.exclude(requester_name="")
    assert named.exists() and all(r.requester_name.endswith("Demo") for r in named)
    assert all(r.consent_given for r in named)
    assert Request.objects.filter(requester_name="").exists()  # anonymous requests too
