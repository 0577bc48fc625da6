"""Bad input gets a clear Spanish message next to the field, and nothing is written."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from secpla.core.models import Agreement, ChangeLogEntry, Directorate, Document, Organisation
from secpla.core.money import UTMMissing, clp_to_utm


@pytest.fixture
def organisation(personas):
    return Organisation.objects.create(name="Gobierno Regional", kind="publico")


def form_errors(response, field):
    form = response.context["form"]
    return " ".join(form.errors.get(field, []))


def assert_nothing_written(before: int):
    assert ChangeLogEntry.objects.count() == before


def test_a_malformed_rut_is_rejected_on_the_screen(personas, client_as):
    before = ChangeLogEntry.objects.count()
    response = client_as(personas.director).post(
        reverse("core:organisation_create"),
        {"name": "Empresa", "kind": "privado", "rut": "12.345.678-9"},
    )
    assert response.status_code == 200
    assert "dígito verificador" in form_errors(response, "rut")
    assert 'aria-invalid="true"' in response.content.decode()
    assert not Organisation.objects.filter(name="Empresa").exists()
    assert_nothing_written(before)


def test_a_rut_with_letters_is_rejected_with_its_format(personas, client_as):
    response = client_as(personas.director).post(
        reverse("core:organisation_create"), {"name": "Empresa", "kind": "privado", "rut": "abc"}
    )
    assert "formato" in form_errors(response, "rut")


def test_a_valid_rut_is_stored_in_the_standard_format(personas, client_as):
    client_as(personas.director).post(
        reverse("core:organisation_create"),
        {"name": "Empresa", "kind": "privado", "rut": "761234560"},
    )
    assert Organisation.objects.get(name="Empresa").rut == "76.123.456-0"


def test_a_malformed_rut_is_rejected_by_the_api(personas, client_as):
    response = client_as(personas.director).post(
        "/api/v1/organisations/", {"name": "Empresa", "kind": "privado", "rut": "12.345.678-9"},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 400
    assert "dígito verificador" in response.json()["rut"][0]


def test_a_cut_code_that_does_not_exist_is_rejected(personas, client_as):
    before = ChangeLogEntry.objects.count()
    response = client_as(personas.admin).post(
        reverse("core:municipality_edit"), {"name": "Municipalidad", "comuna_cut": "16199"}
    )
    assert response.status_code == 200
    assert "no existe en la lista oficial" in form_errors(response, "comuna_cut")
    assert_nothing_written(before)


def test_a_cut_code_that_is_not_five_digits_is_rejected(personas, client_as):
    response = client_as(personas.admin).post(
        reverse("core:municipality_edit"), {"name": "Municipalidad", "comuna_cut": "1610"}
    )
    assert "5 dígitos" in form_errors(response, "comuna_cut")


def test_the_municipality_takes_its_comuna_and_boundary_from_the_official_lists(
    personas, client_as
):
    response = client_as(personas.admin).post(
        reverse("core:municipality_edit"),
        {"name": "Municipalidad de Chillán", "comuna_cut": "16101"},
    )
    assert response.status_code == 302
    from secpla.core.models import Municipality

    municipality = Municipality.current()
    assert municipality.comuna.name == "Chillán" and municipality.region.code == "16"
    assert municipality.boundary["type"] in {"Polygon", "MultiPolygon"}


def _agreement_data(organisation, **overrides):
    data = {
        "organisation": organisation.pk, "title": "Convenio", "kind": "marco",
        "status": "vigente", "directorate": Directorate.objects.get(code="SECPLA").pk,
        "start_date": "2026-03-01", "end_date": "2026-12-31", "amount": "1000000",
    }  # fmt: skip
    data.update(overrides)
    return data


def test_an_impossible_date_is_rejected(personas, client_as, organisation):
    before = ChangeLogEntry.objects.count()
    response = client_as(personas.director).post(
        reverse("core:agreement_create"), _agreement_data(organisation, start_date="2026-02-30")
    )
    assert response.status_code == 200
    assert "fecha válida" in form_errors(response, "start_date")
    assert not Agreement.objects.exists()
    assert_nothing_written(before)


def test_an_end_date_before_the_start_is_rejected(personas, client_as, organisation):
    response = client_as(personas.director).post(
        reverse("core:agreement_create"), _agreement_data(organisation, end_date="2025-01-01")
    )
    assert "anterior a la de inicio" in form_errors(response, "end_date")


def test_a_negative_amount_is_rejected(personas, client_as, organisation):
    before = ChangeLogEntry.objects.count()
    response = client_as(personas.director).post(
        reverse("core:agreement_create"), _agreement_data(organisation, amount="-5")
    )
    assert "no puede ser negativo" in form_errors(response, "amount")
    assert not Agreement.objects.exists()
    assert_nothing_written(before)


def test_a_negative_amount_and_an_impossible_date_are_rejected_by_the_api(
    personas, client_as, organisation
):
    client = client_as(personas.director)
    negative = client.post(
        "/api/v1/agreements/",
        _agreement_data(organisation, amount=-5),
        content_type="application/json",
    )
    assert negative.status_code == 400
    assert "no puede ser negativo" in str(negative.json())
    impossible = client.post(
        "/api/v1/agreements/",
        _agreement_data(organisation, start_date="2026-02-30"),
        content_type="application/json",
    )
    assert impossible.status_code == 400 and "start_date" in impossible.json()
    assert not Agreement.objects.exists()


def test_a_missing_utm_month_gives_a_clear_message_not_a_guess(personas):
    with pytest.raises(UTMMissing) as error:
        clp_to_utm(1_000_000, 2031, 3)
    assert "Falta el valor de la UTM de marzo de 2031" in str(error.value)


def test_the_home_page_warns_when_this_months_utm_is_missing(personas, client_as):
    html = client_as(personas.admin).get(reverse("home")).content.decode()
    assert "Falta el valor UTM de" in html


def test_a_utm_month_out_of_range_is_rejected(personas, client_as):
    response = client_as(personas.admin).post(
        reverse("core:utmvalue_create"),
        {"year": "2026", "month": "13", "value": "70000", "source": "SII"},
    )
    assert form_errors(response, "month")


def test_an_upload_of_the_wrong_type_is_rejected(personas, client_as, organisation, media):
    from django.contrib.contenttypes.models import ContentType

    url = reverse("core:document_upload", args=[
        ContentType.objects.get_for_model(Organisation).pk, organisation.pk])  # fmt: skip
    before = ChangeLogEntry.objects.count()
    fake_pdf = SimpleUploadedFile("decreto.pdf", b"MZ\x90\x00 this is an executable")
    response = client_as(personas.director).post(
        url, {"title": "Decreto", "kind": "decreto", "file": fake_pdf}
    )
    assert response.status_code == 200
    assert "no corresponde" in form_errors(response, "file")
    assert not Document.objects.exists()
    assert list(media.rglob("*.*")) == []
    assert_nothing_written(before)


def test_a_read_only_role_cannot_write(personas, client_as, organisation):
    client = client_as(personas.concejala)
    response = client.post(
        reverse("core:organisation_edit", args=[organisation.pk]),
        {"name": "Cambiado", "kind": "publico"},
    )
    assert response.status_code == 403
    api = client.patch(
        f"/api/v1/organisations/{organisation.pk}/",
        {"name": "Cambiado"},
        content_type="application/json",
    )
    assert api.status_code == 403
    organisation.refresh_from_db()
    assert organisation.name == "Gobierno Regional"


def test_a_liaison_cannot_move_an_agreement_to_another_directorate(
    personas, client_as, organisation
):
    client = client_as(personas.enlace_dideco)
    dideco = Directorate.objects.get(code="DIDECO")
    created = client.post(
        reverse("core:agreement_create"), _agreement_data(organisation, directorate=dideco.pk)
    )
    assert created.status_code == 302
    agreement = Agreement.objects.get()
    # The directorate choices only offer DIDECO; forcing SECPLA is refused.
    response = client.post(
        reverse("core:agreement_edit", args=[agreement.pk]), _agreement_data(organisation)
    )
    assert response.status_code == 200
    assert "directorate" in response.context["form"].errors
    agreement.refresh_from_db()
    assert agreement.directorate == dideco
