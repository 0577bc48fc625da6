"""Permission-matrix rows and change-log factories of the technical secretariat:
council agreements, tasks given to SECPLA and the "Pendientes y vencidos" page.

The records visited belong to SECPLA, so the Enlace de Dirección persona (DIDECO's
liaison) gets 404 on them even where its role could see or change its own directorate's.
"""

from __future__ import annotations

import datetime as dt

from secpla.core.audit import audit_context
from secpla.core.models import Directorate
from secpla.planning.models import CouncilAgreement, Task
from secpla.testing_matrix import ALL, SECPLA, Case, api_cases, crud_cases, pk

DIRECTOR = frozenset({"director_secpla"})
LIAISON = frozenset({"enlace_direccion"})
# Council agreements: everybody but the system administrator reads them; the Director
# keeps them; a liaison follows (and updates) its own directorate's.
AGREEMENT_READERS = ALL - {"admin_sistema"}
AGREEMENT_EDITORS = DIRECTOR | LIAISON
# Tasks: the Alcalde(sa) and the Administrador(a) Municipal give them, SECPLA works on
# them (its own directorate's), a liaison on its directorate's; the Concejo does not see them.
TASK_READERS = ALL - {"admin_sistema", "concejal"}
TASK_GIVERS = DIRECTOR | {"alcaldia", "administrador_municipal"}
TASK_EDITORS = SECPLA | TASK_GIVERS | LIAISON
# What the matrix visits belongs to SECPLA: DIDECO's liaison does not see it (404).
AGREEMENT_SEEN = AGREEMENT_READERS - LIAISON
TASK_SEEN = TASK_READERS - LIAISON

CASES = [
    *crud_cases(
        "planning:councilagreement",
        "council_agreement_secpla",
        view=AGREEMENT_READERS,
        add=DIRECTOR,
        change=AGREEMENT_EDITORS,
        delete=DIRECTOR,
        visible_obj=AGREEMENT_SEEN,
    ),
    Case(
        "planning:councilagreement_complete",
        pk("council_agreement_secpla"),
        ok=AGREEMENT_EDITORS & AGREEMENT_SEEN,
        visible=AGREEMENT_SEEN,
    ),
    *crud_cases(
        "planning:task",
        "task_secpla",
        view=TASK_READERS,
        add=TASK_GIVERS,
        change=TASK_EDITORS,
        delete=DIRECTOR,
        visible_obj=TASK_SEEN,
    ),
    Case(
        "planning:task_complete",
        pk("task_secpla"),
        ok=TASK_EDITORS & TASK_SEEN,
        visible=TASK_SEEN,
    ),
    # Whoever sees agreements or tasks (each one its own share of them).
    Case("planning:pending", ok=AGREEMENT_READERS),
    Case("planning:pending", ok=AGREEMENT_READERS, query="?direccion=1&vencidos=1"),
    *api_cases(
        "councilagreement",
        "council_agreement_secpla",
        view=AGREEMENT_READERS,
        visible_obj=AGREEMENT_SEEN,
    ),
    *api_cases("task", "task_secpla", view=TASK_READERS, visible_obj=TASK_SEEN),
]

AUDITED = ["planning.CouncilAgreement", "planning.Task"]


def populate(world) -> None:
    """An open council agreement and an open task of SECPLA."""
    secpla = Directorate.objects.get(code="SECPLA")
    with audit_context(source="test"):
        world.council_agreement_secpla = CouncilAgreement.objects.create(
            number="45",
            session_date=dt.date(2026, 3, 5),
            session="Sesión ordinaria N° 12",
            text="Encomienda a SECPLA un estudio de factibilidad del nuevo CESFAM.",
            directorate=secpla,
            due_date=dt.date(2026, 6, 30),
        )
        world.task_secpla = Task.objects.create(
            requested_by=Task.Requester.MAYOR,
            title="Informe de avance de proyectos FNDR",
            request_date=dt.date(2026, 3, 2),
            due_date=dt.date(2026, 3, 31),
            directorate=secpla,
        )


def audit_factories(personas) -> dict:
    secpla = Directorate.objects.get(code="SECPLA")
    return {
        CouncilAgreement: (
            lambda: CouncilAgreement(
                number="900",
                session_date=dt.date(2026, 4, 2),
                text="Aprueba la postulación del proyecto.",
                directorate=secpla,
            ),
            "text",
        ),
        Task: (
            lambda: Task(
                requested_by=Task.Requester.ADMINISTRATOR,
                title="Preparar minuta",
                request_date=dt.date(2026, 4, 2),
                directorate=secpla,
            ),
            "title",
        ),
    }
