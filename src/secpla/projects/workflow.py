"""The status workflow of an investment project: which status may follow which.

The statuses are those the issue names; the transitions follow how a municipal project
moves through a fund (postulación → admisibilidad → RATE → financiamiento → licitación
→ ejecución). Decision 0009 explains each choice. A forbidden transition is refused with
a Spanish message that lists what is allowed from the current status.
"""

from __future__ import annotations

from django.db import models


class Status(models.TextChoices):
    FORMULATION = "formulacion", "En formulación"
    SUBMITTED = "postulado", "Postulado"
    ADMISSIBLE = "admisible", "Admisible"
    OBSERVED = "observado", "Con observaciones (FI/OT)"
    RECOMMENDED = "recomendado", "Recomendado (RS)"
    FUNDED = "financiado", "Financiado"
    TENDERING = "licitacion", "En licitación"
    AWARDED = "adjudicado", "Adjudicado"
    EXECUTING = "ejecucion", "En ejecución"
    FINISHED = "terminado", "Terminado"
    WITHDRAWN = "desistido", "Desistido"


S = Status

TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.FORMULATION: (S.SUBMITTED, S.WITHDRAWN),
    # A fund declares the application admissible, observes it, or recommends it outright.
    S.SUBMITTED: (S.ADMISSIBLE, S.OBSERVED, S.RECOMMENDED, S.FORMULATION, S.WITHDRAWN),
    S.ADMISSIBLE: (S.OBSERVED, S.RECOMMENDED, S.WITHDRAWN),
    # Observations answered: submitted again, or recommended; or back to the drawing board.
    S.OBSERVED: (S.SUBMITTED, S.RECOMMENDED, S.FORMULATION, S.WITHDRAWN),
    S.RECOMMENDED: (S.FUNDED, S.OBSERVED, S.WITHDRAWN),
    # Funded: to tender, or straight to execution (administración directa, transfers).
    S.FUNDED: (S.TENDERING, S.EXECUTING, S.WITHDRAWN),
    # A tender declared desierta goes back to "financiado" to be tendered again.
    S.TENDERING: (S.AWARDED, S.FUNDED, S.WITHDRAWN),
    S.AWARDED: (S.EXECUTING, S.TENDERING, S.WITHDRAWN),
    S.EXECUTING: (S.FINISHED, S.WITHDRAWN),
    S.FINISHED: (),
    # A withdrawn project may be taken up again from the start.
    S.WITHDRAWN: (S.FORMULATION,),
}

INITIAL = S.FORMULATION


def allowed(current: str) -> tuple[str, ...]:
    return TRANSITIONS.get(current, ())


def can_move(current: str, target: str) -> bool:
    return target in allowed(current)


def refusal(current: str, target: str) -> str:
    """The Spanish message for a forbidden transition."""
    label = Status(current).label
    options = [Status(s).label for s in allowed(current)]
    if not options:
        return f"Un proyecto «{label}» no cambia de estado."
    return (
        f"Un proyecto «{label}» no puede pasar a «{Status(target).label}». "
        f"Puede pasar a: {', '.join(f'«{o}»' for o in options)}."
    )
