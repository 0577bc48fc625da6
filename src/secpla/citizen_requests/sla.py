"""The figures of the OIRS SLA dashboard, as plain functions (tested on their own).

Decisions (docs for the dashboard page too):
- The cohort is the requests *received* in the period (by local date of receipt). A
  duplicate merged into another is not a matter of its own and is left out.
- «Respondidas»: requests of the cohort that have an answer (`answered_at`). A reopened
  request loses its answer until it is answered again, so it counts as unanswered.
- Response time is counted in **días hábiles** with the foundation's calendar
  (`core.calendar.Calendar.business_days_between`, from the day of receipt to the day
  of the answer): the legal deadline (Ley 19.880 art. 25, Ley 18.695 art. 98) is in días
  hábiles, so the figures compare directly with it. An answer on the day of receipt
  takes 0 días hábiles.
- «A tiempo»: answered on or before the due date (`Request.answered_on_time`); the
  percentage is over the answered requests (None when none was answered).
- The 90th percentile uses the nearest-rank method: the value at position ⌈0.9·n⌉ of the
  sorted times (1-based), always one of the observed values.
- The backlog is today's: open requests (recibida, asignada, en proceso, reabierta) of
  the selection, whatever their date, and how many of them are overdue.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils import timezone

from secpla.citizen_requests import selectors
from secpla.citizen_requests.models import Request
from secpla.citizen_requests.workflow import OPEN_STATUSES
from secpla.core.calendar import Calendar


def nearest_rank(values: Iterable[float], percent: float) -> float | None:
    """The `percent`-th percentile by the nearest-rank method; None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    if not 0 < percent <= 100:
        raise ValueError("El percentil debe estar entre 0 (excluido) y 100.")
    rank = math.ceil(percent / 100 * len(ordered))
    return ordered[max(rank, 1) - 1]


def mean(values: Iterable[float]) -> float | None:
    values = list(values)
    return sum(values) / len(values) if values else None


def response_days(citizen_request: Request, calendar: Calendar | None = None) -> int | None:
    """Días hábiles from the day of receipt to the day of the answer (None if unanswered)."""
    if citizen_request.answered_at is None:
        return None
    calendar = calendar or Calendar()
    received = timezone.localdate(citizen_request.received_at)
    answered = timezone.localdate(citizen_request.answered_at)
    return max(calendar.business_days_between(received, answered), 0)


@dataclass
class Figures:
    """The SLA figures of one group of requests."""

    label: str
    received: int = 0
    answered: int = 0
    on_time: int = 0
    mean_days: float | None = None
    p90_days: float | None = None

    @property
    def on_time_percent(self) -> float | None:
        return round(100 * self.on_time / self.answered, 1) if self.answered else None


def days_by_request(requests: Iterable[Request], calendar=None) -> dict[int, int | None]:
    """Each request's response time, computed once for every figure that needs it."""
    calendar = calendar or Calendar()
    return {r.pk: response_days(r, calendar) for r in requests}


def figures(
    requests: Iterable[Request], label: str = "Total", days: dict[int, int | None] | None = None
) -> Figures:
    requests = list(requests)
    days = days_by_request(requests) if days is None else days
    result = Figures(label=label)
    times = []
    for r in requests:
        result.received += 1
        if days[r.pk] is None:
            continue
        result.answered += 1
        times.append(days[r.pk])
        if r.answered_on_time():
            result.on_time += 1
    result.mean_days = round(mean(times), 1) if times else None
    result.p90_days = nearest_rank(times, 90)
    return result


def grouped(
    requests: Iterable[Request],
    key: Callable[[Request], str],
    days: dict[int, int | None] | None = None,
) -> list[Figures]:
    """Figures per group (sorted by label)."""
    requests = list(requests)
    days = days_by_request(requests) if days is None else days
    groups: dict[str, list[Request]] = {}
    for r in requests:
        groups.setdefault(key(r), []).append(r)
    return [figures(rows, label, days) for label, rows in sorted(groups.items())]


def cohort(queryset, start: dt.date, end: dt.date):
    """The requests received from `start` to `end` (local dates, inclusive), merged
    duplicates excluded."""
    return (
        queryset.filter(
            received_at__date__gte=start, received_at__date__lte=end, merged_into__isnull=True
        )
        .select_related("category", "directorate")
        .order_by("received_at")
    )


@dataclass
class Backlog:
    open: int
    overdue: int


def backlog(queryset, today: dt.date | None = None) -> Backlog:
    today = today or timezone.localdate()
    still_open = queryset.filter(status__in=OPEN_STATUSES, merged_into__isnull=True)
    return Backlog(open=still_open.count(), overdue=selectors.overdue(still_open, today).count())


def dashboard(queryset, start: dt.date, end: dt.date, today: dt.date | None = None) -> dict:
    """Everything the dashboard shows for the (already scoped and filtered) queryset."""
    rows = list(cohort(queryset, start, end))
    days = days_by_request(rows)
    return {
        "total": figures(rows, "Total", days),
        "by_category": grouped(rows, lambda r: r.category.name, days),
        "by_directorate": grouped(rows, lambda r: r.directorate.name, days),
        "backlog": backlog(queryset, today),
    }
