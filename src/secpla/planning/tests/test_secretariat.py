"""The technical secretariat: council agreements and tasks (screens and API), their
validation, who sees what, the "Pendientes y vencidos" page and the home-page notices."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from secpla.core.audit import audit_context
from secpla.core.models import ChangeLogEntry, Directorate, Document
from secpla.planning.attention import overdue_items
from secpla.planning.models import CouncilAgreement, Task

AGREEMENTS_API = "/api/v1/planning/council-agreements/"
TASKS_API = "/api/v1/planning/tasks/"
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def today() -> dt.date:
    return timezone.localdate()


def days(n: int) -> dt.date:
    return today() + dt.timedelta(days=n)


def ddmm(date: dt.date) -> str:
    return date.strftime("%d-%m-%Y")


@pytest.fixture
def dirs(personas):
    return SimpleNamespace(
        secpla=Directorate.objects.get(code="SECPLA"),
        dideco=Directorate.objects.get(code="DIDECO"),
        dom=Directorate.objects.get(code="DOM"),
    )


def make_agreement(directorate, number, *, due_in=None, status="pendiente", **extra):
    values = {
        "number": number,
        "session_date": days(-60),
        "text": f"Texto del acuerdo {number}",
        "directorate": directorate,
        "due_date": days(due_in) if due_in is not None else None,
        "status": status,
        **extra,
    }
    with audit_context(source="test"):
        return CouncilAgreement.objects.create(**values)


def make_task(directorate, title, *, due_in=None, assignee=None, status="pendiente", **extra):
    values = {
        "requested_by": Task.Requester.MAYOR,
        "title": title,
        "request_date": days(-60),
        "due_date": days(due_in) if due_in is not None else None,
        "directorate": directorate,
        "assignee": assignee,
        "status": status,
        **extra,
    }
    with audit_context(source="test"):
        return Task.objects.create(**values)


def entries_for(obj) -> list[ChangeLogEntry]:
    return list(
        ChangeLogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(type(obj)), object_id=str(obj.pk)
        ).order_by("id")
    )


def agreement_form(directorate, **values) -> dict:
    return {
        "number": "12",
        "session_date": "2026-03-05",
        "session": "Sesión ordinaria N° 8",
        "text": "Solicita a la dirección un informe sobre luminarias.",
        "directorate": directorate.pk,
        "due_date": "2026-04-30",
        "status": "pendiente",
        "evidence": "",
        "completed_on": "",
        **values,
    }


def task_form(directorate, **values) -> dict:
    return {
        "requested_by": "alcaldia",
        "title": "Minuta para la reunión con el GORE",
        "description": "",
        "request_date": ddmm_iso(days(-5)),
        "due_date": ddmm_iso(days(10)),
        "directorate": directorate.pk,
        "assignee": "",
        "status": "pendiente",
        "result": "",
        "completed_on": "",
        **values,
    }


def ddmm_iso(date: dt.date) -> str:
    return date.isoformat()


def html(response) -> str:
    return response.content.decode()


# --------------------------------------------------------------------------------------
# Council agreements through the screens
# --------------------------------------------------------------------------------------


def test_the_director_records_an_agreement_and_finds_it_in_the_list_and_export(
    personas, dirs, client_as
):
    client = client_as(personas.director)
    response = client.post(
        reverse("planning:councilagreement_create"),
        agreement_form(dirs.dideco, change_reason="acta de la sesión"),
    )
    assert response.status_code == 302, html(response)
    agreement = CouncilAgreement.objects.get(number="12")
    assert response["Location"] == agreement.get_absolute_url()
    assert agreement.directorate == dirs.dideco and agreement.status == "pendiente"
    [entry] = entries_for(agreement)
    assert (entry.action, entry.user) == ("create", personas.director)
    assert entry.reason == "acta de la sesión"

    listing = html(client.get(reverse("planning:councilagreement_list"), {"q": "luminarias"}))
    assert agreement.get_absolute_url() in listing and "DIDECO" in listing
    export = client.get(reverse("planning:councilagreement_list"), {"export": "csv"})
    lines = export.content.decode("utf-8-sig").strip().splitlines()
    assert lines[0].startswith("N° de acuerdo,Fecha de la sesión,Sesión,Texto del acuerdo")
    assert "informe sobre luminarias" in lines[1] and "Pendiente" in lines[1]

    assert 'filename="acuerdos-del-concejo-' in export["Content-Disposition"]
    detail = html(client.get(agreement.get_absolute_url()))
    assert "Documentos (0)" in detail and "Historial" in detail
    assert ">Acuerdos del Concejo</a>" in detail


def test_agreement_rules_answer_in_spanish(personas, dirs, client_as):
    client = client_as(personas.director)
    url = reverse("planning:councilagreement_create")

    done_without_proof = html(client.post(url, agreement_form(dirs.dideco, status="cumplido")))
    assert "Indique la fecha en que se cumplió." in done_without_proof
    assert "Describa la evidencia de cumplimiento." in done_without_proof

    due_before_session = html(client.post(url, agreement_form(dirs.dideco, due_date="2026-03-01")))
    assert "El plazo es anterior a la sesión." in due_before_session

    future_completion = agreement_form(
        dirs.dideco, status="cumplido", evidence="Oficio 12", completed_on=ddmm_iso(days(3))
    )
    future = html(client.post(url, future_completion))
    assert "La fecha de cumplimiento no puede ser futura." in future
    assert not CouncilAgreement.objects.exists()

    assert client.post(url, agreement_form(dirs.dideco, number="7")).status_code == 302
    duplicate = client.post(
        url, agreement_form(dirs.secpla, number="7", session_date="2026-09-01", due_date="")
    )
    assert duplicate.status_code == 200
    assert "Ya existe el acuerdo N° 7 de 2026." in html(duplicate)
    # The same number in another year is another agreement.
    other_year = agreement_form(dirs.secpla, number="7", session_date="2025-09-01", due_date="")
    assert client.post(url, other_year).status_code == 302
    assert CouncilAgreement.objects.filter(number="7").count() == 2


def test_an_agreement_is_marked_done_only_with_its_evidence(personas, dirs, client_as):
    agreement = make_agreement(dirs.dideco, "31", due_in=-5)
    client = client_as(personas.enlace_dideco)
    url = reverse("planning:councilagreement_complete", args=[agreement.pk])
    detail = html(client.get(agreement.get_absolute_url()))
    assert "Vencido (5 días)" in detail and url in detail

    missing = client.post(url, {"completed_on": ddmm_iso(today()), "evidence": ""})
    assert missing.status_code == 200
    assert "Describa la evidencia de cumplimiento." in html(missing)
    agreement.refresh_from_db()
    assert agreement.status == "pendiente"

    response = client.post(
        url,
        {
            "completed_on": ddmm_iso(days(-1)),
            "evidence": "Oficio N° 88 con el informe.",
            "change_reason": "cumplido",
        },
    )
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == "cumplido" and agreement.completed_on == days(-1)
    assert agreement.evidence == "Oficio N° 88 con el informe."
    _created, updated = entries_for(agreement)
    assert (updated.action, updated.user, updated.reason) == (
        "update",
        personas.enlace_dideco,
        "cumplido",
    )
    assert "Vencido" not in html(client.get(agreement.get_absolute_url()))
    # Closed items are not closed again.
    again = client.get(url)
    assert again.status_code == 302 and again["Location"] == agreement.get_absolute_url()


def test_the_liaison_attaches_evidence_that_other_directorates_cannot_reach(
    personas, dirs, client_as, media
):
    agreement = make_agreement(dirs.dideco, "33", due_in=3)
    content_type = ContentType.objects.get_for_model(CouncilAgreement).pk
    upload = reverse("core:document_upload", args=[content_type, agreement.pk])
    response = client_as(personas.enlace_dideco).post(
        upload,
        {
            "title": "Oficio de respuesta",
            "kind": "evidencia",
            "file": SimpleUploadedFile("oficio.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert response.status_code == 302
    [document] = Document.objects.filter(content_type_id=content_type, object_id=str(agreement.pk))
    tab = html(client_as(personas.director).get(agreement.get_absolute_url() + "?tab=documentos"))
    assert "Documentos (1)" in tab and "Oficio de respuesta" in tab
    download = reverse("core:document_download", args=[document.pk])
    assert client_as(personas.concejala).get(download).status_code == 200
    assert client_as(personas.enlace_dom).get(download).status_code == 404
    assert client_as(personas.concejala).get(upload).status_code == 403


def test_the_concejala_reads_agreements_but_cannot_close_them(personas, dirs, client_as):
    agreement = make_agreement(dirs.dideco, "32", due_in=-1)
    client = client_as(personas.concejala)
    detail = html(client.get(agreement.get_absolute_url()))
    assert "Vencido (1 día)" in detail
    assert reverse("planning:councilagreement_complete", args=[agreement.pk]) not in detail
    url = reverse("planning:councilagreement_complete", args=[agreement.pk])
    assert client.post(url, {"completed_on": ddmm_iso(today()), "evidence": "x"}).status_code == 403
    agreement.refresh_from_db()
    assert agreement.status == "pendiente"


# --------------------------------------------------------------------------------------
# Tasks through the screens
# --------------------------------------------------------------------------------------


def test_the_alcaldesa_gives_a_task_and_the_liaison_closes_it(personas, dirs, client_as):
    response = client_as(personas.alcaldesa).post(
        reverse("planning:task_create"),
        task_form(dirs.dideco, assignee=personas.enlace_dideco.pk),
    )
    assert response.status_code == 302, html(response)
    task = Task.objects.get(title="Minuta para la reunión con el GORE")
    assert task.assignee == personas.enlace_dideco

    liaison = client_as(personas.enlace_dideco)
    url = reverse("planning:task_complete", args=[task.pk])
    assert "Marcar cumplida" in html(liaison.get(task.get_absolute_url()))
    response = liaison.post(url, {"completed_on": ddmm_iso(today()), "result": "Minuta enviada."})
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.result, task.completed_on) == ("cumplida", "Minuta enviada.", today())
    assert [(e.action, e.user) for e in entries_for(task)] == [
        ("create", personas.alcaldesa),
        ("update", personas.enlace_dideco),
    ]


def test_task_rules_answer_in_spanish(personas, dirs, client_as):
    client = client_as(personas.director)
    url = reverse("planning:task_create")

    other_directorate = client.post(url, task_form(dirs.dideco, assignee=personas.enlace_dom.pk))
    assert "El responsable pertenece a otra dirección." in html(other_directorate)

    due_before = client.post(url, task_form(dirs.dideco, due_date=ddmm_iso(days(-10))))
    assert "El plazo es anterior al encargo." in html(due_before)

    done_without_date = client.post(url, task_form(dirs.dideco, status="cumplida"))
    assert "Indique la fecha de término." in html(done_without_date)
    assert not Task.objects.exists()

    # An official without a directorate (the Alcaldesa herself) may take any task.
    ok = client.post(url, task_form(dirs.dideco, assignee=personas.alcaldesa.pk))
    assert ok.status_code == 302


def test_a_liaison_edits_its_own_tasks_only_within_its_directorate(personas, dirs, client_as):
    task = make_task(dirs.dideco, "Catastro de sedes sociales", due_in=4)
    client = client_as(personas.enlace_dideco)
    edit = reverse("planning:task_edit", args=[task.pk])
    choices = html(client.get(edit)).split('name="directorate"')[1].split("</select>")[0]
    assert f'value="{dirs.dideco.pk}"' in choices and f'value="{dirs.secpla.pk}"' not in choices
    moved = client.post(edit, task_form(dirs.secpla, title=task.title))
    assert moved.status_code == 200
    task.refresh_from_db()
    assert task.directorate == dirs.dideco


# --------------------------------------------------------------------------------------
# Scope: a liaison sees only its directorate's records
# --------------------------------------------------------------------------------------


def test_the_dideco_liaison_sees_only_dideco_agreements_and_tasks(personas, dirs, client_as):
    own_agreement = make_agreement(dirs.dideco, "40", due_in=10)
    make_agreement(dirs.secpla, "41", due_in=10, text="Acuerdo de SECPLA")
    own_task = make_task(dirs.dideco, "Tarea de DIDECO", due_in=3)
    make_task(dirs.secpla, "Tarea de SECPLA", due_in=3)

    client = client_as(personas.enlace_dideco)
    agreements = html(client.get(reverse("planning:councilagreement_list")))
    assert own_agreement.get_absolute_url() in agreements
    assert "SECPLA" not in agreements.split("<tbody>")[1].split("</tbody>")[0]
    tasks = html(client.get(reverse("planning:task_list")))
    assert "Tarea de DIDECO" in tasks and "Tarea de SECPLA" not in tasks
    assert [r["number"] for r in client.get(AGREEMENTS_API).json()["results"]] == ["40"]
    assert [r["title"] for r in client.get(TASKS_API).json()["results"]] == ["Tarea de DIDECO"]

    other = client_as(personas.enlace_dom)
    for url in (
        own_agreement.get_absolute_url(),
        reverse("planning:councilagreement_edit", args=[own_agreement.pk]),
        reverse("planning:councilagreement_complete", args=[own_agreement.pk]),
        own_task.get_absolute_url(),
        reverse("planning:task_complete", args=[own_task.pk]),
        f"{AGREEMENTS_API}{own_agreement.pk}/",
        f"{TASKS_API}{own_task.pk}/",
    ):
        assert other.get(url).status_code == 404, url
    assert other.get(AGREEMENTS_API).json()["results"] == []
    assert "No hay registros" in html(other.get(reverse("planning:task_list")))


# --------------------------------------------------------------------------------------
# API
# --------------------------------------------------------------------------------------


def test_the_api_filters_pending_and_overdue_items(personas, dirs, client_as):
    make_agreement(dirs.dideco, "50", due_in=-3)
    make_agreement(dirs.dideco, "51", due_in=20)
    make_agreement(
        dirs.secpla, "52", due_in=-30, status="cumplido", evidence="Hecho", completed_on=days(-31)
    )
    make_task(dirs.dideco, "Tarea atrasada", due_in=-2)
    make_task(dirs.secpla, "Al día", due_in=5)
    make_task(dirs.secpla, "Sin plazo")
    make_task(dirs.secpla, "Cancelada", due_in=-9, status="cancelada")
    client = client_as(personas.director)

    def numbers(query):
        return sorted(r["number"] for r in client.get(AGREEMENTS_API + query).json()["results"])

    def titles(query):
        return sorted(r["title"] for r in client.get(TASKS_API + query).json()["results"])

    assert numbers("?pending=true") == ["50", "51"]
    assert numbers("?pending=false") == ["52"]
    assert numbers("?overdue=true") == ["50"]
    assert numbers(f"?overdue=false&directorate={dirs.secpla.pk}") == ["52"]
    assert numbers(f"?due_before={days(0).isoformat()}") == ["50", "52"]
    assert titles("?pending=true") == ["Al día", "Sin plazo", "Tarea atrasada"]
    assert titles("?overdue=true") == ["Tarea atrasada"]
    assert titles(f"?pending=true&directorate={dirs.secpla.pk}") == ["Al día", "Sin plazo"]
    [row] = client.get(AGREEMENTS_API + "?overdue=true").json()["results"]
    assert row["is_overdue"] is True and row["directorate"] == dirs.dideco.pk
    # The screens' lists use the same filters.
    listing = html(client.get(reverse("planning:task_list"), {"overdue": "true"}))
    assert "Tarea atrasada" in listing and "Al día" not in listing


def test_api_writes_are_validated_scoped_and_logged(personas, dirs, client_as):
    director = client_as(personas.director)
    payload = {
        "number": "60",
        "session_date": "2026-05-07",
        "text": "Aprueba modificación presupuestaria.",
        "directorate": dirs.dideco.pk,
        "due_date": "2026-06-30",
    }
    created = director.post(AGREEMENTS_API, payload, content_type="application/json")
    assert created.status_code == 201, created.content
    agreement = CouncilAgreement.objects.get(pk=created.json()["id"])
    assert entries_for(agreement)[0].user == personas.director

    again = director.post(AGREEMENTS_API, payload, content_type="application/json")
    assert again.status_code == 400
    assert again.json()["number"] == ["Ya existe el acuerdo N° 60 de 2026."]
    early = director.post(
        AGREEMENTS_API,
        {**payload, "number": "61", "due_date": "2026-05-01"},
        content_type="application/json",
    )
    assert early.status_code == 400 and "El plazo es anterior a la sesión." in str(early.json())

    concejala = client_as(personas.concejala)
    assert (
        concejala.post(
            AGREEMENTS_API, {**payload, "number": "62"}, content_type="application/json"
        ).status_code
        == 403
    )

    liaison = client_as(personas.enlace_dideco)
    url = f"{AGREEMENTS_API}{agreement.pk}/"
    progress = liaison.patch(url, {"status": "en_curso"}, content_type="application/json")
    assert progress.status_code == 200 and progress.json()["status"] == "en_curso"
    moved = liaison.patch(url, {"directorate": dirs.secpla.pk}, content_type="application/json")
    assert moved.status_code == 403
    agreement.refresh_from_db()
    assert (agreement.status, agreement.directorate) == ("en_curso", dirs.dideco)

    task = {
        "requested_by": "administrador",
        "title": "Ficha IDI del proyecto",
        "request_date": today().isoformat(),
        "directorate": dirs.dideco.pk,
        "assignee": personas.enlace_dom.pk,
    }
    administrator = client_as(personas.administrador_municipal)
    wrong = administrator.post(TASKS_API, task, content_type="application/json")
    assert wrong.status_code == 400
    assert wrong.json()["assignee"] == ["El responsable pertenece a otra dirección."]
    task["assignee"] = personas.enlace_dideco.pk
    assert administrator.post(TASKS_API, task, content_type="application/json").status_code == 201


# --------------------------------------------------------------------------------------
# Pendientes y vencidos
# --------------------------------------------------------------------------------------


@pytest.fixture
def follow_ups(personas, dirs):
    return SimpleNamespace(
        dideco_late=make_agreement(dirs.dideco, "70", due_in=-12, text="Reparar la sede vecinal"),
        dideco_later=make_agreement(dirs.dideco, "71", due_in=30, text="Programa de invierno"),
        dideco_done=make_agreement(
            dirs.dideco, "72", due_in=-20, status="cumplido", evidence="Listo",
            completed_on=days(-21), text="Acuerdo ya cumplido",
        ),
        secpla_late=make_agreement(dirs.secpla, "73", due_in=-2, text="Estudio de tránsito"),
        dideco_undated=make_agreement(dirs.dideco, "74", text="Sin plazo definido"),
        dideco_task=make_task(dirs.dideco, "Catastro de clubes deportivos", due_in=-4),
        dideco_soon=make_task(dirs.dideco, "Informe social de campamentos", due_in=2),
        secpla_task=make_task(dirs.secpla, "Cartera de proyectos 2027", due_in=6),
    )  # fmt: skip


def test_the_liaison_sees_its_directorate_pending_items_overdue_first(
    personas, dirs, follow_ups, client_as
):
    page = html(client_as(personas.enlace_dideco).get(reverse("planning:pending")))
    assert "Dirección de Desarrollo Comunitario (DIDECO)" in page
    assert 'data-testid="pending-summary"' not in page
    assert "Reparar la sede vecinal" in page and "Programa de invierno" in page
    order = [page.index(t) for t in ("Reparar", "Programa de invierno", "Sin plazo definido")]
    assert order == sorted(order)  # overdue first, then by due date, undated last
    assert "Vencido (12 días)" in page and "Vencida (4 días)" in page  # agreement, task
    assert "Vence en 2 días" in page
    assert follow_ups.dideco_late.get_absolute_url() in page
    assert follow_ups.dideco_task.get_absolute_url() in page
    for other in ("Acuerdo ya cumplido", "Estudio de tránsito", "Cartera de proyectos 2027"):
        assert other not in page
    # Asking for another directorate changes nothing for a directorate-scoped role.
    again = html(
        client_as(personas.enlace_dideco).get(
            reverse("planning:pending"), {"direccion": dirs.secpla.pk}
        )
    )
    assert "Estudio de tránsito" not in again and "Reparar la sede vecinal" in again


def test_the_director_sees_a_summary_per_directorate_and_can_narrow_it(
    personas, dirs, follow_ups, client_as
):
    client = client_as(personas.director)
    page = html(client.get(reverse("planning:pending")))
    summary = page.split('data-testid="pending-summary"')[1].split("</table>")[0]
    assert f'href="?direccion={dirs.dideco.pk}"' in summary
    assert f'href="?direccion={dirs.secpla.pk}"' in summary
    assert "DOM" not in summary  # no open items
    dideco_row = summary.split(f'?direccion={dirs.dideco.pk}"')[1].split("</tr>")[0]
    # 3 open agreements (1 overdue), 2 open tasks (1 overdue).
    cells = [c.split("</td>")[0] for c in dideco_row.split('<td class="text-end">')[1:]]
    assert cells == [
        "3",
        '<span class="badge text-bg-danger">1</span>',
        "2",
        '<span class="badge text-bg-danger">1</span>',
    ]
    assert "Estudio de tránsito" in page and "Reparar la sede vecinal" in page

    narrowed = html(client.get(reverse("planning:pending"), {"direccion": dirs.dideco.pk}))
    assert "Reparar la sede vecinal" in narrowed and "Estudio de tránsito" not in narrowed
    for junk in ("abc", "99999999999999999999999", "-1"):
        assert client.get(reverse("planning:pending"), {"direccion": junk}).status_code == 200
    late_only = html(
        client.get(reverse("planning:pending"), {"direccion": dirs.dideco.pk, "vencidos": "1"})
    )
    assert "Reparar la sede vecinal" in late_only and "Programa de invierno" not in late_only
    assert "Catastro de clubes deportivos" in late_only
    assert "Informe social de campamentos" not in late_only


def test_the_concejala_sees_agreements_but_no_tasks_on_the_pending_page(
    personas, follow_ups, client_as
):
    page = html(client_as(personas.concejala).get(reverse("planning:pending")))
    assert "Reparar la sede vecinal" in page and "Estudio de tránsito" in page
    assert 'data-testid="pending-tasks"' not in page and "Catastro de clubes" not in page


# --------------------------------------------------------------------------------------
# Home page
# --------------------------------------------------------------------------------------


def test_overdue_items_appear_on_the_home_page_of_whoever_answers_for_them(
    personas, dirs, follow_ups, client_as
):
    home = reverse("home")
    late = follow_ups.dideco_late
    late_text = (
        f"Acuerdo del Concejo N° 70 (sesión del {ddmm(late.session_date)}): venció el "
        f"{ddmm(late.due_date)} (hace 12 días) y sigue pendiente."
    )
    liaison = html(client_as(personas.enlace_dideco).get(home))
    assert late_text in liaison
    assert late.get_absolute_url() in liaison
    assert "Tarea «Catastro de clubes deportivos» (Alcalde(sa)): venció el" in liaison
    assert (
        f"Tarea «Informe social de campamentos» (Alcalde(sa)): vence el "
        f"{ddmm(days(2))} (en 2 días)." in liaison
    )
    assert "Programa de invierno" not in liaison and "N° 72" not in liaison

    for other in (personas.enlace_dom, personas.director, personas.concejala):
        assert "N° 70" not in html(client_as(other).get(home))
    director = html(client_as(personas.director).get(home))
    assert "Acuerdo del Concejo N° 73" in director and "hace 2 días" in director


def test_a_task_shows_to_its_assignee_or_to_the_whole_directorate_if_unassigned(
    personas, dirs, client_as
):
    make_task(dirs.secpla, "Tarea de Estudios", due_in=-3, assignee=personas.estudios)
    make_task(dirs.secpla, "Tarea sin asignar", due_in=-1)
    make_task(dirs.secpla, "Tarea cerrada", due_in=-5, status="cancelada")
    home = reverse("home")
    estudios = html(client_as(personas.estudios).get(home))
    presupuesto = html(client_as(personas.presupuesto).get(home))
    assert "Tarea de Estudios" in estudios and "Tarea sin asignar" in estudios
    assert "Tarea de Estudios" not in presupuesto and "Tarea sin asignar" in presupuesto
    assert "Tarea cerrada" not in estudios
    assert "Tarea sin asignar" not in html(client_as(personas.enlace_dideco).get(home))


def test_many_overdue_items_become_one_summary_in_a_few_queries(personas, dirs):
    user = personas.enlace_dideco
    overdue_items(user, today())  # the role's grants are read once per request, not here
    make_agreement(dirs.dideco, "80", due_in=-1)
    with CaptureQueriesContext(connection) as one:
        [item] = overdue_items(user, today())
    assert item.level == "danger"

    for n in range(81, 86):
        make_agreement(dirs.dideco, str(n), due_in=-n + 70)
    make_task(dirs.dideco, "Otra vencida", due_in=-1, assignee=user)
    for n in range(6):
        make_task(dirs.dideco, f"Por vencer {n}", due_in=n)
    with CaptureQueriesContext(connection) as many:
        items = overdue_items(user, today())
    assert [i.level for i in items] == ["danger", "warning"]
    assert items[0].text == (
        "Tiene 7 compromisos vencidos a su cargo (6 acuerdos del Concejo y 1 tarea): "
        "revise «Pendientes y vencidos»."
    )
    assert items[0].url == reverse("planning:pending") + f"?direccion={dirs.dideco.pk}&vencidos=1"
    assert items[1].text == "6 compromisos a su cargo vencen en los próximos 7 días (6 tareas)."
    assert len(many.captured_queries) == len(one.captured_queries) <= 2


def test_no_notices_for_roles_without_these_records(personas, dirs):
    make_agreement(dirs.secpla, "90", due_in=-3)
    assert overdue_items(personas.admin, today()) == []  # SECPLA, but no permission
    assert overdue_items(personas.sin_rol, today()) == []


def test_task_screens_do_not_list_the_municipalitys_staff(personas, dirs, client_as):
    task = make_task(dirs.dideco, "Catastro de sedes", due_in=-3, assignee=personas.enlace_dideco)
    client = client_as(personas.enlace_dideco)
    stranger = personas.enlace_dom.get_full_name() or personas.enlace_dom.username
    for url in (
        reverse("planning:task_list"),
        reverse("planning:task_edit", args=[task.pk]),
        f"/api/v1/planning/tasks/{task.pk}/?format=api",
    ):
        page = client.get(url, HTTP_ACCEPT="text/html").content.decode()
        assert stranger not in page, url
    listing = client.get(reverse("planning:task_list")).content.decode()
    assert personas.enlace_dideco.get_full_name() in listing


def test_an_overdue_task_says_vencida(personas, dirs, client_as):
    task = make_task(dirs.secpla, "Informe de cartera", due_in=-5)
    page = client_as(personas.director).get(task.get_absolute_url()).content.decode()
    assert "Vencida (5 días)" in page
    agreement = make_agreement(dirs.secpla, "900", due_in=-5)
    page = client_as(personas.director).get(agreement.get_absolute_url()).content.decode()
    assert "Vencido (5 días)" in page
