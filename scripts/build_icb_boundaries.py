#!/usr/bin/env python3
"""Build `sim/data/england/icb_boundaries.geojson` from the ONS ICB (April 2023) boundary
shapefile, once, so that specsim draws real ICB boundaries without a GIS library at run time.

Input: ONS "Integrated Care Boards (April 2023) EN BSC" (generalised to 500 m, clipped to the
coastline; British National Grid), in `shared/data/raw/ons_icb_apr2023_bsc_shapefile/`.
Steps: read the .shp/.dbf with the standard library, convert BNG eastings/northings to
longitude/latitude (inverse transverse Mercator on the Airy 1830 ellipsoid, i.e. OSGB36; the
~100 m OSGB36-WGS84 datum shift is far below what a national map shows), simplify each ring
(Douglas-Peucker, `TOLERANCE_M`), drop rings smaller than `MIN_AREA_KM2`, round to 3 decimals
(~100 m) and write GeoJSON with the ICB code and name.

Licence: Source: Office for National Statistics licensed under the Open Government Licence
v3.0. Contains OS data © Crown copyright and database right 2023.

Usage: python scripts/build_icb_boundaries.py [SHAPEFILE_FOLDER] [OUT.geojson]
"""

from __future__ import annotations

import json
import math
import struct
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared" / "data" / "raw" / "ons_icb_apr2023_bsc_shapefile"
OUT = ROOT / "sim" / "data" / "england" / "icb_boundaries.geojson"
TOLERANCE_M = 1500.0
MIN_AREA_KM2 = 8.0
ATTRIBUTION = ("Source: Office for National Statistics licensed under the Open Government "
               "Licence v3.0. Contains OS data © Crown copyright and database right 2023. "
               "ICB (April 2023) EN BSC, simplified for specsim by "
               "scripts/build_icb_boundaries.py.")


def read_dbf(path: Path) -> list[dict[str, str]]:
    data = path.read_bytes()
    n, header_len, record_len = struct.unpack("<IHH", data[4:12])
    fields, pos = [], 32
    while data[pos] != 0x0D:
        name = data[pos:pos + 11].split(b"\0")[0].decode("ascii")
        fields.append((name, data[pos + 16]))
        pos += 32
    rows = []
    for i in range(n):
        rec = data[header_len + i * record_len: header_len + (i + 1) * record_len]
        at, row = 1, {}
        for name, length in fields:
            row[name] = rec[at:at + length].decode("utf-8", "replace").strip()
            at += length
        rows.append(row)
    return rows


def read_shp(path: Path) -> list[list[np.ndarray]]:
    """Each record's rings (polygon or multipolygon parts) as arrays of (easting, northing)."""
    data = path.read_bytes()
    pos, shapes = 100, []
    while pos < len(data):
        _, length = struct.unpack(">ii", data[pos:pos + 8])
        body = data[pos + 8: pos + 8 + 2 * length]
        pos += 8 + 2 * length
        if struct.unpack("<i", body[:4])[0] == 0:
            shapes.append([])
            continue
        n_parts, n_points = struct.unpack("<ii", body[36:44])
        parts = list(struct.unpack(f"<{n_parts}i", body[44:44 + 4 * n_parts]))
        xy = np.frombuffer(body[44 + 4 * n_parts: 44 + 4 * n_parts + 16 * n_points],
                           dtype="<f8").reshape(-1, 2)
        shapes.append([xy[a:b] for a, b in zip(parts, [*parts[1:], n_points], strict=True)])
    return shapes


def bng_to_lonlat(e: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inverse transverse Mercator for the National Grid (OSGB36 longitude/latitude)."""
    a, b, f0 = 6377563.396, 6356256.909, 0.9996012717
    lat0, lon0, n0, e0 = math.radians(49), math.radians(-2), -100000.0, 400000.0
    e2 = 1 - b * b / (a * a)
    nn = (a - b) / (a + b)
    lat = (n - n0) / (a * f0) + lat0
    for _ in range(10):
        m = b * f0 * ((1 + nn + 1.25 * nn**2 + 1.25 * nn**3) * (lat - lat0)
                      - (3 * nn + 3 * nn**2 + 21 / 8 * nn**3) * np.sin(lat - lat0)
                      * np.cos(lat + lat0)
                      + (15 / 8 * nn**2 + 15 / 8 * nn**3) * np.sin(2 * (lat - lat0))
                      * np.cos(2 * (lat + lat0))
                      - 35 / 24 * nn**3 * np.sin(3 * (lat - lat0)) * np.cos(3 * (lat + lat0)))
        lat = lat + (n - n0 - m) / (a * f0)
    s = np.sin(lat)
    nu = a * f0 / np.sqrt(1 - e2 * s**2)
    rho = a * f0 * (1 - e2) / (1 - e2 * s**2) ** 1.5
    eta2 = nu / rho - 1
    t = np.tan(lat)
    sec = 1 / np.cos(lat)
    de = e - e0
    vii = t / (2 * rho * nu)
    viii = t / (24 * rho * nu**3) * (5 + 3 * t**2 + eta2 - 9 * t**2 * eta2)
    ix = t / (720 * rho * nu**5) * (61 + 90 * t**2 + 45 * t**4)
    x = sec / nu
    xi = sec / (6 * nu**3) * (nu / rho + 2 * t**2)
    xii = sec / (120 * nu**5) * (5 + 28 * t**2 + 24 * t**4)
    xiia = sec / (5040 * nu**7) * (61 + 662 * t**2 + 1320 * t**4 + 720 * t**6)
    phi = lat - vii * de**2 + viii * de**4 - ix * de**6
    lam = lon0 + x * de - xi * de**3 + xii * de**5 - xiia * de**7
    return np.degrees(lam), np.degrees(phi)


def simplify(points: np.ndarray, tolerance: float) -> np.ndarray:
    """Douglas-Peucker on one closed ring (iterative; keeps the first and last point)."""
    keep = np.zeros(len(points), dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        i, j = stack.pop()
        if j <= i + 1:
            continue
        a, b = points[i], points[j]
        seg = b - a
        rel = points[i + 1:j] - a
        norm = math.hypot(*seg)
        if norm == 0:
            dist = np.hypot(rel[:, 0], rel[:, 1])
        else:
            dist = np.abs(seg[0] * rel[:, 1] - seg[1] * rel[:, 0]) / norm
        k = int(np.argmax(dist))
        if dist[k] > tolerance:
            keep[i + 1 + k] = True
            stack += [(i, i + 1 + k), (i + 1 + k, j)]
    return points[keep]


def signed_area(ring: np.ndarray) -> float:
    """Shoelace area in m² (positive: anticlockwise)."""
    x, y = ring[:, 0], ring[:, 1]
    return float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2


def area_km2(ring: np.ndarray) -> float:
    return abs(signed_area(ring)) / 1e6


def build(source: Path = SOURCE, out: Path = OUT) -> dict:
    records = read_dbf(next(source.glob("*.dbf")))
    shapes = read_shp(next(source.glob("*.shp")))
    features = []
    for record, rings in zip(records, shapes, strict=True):
        polygons: list[list[list[list[float]]]] = []
        for ring in rings:
            if area_km2(ring) < MIN_AREA_KM2:
                continue
            small = simplify(ring, TOLERANCE_M)
            if len(small) < 4:
                continue
            lon, lat = bng_to_lonlat(small[:, 0], small[:, 1])
            coords = [[round(float(x), 3), round(float(y), 3)]
                      for x, y in zip(lon, lat, strict=True)]
            if signed_area(ring) < 0 or not polygons:  # shapefile outer rings are clockwise
                polygons.append([coords[::-1]])  # GeoJSON outer rings are anticlockwise
            else:
                polygons[-1].append(coords[::-1])
        code = record.get("ICB23CD", "")
        features.append({"type": "Feature",
                         "properties": {"code": code, "name": record.get("ICB23NM", code)},
                         "geometry": {"type": "MultiPolygon", "coordinates": polygons}})
    collection = {"type": "FeatureCollection", "attribution": ATTRIBUTION,
                  "features": features}
    out.write_text(json.dumps(collection, separators=(",", ":")) + "\n", encoding="utf-8")
    return collection


if __name__ == "__main__":
    args = sys.argv[1:]
    result = build(Path(args[0]) if args else SOURCE, Path(args[1]) if len(args) > 1 else OUT)
    size = (Path(sys.argv[2]) if len(sys.argv) > 2 else OUT).stat().st_size
    print(f"{len(result['features'])} ICBs, {size / 1024:.0f} KiB")
