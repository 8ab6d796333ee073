"""`cpgis prepare` with the buildings read on Spark's executors (`cpgis_spark.py --site`).

Driver glue only: every step that reads or decides is the `cpgis` binary (Rust, with GDAL: the
loader `cpgis run` uses), one call per part of the buildings' GeoParquet file (a run of its row
groups). Steps (see the Rust module `prepare_engine`):

1. `cpgis prepare SITE --buildings-on-engine` on the driver: the parts and the local CRS;
2. `cpgis prepare-part --step read`, a task per part: the part's buildings (their numbers read
   under the formats its own values decide), their ids and footprint keys, its load report and
   its survey of each numeric field;
3. `cpgis prepare --merge-surveys` on the driver: the surveys merged (the whole layer's
   formats); the parts read under others are read again, a task each;
4. Spark groups the keys and ids (`groupBy`): those more than one building holds go to
   `engine/duplicates.json`, with their buildings (part, position);
5. `cpgis prepare --complete --duplicates …` on the driver: the rest of the site, the
   buildings' report merged, the numbering;
6. `cpgis prepare-part --step number`, a task per part: the part's buildings with their indices
   in the whole site, which the job then reads after `features.arrow`.

On a cluster every executor needs the site file and its layers at the same paths, the prepared
folder (a shared mount, as for `--out`), and GDAL's library (the binary links it).
"""

import json
import os
import subprocess

import pyarrow.ipc as ipc

KEYS_SCHEMA = "part long, local long, id string, key long"


def call(binary, args):
    """Runs the shipped `cpgis` binary; a failure stops the task with its message."""
    p = subprocess.run([binary, *args], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"cpgis {' '.join(args)} failed ({p.returncode}): {p.stderr.strip()}")
    return p.stdout


def part_task(binary_name, site, prepared, step):
    """The task of one step over a partition of part numbers (each executor runs the binary
    Spark shipped to it)."""

    def run(numbers):
        from cpgis_spark import shipped

        binary = shipped(binary_name)
        for k in numbers:
            call(binary, ["prepare-part", site, "--prepared", prepared, "--part", str(k), "--step", step])
        return iter(())

    return run


def keys_reader(engine):
    """A `mapInArrow` function: the keys file of each part number it is given."""

    def read(batches):
        for b in batches:
            for k in b.column(0).to_pylist():
                yield from ipc.open_file(os.path.join(engine, f"keys-{k:06d}.arrow")).read_all().to_batches()

    return read


def prepare_on_engine(spark, cpgis, site, prepared, tile_m, rows_per_part):
    """Prepares `site` into `prepared` with its buildings read by Spark's tasks; returns the
    number of parts."""
    from pyspark.sql import functions as F

    site, prepared = os.path.abspath(site), os.path.abspath(prepared)
    args = ["prepare", site, "-o", prepared, "--buildings-on-engine", "--rows-per-part", str(rows_per_part)]
    if tile_m:
        args += ["--tile-m", str(tile_m)]
    call(cpgis, args)
    engine = os.path.join(prepared, "engine")
    with open(os.path.join(engine, "plan.json")) as f:
        n = len(json.load(f)["parts"])
    sc = spark.sparkContext
    sc.addFile(cpgis)
    name = os.path.basename(cpgis)
    numbers = sc.parallelize(range(n), max(n, 1))
    numbers.mapPartitions(part_task(name, site, prepared, "read")).count()
    # The parts whose columns alone read under other number formats than the whole layer's
    # (rare: a column of plain numbers with a few decimal commas in one part) read again.
    again = json.loads(call(cpgis, ["prepare", site, "-o", prepared, "--merge-surveys"]))["read_again"]
    if again:
        sc.parallelize(again, len(again)).mapPartitions(part_task(name, site, prepared, "read")).count()
    keys = spark.range(n).repartition(max(n, 1)).mapInArrow(keys_reader(engine), KEYS_SCHEMA)
    at = F.collect_list(F.array("part", "local")).alias("at")

    def groups(df, by):
        rows = df.groupBy(by).agg(F.count("*").alias("n"), at).where("n > 1").select("at").collect()
        return [[list(a) for a in r["at"]] for r in rows]

    duplicates = {
        "footprints": groups(keys.where(F.col("key").isNotNull()), "key"),
        "ids": groups(keys, "id"),
    }
    path = os.path.join(engine, "duplicates.json")
    with open(path, "w") as f:
        json.dump(duplicates, f)
    call(cpgis, ["prepare", site, "-o", prepared, "--complete", "--duplicates", path])
    numbers.mapPartitions(part_task(name, site, prepared, "number")).count()
    return n
