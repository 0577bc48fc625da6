"""The demo PLADECO: it loads after core's demo, shows what the screens need to show
(information gaps, weighted roll-up, movement between evaluations, overdue follow-ups)
and loading it twice writes nothing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone

from secpla.core.demo import load_demo
from secpla.core.models import ChangeLogEntry
from secpla.planning import demo as planning_demo
from secpla.planning.models import (
    CouncilAgreement,
    Evaluation,
    EvaluationItem,
    IndicatorTarget,
    Initiative,
    ParticipationActivity,
    Plan,
    PlanNode,
    Policy,
    StatusChange,
    Task,
)
from secpla.planning.progress import plan_total
from secpla.planning.selectors import compare_evaluations, flatten, plan_tree

MODELS = [
    Plan,
    PlanNode,
    Initiative,
    IndicatorTarget,
    StatusChange,
    Evaluation,
    EvaluationItem,
    ParticipationActivity,
    Policy,
    CouncilAgreement,
    Task,
    ChangeLogEntry,
]


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.fixture
def demo(db):
    load_demo()  # core's demo loads the planning demo after its own records


def test_loading_twice_writes_nothing(demo):
    before = counts()
    assert before["Initiative"] >= 40 and before["Policy"] == 4
    out = io.StringIO()
    planning_demo.load(stdout=out)
    assert "0 registros nuevos" in out.getvalue()
    assert counts() == before
    # Records dated relative to today are found again on a later day too.
    planning_demo.load(today=timezone.localdate() + dt.timedelta(days=40))
    assert counts() == before


def test_every_demo_write_is_logged_as_demo_by_a_person(demo):
    plan = Plan.objects.get(name=planning_demo.PLAN_NAME)
    entries = ChangeLogEntry.objects.filter(source="demo")
    plan_entry = entries.get(object_id=str(plan.pk), content_type__model="plan")
    assert plan_entry.reason == planning_demo.REASON
    assert entries.filter(content_type__app_label="planning", user__isnull=True).count() == 0
    assert entries.filter(content_type__model="task", user__username="alcaldia").exists()
    assert entries.filter(content_type__model="initiative", user__username="enlace.dideco").exists()


def test_the_plan_is_current_with_gaps_and_a_rolled_up_progress(demo):
    plan = Plan.objects.get(name=planning_demo.PLAN_NAME)
    assert plan.status == Plan.Status.CURRENT and plan.approval_decree
    assert plan.nodes.filter(depth=0).count() == 6
    roots = plan_tree(plan)
    initiatives = [item for item in flatten(roots) if item.is_initiative]
    without_information = [item for item in initiatives if item.progress is None]
    assert 3 <= len(without_information) < len(initiatives)
    overall, incomplete = plan_total(roots)
    assert 0 < overall < 100 and not incomplete
    for root in roots:
        assert root.progress is not None and 0 <= root.progress <= 100
        assert root.informed <= root.total
    # One eje is weighted: its objectives carry weights and its progress is the weighted
    # mean, not the simple one.
    weighted = next(root for root in roots if root.code == "3")
    objectives = weighted.children
    assert all(child.weight for child in objectives)
    simple = sum(child.progress for child in objectives) / len(objectives)
    assert weighted.progress != simple.quantize(weighted.progress)
    assert Initiative.objects.filter(plan=plan, status__isnull=True, progress__isnull=True).exists()
    assert IndicatorTarget.objects.filter(initiative__plan=plan, achieved__isnull=False).exists()


def test_timelines_have_history_and_the_two_evaluations_differ(demo):
    plan = Plan.objects.get(name=planning_demo.PLAN_NAME)
    steps = StatusChange.objects.filter(initiative__plan=plan)
    assert steps.filter(date__year=2025).exists() and steps.filter(date__year=2026).exists()
    first, second = plan.evaluations.order_by("as_of")
    assert first.status == Evaluation.Status.CLOSED and second.is_open
    assert first.items.exclude(comment="").exists() and second.items.exclude(comment="").exists()
    rows = compare_evaluations(first, second)
    moved = [row for row in rows if row.is_initiative and row.moved]
    assert len(moved) >= 10
    assert any(row.delta and row.delta > 0 for row in moved)


def test_follow_ups_include_overdue_ones_and_evidence(demo):
    today = timezone.localdate()
    overdue = CouncilAgreement.objects.overdue(today)
    assert overdue.count() == 3
    assert {"SECPLA", "DIDECO"} <= set(
        CouncilAgreement.objects.values_list("directorate__code", flat=True)
    )
    done = CouncilAgreement.objects.filter(status=CouncilAgreement.Status.DONE)
    assert done.exists() and all(a.evidence and a.completed_on <= today for a in done)
    assert Task.objects.overdue(today).exists()
    assert set(Task.objects.values_list("requested_by", flat=True)) == {
        Task.Requester.MAYOR,
        Task.Requester.ADMINISTRATOR,
    }
    assert not Task.objects.exclude(assignee__directorate__code="SECPLA").exists()
    activities = ParticipationActivity.objects.all()
    assert activities.count() == 6 and all(a.objectives.exists() for a in activities)
    assert Policy.objects.get(status=Policy.Status.APPROVED).approval_decree


def test_every_planning_screen_opens_on_the_demo_for_its_readers(demo, client):
    """Smoke test over real-looking data: lists, records, tree, dashboard, evaluations,
    the import page and the public page answer 200 for the people who use them."""
    from django.urls import reverse

    from secpla.core.models import User

    director = User.objects.get(username="director")
    liaison = User.objects.get(username="enlace.dideco")
    plan = Plan.objects.get(status=Plan.Status.CURRENT)
    first, second = Evaluation.objects.filter(plan=plan).order_by("as_of")
    urls = [
        reverse(f"planning:{name}_list")
        for name in (
            "plan", "plannode", "initiative", "initiativestatus", "indicatortarget",
            "evaluation", "participationactivity", "policy", "councilagreement", "task",
        )
    ] + [
        plan.get_absolute_url(),
        plan.get_absolute_url() + "?tab=ficha",
        reverse("planning:plan_dashboard", args=[plan.pk]),
        reverse("planning:plan_import", args=[plan.pk]),
        reverse("planning:pending"),
        second.get_absolute_url(),
        reverse("planning:evaluation_compare", args=[second.pk]) + f"?con={first.pk}",
        *(obj.get_absolute_url() for obj in PlanNode.objects.filter(plan=plan)[:5]),
        *(obj.get_absolute_url() + "?tab=avance" for obj in plan.initiatives.all()[:10]),
        *(obj.get_absolute_url() for obj in Policy.objects.all()),
        *(obj.get_absolute_url() for obj in ParticipationActivity.objects.all()),
        *(obj.get_absolute_url() for obj in CouncilAgreement.objects.all()),
        *(obj.get_absolute_url() for obj in Task.objects.all()),
        *(obj.get_absolute_url() for obj in IndicatorTarget.objects.all()[:3]),
    ]  # fmt: skip
    client.force_login(director)
    failures = {url: client.get(url).status_code for url in urls}
    assert {url: code for url, code in failures.items() if code != 200} == {}
    client.force_login(liaison)
    for url in [plan.get_absolute_url(), reverse("planning:pending"), second.get_absolute_url()]:
        assert client.get(url).status_code == 200, url
    client.logout()
    public = client.get(reverse("planning:public_plan"))
    assert public.status_code == 200 and plan.name in public.content.decode()
