"""Reference data shipped with the budget module: the municipal classifier compiled from
public documents (data/clasificador_municipal.csv; origins in data/README.md)."""

from __future__ import annotations

import csv
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
CLASSIFIER_CSV = DATA / "clasificador_municipal.csv"
CLASSIFIER_YEAR = 2026
CLASSIFIER_SOURCE = (
    "Clasificador presupuestario (Decreto 854/2004, Hacienda) en su forma municipal, "
    "compilado de documentos públicos; cada cuenta indica su origen. Ver "
    "src/secpla/budget/data/README.md."
)


def classifier_rows(path: Path = CLASSIFIER_CSV) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return sorted(rows, key=lambda row: (row["code"].count("."), row["code"]))


def load_classifier(ClassifierVersion, Account, year: int = CLASSIFIER_YEAR) -> int:
    """Create the classifier of `year` with every account (parents first); returns the count.

    Takes the model classes so a data migration can pass its historical models.
    """
    from secpla.budget.models import parent_code  # a plain function: fine in migrations

    version, _ = ClassifierVersion.objects.get_or_create(
        year=year, defaults={"source": CLASSIFIER_SOURCE}
    )
    by_code: dict[str, object] = {a.code: a for a in Account.objects.filter(version=version)}
    created = 0
    for row in classifier_rows():
        code = row["code"]
        if code in by_code:
            continue
        parent = parent_code(code)
        by_code[code] = Account.objects.create(
            version=version,
            code=code,
            kind=row["kind"],
            level=row["level"],
            name=row["name"],
            parent=by_code.get(parent) if parent else None,
            is_official=True,
            source=row["source"],
        )
        created += 1
    return created


# Áreas de gestión of municipal gastos (SINIM codes 4162–4167; the two-digit codes are the
# usual convention, see the domain notes). Loaded by migration 0005; editable.
AREAS = [
    ("01", "Gestión Interna", "4162"),
    ("02", "Servicios a la Comunidad", "4163"),
    ("03", "Actividades Municipales", "4164"),
    ("04", "Programas Sociales", "4165"),
    ("05", "Programas Recreacionales", "4166"),
    ("06", "Programas Culturales", "4167"),
]
CALENDAR_SOURCE = (
    "Ley 18.695, art. 82 letra a): el Alcalde presenta el presupuesto al Concejo en la "
    "primera semana de octubre y el Concejo se pronuncia antes del 15 de diciembre. Texto "
    "no verificado contra la ley vigente: revise las fechas."
)
ALERT_SOURCE = (
    "Valores iniciales elegidos por la municipalidad (no vienen de una norma): ajústelos."
)
