"""Permission-matrix rows of the projects API, and the records they visit."""

from __future__ import annotations

import datetime as dt

from secpla.core.audit import audit_context
from secpla.core.models import Directorate
from secpla.projects import services
from secpla.projects.models import (
    FundingApplication,
    FundingLine,
    FundingSource,
    Milestone,
    Payment,
    ProgressReport,
    Project,
    RateResult,
)
from secpla.testing_matrix import ALL, EVERYONE, Case, api_cases, pk

READERS = ALL - {"admin_sistema"}  # every municipal role reads the portfolio

CASES = [
    *api_cases("project", "project", view=READERS),
    Case("api:project-transition", pk("project"), ok=frozenset(), visible=READERS,
         anonymous=401, extra_status={role: 405 for role in EVERYONE}),  # POST only
    *api_cases("fundingsource", "funding_source", view=ALL),
    *api_cases("fundingline", "funding_line", view=READERS),
    *api_cases("fundingapplication", "funding_application", view=READERS),
    *api_cases("rateresult", "rate_result", view=READERS),
    *api_cases("milestone", "milestone", view=READERS),
    *api_cases("progressreport", "progress_report", view=READERS),
    *api_cases("payment", "payment", view=READERS),
]  # fmt: skip


def populate(world) -> None:
    secpla = Directorate.objects.get(code="SECPLA")
    day = dt.date(2026, 4, 1)
    world.funding_source = FundingSource.objects.get(code="FRIL")
    world.project = services.project_create(
        actor=world.personas.director,
        project=Project(name="Plaza de la matriz", directorate=secpla),
    )
    with audit_context(source="test"):
        world.funding_line = FundingLine.objects.create(
            project=world.project, source=world.funding_source, year=2026, amount=50_000_000
        )
        world.funding_application = FundingApplication.objects.create(
            project=world.project, source=world.funding_source, submitted_on=day,
            amount_requested=50_000_000,
        )  # fmt: skip
        world.rate_result = RateResult.objects.create(
            project=world.project, date=day, result="RS", year=2026
        )
        world.milestone = Milestone.objects.create(
            project=world.project, name="Entrega de terreno", planned_date=day, planned_percent=5
        )
        world.progress_report = ProgressReport.objects.create(
            project=world.project, date=day, percent=3
        )
        world.payment = Payment.objects.create(project=world.project, date=day, amount=1_000_000)
