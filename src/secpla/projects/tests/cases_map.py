"""Permission-matrix rows of the portfolio map, its GeoJSON and the public portfolio.

The internal map and GeoJSON are for everyone who may view projects (every municipal role
except the system administrator); the public pages answer everybody, logged in or not.
The records they show are the ones cases_api.populate creates (`world.project`)."""

from __future__ import annotations

from secpla.testing_matrix import ALL, EVERYONE, Case

READERS = ALL - {"admin_sistema"}

CASES = [
    Case("projects:map", ok=READERS),
    Case("projects:geojson", ok=READERS),
    Case("projects:geojson", ok=READERS, query="?descargar=1"),
    Case("projects:public_portfolio", ok=EVERYONE, anonymous=200),
    Case("projects:public_map", ok=EVERYONE, anonymous=200),
    Case("projects:public_geojson", ok=EVERYONE, anonymous=200),
    Case("projects:public_portfolio", ok=EVERYONE, anonymous=200, query="?status=postulado"),
]


def populate(world) -> None:
    """Nothing of its own: the pages list `world.project` (cases_api.populate)."""
