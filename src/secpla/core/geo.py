"""Geometry checks on GeoJSON (WGS84) with shapely: what enters must be a valid point or
polygon and lie inside the municipality's comuna. Messages in Spanish."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError

ALLOWED_TYPES = {"Point", "Polygon", "MultiPolygon", "LineString"}
TYPE_LABELS = "un punto, una línea o un polígono"


def to_shape(geometry: dict):
    """A shapely geometry from a GeoJSON geometry dict, or a Spanish ValidationError."""
    from shapely.errors import GEOSException
    from shapely.geometry import shape

    if not isinstance(geometry, dict) or geometry.get("type") not in ALLOWED_TYPES:
        raise ValidationError(f"La ubicación debe ser {TYPE_LABELS} en formato GeoJSON.")
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError, GEOSException) as exc:
        raise ValidationError("La ubicación no es un GeoJSON válido.") from exc
    if geom.is_empty or not geom.is_valid:
        raise ValidationError("La geometría de la ubicación no es válida (¿polígono cruzado?).")
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise ValidationError(
            "Las coordenadas deben ser longitud y latitud (WGS84), por ejemplo [-72.30, -36.74]."
        )
    return geom


def clean_geometry(geometry) -> dict | None:
    """The geometry as stored: None for "no location", else only `type` and `coordinates`
    as shapely reads them (extra keys, nesting tricks and foreign members are dropped, so
    nothing typed into a location reaches the public GeoJSON but the geometry itself)."""
    if geometry is None or geometry in ({}, "", []):
        return None
    from shapely.geometry import mapping

    clean = mapping(to_shape(geometry))
    return {"type": clean["type"], "coordinates": _lists(clean["coordinates"])}


def _lists(value):
    return [_lists(item) for item in value] if isinstance(value, list | tuple) else value


def validate_inside_comuna(geometry: dict | None) -> None:
    """Refuse a location outside the municipality's comuna boundary."""
    if geometry is None:
        return
    from shapely.geometry import shape

    from secpla.core.models import Municipality

    geom = to_shape(geometry)
    municipality = Municipality.current()
    boundary = municipality.boundary if municipality else None
    if not boundary:
        raise ValidationError(
            "No se puede ubicar el registro: la municipalidad no tiene su límite comunal "
            "configurado (Municipalidad → Perfil municipal)."
        )
    if not shape(boundary).buffer(1e-9).covers(geom):
        raise ValidationError(
            f"La ubicación queda fuera de la comuna de {municipality.comuna.name}."
        )


def map_config() -> dict:
    """What every Leaflet map (static/secpla/map-base.js) needs: the tile server, when the
    municipality set one (else a plain background), and the comuna boundary as GeoJSON
    text ("" without one)."""
    from django.conf import settings

    from secpla.core.models import Municipality

    municipality = Municipality.current()
    boundary = municipality.boundary if municipality else None
    return {
        "tiles_url": settings.MAP_TILES_URL,
        "tiles_attribution": settings.MAP_TILES_ATTRIBUTION,
        "boundary": json.dumps(boundary, separators=(",", ":")) if boundary else "",
    }
