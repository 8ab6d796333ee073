"""GeoParquet from GeoJSON features, for the fixtures and the GeoParquet benchmark.

WKB is written here from the coordinates as read (no rounding): a run on the GeoParquet file must
give the figures its source gives. Columns keep their type where every value shares one (booleans,
integers, reals), else text. Used by scripts/make-geoparquet-fixtures and scripts/geoparquet-bench.
"""

import json
import struct

import pyarrow as pa
import pyarrow.parquet as pq


def _ring(coords):
    return struct.pack("<I", len(coords)) + b"".join(struct.pack("<dd", x, y) for x, y, *_ in coords)


def _polygon(rings):
    return struct.pack("<BII", 1, 3, len(rings)) + b"".join(_ring(r) for r in rings)


def wkb(g):
    """ISO WKB (little-endian, 2D) of a GeoJSON Polygon or MultiPolygon."""
    if g["type"] == "Polygon":
        return _polygon(g["coordinates"])
    if g["type"] == "MultiPolygon":
        parts = g["coordinates"]
        return struct.pack("<BII", 1, 6, len(parts)) + b"".join(_polygon(p) for p in parts)
    raise SystemExit(f"unexpected geometry {g['type']}")


def _bbox(g):
    parts = [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
    pts = [p for part in parts for r in part for p in r]
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return {"xmin": min(xs), "ymin": min(ys), "xmax": max(xs), "ymax": max(ys)}


def _column(values):
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return pa.array(values, pa.bool_())
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return pa.array(values, pa.int64())
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return pa.array([None if v is None else float(v) for v in values], pa.float64())
    return pa.array([None if v is None else str(v) for v in values], pa.string())


def write(features, out, crs=None, version="1.0.0", compression="zstd", with_bbox=False):
    """Writes GeoJSON `features` to `out` as GeoParquet; `crs` None leaves it out (OGC:CRS84)."""
    names = []
    for f in features:
        for k in f["properties"]:
            if k not in names:
                names.append(k)
    cols = {k: _column([f["properties"].get(k) for f in features]) for k in names}
    cols["geometry"] = pa.array([wkb(f["geometry"]) for f in features], pa.binary())
    spec = {"encoding": "WKB", "geometry_types": sorted({f["geometry"]["type"] for f in features})}
    if crs is not None:
        spec["crs"] = crs
    if with_bbox:
        cols["bbox"] = pa.array([_bbox(f["geometry"]) for f in features])
        spec["covering"] = {"bbox": {k: ["bbox", k] for k in ("xmin", "ymin", "xmax", "ymax")}}
    geo = {"version": version, "primary_column": "geometry", "columns": {"geometry": spec}}
    table = pa.table(cols).replace_schema_metadata({"geo": json.dumps(geo)})
    pq.write_table(table, out, compression=compression)
    return table
