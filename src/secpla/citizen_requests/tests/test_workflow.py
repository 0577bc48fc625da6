"""The workflow: every action from every status, allowed or refused in Spanish;
derivation, reopening, merging and internal notes; who may act."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from secpla.citizen_requests import services, workflow
from secpla.citizen_requests.models import Request
from secpla.core.calendar import Calendar
from secpla.core.models import ChangeLogEntry

ACTIONS = list(workflow.ACTIONS)
STATUSES = list(workflow.Status.values)


@pytest.fixture
def bring_to(file_request, personas):
    """bring_to(status) -> a request taken to `status` through the services."""

    def make(status: str) -> Request:
        director = personas.director
        r = file_request()
        if status == "asignada":
            r = services.request_assign(
                actor=director, citizen_request=r, user=personas.enlace_dideco
            )
        if status == "en_proceso":
            r = services.request_start(actor=director, citizen_request=r)
        if status in ("respondida", "cerrada", "reabierta"):
            r = services.request_answer(actor=director, citizen_request=r, answer="Reparada.")
        if status == "cerrada":
            r = services.request_close(actor=director, citizen_request=r)
        if status == "reabierta":
            r = services.request_reopen(
                actor=director, tracking_code=r.tracking_code, reason="Sigue apagada"
            )
        assert r.status == status
        return r

    return make


def act(action: str, r: Request, personas, file_request) -> Request:
    director = personas.director
    if action == "assign":
        return services.request_assign(
            actor=director, citizen_request=r, user=personas.enlace_dideco
        )
    if action == "derive":
        from secpla.core.models import Directorate

        dom = Directorate.objects.get(code="DOM")
        return services.request_derive(
            actor=director, citizen_request=r, directorate=dom, reason="Es de la DOM"
        )
    if action == "start":
        return services.request_start(actor=director, citizen_request=r)
    if action == "answer":
        return services.request_answer(actor=director, citizen_request=r, answer="Listo.")
    if action == "close":
        return services.request_close(actor=director, citizen_request=r)
    if action == "reopen":
        return services.request_reopen(
            actor=director, tracking_code=r.tracking_code, reason="No quedó bien"
        )
    if action == "merge":
        return services.request_merge(actor=director, duplicate=r, original=file_request())
    raise AssertionError(action)


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", ACTIONS)
def test_each_action_from_each_status(action, status, bring_to, personas, file_request):
    r = bring_to(status)
    if workflow.can(status, action):
        assert act(action, r, personas, file_request).status == workflow.target(action)
    else:
        with pytest.raises(ValidationError) as error:
            act(action, r, personas, file_request)
        message = error.value.message_dict["status"][0]
        assert message.startswith(f"Una solicitud «{workflow.Status(status).label}» no puede")
        r.refresh_from_db()
        assert r.status == status


def test_the_table_is_what_the_issue_describes():
    T = workflow.TRANSITIONS
    assert T["recibida"] == ("asignada", "recibida", "en_proceso", "respondida", "cerrada")
    assert T["respondida"] == ("cerrada", "reabierta")
    assert T["cerrada"] == ("reabierta",)


def test_a_refusal_names_what_the_status_allows_in_spanish():
    assert workflow.refusal("cerrada", "answer") == (
        "Una solicitud «Cerrada» no puede responderse. Puede: reabrirse."
    )


def test_the_answer_is_required_and_kept_public(file_request, personas):
    r = file_request()
    with pytest.raises(ValidationError, match="Escriba la respuesta"):
        services.request_answer(actor=personas.director, citizen_request=r, answer="  ")
    r = services.request_answer(actor=personas.director, citizen_request=r, answer="Reparada.")
    assert r.public_answer == "Reparada." and r.answered_at is not None
    assert r.events.get(kind="respondida").is_public


def test_assigning_needs_an_active_official_of_the_directorate_in_charge(file_request, personas):
    r = file_request()
    with pytest.raises(ValidationError, match="persona activa de Dirección de Desarrollo"):
        services.request_assign(
            actor=personas.director, citizen_request=r, user=personas.enlace_dom
        )


def test_each_step_leaves_one_change_log_record_with_its_actor(file_request, personas):
    r = file_request()
    services.request_start(actor=personas.enlace_dideco, citizen_request=r, comment="Visita")
    entries = ChangeLogEntry.objects.filter(object_id=str(r.pk), content_type__model="request")
    assert [(e.action, e.user) for e in entries.order_by("id")] == [
        ("create", None),
        ("update", personas.enlace_dideco),
    ]
    assert "requester_email" not in entries.last().after  # personal data stay out of the log


# --- derivation ----------------------------------------------------------------------------


def test_derive_moves_the_request_keeps_its_due_date_and_its_timeline(file_request, personas, dom):
    r = file_request()
    r = services.request_assign(
        actor=personas.enlace_dideco, citizen_request=r, user=personas.enlace_dideco
    )
    due = r.due_on
    r = services.request_derive(
        actor=personas.enlace_dideco, citizen_request=r, directorate=dom, reason="Es un bache"
    )
    assert (r.directorate, r.status, r.assigned_to, r.due_on) == (dom, "recibida", None, due)
    assert [e.kind for e in r.events.all()] == ["recibida", "asignada", "derivada"]
    derived = r.events.get(kind="derivada")
    assert (derived.from_directorate.code, derived.to_directorate.code) == ("DIDECO", "DOM")
    assert derived.text == "Es un bache"
    # Now it belongs to DOM: DIDECO's liaison no longer reaches it, DOM's does.
    with pytest.raises(PermissionDenied):
        services.request_start(actor=personas.enlace_dideco, citizen_request=r)
    assert (
        services.request_start(actor=personas.enlace_dom, citizen_request=r).status == "en_proceso"
    )


def test_derive_needs_a_reason_and_another_directorate(file_request, personas, dideco):
    r = file_request()
    with pytest.raises(ValidationError, match="motivo de la derivación"):
        services.request_derive(
            actor=personas.director, citizen_request=r, directorate=dideco, reason=""
        )
    with pytest.raises(ValidationError, match="ya está a cargo"):
        services.request_derive(
            actor=personas.director, citizen_request=r, directorate=dideco, reason="x"
        )


# --- who may act ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["enlace_dom", "estudios", "concejala", "admin", "alcaldesa"])
def test_only_who_can_change_the_request_moves_it(who, file_request, personas):
    r = file_request()
    with pytest.raises(PermissionDenied):
        services.request_start(actor=getattr(personas, who), citizen_request=r)
    with pytest.raises(PermissionDenied):
        services.request_note(actor=getattr(personas, who), citizen_request=r, text="x")


def test_read_access_follows_the_grants(file_request, pothole, personas):
    mine, theirs = file_request(), file_request(category=pothole)
    visible = lambda who: set(Request.objects.for_user(getattr(personas, who)))  # noqa: E731
    assert visible("enlace_dideco") == {mine}
    assert visible("enlace_dom") == {theirs}
    assert visible("estudios") == visible("alcaldesa") == {mine, theirs}
    assert visible("concejala") == visible("admin") == set()


# --- reopening -----------------------------------------------------------------------------


def answered(file_request, personas, days_ago: int = 0) -> Request:
    r = services.request_answer(
        actor=personas.director, citizen_request=file_request(), answer="Listo."
    )
    if days_ago:
        when = timezone.now() - dt.timedelta(days=days_ago)
        Request.objects.filter(pk=r.pk).update(answered_at=when)
        r.refresh_from_db()
    return r


def test_the_citizen_reopens_with_code_and_email_and_gets_a_new_due_date(file_request, personas):
    r = answered(file_request, personas)
    r = services.request_reopen(
        actor=None,
        tracking_code=r.tracking_code.lower(),
        email="ANA@example.cl",
        reason="Sigue apagada",
    )
    assert r.status == "reabierta" and r.answered_at is None
    expected = Calendar().add_business_days(timezone.localdate(), 10).date
    if not Calendar().is_business_day(timezone.localdate()):
        expected = (
            Calendar()
            .add_business_days(Calendar().add_business_days(timezone.localdate(), 1).date, 10)
            .date
        )
    assert r.due_on == expected and r.due_rule.startswith("Reabierta el")
    event = r.events.get(kind="reabierta")
    assert (event.user, event.is_public, event.text) == (None, True, "Sigue apagada")


@pytest.mark.parametrize(
    ("code", "email"),
    [("OIRS-2026-ZZZZZZ", "ana@example.cl"), (None, "otra@example.cl"), (None, "")],
)
def test_a_wrong_code_or_email_gets_the_same_message(code, email, file_request, personas):
    r = answered(file_request, personas)
    with pytest.raises(ValidationError) as error:
        services.request_reopen(
            actor=None, tracking_code=code or r.tracking_code, email=email, reason="x"
        )
    assert error.value.messages == [services.NO_MATCH]


def test_reopening_is_refused_after_the_window_of_business_days(file_request, personas):
    # 10 días hábiles from the answer; 30 calendar days ago is always beyond them.
    r = answered(file_request, personas, days_ago=30)
    until = services.reopen_until(r)
    with pytest.raises(ValidationError) as error:
        services.request_reopen(
            actor=None, tracking_code=r.tracking_code, email="ana@example.cl", reason="x"
        )
    assert error.value.messages == [
        f"El plazo para reabrir la solicitud venció el {until:%d-%m-%Y}."
    ]


def test_the_window_counts_business_days_from_the_answer(file_request, personas):
    r = answered(file_request, personas)
    answered_on = timezone.localdate(r.answered_at)
    assert services.reopen_until(r) == Calendar().add_business_days(answered_on, 10).date


def test_a_request_without_email_is_reopened_only_by_staff(file_request, personas):
    r = services.request_answer(
        actor=personas.director,
        citizen_request=file_request(requester_email=""),
        answer="Listo.",
    )
    with pytest.raises(ValidationError):
        services.request_reopen(actor=None, tracking_code=r.tracking_code, email="", reason="x")
    r = services.request_reopen(
        actor=personas.enlace_dideco, tracking_code=r.tracking_code, reason="Llamó"
    )
    assert r.events.get(kind="reabierta").user == personas.enlace_dideco


def test_reopening_needs_a_reason(file_request, personas):
    r = answered(file_request, personas)
    with pytest.raises(ValidationError, match="por qué reabre"):
        services.request_reopen(
            actor=None, tracking_code=r.tracking_code, email="ana@example.cl", reason=""
        )


# --- merging and notes ---------------------------------------------------------------------


def test_merge_closes_the_duplicate_and_both_keep_their_history(file_request, personas):
    original, duplicate = file_request(), file_request()
    services.request_note(actor=personas.director, citizen_request=duplicate, text="Misma esquina")
    duplicate = services.request_merge(
        actor=personas.director, duplicate=duplicate, original=original
    )
    assert (duplicate.status, duplicate.merged_into, duplicate.closed_at is not None) == (
        "cerrada",
        original,
        True,
    )
    assert [e.kind for e in duplicate.events.all()] == ["recibida", "nota_interna", "fusionada"]
    assert [e.kind for e in original.events.all()] == ["recibida", "fusionada"]
    assert not original.events.get(kind="fusionada").is_public
    assert list(original.duplicates.all()) == [duplicate]


def test_merge_refuses_itself_and_a_chain(file_request, personas):
    a, b, c = file_request(), file_request(), file_request()
    with pytest.raises(ValidationError, match="consigo misma"):
        services.request_merge(actor=personas.director, duplicate=a, original=a)
    services.request_merge(actor=personas.director, duplicate=b, original=a)
    with pytest.raises(ValidationError, match="fusione con esa"):
        services.request_merge(actor=personas.director, duplicate=c, original=b)


def test_a_merged_request_cannot_be_reopened(file_request, personas):
    a, b = file_request(), file_request()
    services.request_merge(actor=personas.director, duplicate=b, original=a)
    with pytest.raises(ValidationError, match="siga ese código"):
        services.request_reopen(
            actor=None, tracking_code=b.tracking_code, email="ana@example.cl", reason="x"
        )


def test_an_internal_note_is_never_public_and_changes_nothing(file_request, personas):
    r = file_request()
    note = services.request_note(
        actor=personas.enlace_dideco, citizen_request=r, text="Llamar al vecino"
    )
    r.refresh_from_db()
    assert (note.kind, note.is_public, r.status) == ("nota_interna", False, "recibida")
    with pytest.raises(ValidationError, match="Escriba la nota"):
        services.request_note(actor=personas.director, citizen_request=r, text="")


def test_timeline_events_are_append_only(file_request):
    event = file_request().events.get()
    event.text = "cambiado"
    with pytest.raises(ValueError, match="no se modifican"):
        event.save()


def test_overdue_is_an_open_request_past_its_due_date(file_request, personas):
    r = file_request()
    today = timezone.localdate()
    assert not r.is_overdue(today)
    assert r.is_overdue(r.due_on + dt.timedelta(days=1))
    r = services.request_answer(actor=personas.director, citizen_request=r, answer="Listo.")
    assert not r.is_overdue(r.due_on + dt.timedelta(days=1))
    assert r.answered_on_time() is True
