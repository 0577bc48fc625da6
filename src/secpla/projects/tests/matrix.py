"""The projects module's rows of the permission matrix (its screens and API come with
their routes) and its change-log factories."""

from __future__ import annotations

import datetime as dt

from secpla.core.audit import audit_context
from secpla.core.models import Directorate
from secpla.projects.models import (
    ApplicationNote,
    FundingApplication,
    FundingLine,
    FundingSource,
    Milestone,
    Payment,
    PortfolioSettings,
    ProgressReport,
    Project,
    RateResult,
)
from secpla.projects.tests import cases_api, cases_map, cases_portfolio, cases_transfer

AREAS = [cases_api, cases_portfolio, cases_map, cases_transfer]
CASES = [case for area in AREAS for case in area.CASES]

AUDITED = [
    "projects.FundingSource",
    "projects.Project",
    "projects.RateResult",
    "projects.FundingLine",
    "projects.FundingApplication",
    "projects.ApplicationNote",
    "projects.Milestone",
    "projects.ProgressReport",
    "projects.Payment",
    "projects.PortfolioSettings",
]


def populate(world) -> None:
    """Create the records the cases visit, as attributes of `world`."""
    for area in AREAS:
        area.populate(world)


def audit_factories(personas) -> dict:
    secpla = Directorate.objects.get(code="SECPLA")
    fndr = FundingSource.objects.get(code="FNDR")
    with audit_context(source="test"):
        project = Project.objects.create(code="PRY-AUD-1", name="Base", directorate=secpla)
        application = FundingApplication.objects.create(
            project=project, source=fndr, submitted_on=dt.date(2026, 3, 2), amount_requested=1
        )
    day = dt.date(2026, 4, 1)
    return {
        FundingSource: (lambda: FundingSource(code="FONDO-X", name="Fondo X"), "name"),
        Project: (lambda: Project(code="PRY-AUD-2", name="Plaza", directorate=secpla), "name"),
        RateResult: (
            lambda: RateResult(project=project, date=day, result="FI", year=2026),
            "observations",
        ),
        FundingLine: (
            lambda: FundingLine(project=project, source=fndr, year=2027, amount=1000),
            ("amount", 2500),
        ),
        FundingApplication: (
            lambda: FundingApplication(
                project=project, source=fndr, submitted_on=day, amount_requested=5
            ),
            "call",
        ),
        ApplicationNote: (
            lambda: ApplicationNote(
                application=application, kind="observacion", date=day, text="x"
            ),
            "text",
        ),
        Milestone: (
            lambda: Milestone(project=project, name="Inicio", planned_date=day, planned_percent=0),
            "name",
        ),
        ProgressReport: (
            lambda: ProgressReport(project=project, date=day, percent=10),
            "comment",
        ),
        Payment: (lambda: Payment(project=project, date=day, amount=100), "description"),
        PortfolioSettings: (
            lambda: PortfolioSettings(pk=1, days_without_report=30),
            ("days_without_report", 45),
        ),
    }
