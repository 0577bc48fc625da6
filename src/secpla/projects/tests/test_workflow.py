"""Projects: the status workflow, BIP codes, locations inside the comuna and the
first writes of the portfolio."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from secpla.core.audit import audit_context
from secpla.core.models import Directorate, Municipality
from secpla.projects import services, workflow
from secpla.projects.models import Project, validate_bip
from secpla.projects.workflow import Status

# A point in Bulnes' urban area and one in Chillán (another comuna).
BULNES = {"type": "Point", "coordinates": [-72.3016, -36.7425]}
CHILLAN = {"type": "Point", "coordinates": [-72.1034, -36.6066]}


@pytest.fixture
def project(personas):
    secpla = Directorate.objects.get(code="SECPLA")
    return services.project_create(
        actor=personas.estudios,
        project=Project(name="Plaza de Santa Clara", directorate=secpla),
        comment="Idea del cabildo",
    )


def test_a_new_project_gets_a_code_and_starts_in_formulation(project):
    year = dt.date.today().year
    assert project.code == f"PRY-{year}-001"
    assert project.status == Status.FORMULATION
    [step] = project.status_changes.all()
    assert (step.from_status, step.to_status, step.comment) == (
        "",
        "formulacion",
        "Idea del cabildo",
    )


def test_the_happy_path_through_a_fund(project, personas):
    path = [Status.SUBMITTED, Status.OBSERVED, Status.SUBMITTED, Status.RECOMMENDED,
            Status.FUNDED, Status.TENDERING, Status.AWARDED, Status.EXECUTING,
            Status.FINISHED]  # fmt: skip
    for status in path:
        project = services.project_transition(
            actor=personas.estudios, project=project, to_status=status
        )
    assert project.status == Status.FINISHED
    steps = list(project.status_changes.values_list("from_status", "to_status"))
    assert steps[1] == ("formulacion", "postulado") and steps[-1] == ("ejecucion", "terminado")


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (Status.FORMULATION, Status.FUNDED),
        (Status.FORMULATION, Status.EXECUTING),
        (Status.SUBMITTED, Status.FUNDED),
        (Status.RECOMMENDED, Status.AWARDED),
        (Status.FINISHED, Status.EXECUTING),
        (Status.WITHDRAWN, Status.EXECUTING),
    ],
)
def test_forbidden_transitions_are_refused_in_spanish(start, target):
    assert not workflow.can_move(start, target)
    message = workflow.refusal(start, target)
    assert Status(target).label in message or "no cambia de estado" in message


def test_a_refused_transition_changes_nothing_and_says_what_is_allowed(project, personas):
    with pytest.raises(ValidationError) as error:
        services.project_transition(
            actor=personas.estudios, project=project, to_status=Status.FUNDED
        )
    text = str(error.value)
    assert "no puede pasar a «Financiado»" in text and "«Postulado»" in text
    project.refresh_from_db()
    assert project.status == Status.FORMULATION
    assert project.status_changes.count() == 1


def test_every_status_has_its_transitions_declared_and_all_targets_are_statuses():
    assert set(workflow.TRANSITIONS) == set(Status.values)
    for targets in workflow.TRANSITIONS.values():
        assert set(targets) <= set(Status.values)
    # Every status can be reached from "en formulación".
    reached, frontier = {Status.FORMULATION}, [Status.FORMULATION]
    while frontier:
        for target in workflow.allowed(frontier.pop()):
            if target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(Status.values)


def test_a_withdrawn_project_can_be_taken_up_again(project, personas):
    project = services.project_transition(
        actor=personas.estudios, project=project, to_status=Status.WITHDRAWN
    )
    project = services.project_transition(
        actor=personas.estudios, project=project, to_status=Status.FORMULATION
    )
    assert project.status == Status.FORMULATION


def test_a_transition_cannot_be_dated_in_the_future_or_before_the_current_status(project, personas):
    with pytest.raises(ValidationError):
        services.project_transition(
            actor=personas.estudios, project=project, to_status=Status.SUBMITTED,
            date=dt.date.today() + dt.timedelta(days=1),
        )  # fmt: skip
    with pytest.raises(ValidationError) as error:
        services.project_transition(
            actor=personas.estudios, project=project, to_status=Status.SUBMITTED,
            date=project.status_since - dt.timedelta(days=1),
        )  # fmt: skip
    assert "anterior a la del estado actual" in str(error.value)


def test_a_read_only_role_cannot_move_a_project(project, personas):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.project_transition(
            actor=personas.concejala, project=project, to_status=Status.SUBMITTED
        )


@pytest.mark.parametrize("code", ["40024120-0", "40016221-0", "12345678-9"])
def test_bip_codes_in_the_published_format_are_accepted(code):
    validate_bip(code)


@pytest.mark.parametrize(
    "code", ["4002412-0", "40024120", "40024120-00", "4002412O-0", "ABCDEFGH-1"]
)
def test_malformed_bip_codes_are_refused_in_spanish(code):
    with pytest.raises(ValidationError) as error:
        validate_bip(code)
    assert "8 dígitos" in str(error.value)


def test_a_bip_code_is_unique_and_blank_means_none(personas):
    secpla = Directorate.objects.get(code="SECPLA")
    with audit_context(source="test"):
        Project.objects.create(code="A", name="A", directorate=secpla, bip_code="40024120-0")
    duplicate = Project(code="B", name="B", directorate=secpla, bip_code="40024120-0")
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert "Ya existe un proyecto con ese código BIP" in str(error.value)
    blank = Project(code="C", name="C", directorate=secpla, bip_code="")
    blank.full_clean()
    assert blank.bip_code is None


def test_a_location_must_lie_inside_the_comuna(personas):
    secpla = Directorate.objects.get(code="SECPLA")
    from secpla.core.reference import comuna_boundary

    municipality = Municipality.current()
    municipality.boundary = comuna_boundary(municipality.comuna.cut)
    with audit_context(source="test"):
        municipality.save()
    inside = Project(code="IN", name="Dentro", directorate=secpla, location=BULNES)
    inside.full_clean()
    outside = Project(code="OUT", name="Fuera", directorate=secpla, location=CHILLAN)
    with pytest.raises(ValidationError) as error:
        outside.full_clean()
    assert "fuera de la comuna de Bulnes" in str(error.value)
    broken = Project(code="BAD", name="Mal", directorate=secpla, location={"type": "Point"})
    with pytest.raises(ValidationError) as error:
        broken.full_clean()
    assert "GeoJSON" in str(error.value)
    swapped = Project(
        code="SW", name="Lat/lon al revés", directorate=secpla,
        location={"type": "Point", "coordinates": [-36.74, -172.30]},
    )  # fmt: skip
    with pytest.raises(ValidationError) as error:
        swapped.full_clean()
    assert "longitud y latitud" in str(error.value)
