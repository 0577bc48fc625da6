"""The projects module's initial grants (applied once to each role; see core.roles)."""

from __future__ import annotations

from secpla.core.roles import FULL, OWN, READ, WRITE, grant_list

PORTFOLIO = [
    "projects.Project",
    "projects.RateResult",
    "projects.FundingLine",
    "projects.FundingApplication",
    "projects.ApplicationNote",
    "projects.Milestone",
    "projects.ProgressReport",
    "projects.Payment",
]
CATALOGUE = ["projects.FundingSource", "projects.PortfolioSettings"]
PROGRESS = ["projects.ProgressReport", "projects.Payment"]

GRANTS: dict[str, list[tuple[str, str, str]]] = {
    # Estudios formulates the portfolio; the Director follows and can do everything.
    "director_secpla": grant_list([*PORTFOLIO, *CATALOGUE], FULL),
    "estudios": [*grant_list(PORTFOLIO, FULL), *grant_list(CATALOGUE, READ)],
    # Budget and tenders read the portfolio they execute and report payments.
    "control_presupuesto": [
        *grant_list([*PORTFOLIO, *CATALOGUE], READ),
        *grant_list(["projects.Payment"], WRITE),
    ],
    "licitaciones": grant_list([*PORTFOLIO, *CATALOGUE], READ),
    "asesor_urbanista": grant_list([*PORTFOLIO, *CATALOGUE], READ),
    # A directorate's liaison reports the progress of its own projects.
    "enlace_direccion": [
        *grant_list([*PORTFOLIO, *CATALOGUE], READ),
        *grant_list(PROGRESS, WRITE, OWN),
    ],
    "alcaldia": grant_list([*PORTFOLIO, *CATALOGUE], READ),
    "administrador_municipal": grant_list([*PORTFOLIO, *CATALOGUE], READ),
    "concejal": grant_list([*PORTFOLIO, *CATALOGUE], READ),
    "admin_sistema": grant_list(CATALOGUE, FULL),
}
