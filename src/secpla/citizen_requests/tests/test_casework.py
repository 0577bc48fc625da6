"""The staff request page and its actions (through the client), the map and its GeoJSON."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from secpla.citizen_requests.models import Request, RequestEvent

POINT = {"type": "Point", "coordinates": [-72.3016, -36.7425]}
NEAR = {"type": "Point", "coordinates": [-72.3017, -36.7425]}  # about 9 m away
NOTE = "Nota interna: revisar con la empresa contratista"


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def filed(file_request):
    return file_request()


def url(name: str, r: Request) -> str:
    return reverse(f"citizen_requests:{name}", args=[r.pk])


def located(r: Request, point=POINT) -> Request:
    """Give a request a point (the tests' municipality has no boundary to check)."""
    Request.objects.filter(pk=r.pk).update(location=point)
    r.refresh_from_db()
    return r


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def post(client, name, r, data=None):
    return client.post(url(name, r), data or {}, follow=True)


def test_the_page_shows_the_request_its_contact_and_only_allowed_actions(
    filed, client_as, personas
):
    response = client_as(personas.enlace_dideco).get(url("request_detail", filed))
    assert response.status_code == 200
    html = response.content.decode()
    assert filed.tracking_code in html
    assert "Ana Pérez" in html and "ana@example.cl" in html  # staff see the contact
    for action in ("assign", "derive", "start", "answer"):
        assert f'data-testid="action-{action}"' in html
    assert 'data-testid="action-close"' not in html  # not from «Recibida»
    assert 'data-testid="action-reopen"' not in html


def test_a_reader_sees_the_page_without_forms(filed, client_as, personas):
    html = client_as(personas.estudios).get(url("request_detail", filed)).content.decode()
    assert filed.tracking_code in html
    assert 'data-testid="action-' not in html
    assert "no modificarla" in html


def test_the_whole_workflow_through_the_page(filed, client_as, personas):
    client = client_as(personas.enlace_dideco)
    response = post(client, "request_assign", filed, {"user": personas.enlace_dideco.pk})
    assert "fue asignada" in " ".join(messages_of(response))
    response = post(client, "request_start", filed, {"comment": "Se envía cuadrilla"})
    assert "En proceso" in " ".join(messages_of(response))
    response = post(client, "request_answer", filed, {"answer": "Se repuso la luminaria."})
    assert "respuesta" in " ".join(messages_of(response))
    response = post(client, "request_close", filed)
    filed.refresh_from_db()
    assert filed.status == "cerrada"
    assert "Se repuso la luminaria." in response.content.decode()
    response = post(client, "request_reopen", filed, {"reason": "Llamó: sigue apagada"})
    filed.refresh_from_db()
    assert filed.status == "reabierta"
    assert "fue reabierta" in " ".join(messages_of(response))
    kinds = list(filed.events.values_list("kind", flat=True))
    for kind in ("recibida", "asignada", "en_proceso", "respondida", "cerrada", "reabierta"):
        assert kind in kinds


def test_a_wrong_state_gets_a_spanish_refusal(filed, client_as, personas):
    client = client_as(personas.enlace_dideco)
    response = post(client, "request_close", filed)
    text = " ".join(messages_of(response))
    assert "No se realizó la acción" in text
    assert "Una solicitud «Recibida» no puede cerrarse." in text
    filed.refresh_from_db()
    assert filed.status == "recibida"
    response = post(client, "request_reopen", filed, {"reason": "Sigue igual"})
    assert "no puede reabrirse" in " ".join(messages_of(response))


def test_missing_text_gets_a_spanish_message(filed, client_as, personas):
    client = client_as(personas.enlace_dideco)
    response = post(client, "request_answer", filed, {"answer": "  "})
    assert "Escriba la respuesta para la persona." in " ".join(messages_of(response))
    response = post(client, "request_derive", filed, {"directorate": "", "reason": ""})
    text = " ".join(messages_of(response))
    assert "Elija la dirección a la que deriva." in text
    assert "Indique el motivo de la derivación." in text
    response = post(client, "request_assign", filed, {"user": personas.enlace_dom.pk})
    assert "Elija una persona activa de la dirección a cargo." in " ".join(messages_of(response))
    filed.refresh_from_db()
    assert filed.status == "recibida" and filed.assigned_to is None


def test_derive_moves_it_out_of_the_enlace_scope(filed, client_as, personas, dom):
    client = client_as(personas.enlace_dideco)
    response = post(
        client, "request_derive", filed, {"directorate": dom.pk, "reason": "Es de la DOM"}
    )
    # The page is no longer theirs to see: back to the dashboard, with the message.
    assert response.redirect_chain[-1][0] == reverse("citizen_requests:dashboard")
    assert "fue derivada a" in " ".join(messages_of(response))
    assert client.get(url("request_detail", filed)).status_code == 404
    filed.refresh_from_db()
    assert filed.directorate == dom
    assert client_as(personas.enlace_dom).get(url("request_detail", filed)).status_code == 200


def test_the_enlace_of_another_directorate_gets_404(filed, client_as, personas):
    client = client_as(personas.enlace_dom)
    assert client.get(url("request_detail", filed)).status_code == 404
    for name, data in (
        ("request_start", {}),
        ("request_answer", {"answer": "No"}),
        ("request_note", {"text": "x"}),
    ):
        assert client.post(url(name, filed), data).status_code == 404
    filed.refresh_from_db()
    assert filed.status == "recibida"
    assert not filed.events.filter(kind=RequestEvent.Kind.NOTE).exists()


def test_a_reader_cannot_act(filed, client_as, personas):
    response = client_as(personas.estudios).post(
        url("request_answer", filed), {"answer": "Respuesta"}
    )
    assert response.status_code == 403


def test_get_on_an_action_is_405(filed, client_as, personas):
    assert client_as(personas.director).get(url("request_start", filed)).status_code == 405


def test_internal_notes_are_marked_and_never_public(filed, client_as, personas, client):
    staff = client_as(personas.enlace_dideco)
    response = post(staff, "request_note", filed, {"text": NOTE})
    assert "Se agregó la nota interna." in messages_of(response)
    html = response.content.decode()
    assert NOTE in html
    assert "Interna" in html and "Pública" in html
    post(staff, "request_answer", filed, {"answer": "Respuesta pública de prueba"})
    public = client.get(
        reverse("citizen_requests:public_track", kwargs={"code": filed.tracking_code})
    )
    assert public.status_code == 200
    text = public.content.decode()
    assert "Respuesta pública de prueba" in text
    assert NOTE not in text
    assert "Ana Pérez" not in text and "ana@example.cl" not in text


def test_possible_duplicates_and_merge_into_this(file_request, client_as, personas, bounded):
    original = located(file_request())
    duplicate = located(file_request(), NEAR)
    client = client_as(personas.enlace_dideco)
    html = client.get(url("request_detail", original)).content.decode()
    assert 'data-testid="duplicates"' in html
    assert duplicate.tracking_code in html and "Fusionar en esta" in html
    response = post(
        client, "request_merge", original, {"other": duplicate.pk, "direction": "into_this"}
    )
    assert f"quedó unida a la {original.tracking_code}" in " ".join(messages_of(response))
    duplicate.refresh_from_db()
    assert duplicate.merged_into == original and duplicate.status == "cerrada"


def test_merge_this_into_the_other_and_refusals(file_request, client_as, personas, bounded):
    original = located(file_request())
    duplicate = located(file_request(), NEAR)
    client = client_as(personas.enlace_dideco)
    response = post(
        client, "request_merge", duplicate, {"other": original.pk, "direction": "this_into"}
    )
    duplicate.refresh_from_db()
    assert duplicate.merged_into == original
    assert "fue unida a la" in response.content.decode()
    # Once merged (closed), it cannot be merged again: Spanish refusal.
    response = post(
        client, "request_merge", duplicate, {"other": original.pk, "direction": "this_into"}
    )
    assert "no puede fusionarse con otra" in " ".join(messages_of(response))
    response = post(client, "request_merge", original, {"other": 999999, "direction": "x"})
    assert "No se realizó la acción" in " ".join(messages_of(response))


def test_merge_with_a_request_out_of_scope_is_refused(file_request, pothole, client_as, personas):
    mine = file_request()
    theirs = file_request(category=pothole)  # DOM
    response = post(
        client_as(personas.enlace_dideco),
        "request_merge",
        mine,
        {"other": theirs.pk, "direction": "into_this"},
    )
    assert "No se encontró la otra solicitud." in " ".join(messages_of(response))
    theirs.refresh_from_db()
    assert theirs.merged_into is None


# --- map ----------------------------------------------------------------------------------

GEOJSON = reverse("citizen_requests:map_geojson")


def test_geojson_has_only_the_allowed_fields(file_request, client_as, personas):
    r = located(file_request())
    file_request()  # without a location: not on the map
    response = client_as(personas.director).get(GEOJSON)
    assert response["Content-Type"] == "application/geo+json"
    data = response.json()
    assert data["type"] == "FeatureCollection"
    assert len(data["features"]) == 1
    feature = data["features"][0]
    assert feature["geometry"] == POINT
    props = feature["properties"]
    assert set(props) == {
        "tracking_code", "category", "status", "status_code", "due_on", "url", "color"
    }  # fmt: skip
    assert props["tracking_code"] == r.tracking_code
    assert props["due_on"] == r.due_on.isoformat()
    assert props["url"] == url("request_detail", r)
    body = response.content.decode()
    assert "Ana" not in body and "ana@example.cl" not in body and "luminaria de la" not in body


def test_geojson_is_scoped_and_filtered(file_request, pothole, client_as, personas):
    mine = located(file_request())
    theirs = located(file_request(category=pothole))

    def codes(user, query=""):
        data = client_as(user).get(GEOJSON + query).json()
        return {f["properties"]["tracking_code"] for f in data["features"]}

    assert codes(personas.director) == {mine.tracking_code, theirs.tracking_code}
    assert codes(personas.enlace_dideco) == {mine.tracking_code}
    assert codes(personas.enlace_dom) == {theirs.tracking_code}
    assert codes(personas.director, f"?categoria={pothole.pk}") == {theirs.tracking_code}
    assert codes(personas.director, "?estado=cerrada") == set()
    assert codes(personas.director, "?estado=abiertas") == {
        mine.tracking_code, theirs.tracking_code
    }  # fmt: skip
    assert codes(personas.director, "?desde=2000-01-01&hasta=2000-12-31") == set()
    assert codes(personas.director, "?estado=nada") == set()  # invalid filter: nothing
    assert client_as(personas.concejala).get(GEOJSON).status_code == 403


def test_the_map_page_shows_spanish_filter_errors(client_as, personas):
    response = client_as(personas.director).get(
        reverse("citizen_requests:map") + "?desde=2026-12-01&hasta=2026-01-01&categoria=abc"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "La fecha «desde» no puede ser posterior a «hasta»." in html
    assert "Elija una categoría de la lista." in html


def test_a_located_request_gets_a_small_map_and_no_inline_code(file_request, client_as, personas):
    r = located(file_request())
    html = client_as(personas.director).get(url("request_detail", r)).content.decode()
    assert 'data-testid="request-map"' in html
    assert "secpla/oirs-map.js" in html
    assert 'style="' not in html
    assert html.count("<script") == html.count("<script src=")


def test_the_map_page_renders(file_request, client_as, personas):
    located(file_request())
    response = client_as(personas.director).get(reverse("citizen_requests:map"))
    html = response.content.decode()
    assert 'data-testid="oirs-map"' in html and "1 solicitud con ubicación" in html
    assert html.count("<script") == html.count("<script src=")


def test_attachments_are_listed_with_core_documents(filed, client_as, personas, media):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from secpla.core import services as core_services

    core_services.document_attach(
        actor=personas.director,
        target=filed,
        upload=SimpleUploadedFile("acta.pdf", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"),
        title="Foto del poste",
        kind="acta",
    )
    html = client_as(personas.enlace_dideco).get(url("request_detail", filed)).content.decode()
    assert 'data-testid="documents"' in html and "Foto del poste" in html
