"""OIRS staff screens: the inbox (the requests the user may see, with filters, overdue
badges and the XLSX/CSV export with lifecycle timestamps) and the staff intake of
requests received in person, by phone, e-mail or letter."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Count, IntegerField, Min, Q, Value, When
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from secpla.citizen_requests import services
from secpla.citizen_requests.filters import RequestFilterSet
from secpla.citizen_requests.models import Request, RequestEvent
from secpla.citizen_requests.staff_forms import StaffRequestForm
from secpla.citizen_requests.workflow import OPEN_STATUSES
from secpla.core import generic, geo
from secpla.core.models import Scope
from secpla.core.permissions import scope_for

E = RequestEvent.Kind


def with_lifecycle(queryset):
    """The requests with their first assignment, first «en proceso» and number of
    derivations, taken from the timeline in the same query (no query per row)."""
    return queryset.annotate(
        first_assigned_at=Min("events__at", filter=Q(events__kind=E.ASSIGNED)),
        first_started_at=Min("events__at", filter=Q(events__kind=E.STARTED)),
        derivation_count=Count("events", filter=Q(events__kind=E.DERIVED)),
    )


def on_time_label(citizen_request: Request) -> str:
    """«Sí»/«No» once answered; «No» when still open after its due date; else empty."""
    on_time = citizen_request.answered_on_time()
    if on_time is None:
        return "No" if citizen_request.is_overdue() else ""
    return "Sí" if on_time else "No"


class InboxView(generic.RecordListView):
    model = Request
    url_prefix = "citizen_requests:request"
    title_plural = "Bandeja de solicitudes OIRS"
    template_name = "citizen_requests/staff_inbox.html"
    filterset_class = RequestFilterSet
    paginate_by = 25
    select_related = ("category", "directorate", "assigned_to")
    columns = [
        ("tracking_code", "Código"),
        ("received_at", "Recibida"),
        ("get_kind_display", "Tipo"),
        ("category.name", "Categoría"),
        ("directorate.name", "Dirección"),
        ("get_channel_display", "Canal"),
        ("get_status_display", "Estado"),
        ("due_on", "Plazo"),
    ]
    export_columns = [
        ("tracking_code", "Código de seguimiento"),
        ("kind", "Tipo"),
        ("category.name", "Categoría"),
        ("directorate.name", "Dirección a cargo"),
        ("channel", "Canal"),
        ("status", "Estado"),
        ("received_at", "Recibida"),
        ("first_assigned_at", "Asignada"),
        ("first_started_at", "En proceso (primera vez)"),
        ("answered_at", "Respondida"),
        ("closed_at", "Cerrada"),
        ("due_on", "Plazo de respuesta"),
        ("on_time", "Respondida a tiempo"),
        ("is_overdue", "Vencida"),
        ("derivation_count", "Derivaciones"),
    ]

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .annotate(
                open_first=Case(
                    When(status__in=OPEN_STATUSES, then=Value(0)),
                    default=Value(1),
                    output_field=IntegerField(),
                )
            )
            .order_by("open_first", "due_on", "received_at", "pk")
        )

    def get(self, request, *args, **kwargs):
        self.today = timezone.localdate()
        return super().get(request, *args, **kwargs)

    def export(self, queryset, kind: str):
        rows = _ExportRows(with_lifecycle(queryset))
        return super().export(rows, kind)

    def render_to_response(self, context, **kwargs):
        context["can_add"] = scope_for(self.request.user, Request, "add") is not None
        context["today"] = self.today
        context["items"] = [
            {"object": obj, "overdue": obj.is_overdue(self.today)} for obj in context["page_obj"]
        ]
        return super().render_to_response(context, **kwargs)


class _ExportRows:
    """Iterates the annotated requests, adding the on-time label for the export."""

    def __init__(self, queryset):
        self.queryset = queryset

    def __iter__(self):
        for obj in self.queryset.iterator(chunk_size=500):
            obj.on_time = on_time_label(obj)
            yield obj


@login_required
@require_http_methods(["GET", "POST"])
def request_create(request):
    """Staff register a request received in person, by phone, e-mail or letter."""
    user = request.user
    scope = scope_for(user, Request, "add")
    if scope is None:
        raise PermissionDenied
    directorate_id = None if scope == Scope.ALL else (user.directorate_id or 0)
    form = StaffRequestForm(request.POST or None, directorate_id=directorate_id)
    if request.method == "POST" and form.is_valid():
        citizen_request = form.save(commit=False)
        try:
            services.request_create(
                actor=user, citizen_request=citizen_request, reason="Ingreso por funcionario(a)"
            )
        except ValidationError as exc:
            generic.add_validation_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or "No tiene permiso para registrar esta solicitud.")
        else:
            messages.success(
                request,
                f"Se registró la solicitud {citizen_request.tracking_code}; plazo de respuesta: "
                f"{citizen_request.due_on:%d-%m-%Y}.",
            )
            return redirect(citizen_request.get_absolute_url())
    return render(
        request,
        "citizen_requests/staff_intake.html",
        {"form": form, "rules": form.rules, **geo.map_config()},
    )


urlpatterns = [
    path("oirs/solicitudes/", InboxView.as_view(), name="request_list"),
    path("oirs/solicitudes/nueva/", request_create, name="request_create"),
]
