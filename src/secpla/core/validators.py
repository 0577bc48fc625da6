"""Validators for the codes that enter the system (RUT, CUT). Messages in Spanish."""

import re

from django.core.exceptions import ValidationError
from stdnum.cl import rut as stdnum_rut
from stdnum.exceptions import InvalidChecksum
from stdnum.exceptions import ValidationError as StdnumError

CUT_RE = re.compile(r"^\d{5}$")


def normalize_rut(value: str) -> str:
    """Return a RUT as 12.345.678-5 (python-stdnum does the módulo 11 check)."""
    return stdnum_rut.format(stdnum_rut.validate(value))


def validate_rut(value: str) -> None:
    if not value:
        return
    try:
        stdnum_rut.validate(value)
    except InvalidChecksum as exc:
        raise ValidationError(
            "El dígito verificador del RUT no corresponde (módulo 11).", code="rut_checksum"
        ) from exc
    except StdnumError as exc:
        raise ValidationError(
            "El RUT no tiene un formato válido. Ejemplo: 12.345.678-5.", code="rut_format"
        ) from exc


def validate_cut(value: str) -> None:
    if not CUT_RE.match(value or ""):
        raise ValidationError(
            "El código CUT de una comuna tiene 5 dígitos (región, provincia, comuna).",
            code="cut_format",
        )
