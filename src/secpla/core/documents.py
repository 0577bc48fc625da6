"""Validation of uploaded municipal documents (decretos, actas, evidence).

Why: the file name and the browser's Content-Type are chosen by the client, and the
files are later served to officials and the public or opened by libraries that unzip
them. So nothing the client says is trusted: the type is sniffed from the bytes and
must agree with the extension, the zip-based formats (DOCX, XLSX, ODT, ODS) are checked
for zip bombs and path traversal from their central directory alone (nothing is
extracted), and the size and SHA-256 are computed while streaming the file in chunks.
Messages are in Spanish (es-CL) because they are shown to the end user.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
import zlib
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

MB = 1024 * 1024

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"

ALLOWED_TYPES: dict[str, str] = {
    "pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg",
    "docx": DOCX, "xlsx": XLSX, "odt": ODT, "ods": ODS, "csv": "text/csv", "txt": "text/plain",
}  # fmt: skip
TEXT_EXTENSIONS = frozenset({"csv", "txt"})
# Members each zip-based format must contain once its type agrees with the extension.
ZIP_REQUIRED_MEMBERS: dict[str, tuple[str, ...]] = {
    "docx": ("[Content_Types].xml", "word/document.xml"),
    "xlsx": ("[Content_Types].xml", "xl/workbook.xml"),
    "odt": ("mimetype", "content.xml"),
    "ods": ("mimetype", "content.xml"),
}
# filetype sees only the first 8 KB and depends on member order, so when it says "a zip"
# or one of our zip formats, the zip's own members decide which document it really is.
ZIP_CONTAINER_MIMES = frozenset({"application/zip", DOCX, XLSX, ODT, ODS})
SNIFF_ALIASES = {"image/apng": "image/png"}  # an animated PNG is still a PNG

SNIFF_BYTES = 8192
MAX_ZIP_MEMBERS = 10_000
MAX_COMPRESSION_RATIO = 100
RATIO_CHECK_MIN_BYTES = 1 * MB
# Every byte string decodes as Latin-1, so "UTF-8 or Latin-1" accepts any bytes: what
# tells text from binary is NUL and the C0 controls that text never has (tab, newlines,
# form feed, SUB and ESC are allowed).
BINARY_BYTES = re.compile(rb"[\x00-\x08\x0e-\x19\x1c-\x1f]")
# What a damaged zip can raise while its directory or the small `mimetype` member is read.
ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError)


@dataclass(frozen=True)
class UploadInfo:
    original_name: str  # the user's file name, stripped of any directory part, max 255 chars
    extension: str  # lower-case, without dot, e.g. "pdf"
    mime_type: str  # from ALLOWED_TYPES, decided by sniffed content
    size: int  # bytes
    sha256: str  # hex digest of the content


def inspect_upload(upload: UploadedFile) -> UploadInfo:
    """Describe an acceptable upload or raise ValidationError; the file is left at position 0."""
    try:
        return _inspect(upload)
    finally:
        upload.seek(0)


def _inspect(upload: UploadedFile) -> UploadInfo:
    name = _clean_name(upload.name or "")
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    if extension not in ALLOWED_TYPES:
        shown = f"con extensión .{extension}" if extension else "sin extensión"
        accepted = ", ".join(f".{ext}" for ext in ALLOWED_TYPES)
        raise ValidationError(
            f"No se aceptan archivos {shown}. Extensiones permitidas: {accepted}.",
            code="upload_extension",
        )
    limit: int = settings.SECPLA_MAX_UPLOAD_BYTES
    if upload.size and upload.size > limit:
        raise _too_large(limit)

    digest, size, head, binary = hashlib.sha256(), 0, b"", False
    for chunk in upload.chunks():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        digest.update(chunk)
        if len(head) < SNIFF_BYTES:
            head += chunk[: SNIFF_BYTES - len(head)]
        binary = binary or BINARY_BYTES.search(chunk) is not None
    if size == 0:
        raise ValidationError("El archivo está vacío.", code="upload_empty")

    mime_type = _check_content(upload, extension, head, binary)
    return UploadInfo(name, extension, mime_type, size, digest.hexdigest())


def _clean_name(raw: str) -> str:
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()  # drops U+202E and kin
    if len(name) > 255:
        stem, dot, ext = name.rpartition(".")
        name = f"{stem[: 254 - len(ext)]}.{ext}" if dot and len(ext) <= 10 else name[:255]
    return name


def _check_content(upload: UploadedFile, extension: str, head: bytes, binary: bool) -> str:
    expected = ALLOWED_TYPES[extension]
    kind = filetype.guess(head)
    sniffed = SNIFF_ALIASES.get(kind.mime, kind.mime) if kind else None
    detected = kind.extension if kind else None
    if extension in TEXT_EXTENSIONS:
        if sniffed is not None:
            raise _mismatch(extension, detected)
        if binary:
            raise ValidationError(
                f"El archivo .{extension} no es texto: contiene bytes nulos o caracteres de "
                "control. Guárdelo como texto en UTF-8 o Latin-1.",
                code="upload_not_text",
            )
        return expected
    if extension in ZIP_REQUIRED_MEMBERS and sniffed in ZIP_CONTAINER_MIMES:
        _check_zip(upload, extension)
        return expected
    if sniffed != expected:
        raise _mismatch(extension, detected)
    return expected


def _check_zip(upload: UploadedFile, extension: str) -> None:
    try:
        with zipfile.ZipFile(upload) as archive:
            members = archive.infolist()
            _check_zip_limits(members)
            names = {member.filename for member in members}
            actual = _zip_document_type(archive, names)
    except ZIP_ERRORS as exc:
        raise ValidationError(
            f"El archivo .{extension} está dañado o incompleto y no se puede abrir.",
            code="upload_zip_corrupt",
        ) from exc
    if actual != ALLOWED_TYPES[extension]:
        raise _mismatch(extension, next((e for e, m in ALLOWED_TYPES.items() if m == actual), None))
    missing = [name for name in ZIP_REQUIRED_MEMBERS[extension] if name not in names]
    if missing:
        raise ValidationError(
            f"El archivo .{extension} está incompleto o dañado: le falta {', '.join(missing)}.",
            code="upload_zip_structure",
        )


def _check_zip_limits(members: list[zipfile.ZipInfo]) -> None:
    if len(members) > MAX_ZIP_MEMBERS:
        raise _zip_bomb(f"contiene más de {MAX_ZIP_MEMBERS:,} archivos internos".replace(",", "."))
    for member in members:
        parts = member.filename.replace("\\", "/").split("/")
        if parts[0] == "" or ":" in parts[0] or ".." in parts:
            raise ValidationError(
                "El archivo contiene rutas internas no permitidas (absolutas o con «..»).",
                code="upload_zip_path",
            )
    max_unzipped: int = getattr(settings, "SECPLA_MAX_UNZIPPED_BYTES", 200 * MB)
    if sum(member.file_size for member in members) > max_unzipped:
        raise _zip_bomb(f"al descomprimirlo ocuparía más de {_mb(max_unzipped)} MB")
    for member in members:
        too_compressed = member.file_size > MAX_COMPRESSION_RATIO * member.compress_size
        if member.file_size > RATIO_CHECK_MIN_BYTES and too_compressed:
            raise _zip_bomb(
                f"uno de sus componentes está comprimido más de {MAX_COMPRESSION_RATIO} veces"
            )


def _zip_document_type(archive: zipfile.ZipFile, names: set[str]) -> str | None:
    if "mimetype" in names:  # OpenDocument declares its own type
        with archive.open("mimetype") as member:
            return member.read(100).decode("ascii", "replace").strip()
    if any(name.startswith("word/") for name in names):
        return DOCX
    if any(name.startswith("xl/") for name in names):
        return XLSX
    return None


def _mismatch(extension: str, detected: str | None) -> ValidationError:
    looks_like = f" (parece ser un archivo .{detected})" if detected else ""
    return ValidationError(
        f"El contenido del archivo no corresponde a la extensión .{extension}{looks_like}.",
        code="upload_mismatch",
    )


def _zip_bomb(reason: str) -> ValidationError:
    return ValidationError(
        f"No se acepta el archivo: {reason}. Podría ser un archivo malicioso.",
        code="upload_zip_bomb",
    )


def _too_large(limit: int) -> ValidationError:
    return ValidationError(
        f"El archivo supera el tamaño máximo permitido de {_mb(limit)} MB.",
        code="upload_too_large",
    )


def _mb(size: int) -> str:
    """25 MB -> "25", 1.5 MB -> "1,5" (decimal comma, as written in Chile)."""
    return f"{size / MB:.2f}".rstrip("0").rstrip(".").replace(".", ",")
