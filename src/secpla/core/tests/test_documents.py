"""Attachments: stored outside the static root, served only to who may see the record."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from secpla.core.models import Agreement, Directorate, Document, Organisation

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


@pytest.fixture
def agreement(personas):
    org = Organisation.objects.create(name="GORE", kind="publico")
    return Agreement.objects.create(
        organisation=org,
        title="Convenio SECPLA",
        kind="marco",
        directorate=Directorate.objects.get(code="SECPLA"),
    )


def upload_url(obj):
    return reverse(
        "core:document_upload", args=[ContentType.objects.get_for_model(type(obj)).pk, obj.pk]
    )


def test_a_pdf_is_attached_listed_and_downloaded(personas, client_as, agreement, media):
    client = client_as(personas.director)
    response = client.post(upload_url(agreement), {
        "title": "Decreto aprobatorio", "kind": "decreto",
        "file": SimpleUploadedFile("../../decreto final.pdf", PDF)})  # fmt: skip
    assert response.status_code == 302
    document = Document.objects.get()
    assert document.original_name == "decreto final.pdf"
    assert document.mime_type == "application/pdf" and document.size == len(PDF)
    stored = Path(document.file.path)
    assert stored.is_relative_to(media) and stored.read_bytes() == PDF
    assert not stored.is_relative_to(Path(django_settings.STATIC_ROOT))
    tab = client.get(agreement.get_absolute_url() + "?tab=documentos").content.decode()
    assert "Decreto aprobatorio" in tab
    download = client_as(personas.concejala).get(
        reverse("core:document_download", args=[document.pk])
    )
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert "decreto final.pdf" in download["Content-Disposition"]


def test_a_document_is_not_served_to_who_cannot_see_its_record(
    personas, client_as, agreement, media
):
    from secpla.core.services import document_attach

    document = document_attach(
        actor=personas.director,
        target=agreement,
        upload=SimpleUploadedFile("acta.pdf", PDF),
        title="Acta",
        kind="acta",
    )
    url = reverse("core:document_download", args=[document.pk])
    assert client_as(personas.enlace_dideco).get(url).status_code == 404
    assert client_as(personas.sin_rol).get(url).status_code == 404


def test_a_read_only_role_cannot_attach_or_delete(personas, client_as, agreement, media):
    client = client_as(personas.concejala)
    response = client.post(
        upload_url(agreement),
        {"title": "x", "kind": "otro", "file": SimpleUploadedFile("a.pdf", PDF)},
    )
    assert response.status_code == 403
    assert not Document.objects.exists()


def test_deleting_a_document_removes_the_file_and_is_logged(
    personas, client_as, agreement, media, django_capture_on_commit_callbacks
):
    from secpla.core.models import ChangeLogEntry
    from secpla.core.services import document_attach

    document = document_attach(
        actor=personas.director,
        target=agreement,
        upload=SimpleUploadedFile("acta.pdf", PDF),
        title="Acta",
        kind="acta",
    )
    path = Path(document.file.path)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(personas.director).post(
            reverse("core:document_delete", args=[document.pk]), {"change_reason": "duplicado"}
        )
    assert response.status_code == 302
    assert not Document.objects.exists() and not path.exists()
    entry = ChangeLogEntry.objects.filter(action="delete").get()
    assert entry.reason == "duplicado" and entry.object_repr == "Acta"


def test_an_oversized_upload_is_rejected(personas, client_as, agreement, media, settings):
    settings.SECPLA_MAX_UPLOAD_BYTES = 10
    response = client_as(personas.director).post(
        upload_url(agreement),
        {"title": "x", "kind": "otro", "file": SimpleUploadedFile("a.pdf", PDF)},
    )
    assert response.status_code == 200
    assert "MB" in " ".join(response.context["form"].errors["file"])
    assert not Document.objects.exists()
