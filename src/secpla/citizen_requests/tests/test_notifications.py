"""E-mails to the requester on status changes: after the commit, in Spanish, only with an
e-mail, never for internal notes, each one recorded as «notificación enviada»."""

from __future__ import annotations

import pytest

from secpla.citizen_requests import services
from secpla.citizen_requests.models import RequestEvent


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


def test_receipt_is_mailed_after_commit_with_code_and_due_date(file_request, mailoutbox, on_commit):
    r = on_commit(file_request)
    [mail] = mailoutbox
    assert mail.to == ["ana@example.cl"]
    assert r.tracking_code in mail.subject and "recibida" in mail.subject
    assert "Recibimos su solicitud" in mail.body and f"{r.due_on:%d-%m-%Y}" in mail.body
    assert mail.body.startswith("Estimado(a) Ana Pérez:")
    notified = r.events.get(kind="notificacion")
    assert (notified.is_public, notified.text) == (
        False,
        "Aviso «Recibida» enviado por correo electrónico.",
    )


def test_nothing_is_mailed_before_the_commit(
    file_request, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        file_request()
    assert mailoutbox == []
    for callback in callbacks:  # the commit
        callback()
    assert len(mailoutbox) == 1


def test_every_status_change_is_mailed_but_internal_notes_never(
    file_request, personas, dom, mailoutbox, on_commit
):
    director = personas.director
    r = on_commit(file_request)
    on_commit(services.request_note, actor=director, citizen_request=r, text="NOTA INTERNA X")
    assert len(mailoutbox) == 1
    r = on_commit(
        services.request_assign, actor=director, citizen_request=r, user=personas.enlace_dideco
    )
    r = on_commit(
        services.request_derive, actor=director, citizen_request=r, directorate=dom, reason="DOM"
    )
    r = on_commit(services.request_start, actor=director, citizen_request=r)
    r = on_commit(
        services.request_answer, actor=director, citizen_request=r, answer="Reparada el lunes."
    )
    r = on_commit(services.request_close, actor=director, citizen_request=r)
    r = on_commit(
        services.request_reopen,
        actor=None,
        tracking_code=r.tracking_code,
        email="ana@example.cl",
        reason="No",
    )
    subjects = [m.subject.rsplit(": ", 1)[1] for m in mailoutbox]
    assert subjects == [
        "recibida", "asignada", "derivada", "en proceso", "respondida", "cerrada", "reabierta",
    ]  # fmt: skip
    assert all("NOTA INTERNA" not in m.body for m in mailoutbox)
    answer_mail = mailoutbox[4].body
    assert "Reparada el lunes." in answer_mail and "puede reabrirla hasta el" in answer_mail
    assert "Dirección de Obras Municipales" in mailoutbox[2].body
    assert r.events.filter(kind="notificacion").count() == 7


def test_the_duplicate_requester_is_told_the_original_code(
    file_request, personas, mailoutbox, on_commit
):
    a = file_request()
    b = file_request(requester_email="otro@example.cl")
    on_commit(services.request_merge, actor=personas.director, duplicate=b, original=a)
    [mail] = mailoutbox
    assert mail.to == ["otro@example.cl"] and a.tracking_code in mail.body


def test_no_email_means_no_mail_and_no_notification_event(
    file_request, personas, mailoutbox, on_commit
):
    r = on_commit(file_request, requester_email="")
    on_commit(services.request_start, actor=personas.director, citizen_request=r)
    assert mailoutbox == []
    assert not RequestEvent.objects.filter(kind="notificacion").exists()


def test_a_mail_failure_does_not_undo_the_request(file_request, mailoutbox, on_commit, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("SMTP caído")

    monkeypatch.setattr(services, "send_mail", broken)
    r = on_commit(file_request)
    assert r.pk and not r.events.filter(kind="notificacion").exists()
