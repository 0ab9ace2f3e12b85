"""Where things are: the county outline and the townships."""

from __future__ import annotations

import json
import threading
from typing import Any

from sqlalchemy import select

from app.data.engine import Database
from app.data.models import Region, Township
from app.domain.geo import MultiPolygon, distance_m, multipolygon_contains
from app.services.dto import TownshipDTO


def _as_multipolygon(geometry: dict[str, Any]) -> MultiPolygon:
    coords = geometry.get("coordinates") or []
    if geometry.get("type") == "Polygon":
        coords = [coords]
    return [[[(float(p[0]), float(p[1])) for p in ring] for ring in poly] for poly in coords]


class PlaceService:
    """County outline and township lookups. The outline is read once and kept."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._lock = threading.Lock()
        self._county: MultiPolygon | None = None
        self._county_loaded = False

    def county(self) -> MultiPolygon | None:
        with self._lock:
            if not self._county_loaded:
                with self._db.read_session() as s:
                    text = s.scalar(select(Region.geojson).where(Region.level == "county").limit(1))
                self._county = _as_multipolygon(json.loads(text)) if text else None
                self._county_loaded = True
            return self._county

    def in_county(self, lon: float, lat: float) -> bool:
        """True inside the county outline (and anywhere when no outline is known)."""
        county = self.county()
        return county is None or multipolygon_contains(county, lon, lat)

    def township_near(self, lon: float, lat: float) -> TownshipDTO | None:
        """The township whose centre is nearest to the point.

        Township boundaries are not available in any package; the nearest centre
        is the best guess, and the duty officer can correct it in the form.
        """
        with self._db.read_session() as s:
            rows = s.scalars(select(Township).where(Township.lon.is_not(None))).all()
            best = min(
                rows,
                key=lambda t: distance_m(lon, lat, t.lon or 0.0, t.lat or 0.0),
                default=None,
            )
            if best is None:
                return None
            return TownshipDTO(
                best.id, best.code, best.name, best.kind, best.lon, best.lat, best.is_demo
            )
