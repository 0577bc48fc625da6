"""The SLA dashboard's figures (sla.py) on their own and on a small hand-computed set,
through the dashboard page and its XLSX export, with the Enlace's scope."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from secpla.citizen_requests import sla
from secpla.citizen_requests.models import Request
from secpla.citizen_requests.tests.conftest import local
from secpla.citizen_requests.workflow import Status

DASHBOARD = reverse("citizen_requests:dashboard")
MARCH = "?desde=2026-03-01&hasta=2026-03-31"


def test_nearest_rank_percentile():
    values = [15, 20, 35, 40, 50]
    assert sla.nearest_rank(values, 5) == 15
    assert sla.nearest_rank(values, 30) == 20
    assert sla.nearest_rank(values, 40) == 20
    assert sla.nearest_rank(values, 50) == 35
    assert sla.nearest_rank(values, 100) == 50
    assert sla.nearest_rank(reversed(values), 90) == 50  # ⌈4.5⌉ = 5th
    assert sla.nearest_rank(range(1, 11), 90) == 9  # ⌈9⌉ = 9th of 1..10
    assert sla.nearest_rank([], 90) is None
    with pytest.raises(ValueError):
        sla.nearest_rank(values, 0)


def test_mean():
    assert sla.mean([1, 4, 9, 10]) == 6
    assert sla.mean([]) is None


def set_dates(r: Request, *, received, answered=None, due):
    status = Status.ANSWERED if answered else Status.RECEIVED
    Request.objects.filter(pk=r.pk).update(
        received_at=received, answered_at=answered, due_on=due, status=status
    )
    r.refresh_from_db()
    return r


@pytest.fixture
def march(file_request, pothole):
    """Five requests received Monday 02-03-2026 (no holidays in the weeks after):
    DIDECO answered after 1, 4, 9 and 10 días hábiles, the 9-day one after its due date;
    DOM one still open and overdue. Hand-computed: 5 received, 4 answered, 3 on time
    (75 %), mean 6, p90 by nearest rank ⌈0.9·4⌉ = 4th of [1, 4, 9, 10] = 10."""
    received = local(2026, 3, 2, 10, 0)
    due = dt.date(2026, 3, 16)
    rows = [
        set_dates(file_request(), received=received, answered=local(2026, 3, 3, 9), due=due),
        set_dates(file_request(), received=received, answered=local(2026, 3, 6, 9), due=due),
        set_dates(
            file_request(),
            received=received,
            answered=local(2026, 3, 13, 9),
            due=dt.date(2026, 3, 10),
        ),
        set_dates(file_request(), received=received, answered=local(2026, 3, 16, 18), due=due),
        set_dates(file_request(category=pothole), received=received, due=due),
    ]
    return rows


def test_response_days_are_business_days(march):
    assert [sla.response_days(r) for r in march] == [1, 4, 9, 10, None]


def test_figures_on_the_hand_computed_set(march):
    total = sla.figures(march)
    assert (total.received, total.answered, total.on_time) == (5, 4, 3)
    assert total.on_time_percent == 75.0
    assert total.mean_days == 6.0
    assert total.p90_days == 10


def test_dashboard_figures_grouped_and_backlog(march, dideco):
    data = sla.dashboard(
        Request.objects.all(), dt.date(2026, 3, 1), dt.date(2026, 3, 31), dt.date(2026, 4, 1)
    )
    assert data["total"].received == 5
    by_directorate = {row.label: row for row in data["by_directorate"]}
    row = by_directorate[dideco.name]
    assert (row.received, row.answered, row.on_time_percent) == (4, 4, 75.0)
    assert (row.mean_days, row.p90_days) == (6.0, 10)
    assert {row.label for row in data["by_category"]} == {"Luminaria apagada", "Bache"}
    assert (data["backlog"].open, data["backlog"].overdue) == (1, 1)
    # Out of the period: nothing received.
    empty = sla.dashboard(Request.objects.all(), dt.date(2026, 4, 1), dt.date(2026, 4, 30))
    assert empty["total"].received == 0 and empty["total"].p90_days is None


def test_merged_duplicates_are_not_counted(march):
    Request.objects.filter(pk=march[0].pk).update(merged_into=march[1])
    rows = sla.cohort(Request.objects.all(), dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert rows.count() == 4


def test_the_dashboard_page(march, client_as, personas):
    response = client_as(personas.director).get(DASHBOARD + MARCH)
    assert response.status_code == 200
    data = response.context["data"]
    assert data["total"].on_time_percent == 75.0
    html = response.content.decode()
    assert 'data-testid="by-category"' in html and "Bache" in html
    assert "rango más cercano" in html and "días hábiles" in html
    assert "75,0 %" in html  # es-CL decimals


def test_the_enlace_sees_only_its_directorate(march, client_as, personas, dideco):
    response = client_as(personas.enlace_dom).get(DASHBOARD + MARCH)
    data = response.context["data"]
    assert data["total"].received == 1
    assert [row.label for row in data["by_category"]] == ["Bache"]
    # Another directorate is not even a choice.
    response = client_as(personas.enlace_dom).get(DASHBOARD + MARCH + f"&direccion={dideco.pk}")
    assert response.context["data"] is None
    assert "Elija una dirección de la lista." in response.content.decode()


def test_directorate_filter(march, client_as, personas, dom):
    response = client_as(personas.director).get(DASHBOARD + MARCH + f"&direccion={dom.pk}")
    assert response.context["data"]["total"].received == 1


def test_bad_dates_get_spanish_messages(client_as, personas):
    client = client_as(personas.director)
    html = client.get(DASHBOARD + "?desde=31-31-2026").content.decode()
    assert "Ingrese una fecha válida (dd-mm-aaaa)." in html
    html = client.get(DASHBOARD + "?desde=2026-05-01&hasta=2026-01-01").content.decode()
    assert "La fecha «desde» no puede ser posterior a «hasta»." in html


def test_the_default_period_is_this_year(client_as, personas):
    response = client_as(personas.director).get(DASHBOARD)
    assert response.context["start"].month == 1 and response.context["start"].day == 1


def test_xlsx_export(march, client_as, personas):
    response = client_as(personas.director).get(DASHBOARD + MARCH + "&exportar=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Resumen", "Por categoría", "Por dirección", "Pendientes"]
    rows = list(workbook["Resumen"].iter_rows(values_only=True))
    assert rows[1][0] == "Total"
    assert rows[2] == ("Total", 5, 4, 3, 75.0, 6.0, 10)
    pending = list(workbook["Pendientes"].iter_rows(values_only=True))
    assert pending[0][1] == 1
