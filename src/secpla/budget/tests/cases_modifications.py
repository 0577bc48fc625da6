"""Permission-matrix rows of the budget's modification screens (see tests/matrix.py). The
records are matrix.populate_base's draft modification and its line.

Expected roles, from budget/grants.py: the Director SECPLA and Control y Presupuesto keep
modifications and their lines; every other municipal role reads them (the Enlace de
Dirección too); the system administrator sees no budget. Aprobar and Rechazar are POST
only (GET: 405 for everyone logged in).
"""

from __future__ import annotations

from secpla.testing_matrix import ALL, EVERYONE, NOBODY, Case, crud_cases, pk

READERS = ALL - {"admin_sistema"}
KEEPERS = frozenset({"director_secpla", "control_presupuesto"})


def _budget(model, attr):
    return crud_cases(
        f"budget:{model}", attr, view=READERS, add=KEEPERS, change=KEEPERS, delete=KEEPERS
    )


CASES = [
    *_budget("modification", "modification"),
    Case("budget:modification_approve", pk("modification"), ok=NOBODY, visible=READERS,
         extra_status={role: 405 for role in EVERYONE}),  # POST only
    Case("budget:modification_reject", pk("modification"), ok=NOBODY, visible=READERS,
         extra_status={role: 405 for role in EVERYONE}),  # POST only
    *_budget("modificationline", "modification_line"),
]  # fmt: skip


def populate(world) -> None:
    """Nothing of its own: the records come from matrix.populate_base."""
