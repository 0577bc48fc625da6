"""Reads that span tables: the plan as a tree with rolled-up progress, dashboards,
evaluation comparisons and the pending council agreements and tasks."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from secpla.planning.models import (
    CouncilAgreement,
    Evaluation,
    Initiative,
    Plan,
    PlanNode,
    StatusChange,
    Task,
)
from secpla.planning.progress import Rolled, combine, plan_total, roll_up


@dataclass(frozen=True)
class TreeFilter:
    """Which initiatives count: the screens' filters by eje, directorate, status and year."""

    root: int | None = None  # a top-level node id (eje)
    directorate: int | None = None
    status: int | None = None
    year: int | None = None
    search: str = ""

    @property
    def active(self) -> bool:
        return any([self.root, self.directorate, self.status, self.year, self.search])


def filter_initiatives(plan: Plan, initiatives: QuerySet, tree_filter: TreeFilter) -> QuerySet:
    if tree_filter.directorate:
        initiatives = initiatives.filter(directorate_id=tree_filter.directorate)
    if tree_filter.status:
        initiatives = initiatives.filter(status_id=tree_filter.status)
    if tree_filter.year:
        year = tree_filter.year
        initiatives = initiatives.filter(
            Q(start_year__lte=year) | Q(start_year__isnull=True, plan__start_year__lte=year),
            Q(end_year__gte=year) | Q(end_year__isnull=True, plan__end_year__gte=year),
        )
    if tree_filter.search:
        initiatives = initiatives.filter(
            Q(name__icontains=tree_filter.search) | Q(code__icontains=tree_filter.search)
        )
    return initiatives


def progress_as_of(plan: Plan, as_of: dt.date) -> dict[int, StatusChange]:
    """{initiative id: its last timeline step on or before `as_of`}."""
    latest: dict[int, StatusChange] = {}
    steps = (
        StatusChange.objects.filter(initiative__plan=plan, date__lte=as_of)
        .select_related("status")
        .order_by("initiative_id", "date", "id")
    )
    for step in steps:
        latest[step.initiative_id] = step
    return latest


def plan_tree(
    plan: Plan,
    tree_filter: TreeFilter | None = None,
    *,
    as_of: dt.date | None = None,
    prune: bool | None = None,
    user=None,
) -> list[Rolled]:
    """The plan's nodes and initiatives as rolled-up trees (one per top-level element).

    With a filter, only the matching initiatives count, and (by default) branches left
    without any are pruned. With `as_of`, each initiative shows the status and progress
    it had on that date according to its timeline, and initiatives that did not exist
    yet are left out. With `user`, only what that user may see is read (the public page
    and the evaluations, which show the whole plan, pass no user).
    """
    tree_filter = tree_filter or TreeFilter()
    prune = tree_filter.active if prune is None else prune
    nodes_qs, initiatives_qs = plan.nodes.all(), plan.initiatives.all()
    if user is not None:
        nodes_qs = PlanNode.objects.for_user(user, "view").filter(plan=plan)
        initiatives_qs = Initiative.objects.for_user(user, "view").filter(plan=plan)
    nodes = list(nodes_qs)
    initiatives = filter_initiatives(
        plan, initiatives_qs.select_related("status", "directorate"), tree_filter
    )
    history = progress_as_of(plan, as_of) if as_of else None

    by_id: dict[int, Rolled] = {}
    for node in nodes:
        by_id[node.pk] = Rolled(
            key=node.pk,
            code=node.code,
            name=node.name,
            level=plan.level_name(node.depth),
            depth=node.depth,
            weight=node.weight,
            obj=node,
        )
    roots: list[Rolled] = []
    for node in nodes:
        item = by_id[node.pk]
        if node.parent_id and node.parent_id in by_id:
            by_id[node.parent_id].children.append(item)
        else:
            roots.append(item)
    for initiative in initiatives:
        progress, status = initiative.progress, initiative.status
        if history is not None:
            step = history.get(initiative.pk)
            if step is None and timezone.localtime(initiative.created_at).date() > as_of:
                continue  # it did not exist on the cut-off date
            progress = step.progress if step else None
            status = step.status if step else None
            initiative.status_as_of = status
        parent = by_id.get(initiative.node_id)
        if parent is None:
            continue
        parent.children.append(
            Rolled(
                key=f"i{initiative.pk}",
                code=initiative.code,
                name=initiative.name,
                level="Iniciativa",
                depth=parent.depth + 1,
                weight=initiative.weight,
                progress=progress,
                is_initiative=True,
                excluded=status is not None and not status.counts_in_progress,
                obj=initiative,
            )
        )
    if tree_filter.root:
        roots = [r for r in roots if r.key == tree_filter.root]
    for root in roots:
        roll_up(root)
    if prune:
        roots = [r for r in (_prune(root) for root in roots) if r is not None]
    return roots


def _prune(node: Rolled) -> Rolled | None:
    if node.is_initiative:
        return node
    node.children = [c for c in (_prune(child) for child in node.children) if c is not None]
    return node if node.children else None


def flatten(roots: list[Rolled]) -> list[Rolled]:
    return [item for root in roots for item in root.walk()]


def tree_as_dict(node: Rolled) -> dict:
    """The API shape of one node: code, name, level, progress (0–100 or null), children."""
    data = {
        "code": node.code,
        "name": node.name,
        "level": node.level,
        "depth": node.depth,
        "is_initiative": node.is_initiative,
        "weight": float(node.weight) if node.weight is not None else None,
        "progress": float(node.progress) if node.progress is not None else None,
        "initiatives": node.total,
        "initiatives_with_information": node.informed,
    }
    if node.is_initiative:
        initiative = node.obj
        data["directorate"] = initiative.directorate.code
        data["status"] = initiative.status.name if initiative.status else None
    data["children"] = [tree_as_dict(child) for child in node.children]
    return data


# --------------------------------------------------------------------------------------
# Dashboard
# --------------------------------------------------------------------------------------


@dataclass
class DashboardRow:
    label: str
    progress: Decimal | None
    total: int
    informed: int
    by_status: dict[str, int]
    url: str = ""


def dashboard(plan: Plan, user=None) -> dict:
    """Progress by eje (top-level element) and by responsible directorate; with `user`,
    from what that user may see."""
    roots = plan_tree(plan, user=user)
    overall, incomplete = plan_total(roots)
    by_eje = []
    for root in roots:
        statuses: dict[str, int] = defaultdict(int)
        for item in root.walk():
            if item.is_initiative:
                statuses[item.obj.status.name if item.obj.status else "Sin estado"] += 1
        by_eje.append(
            DashboardRow(
                label=f"{root.code} {root.name}",
                progress=root.progress,
                total=root.total,
                informed=root.informed,
                by_status=dict(statuses),
                url=f"?root={root.key}",
            )
        )
    grouped: dict[int, list[Initiative]] = defaultdict(list)
    initiatives = (
        Initiative.objects.for_user(user, "view").filter(plan=plan)
        if user is not None
        else plan.initiatives.all()
    )
    for initiative in initiatives.select_related("status", "directorate"):
        grouped[initiative.directorate_id].append(initiative)
    by_directorate = []
    for group in grouped.values():
        directorate = group[0].directorate
        statuses = defaultdict(int)
        for initiative in group:
            statuses[initiative.status.name if initiative.status else "Sin estado"] += 1
        counted = [i for i in group if i.status is None or i.status.counts_in_progress]
        progress, _ = combine((i.progress, None) for i in counted)
        by_directorate.append(
            DashboardRow(
                label=str(directorate),
                progress=progress,
                total=len(counted),
                informed=sum(1 for i in counted if i.progress is not None),
                by_status=dict(statuses),
                url=f"?directorate={directorate.pk}",
            )
        )
    by_directorate.sort(key=lambda row: row.label)
    return {
        "overall": overall,
        "weights_incomplete": incomplete,
        "by_eje": by_eje,
        "by_directorate": by_directorate,
        "total": sum(r.total for r in by_eje),
        "informed": sum(r.informed for r in by_eje),
    }


# --------------------------------------------------------------------------------------
# Evaluations side by side
# --------------------------------------------------------------------------------------


@dataclass
class ComparisonRow:
    code: str
    name: str
    depth: int
    is_initiative: bool
    before: Decimal | None
    after: Decimal | None
    status_before: str
    status_after: str
    comment_after: str

    @property
    def delta(self) -> Decimal | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def moved(self) -> bool:
        return self.before != self.after or self.status_before != self.status_after


def compare_evaluations(first: Evaluation, second: Evaluation) -> list[ComparisonRow]:
    """Rows of both evaluations matched by kind and code, in the later one's order."""
    older = {(i.is_initiative, i.code): i for i in first.items.all()}
    rows = []
    seen = set()
    for item in second.items.all():
        key = (item.is_initiative, item.code)
        seen.add(key)
        previous = older.get(key)
        rows.append(
            ComparisonRow(
                code=item.code,
                name=item.name,
                depth=item.depth,
                is_initiative=item.is_initiative,
                before=previous.progress if previous else None,
                after=item.progress,
                status_before=previous.status_name if previous else "",
                status_after=item.status_name,
                comment_after=item.comment,
            )
        )
    for key, item in older.items():
        if key not in seen:
            rows.append(
                ComparisonRow(
                    code=item.code,
                    name=f"{item.name} (ya no está en el plan)",
                    depth=item.depth,
                    is_initiative=item.is_initiative,
                    before=item.progress,
                    after=None,
                    status_before=item.status_name,
                    status_after="",
                    comment_after="",
                )
            )
    return rows


# --------------------------------------------------------------------------------------
# Pending and overdue follow-ups (council agreements and tasks)
# --------------------------------------------------------------------------------------


def pending_for(user, directorate_id: int | None = None) -> dict:
    """The open council agreements and tasks the user may see, optionally of one directorate."""
    agreements = CouncilAgreement.objects.for_user(user, "view").pending()
    tasks = Task.objects.for_user(user, "view").pending()
    if directorate_id:
        agreements = agreements.filter(directorate_id=directorate_id)
        tasks = tasks.filter(directorate_id=directorate_id)
    return {
        "agreements": agreements.select_related("directorate").order_by(
            F("due_date").asc(nulls_last=True), "session_date"
        ),
        "tasks": tasks.select_related("directorate", "assignee"),
    }


def overdue_for_user(user, today: dt.date | None = None) -> tuple[QuerySet, QuerySet]:
    """Overdue items the user answers for: their directorate's agreements, their tasks
    (or their directorate's unassigned tasks)."""
    agreements = CouncilAgreement.objects.none()
    tasks = Task.objects.for_user(user, "view").overdue(today).filter(assignee=user)
    if user.directorate_id:
        agreements = (
            CouncilAgreement.objects.for_user(user, "view")
            .overdue(today)
            .filter(directorate_id=user.directorate_id)
        )
        tasks = (
            Task.objects.for_user(user, "view")
            .overdue(today)
            .filter(Q(assignee=user) | Q(assignee__isnull=True, directorate_id=user.directorate_id))
        )
    return agreements, tasks
