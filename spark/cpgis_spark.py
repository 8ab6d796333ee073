"""cpgis on Apache Spark: the per-building stages tile by tile, on an engine's workers.

Driver glue only: everything that computes is the `cpgis-tile` binary (Rust, the core
functions of `cpgis run`), called once per tile through Arrow IPC. Steps:

1. read the features (every building, stop and population cell, geometry as WKB) from
   Parquet, as `cpgis prepare` wrote them (`--features`; `features_to_parquet` converts its
   Arrow file once);
2. give each building the tile holding its representative point (computed exactly once);
3. copy every feature to each tile whose square widened by its halo meets its bounding box
   (stops: the rail catchment; buildings and population cells: the reach of a shared
   population cell), so a tile's buildings see what they see on one machine;
4. run each tile through `cpgis-tile` with `groupBy(tile).applyInArrow`, refusing tiles above
   `--max-tile-buildings`; each task writes its results (Arrow IPC, for the driver) and its
   buildings as GeoParquet, partitioned by tile;
5. sum cells, neighbourhoods, the district and each place (district, community, outside, as
   the tiles placed each building by the community's area in the model) with Spark
   aggregations, each sum exact and rounded once as `cpgis run` adds them, so with the run's
   bits (`cells.parquet`, `neighbourhoods.parquet`, `spark_totals.json`; and, for the driver,
   the cells, neighbourhoods and levels (district, rest, all) as Arrow IPC in `tables/`).

The driver then runs `cpgis finish --tables OUT/tables` (see `scripts/spark-run`): the sums from
Spark's tables, checked to count the buildings the results place at every level; community,
offsets and balance from the tiles' results with the same core functions; the outputs `cpgis
run` writes.

On a cluster (`--master spark://…`, YARN, Kubernetes) the executors get the worker binary and
the model from Spark (`SparkContext.addFile`), not from the driver's paths; `--out` must be a
folder every executor can write and the driver read (a shared mount), and each executor needs
this Python with pyarrow (`PYSPARK_PYTHON`) and the binary's libraries (it links only the C
library). A task that cannot reach `--out` stops the job naming the folder and the host.
"""

import argparse
import json
import math
import os
import socket
import subprocess
import sys
import time

import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

# The columns a task returns to Spark (the results' flat columns; the WKB and the whole
# profile and estimate go to the task's files, not through the shuffle).
FIXED = [
    ("idx", "long"),
    ("id", "string"),
    ("cell_i", "long"),
    ("cell_j", "long"),
    ("neighbourhood", "long"),
    ("in_district", "boolean"),
    ("membership", "string"),
    ("gfa_m2", "double"),
    ("residents", "double"),
    ("jobs", "double"),
    ("access_index", "double"),
    ("offer_t_yr", "double"),
]
SECTORS = ["energy", "transport", "waste"]


def emission_columns(model):
    """`{scenario}_{sector}_t` in the worker's order: baseline, the site file's, `proposed`."""
    names = ["baseline"] + [s["name"] for s in model["scenarios"]]
    if "proposed" not in names:
        names.append("proposed")
    return [f"{n}_{k}_t" for n in names for k in SECTORS]


def geoparquet_metadata(epsg):
    """GeoParquet 1.0 `geo` metadata: one WKB column in the case's local CRS (its EPSG code as
    the PROJJSON identifier)."""
    return json.dumps(
        {
            "version": "1.0.0",
            "primary_column": "geometry",
            "columns": {
                "geometry": {
                    "encoding": "WKB",
                    "geometry_types": ["Point", "MultiPolygon"],
                    "crs": {"id": {"authority": "EPSG", "code": epsg}},
                }
            },
        }
    ).encode()


def arrow_to_parquet(source, out):
    """A features file (Arrow IPC) as Parquet for Spark (kind and idx as signed integers, which
    Spark reads; the worker casts them back); its rows."""
    table = ipc.open_file(source).read_all()
    table = table.set_column(0, "kind", table.column("kind").cast(pa.int32()))
    table = table.set_column(1, "idx", table.column("idx").cast(pa.int64()))
    pq.write_table(table, out, row_group_size=65_536)
    return table.num_rows


def features_to_parquet(spark, prepared, out):
    """`cpgis prepare`'s features as Parquet files in the folder `out`: features.arrow, and,
    when the buildings were read on the engine (`buildings.json`), each numbered part of them,
    converted by a task of its own; the features' count."""
    os.makedirs(out, exist_ok=True)
    for f in os.listdir(out):
        os.remove(os.path.join(out, f))
    n = arrow_to_parquet(os.path.join(prepared, "features.arrow"), os.path.join(out, "prepared.parquet"))
    numbering = os.path.join(prepared, "buildings.json")
    if not os.path.exists(numbering):
        return n
    with open(numbering) as f:
        parts = [p["number"] for p in json.load(f)["parts"]]
    source = os.path.join(os.path.abspath(prepared), "building-parts")

    def convert(numbers):
        for k in numbers:
            yield arrow_to_parquet(os.path.join(source, f"part-{k:06d}.arrow"), os.path.join(out, f"part-{k:06d}.parquet"))

    return n + sum(spark.sparkContext.parallelize(parts, max(len(parts), 1)).mapPartitions(convert).collect())


def replace_whole(path, write):
    """Writes `path` through `write(tmp)` under a name of this attempt's own, then renames it
    into place: a task retried, or run twice at once by speculative execution, never leaves a
    half-written file, nor two attempts writing one file (both write the same bytes: whichever
    rename comes last leaves them). The temporary names start with a dot, which readers of
    the folders skip."""
    folder, base = os.path.split(path)
    tmp = os.path.join(folder, f".{base}.{socket.gethostname()}.{os.getpid()}.{time.monotonic_ns()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def shipped(name):
    """The path of a file the driver shipped with `SparkContext.addFile`, on this executor."""
    from pyspark import SparkFiles

    return SparkFiles.get(name)


#: Limbs: an `f64` is an integer multiple of 2^-1074; its bits land in 32-bit digits from there.
LIMB_BITS = 32


def limbs_of(x):
    """The 32-bit digits of the finite doubles `x` (a numpy array) from 2^-1074 up: for each
    value its first digit's index and its three digits (signed), so that the value is exactly
    sum(digit_k * 2^(32 * (index + k) - 1074))."""
    import numpy as np

    f, e = np.frexp(np.abs(x))  # |x| = f * 2^e, f in [0.5, 1)
    m = (f * 2.0**53).astype(np.uint64)  # exact: 53 bits
    p = e.astype(np.int64) - 53 + 1074  # the bit position of m's lowest bit
    sub = p < 0  # subnormals: m's low bits below 2^-1074 are zero
    m = np.where(sub, m >> np.where(sub, -p, 0).astype(np.uint64), m)
    p = np.where(sub, 0, p)
    s = (p % LIMB_BITS).astype(np.uint64)
    low = np.uint64(0xFFFFFFFF)
    d0 = (m & ((np.uint64(1) << (np.uint64(32) - s)) - np.uint64(1))) << s
    d1 = (m >> (np.uint64(32) - s)) & low
    d2 = m >> (np.uint64(64) - s)
    sign = np.where(x < 0, -1, 1).astype(np.int64)
    return p // LIMB_BITS, [sign * d.astype(np.int64) for d in (d0, d1, d2)]


ARROW_TYPES = {"long": pa.int64(), "string": pa.string()}


def digit_sums(df, keys, types, columns):
    """Each of `columns` cut into its 32-bit digits (`limbs_of`) and the digits added per group
    of `keys` (their Spark `types`), digit by digit, as integers: exact, and with partial sums
    on each executor before the shuffle as `F.sum` does, so no group's rows ever meet in one
    task. One row per group, column and digit: (keys…, col, limb, val); `col` = len(columns)
    counts the rows (one unit digit each)."""
    from pyspark.sql import functions as F

    arrow_schema = pa.schema(
        [(k, ARROW_TYPES[t]) for k, t in zip(keys, types)]
        + [("col", pa.int32()), ("limb", pa.int32()), ("val", pa.int64())]
    )

    def digits(batches):
        import numpy as np

        for b in batches:
            key_values = {k: b.column(k).to_numpy(zero_copy_only=False) for k in keys}
            out = {k: [] for k in keys}
            out.update(col=[], limb=[], val=[])
            # The rows themselves, one unit each: the group's count in the same pass.
            for key in keys:
                out[key].append(key_values[key])
            out["col"].append(np.full(b.num_rows, len(columns), dtype=np.int32))
            out["limb"].append(np.zeros(b.num_rows, dtype=np.int32))
            out["val"].append(np.ones(b.num_rows, dtype=np.int64))
            for ci, c in enumerate(columns):
                x = b.column(c).to_numpy(zero_copy_only=False)
                if not np.isfinite(x).all():
                    raise RuntimeError(f"a tile wrote a `{c}` that is not a finite number: the sums would be wrong")
                keep = x != 0
                first, ds = limbs_of(x[keep])
                kept = {k: v[keep] for k, v in key_values.items()}
                for k, d in enumerate(ds):
                    nz = d != 0
                    for key in keys:
                        out[key].append(kept[key][nz])
                    out["col"].append(np.full(int(nz.sum()), ci, dtype=np.int32))
                    out["limb"].append((first + k)[nz].astype(np.int32))
                    out["val"].append(d[nz])
            yield pa.RecordBatch.from_pydict({k: np.concatenate(v) for k, v in out.items()}, schema=arrow_schema)

    key_schema = ", ".join(f"{k} {t}" for k, t in zip(keys, types))
    return (
        df.select(*keys, *columns)
        .mapInArrow(digits, f"{key_schema}, col int, limb int, val long")
        .groupBy(*keys, "col", "limb")
        .agg(F.sum("val").alias("val"))
    )


def exact_sums(digits, keys, types, columns):
    """Per group of `keys` (a subset of those `digits` was added by, their Spark `types`): the
    number of rows and each of `columns` summed exactly and rounded once, as `cpgis
    run` sums them (core `exact`): the same bits whatever order Spark brings the rows in, where
    `F.sum` would add them in its own. Each group's digits make one Python integer, divided by
    2^1074 with correct rounding."""
    from pyspark.sql import functions as F

    def total(key, table):
        sums = [0] * (len(columns) + 1)
        for c, limb, val in zip(*(table.column(n).to_pylist() for n in ("col", "limb", "val"))):
            sums[c] += val << (LIMB_BITS * limb)
        out = {k: [v.as_py()] for k, v in zip(keys, key)}
        out["buildings"] = [sums[len(columns)]]
        for c, name in enumerate(columns):
            out[name] = [sums[c] / (1 << 1074)]  # int / int: correctly rounded
        return pa.table(out)

    key_schema = ", ".join(f"{k} {t}" for k, t in zip(keys, types))
    schema = key_schema + ", buildings long, " + ", ".join(f"{c} double" for c in columns)
    return (
        digits.groupBy(*keys, "col", "limb")
        .agg(F.sum("val").alias("val"))
        .groupBy(*keys)
        .applyInArrow(total, schema)
    )


def tile_function(model_name, worker_name, results_dir, buildings_dir, timing_dir, epsg, emissions):
    """The function each task runs on one tile's rows: `model_name` and `worker_name` are the
    names of the files the driver shipped; the three folders are on storage every executor
    reaches."""

    def run(key, table):
        ti, tj = key[0].as_py(), key[1].as_py()
        for d in (results_dir, buildings_dir, timing_dir):
            if not os.path.isdir(d):
                raise RuntimeError(
                    f"tile {ti},{tj} on {socket.gethostname()}: the output folder {d} is not there; "
                    "--out must be a folder every executor can write (a shared mount)"
                )
        worker, model_path = shipped(worker_name), shipped(model_name)
        cols = ["kind", "idx", "wkb", "rx", "ry", "minx", "miny", "maxx", "maxy", "attrs", "own"]
        t = table.select(cols)
        t = t.set_column(0, "kind", t.column("kind").cast(pa.uint8()))
        t = t.set_column(1, "idx", t.column("idx").cast(pa.uint64()))
        sink = pa.BufferOutputStream()
        with ipc.new_stream(sink, t.schema) as w:
            w.write_table(t)
        features = sink.getvalue().to_pybytes()
        began = time.monotonic()
        p = subprocess.run([worker, model_path], input=features, capture_output=True)
        worker_s = time.monotonic() - began
        if p.returncode != 0:
            raise RuntimeError(f"cpgis-tile on tile {ti},{tj}: {p.stderr.decode().strip()}")
        res = ipc.open_stream(p.stdout).read_all()
        name = f"tile_{ti}_{tj}"
        def write_results(tmp):
            with ipc.new_file(tmp, res.schema) as w:
                w.write_table(res)

        replace_whole(os.path.join(results_dir, f"{name}.arrow"), write_results)
        geo = res.drop_columns(["profile", "estimate"]).rename_columns(
            ["geometry" if c == "wkb" else c for c in res.drop_columns(["profile", "estimate"]).column_names]
        )
        geo = geo.replace_schema_metadata({b"geo": geoparquet_metadata(epsg)})
        part = os.path.join(buildings_dir, f"tile={ti}_{tj}")
        os.makedirs(part, exist_ok=True)
        replace_whole(os.path.join(part, "part-0.parquet"), lambda tmp: pq.write_table(geo, tmp))

        timing = {
            "seconds": worker_s,
            "rows_in": t.num_rows,
            "buildings": res.num_rows,
            "bytes_in": len(features),
            "bytes_out": len(p.stdout),
            "host": socket.gethostname(),
            # One folder of shipped files per executor: which executor ran the tile.
            "executor_files": os.path.dirname(worker),
            "worker": worker,
        }

        def write_timing(tmp):
            with open(tmp, "w") as f:
                json.dump(timing, f)

        replace_whole(os.path.join(timing_dir, f"{name}.json"), write_timing)
        flat = res.select([c for c, _ in FIXED] + emissions)
        return flat.set_column(0, "idx", flat.column("idx").cast(pa.int64()))

    return run


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--prepared", required=True, help="the folder `cpgis prepare` wrote")
    ap.add_argument("--out", required=True, help="output folder (results/, buildings/, tables/, cells.parquet, …)")
    ap.add_argument("--worker", required=True, help="path of the cpgis-tile binary")
    ap.add_argument("--tile-m", type=float, help="tile side, m (default: the prepared model's)")
    ap.add_argument("--max-tile-buildings", type=int, default=200_000)
    ap.add_argument(
        "--site",
        help="prepare this site file first, its buildings (one GeoParquet layer) read by the executors, into --prepared",
    )
    ap.add_argument("--cpgis", help="path of the cpgis binary (with --site)")
    ap.add_argument("--rows-per-part", type=int, default=200_000, help="rows of the buildings' GeoParquet a task reads (with --site)")
    ap.add_argument(
        "--master",
        default="local[*]",
        help="local[*] (local mode), a cluster's URL, or standalone:N (a standalone cluster of N one-core workers started on this machine for the run)",
    )
    args = ap.parse_args(argv)
    if args.master.startswith("standalone:"):
        import shutil
        import tempfile

        import standalone

        try:
            n = int(args.master.split(":", 1)[1])
        except ValueError:
            n = 0
        if n < 1:
            sys.exit(f"--master {args.master}: standalone:N needs a number of workers, 1 or more")
        folder = tempfile.mkdtemp(prefix="cpgis-spark-cluster-")
        try:
            with standalone.Standalone(folder, workers=n, cores=1, memory="2g") as url:
                args.master = url
                return run(args)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return run(args)


def run(args):
    """The job on `args.master`."""
    # Checked before a JVM starts: the binary every executor is sent.
    worker = os.path.abspath(args.worker)
    if not os.access(worker, os.X_OK):
        sys.exit(f"--worker {args.worker}: not an executable file")
    if args.site and not (args.cpgis and os.access(args.cpgis, os.X_OK)):
        sys.exit(f"--site needs --cpgis, the path of the cpgis binary (given: {args.cpgis})")
    # The workers run this interpreter (it has pyarrow), not whichever `python3` is first.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession, functions as F

    started = time.monotonic()
    out = os.path.abspath(args.out)
    results_dir, buildings_dir = os.path.join(out, "results"), os.path.join(out, "buildings")
    timing_dir, tables_dir = os.path.join(out, "timing"), os.path.join(out, "tables")
    # Emptied first, the tables too: a job that dies before writing its tables leaves none, not
    # the last job's beside this one's results.
    for d in (results_dir, buildings_dir, timing_dir, tables_dir):
        os.makedirs(d, exist_ok=True)
        for root, _, files in os.walk(d, topdown=False):
            for f in files:
                os.remove(os.path.join(root, f))
    jvm_began = time.monotonic()
    spark = (
        SparkSession.builder.master(args.master)
        .appName("cpgis")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.shuffle.partitions", "16")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    jvm_s = time.monotonic() - jvm_began
    # The tile function lives in this module; the worker binary and the model go with it, so an
    # executor on another machine needs none of the driver's paths.
    spark.sparkContext.addPyFile(os.path.abspath(__file__))
    prepare_s = None
    if args.site:
        # The buildings read by the executors, the rest of the site by the driver.
        import prepare_engine

        spark.sparkContext.addPyFile(os.path.join(os.path.dirname(os.path.abspath(__file__)), "prepare_engine.py"))
        began = time.monotonic()
        prepare_engine.prepare_on_engine(
            spark, os.path.abspath(args.cpgis), args.site, args.prepared, args.tile_m, args.rows_per_part
        )
        prepare_s = round(time.monotonic() - began, 2)
    model_path = os.path.abspath(os.path.join(args.prepared, "model.json"))
    with open(model_path) as f:
        model = json.load(f)
    if args.tile_m:
        model["tiling"]["size_m"] = args.tile_m
        model_path = os.path.join(out, "model.json")
        with open(model_path, "w") as f:
            json.dump(model, f)
    (x0, y0), size = model["tiling"]["origin"], model["tiling"]["size_m"]
    halo, neighbour = model["tiling"]["halo_m"], model["tiling"]["neighbour_m"]
    features = os.path.join(out, "features")
    n_features = features_to_parquet(spark, args.prepared, features)
    spark.sparkContext.addFile(worker)
    spark.sparkContext.addFile(model_path)
    df = spark.read.parquet(features)
    cell = lambda v, o: F.floor((v - F.lit(o)) / F.lit(size))
    # Stops reach every tile within the rail catchment; buildings and population cells every
    # tile within the reach of a shared population cell.
    reach = F.when(F.col("kind") == 1, F.lit(halo)).otherwise(F.lit(neighbour))
    tiled = (
        df.withColumn("tile_i", F.explode(F.sequence(cell(F.col("minx") - reach, x0), cell(F.col("maxx") + reach, x0))))
        .withColumn("tile_j", F.explode(F.sequence(cell(F.col("miny") - reach, y0), cell(F.col("maxy") + reach, y0))))
        .withColumn(
            "own",
            (F.col("kind") == 0)
            & (F.col("tile_i") == cell(F.col("rx"), x0))
            & (F.col("tile_j") == cell(F.col("ry"), y0)),
        )
    )
    owned = tiled.filter("own").groupBy("tile_i", "tile_j").count()
    sizes = owned.agg(F.count("*").alias("tiles"), F.max("count").alias("largest"), F.sum("count").alias("buildings")).collect()[0]
    if sizes["largest"] > args.max_tile_buildings:
        sys.exit(
            f"a tile holds {sizes['largest']} buildings, more than --max-tile-buildings "
            f"{args.max_tile_buildings}: choose a smaller --tile-m than {size}"
        )
    tiled = tiled.join(owned.select("tile_i", "tile_j"), ["tile_i", "tile_j"])
    emissions = emission_columns(model)
    schema = ", ".join(f"{c} {t}" for c, t in FIXED) + ", " + ", ".join(f"{c} double" for c in emissions)
    fn = tile_function(
        os.path.basename(model_path),
        os.path.basename(worker),
        results_dir,
        buildings_dir,
        timing_dir,
        model["crs"]["epsg"],
        emissions,
    )
    result = tiled.groupBy("tile_i", "tile_j").applyInArrow(fn, schema).cache()
    n = result.count()
    if n != sizes["buildings"]:
        sys.exit(f"{n} buildings came back from {sizes['buildings']} sent")
    summed = ["gfa_m2", "residents", "jobs"] + emissions
    # Each figure's digits added once per cell, neighbourhood and place; each level from those.
    fine = digit_sums(
        result, ["cell_i", "cell_j", "neighbourhood", "membership"], ["long", "long", "long", "string"], summed
    ).cache()
    cells = exact_sums(fine, ["cell_i", "cell_j"], ["long", "long"], summed)
    cells.write.mode("overwrite").parquet(os.path.join(out, "cells.parquet"))
    hoods = exact_sums(fine, ["neighbourhood"], ["long"], summed)
    hoods.write.mode("overwrite").parquet(os.path.join(out, "neighbourhoods.parquet"))
    # The district, the rest and the whole map, each its own exact sum (not a difference).
    in_district = F.when(F.col("membership") == "district", "district").otherwise("rest")
    levels = exact_sums(fine.withColumn("level", in_district), ["level"], ["string"], summed).unionByName(
        exact_sums(fine.withColumn("level", F.lit("all")), ["level"], ["string"], summed)
    )
    # The tables `cpgis finish --tables` takes instead of adding the buildings again: small
    # (a row per cell, neighbourhood and level), collected here and written as Arrow IPC.
    for name, df, keys in (
        ("cells", cells, ["cell_i", "cell_j"]),
        ("neighbourhoods", hoods, ["neighbourhood"]),
        ("levels", levels, ["level"]),
    ):
        table = df.orderBy(*keys).toArrow()

        def write_table(tmp, table=table):
            with ipc.new_file(tmp, table.schema) as w:
                w.write_table(table)

        replace_whole(os.path.join(tables_dir, f"{name}.arrow"), write_table)
    # The district, the community and the rest, as the tiles placed each building.
    by_membership = {
        r["membership"]: {k: v for k, v in r.asDict().items() if k != "membership"}
        for r in exact_sums(fine, ["membership"], ["string"], summed).collect()
    }
    district = by_membership.get("district", {"buildings": 0, **{c: 0.0 for c in summed}})
    timing = []
    for name in sorted(n for n in os.listdir(timing_dir) if not n.startswith(".")):
        with open(os.path.join(timing_dir, name)) as f:
            timing.append(json.load(f))
    totals = {
        "features": n_features,
        "features_copied_to_tiles": sum(t["rows_in"] for t in timing),
        "worker_seconds": round(sum(t["seconds"] for t in timing), 2),
        "arrow_bytes_in": sum(t["bytes_in"] for t in timing),
        "arrow_bytes_out": sum(t["bytes_out"] for t in timing),
        "jvm_start_seconds": round(jvm_s, 2),
        "prepare_on_engine_seconds": prepare_s,
        "master": args.master,
        "executors": len({(t["host"], t["executor_files"]) for t in timing}),
        "tiles": sizes["tiles"],
        "largest_tile": sizes["largest"],
        "buildings": n,
        "tile_m": size,
        "halo_m": halo,
        "neighbour_m": neighbour,
        "district": district,
        "membership": by_membership,
        "cells": cells.count(),
        "seconds": round(time.monotonic() - started, 2),
    }
    with open(os.path.join(out, "spark_totals.json"), "w") as f:
        json.dump(totals, f, indent=2, sort_keys=True)
    spark.stop()
    print(json.dumps({k: v for k, v in totals.items() if k not in ("district", "membership")}))


if __name__ == "__main__":
    main()
