"""Upload validation for municipal documents, tested with real files built in memory."""

from __future__ import annotations

import hashlib
import io
import random
import struct
import zipfile
import zlib

import openpyxl
import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from secpla.core.documents import ALLOWED_TYPES, MB, UploadInfo, inspect_upload

# --- Files built by hand -------------------------------------------------------------------

PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + bytes(56) + b"This program cannot be run in DOS mode.\r\n"
HTML = b"<!DOCTYPE html><html><body><script>alert('hola')</script></body></html>"

CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
)
RELS = b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/"/>'
DOCX_MEMBERS = {
    "[Content_Types].xml": CONTENT_TYPES,
    "_rels/.rels": RELS,
    "word/document.xml": b"<w:document><w:body><w:p/></w:body></w:document>",
}
XLSX_MEMBERS = {
    "[Content_Types].xml": CONTENT_TYPES,
    "_rels/.rels": RELS,
    "xl/workbook.xml": b"<workbook><sheets/></workbook>",
    "xl/worksheets/sheet1.xml": b"<worksheet><sheetData/></worksheet>",
}
ODT_MIME = b"application/vnd.oasis.opendocument.text"
ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    rows = b"".join(b"\x00" + b"\xd5\x2b\x1e" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            stored = name == "mimetype"  # OpenDocument: first member, uncompressed
            archive.writestr(name, data, zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def opendocument_bytes(mimetype: bytes) -> bytes:
    return zip_bytes(
        {
            "mimetype": mimetype,
            "META-INF/manifest.xml": b"<manifest:manifest/>",
            "content.xml": b"<office:document-content/>",
        }
    )


def openpyxl_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Proyecto", "Monto (CLP)"])
    sheet.append(["Reposición de veredas, Población Los Aromos", 48_500_000])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def rejection(file: SimpleUploadedFile) -> ValidationError:
    with pytest.raises(ValidationError) as excinfo:
        inspect_upload(file)
    assert file.tell() == 0
    return excinfo.value


DOCX = zip_bytes(DOCX_MEMBERS)
XLSX = zip_bytes(XLSX_MEMBERS)
ODT = opendocument_bytes(ODT_MIME)
ODS = opendocument_bytes(ODS_MIME)
PNG = png_bytes()


@pytest.fixture(autouse=True, scope="module")
def django_settings() -> None:
    if not settings.configured:
        settings.configure(SECPLA_MAX_UPLOAD_BYTES=25 * MB)


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    """An XLSX-shaped zip whose sheet is 300 MB of zeros, written in 1 MB pieces."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, data in XLSX_MEMBERS.items():
            if name != "xl/worksheets/sheet1.xml":
                archive.writestr(name, data)
        zeros = bytes(MB)
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            for _ in range(300):
                member.write(zeros)
    return buffer.getvalue()


# --- Accepted files ------------------------------------------------------------------------


ACCEPTED = [
    ("decreto-1234.pdf", PDF, "pdf", "application/pdf"),
    ("plano.png", PNG, "png", "image/png"),
    ("FOTO_TERRENO.JPG", JPEG, "jpg", "image/jpeg"),
    ("foto.jpeg", JPEG, "jpeg", "image/jpeg"),
    ("acta.docx", DOCX, "docx", ALLOWED_TYPES["docx"]),
    ("presupuesto.xlsx", XLSX, "xlsx", ALLOWED_TYPES["xlsx"]),
    ("acta.odt", ODT, "odt", "application/vnd.oasis.opendocument.text"),
    ("presupuesto.ods", ODS, "ods", "application/vnd.oasis.opendocument.spreadsheet"),
    ("datos.csv", "comuna;año\nÑuñoa;2025\n".encode(), "csv", "text/csv"),
    ("datos-excel.csv", "comuna;año\nÑuñoa;2025\r\n".encode("latin-1"), "csv", "text/csv"),
    ("notas.txt", b"Acta de la sesion\tN 12\r\n\x0c", "txt", "text/plain"),
]


@pytest.mark.parametrize(
    ("name", "content", "extension", "mime_type"), ACCEPTED, ids=[case[0] for case in ACCEPTED]
)
def test_it_accepts_a_valid_document_and_describes_it(
    name: str, content: bytes, extension: str, mime_type: str
) -> None:
    file = upload(name, content)
    info = inspect_upload(file)
    assert info == UploadInfo(
        original_name=name,
        extension=extension,
        mime_type=mime_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )
    assert file.tell() == 0


def test_it_accepts_a_real_xlsx_written_by_openpyxl() -> None:
    content = openpyxl_bytes()
    info = inspect_upload(upload("cartera-proyectos.xlsx", content))
    assert info.mime_type == ALLOWED_TYPES["xlsx"]
    assert info.sha256 == hashlib.sha256(content).hexdigest()


def test_it_hashes_the_whole_file_in_chunks_even_if_it_was_partly_read() -> None:
    content = b"linea de texto;" * 20_000  # 300 KB: several 64 KB chunks
    file = upload("largo.csv", content)
    file.read(1000)
    info = inspect_upload(file)
    assert info.size == len(content)
    assert info.sha256 == hashlib.sha256(content).hexdigest()
    assert file.tell() == 0


def test_it_strips_the_directory_part_of_a_windows_path_from_the_name() -> None:
    info = inspect_upload(upload("C:\\Users\\ana\\Escritorio\\decreto 123.pdf", PDF))
    assert info.original_name == "decreto 123.pdf"


def test_it_drops_invisible_control_characters_from_the_name() -> None:
    info = inspect_upload(upload("acta\u202e\u0007.pdf", PDF))
    assert info.original_name == "acta.pdf"


def test_it_keeps_names_to_255_characters_with_their_extension() -> None:
    info = inspect_upload(upload("a" * 300 + ".pdf", PDF))
    assert len(info.original_name) == 255
    assert info.original_name.endswith("a.pdf")


def test_it_ignores_the_compression_ratio_of_members_under_1_mb() -> None:
    members = {**XLSX_MEMBERS, "xl/sharedStrings.xml": bytes(900 * 1024)}  # ratio ~1000
    assert inspect_upload(upload("planilla.xlsx", zip_bytes(members))).extension == "xlsx"


def test_it_accepts_large_members_that_compress_normally() -> None:
    noise = random.Random(7).randbytes(2 * MB)  # incompressible: ratio ~1
    members = {**DOCX_MEMBERS, "word/media/image1.bin": noise}
    assert inspect_upload(upload("informe.docx", zip_bytes(members))).extension == "docx"


# --- Size ----------------------------------------------------------------------------------


def test_it_rejects_a_file_over_the_size_limit_and_says_the_limit_in_mb() -> None:
    with override_settings(SECPLA_MAX_UPLOAD_BYTES=1 * MB):
        error = rejection(upload("decreto.pdf", PDF + bytes(MB)))
    assert error.code == "upload_too_large"
    assert error.messages == ["El archivo supera el tamaño máximo permitido de 1 MB."]


def test_it_accepts_a_file_of_exactly_the_size_limit() -> None:
    content = PDF + b" " * (MB - len(PDF))
    with override_settings(SECPLA_MAX_UPLOAD_BYTES=MB):
        assert inspect_upload(upload("decreto.pdf", content)).size == MB


def test_it_reads_the_size_limit_at_call_time() -> None:
    content = PDF + bytes(MB)
    with override_settings(SECPLA_MAX_UPLOAD_BYTES=3 * MB // 2):
        assert inspect_upload(upload("decreto.pdf", content)).size == len(content)
    with override_settings(SECPLA_MAX_UPLOAD_BYTES=MB // 2):
        assert "0,5 MB" in rejection(upload("decreto.pdf", content)).messages[0]


def test_it_counts_the_bytes_it_reads_rather_than_trusting_the_declared_size() -> None:
    file = upload("decreto.pdf", PDF + bytes(2 * MB))
    file.size = 10
    with override_settings(SECPLA_MAX_UPLOAD_BYTES=MB):
        assert rejection(file).code == "upload_too_large"


def test_it_rejects_an_empty_file() -> None:
    error = rejection(upload("acta.pdf", b""))
    assert error.code == "upload_empty"
    assert error.messages == ["El archivo está vacío."]


# --- Extension -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("programa.exe", "con extensión .exe"),
        ("pagina.html", "con extensión .html"),
        ("factura.pdf.exe", "con extensión .exe"),
        ("planilla.xls", "con extensión .xls"),
        ("respaldo.zip", "con extensión .zip"),
        ("LEEME", "sin extensión"),
    ],
)
def test_it_rejects_an_extension_not_allowed_and_lists_the_accepted_ones(
    name: str, shown: str
) -> None:
    error = rejection(upload(name, PDF))
    assert error.code == "upload_extension"
    message = error.messages[0]
    assert message.startswith(f"No se aceptan archivos {shown}. Extensiones permitidas: ")
    for extension in ("pdf", "png", "jpg", "jpeg", "docx", "xlsx", "odt", "ods", "csv", "txt"):
        assert f".{extension}" in message


# --- Content must agree with the extension -------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        pytest.param("decreto.docx", PDF, id="pdf-renamed-to-docx"),
        pytest.param("acta.pdf", EXE, id="exe-renamed-to-pdf"),
        pytest.param("foto.png", HTML, id="html-renamed-to-png"),
        pytest.param("foto.jpg", PNG, id="png-renamed-to-jpg"),
        pytest.param("acta.pdf", DOCX, id="docx-renamed-to-pdf"),
        pytest.param("planilla.xlsx", DOCX, id="docx-renamed-to-xlsx"),
        pytest.param("decreto.docx", XLSX, id="xlsx-renamed-to-docx"),
        pytest.param("acta.odt", ODS, id="ods-renamed-to-odt"),
        pytest.param("acta.odt", DOCX, id="docx-renamed-to-odt"),
        pytest.param("decreto.docx", zip_bytes({"hola.txt": b"hola"}), id="zip-renamed-to-docx"),
        pytest.param("notas.txt", PDF, id="pdf-renamed-to-txt"),
        pytest.param("datos.csv", PNG, id="png-renamed-to-csv"),
    ],
)
def test_it_rejects_content_that_does_not_match_the_extension(name: str, content: bytes) -> None:
    error = rejection(upload(name, content))
    assert error.code == "upload_mismatch"
    expected = f"El contenido del archivo no corresponde a la extensión .{name.split('.')[1]}"
    assert error.messages[0].startswith(expected)


def test_it_rejects_a_pdf_renamed_to_docx_and_says_what_it_looks_like() -> None:
    message = rejection(upload("decreto.docx", PDF)).messages[0]
    assert message == (
        "El contenido del archivo no corresponde a la extensión .docx (parece ser un archivo .pdf)."
    )


@pytest.mark.parametrize(
    ("name", "content", "looks_like"),
    [
        pytest.param("acta.pdf", EXE, "exe", id="exe-renamed-to-pdf"),
        pytest.param("decreto.docx", XLSX, "xlsx", id="xlsx-renamed-to-docx"),
        pytest.param("acta.odt", ODS, "ods", id="ods-renamed-to-odt"),
        pytest.param("foto.png", JPEG, "jpg", id="jpeg-renamed-to-png"),
    ],
)
def test_it_says_what_a_renamed_file_looks_like(name: str, content: bytes, looks_like: str) -> None:
    message = rejection(upload(name, content)).messages[0]
    assert message.endswith(f"(parece ser un archivo .{looks_like}).")


@pytest.mark.parametrize(
    "content",
    [
        pytest.param("Acta de sesión".encode("utf-16"), id="utf-16-has-nul-bytes"),
        pytest.param(b"comuna;monto\n" + b"x" * 70_000 + b"\x00", id="nul-after-first-chunk"),
        pytest.param(b"texto\x01\x02\x03binario", id="control-characters"),
    ],
)
def test_it_rejects_a_text_file_that_is_not_text(content: bytes) -> None:
    error = rejection(upload("datos.csv", content))
    assert error.code == "upload_not_text"
    assert "no es texto" in error.messages[0]


# --- Zip-based documents -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "members", "missing"),
    [
        ("acta.docx", {"word/styles.xml": b"<w:styles/>"}, "[Content_Types].xml"),
        ("acta.docx", {**DOCX_MEMBERS, "word/document.xml": None}, "word/document.xml"),
        ("planilla.xlsx", {**XLSX_MEMBERS, "xl/workbook.xml": None}, "xl/workbook.xml"),
        ("acta.odt", {"mimetype": ODT_MIME, "styles.xml": b"<styles/>"}, "content.xml"),
    ],
)
def test_it_rejects_an_office_document_missing_a_required_part(
    name: str, members: dict[str, bytes | None], missing: str
) -> None:
    present = {member: data for member, data in members.items() if data is not None}
    if name.endswith(".docx"):
        present.setdefault("word/styles.xml", b"<w:styles/>")
    if name.endswith(".xlsx"):
        present.setdefault("xl/styles.xml", b"<styleSheet/>")
    error = rejection(upload(name, zip_bytes(present)))
    assert error.code == "upload_zip_structure"
    assert "está incompleto o dañado: le falta" in error.messages[0]
    assert missing in error.messages[0]


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"PK\x03\x04" + bytes(200), id="zip-header-then-garbage"),
        pytest.param(DOCX[:-30], id="truncated-docx"),
    ],
)
def test_it_rejects_a_corrupt_zip(content: bytes) -> None:
    error = rejection(upload("acta.docx", content))
    assert error.code == "upload_zip_corrupt"
    assert error.messages == ["El archivo .docx está dañado o incompleto y no se puede abrir."]


def test_it_rejects_a_zip_bomb_of_300_mb_of_zeros(zip_bomb: bytes) -> None:
    assert len(zip_bomb) < 2 * MB  # what is uploaded is small
    error = rejection(upload("planilla.xlsx", zip_bomb))
    assert error.code == "upload_zip_bomb"
    assert error.messages == [
        "No se acepta el archivo: al descomprimirlo ocuparía más de 200 MB. "
        "Podría ser un archivo malicioso."
    ]


def test_it_rejects_a_zip_whose_directory_declares_300_mb_without_extracting() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in XLSX_MEMBERS.items():
            archive.writestr(name, data)
        archive.writestr("xl/media/huge.bin", b"tiny")
        archive.filelist[-1].file_size = 300 * MB  # written to the central directory
    error = rejection(upload("planilla.xlsx", buffer.getvalue()))
    assert error.code == "upload_zip_bomb"
    assert "ocuparía más de 200 MB" in error.messages[0]


def test_it_reads_the_unzipped_size_limit_from_settings() -> None:
    members = {**XLSX_MEMBERS, "xl/media/foto.bin": random.Random(1).randbytes(200_000)}
    content = zip_bytes(members)
    assert inspect_upload(upload("planilla.xlsx", content)).extension == "xlsx"
    with override_settings(SECPLA_MAX_UNZIPPED_BYTES=MB // 10):
        error = rejection(upload("planilla.xlsx", content))
    assert "ocuparía más de 0,1 MB" in error.messages[0]


def test_it_rejects_a_member_compressed_more_than_100_times() -> None:
    members = {**XLSX_MEMBERS, "xl/sharedStrings.xml": bytes(5 * MB)}
    error = rejection(upload("planilla.xlsx", zip_bytes(members)))
    assert error.code == "upload_zip_bomb"
    assert "uno de sus componentes está comprimido más de 100 veces" in error.messages[0]


def test_it_rejects_a_zip_with_more_than_10000_members() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, data in XLSX_MEMBERS.items():
            archive.writestr(name, data)
        for number in range(10_000):
            archive.writestr(f"xl/media/{number}", b"")
    error = rejection(upload("planilla.xlsx", buffer.getvalue()))
    assert error.code == "upload_zip_bomb"
    assert "contiene más de 10.000 archivos internos" in error.messages[0]


@pytest.mark.parametrize(
    "member", ["../evil", "xl/../../evil", "/etc/evil", "..\\evil", "C:/evil", "C:\\evil"]
)
def test_it_rejects_member_names_that_are_absolute_or_climb_with_dot_dot(member: str) -> None:
    content = zip_bytes({**XLSX_MEMBERS, member: b"x"})
    with zipfile.ZipFile(io.BytesIO(content)) as archive:  # the name really is in the zip
        assert member in archive.namelist()
    error = rejection(upload("planilla.xlsx", content))
    assert error.code == "upload_zip_path"
    assert "rutas internas no permitidas" in error.messages[0]


# --- Whatever arrives ----------------------------------------------------------------------


@hypothesis_settings(max_examples=200, deadline=None)
@given(
    extension=st.sampled_from(sorted(ALLOWED_TYPES)),
    base=st.sampled_from([b"", PDF, PNG, DOCX, XLSX, ODT, b"PK\x03\x04", b"MZ"]),
    cut=st.integers(min_value=0, max_value=4000),
    tail=st.binary(max_size=512),
)
def test_it_answers_any_content_with_upload_info_or_a_validation_error(
    extension: str, base: bytes, cut: int, tail: bytes
) -> None:
    file = upload(f"archivo.{extension}", base[:cut] + tail)
    try:
        info = inspect_upload(file)
    except ValidationError as error:
        assert error.messages[0].startswith(("El ", "No se "))
    else:
        assert info.mime_type == ALLOWED_TYPES[extension]
    assert file.tell() == 0
