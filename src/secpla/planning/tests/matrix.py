"""The planning module's rows of the permission matrix and its change-log factories,
collected from one file per area of the module."""

from __future__ import annotations

from secpla.planning.tests import cases_import, cases_plan, cases_registers, cases_secretariat

AREAS = [cases_plan, cases_import, cases_registers, cases_secretariat]

CASES = [case for area in AREAS for case in area.CASES]
AUDITED = [label for area in AREAS for label in area.AUDITED]  # "planning.Model" labels


def populate(world) -> None:
    """Create the records the cases visit, as attributes of `world`."""
    for area in AREAS:
        area.populate(world)


def audit_factories(personas) -> dict:
    """{model: (callable making a new unsaved instance, name of a text field to change)}."""
    factories = {}
    for area in AREAS:
        factories.update(area.audit_factories(personas))
    return factories
