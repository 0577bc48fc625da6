"""The portfolio on a map, its GeoJSON export, and the public portfolio (list and map).

Internal pages (login): `cartera/mapa/` draws the projects the user may see, filtered like
the list; `cartera/mapa.geojson` is the same selection as a GeoJSON FeatureCollection
(RFC 7946, WGS84) to download.

Public pages (no login): `publico/cartera/`, `publico/cartera/mapa/` and
`publico/cartera/mapa.geojson` show only projects past formulation and not withdrawn,
with no personal data (responsible professional), no internal notes (comments, RATE
observations, application notes), no documents and no links into the intranet.
"""

from __future__ import annotations

import json

import django_filters
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone

from secpla.core import generic, geo
from secpla.core.permissions import can
from secpla.planning.models import Initiative, Plan
from secpla.projects import selectors
from secpla.projects.filters import ProjectFilterSet
from secpla.projects.models import FundingLine, PortfolioSettings, Project
from secpla.projects.workflow import Status

GEOJSON_TYPE = "application/geo+json"

# Statuses never published: a project still being formulated is an internal draft, and a
# withdrawn one is no longer part of the commune's portfolio (docs/usuarios/cartera-mapa.md).
NOT_PUBLIC = (Status.FORMULATION, Status.WITHDRAWN)

# One colour per status (points and polygons on the map, and the legend).
STATUS_COLOURS = {
    Status.FORMULATION: "#6c757d",
    Status.SUBMITTED: "#0dcaf0",
    Status.ADMISSIBLE: "#20c997",
    Status.OBSERVED: "#fd7e14",
    Status.RECOMMENDED: "#6610f2",
    Status.FUNDED: "#0d6efd",
    Status.TENDERING: "#d63384",
    Status.AWARDED: "#6f42c1",
    Status.EXECUTING: "#198754",
    Status.FINISHED: "#343a40",
    Status.WITHDRAWN: "#dc3545",
}

UNLOCATED_SHOWN = 50  # projects without location listed under the internal map


def legend(statuses=Status, colours=STATUS_COLOURS) -> list[dict]:
    return [{"value": s.value, "label": s.label, "colour": colours[s]} for s in statuses]


def public_statuses() -> list[Status]:
    return [s for s in Status if s not in NOT_PUBLIC]


def map_config() -> dict:
    """What the map script needs: tiles (optional), the comuna boundary and the legend."""
    return {**geo.map_config(), "legend": legend()}


def filtered(request, queryset: QuerySet[Project], filterset_class=ProjectFilterSet):
    """(filterset, queryset) the way the portfolio list filters: an invalid filter shows
    nothing (the form says why) instead of everything."""
    filterset = filterset_class(request.GET or None, queryset=queryset, request=request)
    return filterset, generic.filtered_rows(filterset)


def geojson_response(features: list[dict], filename: str) -> HttpResponse:
    body = json.dumps(
        {"type": "FeatureCollection", "features": features},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    response = HttpResponse(body, content_type=GEOJSON_TYPE)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.geojson"'
    return response


def wants_download(request) -> bool:
    return request.GET.get("descargar") == "1"


def querystring(request, drop=("descargar", "page")) -> str:
    query = request.GET.copy()
    for key in drop:
        query.pop(key, None)
    return query.urlencode()


# --------------------------------------------------------------------------------------
# Internal map and GeoJSON export
# --------------------------------------------------------------------------------------


def visible_projects(request) -> QuerySet[Project]:
    if not can(request.user, "view", Project):
        raise PermissionDenied
    return Project.objects.for_user(request.user, "view")


def project_feature(project: Project, today, days_without_report: int) -> dict:
    return {
        "type": "Feature",
        "id": project.code,
        "geometry": project.location,
        "properties": {
            "code": project.code,
            "name": project.name,
            "status": project.get_status_display(),
            "status_code": project.status,
            "stage": project.get_stage_display(),
            "kind": project.get_kind_display(),
            "directorate": project.directorate.code,
            "territory": project.territory,
            "total_funding": selectors.total_funding(project),
            "flags": selectors.flags(project, today, days_without_report).labels,
            "url": project.get_absolute_url(),
            "color": STATUS_COLOURS.get(project.status, "#6c757d"),
        },
    }


@login_required
def portfolio_geojson(request):
    """The user's (filtered) portfolio as GeoJSON: the same query count for any size."""
    _, queryset = filtered(request, visible_projects(request))
    located = selectors.with_progress(queryset.filter(location__isnull=False))
    today = timezone.localdate()
    days = PortfolioSettings.current().days_without_report
    features = [project_feature(project, today, days) for project in located]
    return geojson_response(features, "cartera" if wants_download(request) else "")


@login_required
def portfolio_map(request):
    filterset, queryset = filtered(request, visible_projects(request))
    unlocated = queryset.filter(location__isnull=True).select_related("directorate")
    query = querystring(request)
    geojson_url = reverse("projects:geojson") + (f"?{query}" if query else "")
    return render(
        request,
        "projects/map.html",
        {
            "filter": filterset,
            "geojson_url": geojson_url,
            "download_url": geojson_url + ("&" if query else "?") + "descargar=1",
            "located": queryset.filter(location__isnull=False).count(),
            "unlocated": unlocated[:UNLOCATED_SHOWN],
            "unlocated_total": unlocated.count(),
            "querystring": query,
            **map_config(),
        },
    )


# --------------------------------------------------------------------------------------
# Public portfolio: no login, no personal data, no internal notes
# --------------------------------------------------------------------------------------


class PublicProjectFilterSet(ProjectFilterSet):
    """The list's filters minus what is internal (directorate, PLADECO ids, location
    flag) and minus the statuses that are never published."""

    INTERNAL = ("directorate", "initiative", "has_location")
    search_fields = ("code", "name", "bip_code", "territory")  # not the description

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.INTERNAL:
            self.filters.pop(name, None)
        # A new filter, not a changed copy: a copied filter may carry a form field already
        # built with every status.
        self.filters["status"] = django_filters.MultipleChoiceFilter(
            field_name="status",
            choices=[(s.value, s.label) for s in public_statuses()],
            label="Estado",
        )


def public_projects() -> QuerySet[Project]:
    published = Initiative.objects.exclude(plan__status=Plan.Status.DRAFT).order_by("code")
    return (
        Project.objects.exclude(status__in=NOT_PUBLIC)
        .only("id", "code", "name", "kind", "stage", "status", "territory", "bip_code", "location")
        .prefetch_related(
            Prefetch("funding", queryset=FundingLine.objects.select_related("source")),
            Prefetch("initiatives", queryset=published.only("id", "code", "name", "plan_id")),
        )
        .order_by("code")
    )


def funding_by_source(project: Project) -> list[tuple[str, int]]:
    amounts: dict[str, int] = {}
    for line in project.funding.all():
        amounts[line.source.code] = amounts.get(line.source.code, 0) + line.amount
    return sorted(amounts.items())


def public_row(project: Project) -> dict:
    """Everything the public sees of a project (and nothing else)."""
    by_source = funding_by_source(project)
    return {
        "code": project.code,
        "name": project.name,
        "kind": project.get_kind_display(),
        "stage": project.get_stage_display(),
        "status": project.get_status_display(),
        "status_code": project.status,
        "territory": project.territory,
        "bip_code": project.bip_code or "",
        "funding_by_source": dict(by_source),
        "total_funding": sum(amount for _, amount in by_source),
        "initiatives": [initiative.name for initiative in project.initiatives.all()],
    }


def public_feature(project: Project) -> dict:
    properties = public_row(project)
    properties["url"] = reverse("projects:public_portfolio") + f"#{project.code}"
    properties["color"] = STATUS_COLOURS.get(project.status, "#6c757d")
    return {
        "type": "Feature",
        "id": project.code,
        "geometry": project.location,
        "properties": properties,
    }


def public_portfolio(request):
    filterset, queryset = filtered(request, public_projects(), PublicProjectFilterSet)
    rows = [public_row(project) for project in queryset]
    query = querystring(request)
    return render(
        request,
        "projects/public_portfolio.html",
        {
            "filter": filterset,
            "rows": rows,
            "totals": selectors.totals(queryset),
            "public_statuses": {s.value for s in public_statuses()},
            "querystring": query,
        },
    )


def public_geojson(request):
    _, queryset = filtered(request, public_projects(), PublicProjectFilterSet)
    features = [public_feature(p) for p in queryset.filter(location__isnull=False)]
    return geojson_response(features, "cartera-publica" if wants_download(request) else "")


def public_map(request):
    filterset, queryset = filtered(request, public_projects(), PublicProjectFilterSet)
    query = querystring(request)
    geojson_url = reverse("projects:public_geojson") + (f"?{query}" if query else "")
    config = map_config()
    config["legend"] = legend(public_statuses())
    return render(
        request,
        "projects/public_map.html",
        {
            "filter": filterset,
            "geojson_url": geojson_url,
            "download_url": geojson_url + ("&" if query else "?") + "descargar=1",
            "located": queryset.filter(location__isnull=False).count(),
            "total": queryset.count(),
            "querystring": query,
            **config,
        },
    )


urlpatterns = [
    path("cartera/mapa/", portfolio_map, name="map"),
    path("cartera/mapa.geojson", portfolio_geojson, name="geojson"),
    path("publico/cartera/", public_portfolio, name="public_portfolio"),
    path("publico/cartera/mapa/", public_map, name="public_map"),
    path("publico/cartera/mapa.geojson", public_geojson, name="public_geojson"),
]
