"""The status workflow of a citizen request, as a table of actions: from which statuses
each one may be taken and which status it leaves.

recibida → asignada → en proceso → respondida → cerrada, with these choices:
- a request can be answered from any open status (a simple consulta needs no assignment);
- a derivation to another directorate sends it back to «recibida» there (someone of the
  new directorate must take it), without restarting its deadline (see services);
- the citizen (or staff on their behalf) reopens an answered or closed request within the
  reopen window: it becomes «reabierta» and must be answered again;
- merging a duplicate into its original closes the duplicate.
A refused action gets a Spanish message that says what the current status allows.
"""

from __future__ import annotations

from django.db import models


class Status(models.TextChoices):
    RECEIVED = "recibida", "Recibida"
    ASSIGNED = "asignada", "Asignada"
    IN_PROGRESS = "en_proceso", "En proceso"
    ANSWERED = "respondida", "Respondida"
    CLOSED = "cerrada", "Cerrada"
    REOPENED = "reabierta", "Reabierta"


S = Status
OPEN_STATUSES = (S.RECEIVED, S.ASSIGNED, S.IN_PROGRESS, S.REOPENED)

# action -> (statuses it may be taken from, status it leaves, Spanish verb phrase)
ACTIONS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "assign": (OPEN_STATUSES, S.ASSIGNED, "asignarse"),
    "derive": (OPEN_STATUSES, S.RECEIVED, "derivarse a otra dirección"),
    "start": ((S.RECEIVED, S.ASSIGNED, S.REOPENED), S.IN_PROGRESS, "pasar a «En proceso»"),
    "answer": (OPEN_STATUSES, S.ANSWERED, "responderse"),
    "close": ((S.ANSWERED,), S.CLOSED, "cerrarse"),
    "reopen": ((S.ANSWERED, S.CLOSED), S.REOPENED, "reabrirse"),
    "merge": (OPEN_STATUSES, S.CLOSED, "fusionarse con otra"),
}

INITIAL = S.RECEIVED

# The status-to-status table the actions imply (for screens and the SLA dashboard).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    status: tuple(
        dict.fromkeys(target for sources, target, _ in ACTIONS.values() if status in sources)
    )
    for status in Status.values
}


def allowed_actions(current: str) -> list[str]:
    return [name for name, (sources, _, _) in ACTIONS.items() if current in sources]


def can(current: str, action: str) -> bool:
    return current in ACTIONS[action][0]


def target(action: str) -> str:
    return ACTIONS[action][1]


def refusal(current: str, action: str) -> str:
    """The Spanish message for an action the current status does not allow."""
    label = Status(current).label
    verb = ACTIONS[action][2]
    options = [ACTIONS[name][2] for name in allowed_actions(current)]
    message = f"Una solicitud «{label}» no puede {verb}."
    if options:
        message += f" Puede: {'; '.join(options)}."
    return message
