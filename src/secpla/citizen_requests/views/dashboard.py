"""OIRS staff screens: the SLA dashboard (`oirs/tablero/`, with its XLSX export) and the
map of requests (`oirs/mapa/`, `oirs/mapa.geojson`). Both are scoped: a user sees only
the requests they may view (an Enlace, those of its directorate). The figures and the
way they are counted are in citizen_requests.sla."""

from __future__ import annotations

import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone

from secpla.citizen_requests import sla
from secpla.citizen_requests.casework_forms import MapFilterForm, PeriodForm
from secpla.citizen_requests.models import Request
from secpla.citizen_requests.workflow import OPEN_STATUSES, Status
from secpla.core import geo
from secpla.core.generic import xlsx_cell
from secpla.core.models import Directorate, Scope
from secpla.core.permissions import can, scope_for
from secpla.projects.views.map import geojson_response, legend

STATUS_COLOURS = {
    Status.RECEIVED: "#0dcaf0",
    Status.ASSIGNED: "#6610f2",
    Status.IN_PROGRESS: "#fd7e14",
    Status.ANSWERED: "#198754",
    Status.CLOSED: "#343a40",
    Status.REOPENED: "#dc3545",
}


def visible_requests(user) -> QuerySet[Request]:
    if not can(user, "view", Request):
        raise PermissionDenied
    return Request.objects.for_user(user, "view")


def directorate_choices(user) -> QuerySet[Directorate]:
    """All directorates for a user who sees every request; otherwise only their own."""
    if scope_for(user, Request, "view") == Scope.ALL:
        return Directorate.objects.order_by("name")
    return Directorate.objects.filter(pk=user.directorate_id).order_by("name")


# --------------------------------------------------------------------------------------
# SLA dashboard
# --------------------------------------------------------------------------------------


TABLE_HEADERS = [
    "Recibidas",
    "Respondidas",
    "A tiempo",
    "% a tiempo",
    "Promedio (días hábiles)",
    "Percentil 90 (días hábiles)",
]


@login_required
def dashboard(request):
    queryset = visible_requests(request.user)
    form = PeriodForm(request.GET or None, directorates=directorate_choices(request.user))
    today = timezone.localdate()
    if form.is_bound and not form.is_valid():
        return render(
            request, "citizen_requests/staff_dashboard.html", {"form": form, "data": None}
        )
    if form.is_bound:
        start, end = form.cleaned_data["desde"], form.cleaned_data["hasta"]
        directorate = form.cleaned_data.get("direccion")
    else:
        start, end, directorate = today.replace(month=1, day=1), today, None
    if directorate is not None:
        queryset = queryset.filter(directorate=directorate)
    data = sla.dashboard(queryset, start, end, today)
    if request.GET.get("exportar") == "xlsx":
        return export_xlsx(data, start, end, directorate)
    query = request.GET.copy()
    query["exportar"] = "xlsx"
    return render(
        request,
        "citizen_requests/staff_dashboard.html",
        {
            "form": form,
            "data": data,
            "start": start,
            "end": end,
            "directorate": directorate,
            "export_url": f"{reverse('citizen_requests:dashboard')}?{query.urlencode()}",
            "headers": TABLE_HEADERS,
            "tables": [
                ("Por categoría", "Categoría", "by-category", data["by_category"]),
                ("Por dirección", "Dirección", "by-directorate", data["by_directorate"]),
            ],
        },
    )


def export_xlsx(data: dict, start, end, directorate) -> HttpResponse:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheets = [
        ("Resumen", "Total", [data["total"]]),
        ("Por categoría", "Categoría", data["by_category"]),
        ("Por dirección", "Dirección", data["by_directorate"]),
    ]
    for title, first, rows in sheets:
        sheet = workbook.create_sheet(title=title)
        sheet.append([xlsx_cell(sheet, f"Recibidas del {start:%d-%m-%Y} al {end:%d-%m-%Y}")])
        if directorate is not None:
            sheet.append([xlsx_cell(sheet, f"Dirección: {directorate.name}")])
        sheet.append([xlsx_cell(sheet, h, bold=True) for h in [first, *TABLE_HEADERS]])
        for row in rows:
            sheet.append(
                [
                    xlsx_cell(sheet, row.label),
                    row.received,
                    row.answered,
                    row.on_time,
                    row.on_time_percent,
                    row.mean_days,
                    row.p90_days,
                ]
            )
    sheet = workbook.create_sheet(title="Pendientes")
    sheet.append([xlsx_cell(sheet, "Abiertas hoy", bold=True), data["backlog"].open])
    sheet.append([xlsx_cell(sheet, "Atrasadas hoy", bold=True), data["backlog"].overdue])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="oirs-tablero-{stamp}.xlsx"'
    return response


# --------------------------------------------------------------------------------------
# Map
# --------------------------------------------------------------------------------------


def mapped(request) -> tuple[MapFilterForm, QuerySet[Request]]:
    """(form, located requests the user may see, filtered); an invalid filter selects
    nothing (the form says why)."""
    queryset = visible_requests(request.user).filter(location__isnull=False)
    form = MapFilterForm(request.GET or None)
    if not form.is_bound:
        return form, queryset
    if not form.is_valid():
        return form, queryset.none()
    data = form.cleaned_data
    if data["estado"] == "abiertas":
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    elif data["estado"]:
        queryset = queryset.filter(status=data["estado"])
    if data["categoria"]:
        queryset = queryset.filter(category=data["categoria"])
    if data["desde"]:
        queryset = queryset.filter(received_at__date__gte=data["desde"])
    if data["hasta"]:
        queryset = queryset.filter(received_at__date__lte=data["hasta"])
    return form, queryset


def feature(r: Request) -> dict:
    """Only the tracking code, category, status, due date and the link to the page: no
    names, no description, no address."""
    return {
        "type": "Feature",
        "id": r.tracking_code,
        "geometry": r.location,
        "properties": {
            "tracking_code": r.tracking_code,
            "category": r.category.name,
            "status": r.get_status_display(),
            "status_code": r.status,
            "due_on": r.due_on.isoformat() if r.due_on else None,
            "url": reverse("citizen_requests:request_detail", args=[r.pk]),
            "color": STATUS_COLOURS.get(r.status, "#6c757d"),
        },
    }


@login_required
def requests_geojson(request):
    _, queryset = mapped(request)
    features = [
        feature(r)
        for r in queryset.select_related("category").only(
            "id", "tracking_code", "category__name", "status", "due_on", "location"
        )
        if isinstance(r.location, dict) and r.location.get("type") == "Point"
    ]
    return geojson_response(features, "")


@login_required
def requests_map(request):
    form, queryset = mapped(request)
    query = request.GET.urlencode()
    config = {**geo.map_config(), "legend": legend(Status, STATUS_COLOURS)}
    return render(
        request,
        "citizen_requests/staff_map.html",
        {
            "form": form,
            "located": queryset.count(),
            "geojson_url": reverse("citizen_requests:map_geojson") + (f"?{query}" if query else ""),
            **config,
        },
    )


urlpatterns = [
    path("oirs/tablero/", dashboard, name="dashboard"),
    path("oirs/mapa/", requests_map, name="map"),
    path("oirs/mapa.geojson", requests_geojson, name="map_geojson"),
]
