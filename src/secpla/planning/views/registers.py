"""Screens of the registers behind the plan: communal policies (and the objectives each
one serves) and the participation activities (cabildos, encuestas, COSOC sessions…)
that informed the plan. Both link to elements of the plan (`objectives`)."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.formats import number_format

from secpla.core import generic
from secpla.core.urls import crud
from secpla.planning.filters import ParticipationActivityFilterSet, PolicyFilterSet
from secpla.planning.forms import ParticipationActivityForm, PolicyForm
from secpla.planning.models import ParticipationActivity, PlanNode, Policy


def _user_kwargs(self):
    return {"user": self.request.user}


def _objectives_count(model):
    """The number of plan elements a record is linked to, as a subquery (no row joins)."""
    through = model.objectives.through
    owner = f"{model._meta.model_name}_id"
    counted = (
        through.objects.filter(**{owner: OuterRef("pk")})
        .values(owner)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def linked_objectives(title: str):
    """The plan elements a record is linked to: code, name, level and plan."""
    return generic.related_list(
        title,
        lambda user, obj: obj.objectives.for_user(user, "view").select_related("plan"),
        [
            ("code", "Código"),
            ("name", "Nombre"),
            ("level_name", "Nivel"),
            ("plan", "PLADECO"),
        ],
        model=PlanNode,
    )


# --------------------------------------------------------------------------------------
# Communal policies
# --------------------------------------------------------------------------------------

POLICY_COLUMNS = [
    ("name", "Nombre"),
    ("area", "Área"),
    ("status", "Estado"),
    ("approval_decree", "Decreto de aprobación"),
    ("approval_date", "Fecha de aprobación"),
    ("objectives_count", "Objetivos del plan"),
]

policy_list_base, policy_detail, policy_create, policy_edit, policy_delete = generic.crud_views(
    Policy,
    "planning:policy",
    form=PolicyForm,
    filterset=PolicyFilterSet,
    columns=POLICY_COLUMNS,
    fields=["name", "area", "status", "approval_decree", "approval_date", "description"],
    form_kwargs=_user_kwargs,
    related_lists=[linked_objectives("Objetivos del plan que sirve")],
)


class PolicyListView(policy_list_base):
    """Policies, filterable by status and area; each row counts its plan objectives."""

    def get_queryset(self):
        return super().get_queryset().annotate(objectives_count=_objectives_count(Policy))


# --------------------------------------------------------------------------------------
# Participation behind the plan
# --------------------------------------------------------------------------------------

PARTICIPATION_COLUMNS = [
    ("date", "Fecha"),
    ("name", "Nombre"),
    ("kind", "Tipo"),
    ("territory", "Territorio"),
    ("participants", "Participantes"),
    ("objectives_count", "Elementos del plan"),
    ("plan", "PLADECO"),
]

(
    participation_list_base,
    participation_detail,
    participation_create,
    participation_edit,
    participation_delete,
) = generic.crud_views(
    ParticipationActivity,
    "planning:participationactivity",
    form=ParticipationActivityForm,
    filterset=ParticipationActivityFilterSet,
    columns=PARTICIPATION_COLUMNS,
    fields=["plan", "kind", "name", "date", "territory", "participants", "description"],
    select_related=("plan",),
    form_kwargs=_user_kwargs,
    related_lists=[linked_objectives("Elementos del plan que informó")],
)


class ParticipationListView(participation_list_base):
    """Activities with the total of participants of the filtered rows above the table."""

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .annotate(objectives_count=_objectives_count(ParticipationActivity))
        )

    def display(self, path, value):
        if path == "participants" and value is not None:
            return number_format(value, force_grouping=True)  # 1.200 (exports keep 1200)
        return super().display(path, value)

    def render_to_response(self, context, **response_kwargs):
        # Aggregate over the primary keys: a filter through `objectives` joins rows.
        keys = self.filtered_queryset().values("pk")
        totals = ParticipationActivity.objects.filter(pk__in=keys).aggregate(
            participants=Sum("participants")
        )
        context["summary"] = {"participants": totals["participants"] or 0}
        context["summary_template"] = "planning/_participation_summary.html"
        return super().render_to_response(context, **response_kwargs)


urlpatterns = [
    *crud(
        "policy",
        "politicas",
        (PolicyListView, policy_detail, policy_create, policy_edit, policy_delete),
    ),
    *crud(
        "participationactivity",
        "pladeco/participacion",
        (
            ParticipationListView,
            participation_detail,
            participation_create,
            participation_edit,
            participation_delete,
        ),
    ),
]
