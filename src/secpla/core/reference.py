"""Loading of the reference data shipped in core/data/ (see data/README.md)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
CUT_FILE = DATA_DIR / "CUT_2018_v04.xls"
BOUNDARIES_FILE = DATA_DIR / "comunas.geojson"
BOUNDARIES_SOURCE = (
    "BCN, Mapas vectoriales (vía fcortes/Chile-GeoJSON, comunas.geojson), simplificado a 4 "
    "decimales"
)

# ISO 3166-2:CL codes, as the `holidays` package names the regions.
ISO_BY_REGION = {
    "01": "TA", "02": "AN", "03": "AT", "04": "CO", "05": "VS", "06": "LI", "07": "ML",
    "08": "BI", "09": "AR", "10": "LL", "11": "AI", "12": "MA", "13": "RM", "14": "LR",
    "15": "AP", "16": "NB",
}  # fmt: skip


def read_cut_rows() -> list[dict[str, str]]:
    """The official comuna list: one dict per comuna with codes as zero-padded strings."""
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(CUT_FILE)).get_sheet_by_index(0).to_python()
    header, *body = rows
    expected = [
        "Código Región",
        "Nombre Región",
        "Abreviatura Región",
        "Código Provincia",
        "Nombre Provincia",
        "Código Comuna 2018",
        "Nombre Comuna",
    ]
    if [str(h).strip() for h in header] != expected:
        raise ValueError(f"Unexpected CUT header: {header}")
    result = []
    for row in body:
        region, region_name, abbrev, province, province_name, comuna, comuna_name = (
            str(v).strip() for v in row
        )
        result.append(
            {
                "region": region.zfill(2),
                "region_name": region_name,
                "abbreviation": abbrev,
                "province": province.zfill(3),
                "province_name": province_name,
                "cut": comuna.zfill(5),
                "name": comuna_name,
            }
        )
    return result


def load_territory(Region, Province, Comuna) -> int:
    """Create or update regions, provinces and comunas; returns the number of comunas."""
    rows = read_cut_rows()
    regions, provinces = {}, {}
    for row in rows:
        if row["region"] not in regions:
            regions[row["region"]], _ = Region.objects.update_or_create(
                code=row["region"],
                defaults={
                    "name": row["region_name"],
                    "abbreviation": row["abbreviation"],
                    "holidays_subdivision": ISO_BY_REGION.get(row["region"], ""),
                },
            )
        if row["province"] not in provinces:
            provinces[row["province"]], _ = Province.objects.update_or_create(
                code=row["province"],
                defaults={"name": row["province_name"], "region": regions[row["region"]]},
            )
        Comuna.objects.update_or_create(
            cut=row["cut"], defaults={"name": row["name"], "province": provinces[row["province"]]}
        )
    return len(rows)


@cache
def _boundaries() -> dict[str, dict]:
    collection = json.loads(BOUNDARIES_FILE.read_text(encoding="utf-8"))
    return {
        str(feature["properties"]["cod_comuna"]).zfill(5): feature["geometry"]
        for feature in collection["features"]
        if feature["properties"].get("cod_comuna")
    }


def comuna_boundary(cut: str) -> dict | None:
    """The comuna's boundary as a GeoJSON geometry (WGS84), or None if not in the file."""
    return _boundaries().get(cut)
