"""The personal-data commands: anonymising after the retention period, and exporting
everything stored about one person."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from secpla.citizen_requests import services
from secpla.citizen_requests.models import Request
from secpla.core.models import ChangeLogEntry


def closed(file_request, personas, months_ago: int, **fields) -> Request:
    r = file_request(**fields)
    r = services.request_answer(actor=personas.director, citizen_request=r, answer="Listo.")
    r = services.request_close(actor=personas.director, citizen_request=r)
    when = timezone.now() - dt.timedelta(days=int(months_ago * 30.5))
    Request.objects.filter(pk=r.pk).update(closed_at=when)
    return r


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_anonymise_blanks_personal_data_of_requests_closed_beyond_retention(file_request, personas):
    old = closed(file_request, personas, 25, requester_rut="12.345.678-5")
    recent = closed(file_request, personas, 6)
    still_open = file_request()
    out, _ = run("anonymise_requests")
    assert out.strip() == "Solicitudes anonimizadas: 1 (conservación: 24 meses desde el cierre)."
    old.refresh_from_db()
    assert (old.requester_name, old.requester_email, old.requester_phone, old.requester_rut) == (
        "",
    ) * 4
    assert old.anonymised_at is not None
    assert old.description == "La luminaria de la esquina lleva una semana apagada."
    for r in (recent, still_open):
        r.refresh_from_db()
        assert r.requester_email == "ana@example.cl" and r.anonymised_at is None
    [entry] = ChangeLogEntry.objects.filter(
        object_id=str(old.pk), content_type__model="request", reason__startswith="Anonimización"
    )
    assert entry.action == "update" and "ana@example.cl" not in json.dumps(entry.after)
    # Nothing left to do the second time.
    assert run("anonymise_requests")[0].startswith("Solicitudes anonimizadas: 0")


def test_no_change_log_entry_ever_holds_the_personal_data(file_request, personas):
    closed(file_request, personas, 25)
    run("anonymise_requests")
    logged = json.dumps(list(ChangeLogEntry.objects.values("before", "after")), ensure_ascii=False)
    assert "ana@example.cl" not in logged and "Ana Pérez" not in logged


def test_a_dry_run_lists_and_changes_nothing(file_request, personas):
    old = closed(file_request, personas, 30)
    out, _ = run("anonymise_requests", "--dry-run")
    assert "Simulación: solicitudes por anonimizar: 1" in out and old.tracking_code in out
    old.refresh_from_db()
    assert old.requester_email == "ana@example.cl" and old.anonymised_at is None


def test_export_by_email_gives_everything_visible_to_the_person(file_request, personas, tmp_path):
    r = file_request(requester_rut="12.345.678-5")
    services.request_note(actor=personas.director, citizen_request=r, text="Nota interna")
    services.request_answer(actor=personas.director, citizen_request=r, answer="Listo.")
    file_request(requester_email="otra@example.cl", requester_rut="")
    output = tmp_path / "datos.json"
    _, err = run("export_personal_data", "--email", "ANA@example.cl", "--output", str(output))
    assert "Solicitudes exportadas: 1" in err
    data = json.loads(output.read_text(encoding="utf-8"))
    [item] = data["solicitudes"]
    assert item["codigo_seguimiento"] == r.tracking_code
    assert item["datos_de_contacto"] == {
        "nombre": "Ana Pérez", "correo": "ana@example.cl",
        "telefono": "+56 9 1234 5678", "rut": "12.345.678-5",
    }  # fmt: skip
    assert [e["tipo"] for e in item["eventos"]] == ["Recibida", "Respondida"]
    assert "Nota interna" not in output.read_text(encoding="utf-8")


def test_export_by_rut_accepts_any_rut_format(file_request):
    file_request(requester_rut="12.345.678-5")
    out, _ = run("export_personal_data", "--rut", "123456785")
    assert json.loads(out)["criterio"] == {"rut": "12.345.678-5"}
    assert len(json.loads(out)["solicitudes"]) == 1


def test_export_refuses_a_bad_rut_and_needs_email_or_rut(db):
    with pytest.raises(CommandError, match="RUT no es válido"):
        run("export_personal_data", "--rut", "12.345.678-9")
    with pytest.raises(CommandError):
        run("export_personal_data")


def test_export_of_an_unknown_person_says_so(db):
    out, err = run("export_personal_data", "--email", "nadie@example.cl")
    assert json.loads(out)["solicitudes"] == [] and "No hay solicitudes" in err
