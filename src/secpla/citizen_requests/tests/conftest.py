"""Fixtures of the OIRS tests: two categories (street lighting to DIDECO, potholes to
DOM, the directorates of the two Enlace personas), the comuna boundary, and a helper
that files a request as a citizen would."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from secpla.citizen_requests import services
from secpla.citizen_requests.models import Category, Request
from secpla.core.audit import audit_context
from secpla.core.models import Directorate
from secpla.core.reference import comuna_boundary

INSIDE = {"type": "Point", "coordinates": [-72.3016, -36.7425]}  # Bulnes, plaza
OUTSIDE = {"type": "Point", "coordinates": [-70.6506, -33.4372]}  # Santiago


def local(*args) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


@pytest.fixture
def dideco(personas):
    return Directorate.objects.get(code="DIDECO")


@pytest.fixture
def dom(personas):
    return Directorate.objects.get(code="DOM")


@pytest.fixture
def lighting(dideco):
    with audit_context(source="test"):
        return Category.objects.create(
            name="Luminaria apagada", code="luminaria", directorate=dideco, answer_days=10
        )


@pytest.fixture
def pothole(dom):
    with audit_context(source="test"):
        return Category.objects.create(name="Bache", code="bache", directorate=dom)


@pytest.fixture
def bounded(municipality):
    """The municipality with its real comuna boundary (tests have none by default)."""
    with audit_context(source="test"):
        municipality.boundary = comuna_boundary(municipality.comuna.cut)
        municipality.save()
    return municipality


@pytest.fixture
def file_request(lighting):
    """file_request(**fields) -> a request filed through the public form (no actor)."""

    def make(actor=None, **fields) -> Request:
        values = {
            "kind": Request.Kind.REQUEST,
            "category": lighting,
            "description": "La luminaria de la esquina lleva una semana apagada.",
            "requester_name": "Ana Pérez",
            "requester_email": "ana@example.cl",
            "requester_phone": "+56 9 1234 5678",
            "consent_given": True,
        }
        values.update(fields)
        return services.request_create(actor=actor, citizen_request=Request(**values))

    return make
