"""The Spark job's golden test: a synthetic city (100,000 buildings; CPGIS_SPARK_TEST_BUILDINGS
to change) run on Spark in local mode as 1, 4 and 16 tiles gives every building the same
results bit for bit (every column, the whole profile and estimate included), and the driver's
`cpgis finish` on them writes exactly the files `cpgis run` writes on one machine. Spark's own
sums (exact, rounded once, as the run adds) give the run's district and every cell of its grid
layer to the last decimal written, and its counts of the buildings the tiles placed in the
district, the community and outside are the run's.

And with the buildings read by the executors (`--site`): Kamppi's buildings as a GeoParquet
delivery of 12 row groups, read a part a task, give `cpgis run`'s files.

And on a cluster manager: a Spark standalone cluster on this machine (a master and two
workers, each its own JVM, one core each) runs a 10,000-building city (CPGIS_SPARK_CLUSTER_BUILDINGS)
as 4 tiles on both executors, each using the worker binary Spark shipped to it, with the same
bits as local mode in one tile, and `cpgis finish` writes `cpgis run`'s files.

Run by scripts/test with the environment scripts/ensure-spark makes; the binaries are taken
from CPGIS_BIN_DIR (default target/debug, as the workspace's tests build them).
"""

import json
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import cpgis_spark  # noqa: E402
import standalone  # noqa: E402

ROOT = os.path.dirname(HERE)
BIN = os.environ.get("CPGIS_BIN_DIR", os.path.join(ROOT, "target", "debug"))
N = int(os.environ.get("CPGIS_SPARK_TEST_BUILDINGS", "100000"))
N_CLUSTER = int(os.environ.get("CPGIS_SPARK_CLUSTER_BUILDINGS", "10000"))


def cpgis(*args):
    p = subprocess.run([os.path.join(BIN, "cpgis"), *args], capture_output=True, text=True)
    if p.returncode != 0:
        raise AssertionError(f"cpgis {' '.join(args)} failed ({p.returncode}): {p.stderr}")
    return p.stdout


def results(folder):
    """Every building's results from a job's results folder, sorted by index."""
    tables = [ipc.open_file(os.path.join(folder, f)).read_all() for f in sorted(os.listdir(folder))]
    t = pa.concat_tables(tables)
    return t.take(pa.compute.sort_indices(t, [("idx", "ascending")]))


def bits(column):
    """A column's values as bytes, floats by their bits (so −0.0 and 0.0 differ, NaN is NaN)."""
    a = column.combine_chunks()
    if pa.types.is_floating(a.type):
        return np.asarray(a.to_numpy(zero_copy_only=False)).view(np.uint64).tobytes()
    return repr(a.to_pylist()).encode()


def prepared_city(tmp, n):
    """A synthetic city of `n` buildings, prepared: its site file, the prepared folder, and the
    larger side of its buildings' extent (m)."""
    city, prep = os.path.join(tmp, "city"), os.path.join(tmp, "prep")
    cpgis("synth", "--buildings", str(n), "-o", city)
    site = os.path.join(city, "site.toml")
    cpgis("prepare", site, "-o", prep)
    feats = ipc.open_file(os.path.join(prep, "features.arrow")).read_all()
    kind = feats.column("kind").to_numpy()
    rx, ry = feats.column("rx").to_numpy()[kind == 0], feats.column("ry").to_numpy()[kind == 0]
    return site, prep, max(rx.max() - rx.min(), ry.max() - ry.min())


class SparkGolden(unittest.TestCase):
    def test_tiles_on_spark_give_the_one_machine_run(self):
        with tempfile.TemporaryDirectory() as tmp:
            site, prep, extent = prepared_city(tmp, N)
            runs = {}
            for per_side in (1, 2, 4):
                out = os.path.join(tmp, f"spark{per_side}")
                # Just over extent / n: n tiles a side, the last holding the farthest point.
                tile_m = extent / per_side * 1.000001
                cpgis_spark.main(
                    ["--prepared", prep, "--out", out, "--worker", os.path.join(BIN, "cpgis-tile"), "--tile-m", str(tile_m)]
                )
                with open(os.path.join(out, "spark_totals.json")) as f:
                    totals = json.load(f)
                self.assertEqual(totals["tiles"], per_side * per_side)
                self.assertEqual(totals["buildings"], N)
                runs[per_side] = (out, totals, results(os.path.join(out, "results")))

            one = runs[1][2]
            self.assertEqual(one.num_rows, N)
            self.assertEqual(one.column("idx").to_pylist(), list(range(N)))
            for per_side in (2, 4):
                t = runs[per_side][2]
                self.assertEqual(t.column_names, one.column_names)
                for name in one.column_names:
                    self.assertEqual(bits(t.column(name)), bits(one.column(name)), f"{name}, {per_side}² tiles")

            # The per-building GeoParquet: one folder per tile, GeoParquet metadata, every building.
            buildings = os.path.join(runs[4][0], "buildings")
            parts = sorted(os.listdir(buildings))
            self.assertEqual(len(parts), 16)
            first = pq.read_table(os.path.join(buildings, parts[0], "part-0.parquet"))
            geo = json.loads(first.schema.metadata[b"geo"])
            self.assertEqual(geo["columns"]["geometry"]["encoding"], "WKB")
            self.assertEqual(sum(pq.read_metadata(os.path.join(buildings, p, "part-0.parquet")).num_rows for p in parts), N)

            # The driver: cpgis finish on the 16 tiles' results writes cpgis run's files.
            run_dir, fin_dir = os.path.join(tmp, "run"), os.path.join(tmp, "fin")
            verdict_run = cpgis("run", site, "-o", run_dir, "-q")
            verdict_fin = cpgis("finish", site, "--prepared", prep, "--results", os.path.join(runs[4][0], "results"), "-o", fin_dir, "-q")
            self.assertEqual(verdict_fin, verdict_run)
            same_files(self, run_dir, fin_dir)

            # The driver from Spark's tables (cells, neighbourhoods, levels summed by Spark,
            # exactly): the same files again, from the 16 tiles' sums and from the one tile's.
            for per_side in (4, 1):
                tab_dir = os.path.join(tmp, f"fin_tables{per_side}")
                tables = os.path.join(runs[per_side][0], "tables")
                fin = cpgis(
                    "finish", site, "--prepared", prep, "--results", os.path.join(runs[4][0], "results"),
                    "--tables", tables, "-o", tab_dir, "-q",
                )
                self.assertEqual(fin, verdict_run)
                same_files(self, run_dir, tab_dir)

            # The driver holding only the district's, the community's and the buildings the
            # uncertainty's sample walks (`--hold-all-max 0`), from the 16 tiles' tables: every
            # layer but the buildings' byte for byte, summary.json the run's but for the note
            # that says what was held (the neighbourhoods' sampled ranges included), no
            # buildings layer.
            held_dir = os.path.join(tmp, "fin_held")
            held = cpgis(
                "finish", site, "--prepared", prep, "--results", os.path.join(runs[4][0], "results"),
                "--tables", os.path.join(runs[4][0], "tables"), "--hold-all-max", "0", "-o", held_dir, "-q",
            )
            ran_names = sorted(os.listdir(run_dir))
            self.assertEqual(sorted(os.listdir(held_dir)), [n for n in ran_names if n != "buildings.geojson"])
            for name in ran_names:
                if name in ("buildings.geojson", "summary.json", "report.html"):
                    continue
                with open(os.path.join(run_dir, name), "rb") as x, open(os.path.join(held_dir, name), "rb") as y:
                    self.assertTrue(x.read() == y.read(), f"{name} differs between run and the held finish")
            with open(os.path.join(run_dir, "summary.json")) as f:
                ran = json.load(f)
            with open(os.path.join(held_dir, "summary.json")) as f:
                kept = json.load(f)
            note = kept["notes"].pop(0)
            self.assertTrue(note.startswith("the driver held "), note)
            held_count = int(note.split()[3])
            self.assertIn(f"of the map's {N} buildings", note)
            # Held: the district's and the community's buildings, and the sample (some of it in
            # the community already), as the run's summary counts them.
            places = ran["community"]["buildings"]
            sampled = ran["balance"]["uncertainty"]["neighbourhoods_sampled"]
            taken = int(sampled.split("a sample of ")[1].split()[0])
            base = places["district"] + places["community"]
            self.assertTrue(base <= held_count <= base + taken, (note, places, taken))
            self.assertLess(held_count, N)
            self.assertEqual(kept, ran)
            self.assertEqual(held.replace(f"{len(kept['notes']) + 1} notes", "N notes"), verdict_run.replace(f"{len(ran['notes'])} notes", "N notes"))
            # It takes the tables' figures (a cell's baseline energy doubled in the table is
            # doubled in the grid layer), and refuses tables that do not count the results'
            # buildings (one building fewer in a cell), naming the folder.
            tables = os.path.join(runs[4][0], "tables")
            cells_file = os.path.join(tables, "cells.arrow")
            original = ipc.open_file(cells_file).read_all()
            energy = original.column("baseline_energy_t").to_pylist()
            energy[0] *= 2
            altered = original.set_column(
                original.schema.get_field_index("baseline_energy_t"), "baseline_energy_t", pa.array(energy, pa.float64())
            )
            with ipc.new_file(cells_file, altered.schema) as w:
                w.write_table(altered)
            doubled_dir = os.path.join(tmp, "fin_doubled")
            cpgis("finish", site, "--prepared", prep, "--results", os.path.join(runs[4][0], "results"), "--tables", tables, "-o", doubled_dir, "-q")
            key = (original.column("cell_i")[0].as_py(), original.column("cell_j")[0].as_py())
            with open(os.path.join(doubled_dir, "grid.geojson")) as f:
                doubled = {(c["properties"]["col"], c["properties"]["row"]): c["properties"] for c in json.load(f)["features"]}
            with open(os.path.join(run_dir, "grid.geojson")) as f:
                ran = {(c["properties"]["col"], c["properties"]["row"]): c["properties"] for c in json.load(f)["features"]}
            self.assertEqual(doubled[key]["baseline_energy_co2e_t_yr"], round(2 * original.column("baseline_energy_t")[0].as_py(), 4))
            self.assertNotEqual(doubled[key]["baseline_energy_co2e_t_yr"], ran[key]["baseline_energy_co2e_t_yr"])
            counts = original.column("buildings").to_pylist()
            counts[0] -= 1
            miscounted = original.set_column(original.schema.get_field_index("buildings"), "buildings", pa.array(counts, pa.int64()))
            with ipc.new_file(cells_file, miscounted.schema) as w:
                w.write_table(miscounted)
            p = subprocess.run(
                [os.path.join(BIN, "cpgis"), "finish", site, "--prepared", prep, "--results", os.path.join(runs[4][0], "results"),
                 "--tables", tables, "-o", os.path.join(tmp, "fin_refused"), "-q"],
                capture_output=True, text=True,
            )
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn(f"cell ({key[0]}, {key[1]}): the tables count {counts[0]} buildings where the results place {counts[0] + 1}", p.stderr)
            self.assertIn("tables", p.stderr)

            # Spark's aggregation (exact sums rounded once, as the run adds them) against the
            # run's summary and grid layer: the same figures to the last decimal written.
            with open(os.path.join(run_dir, "summary.json")) as f:
                summary = json.load(f)
            district = summary["totals"]["district"]
            spark = runs[4][1]["district"]
            # The tiles placed each building in the district, the community or outside as the
            # run did (the community's area from the prepared model): Spark's counts by place
            # are the run's.
            placed = {m: t["buildings"] for m, t in runs[4][1]["membership"].items()}
            self.assertEqual(placed, {m: n for m, n in summary["community"]["buildings"].items() if n})
            self.assertEqual(placed["district"], spark["buildings"])
            self.assertEqual(spark["buildings"], district["buildings"])
            for scenario in ("baseline", "proposed"):
                for sector in ("energy", "transport", "waste"):
                    a, b = spark[f"{scenario}_{sector}_t"], district["co2e_t_yr"][scenario][sector]
                    self.assertEqual(round(a, 4), b, f"{scenario} {sector}")
            with open(os.path.join(run_dir, "grid.geojson")) as f:
                grid = {(c["properties"]["col"], c["properties"]["row"]): c["properties"] for c in json.load(f)["features"]}
            self.assertEqual(runs[4][1]["cells"], len(grid))
            cells = pq.read_table(os.path.join(runs[4][0], "cells.parquet")).to_pylist()
            self.assertEqual(len(cells), len(grid))
            for c in cells:
                g = grid[(c["cell_i"], c["cell_j"])]
                self.assertEqual(c["buildings"], g["buildings"])
                for scenario in ("baseline", "proposed"):
                    for sector in ("energy", "transport", "waste"):
                        key = f"{scenario}_{sector}"
                        self.assertEqual(round(c[f"{key}_t"], 4), g[f"{key}_co2e_t_yr"], f"cell {c['cell_i']},{c['cell_j']} {key}")



def same_files(test, a, b):
    """Every file `cpgis run` wrote in `a` is in `b`, byte for byte."""
    names = sorted(os.listdir(a))
    test.assertIn("summary.json", names)
    for name in names:
        with open(os.path.join(a, name), "rb") as x, open(os.path.join(b, name), "rb") as y:
            test.assertTrue(x.read() == y.read(), f"{name} differs between run and finish")


def kamppi_parts_site(tmp):
    """Kamppi's site with its one buildings layer from the parts fixture (Kamppi's 453 OSM
    buildings and a copy of row 10 under another id, 12 row groups of 40 rows; row 400 takes
    row 5's OSM id, row 200 has no geometry, rows 82 and 83 hold decimal-comma floors)."""
    k = os.path.join(ROOT, "fixtures", "kamppi")
    with open(os.path.join(k, "site.toml")) as f:
        text = f.read().replace('path = "', f'path = "{k}/')
    start, end = text.index("# ... and the 2019"), text.index("# The 2019 centre cut's")
    text = text[:start] + text[end:]
    text = text.replace(f"{k}/buildings.geojson", os.path.join(ROOT, "fixtures", "geoparquet", "kamppi_buildings_parts.parquet"))
    site = os.path.join(tmp, "site.toml")
    with open(site, "w") as f:
        f.write(text)
    return site


class SparkPrepareOnEngine(unittest.TestCase):
    def test_buildings_read_by_the_executors_give_the_one_machine_run(self):
        """The buildings' GeoParquet read in 12 parts by Spark's tasks (`--site`), the
        duplicates grouped by Spark, then the tiles and `cpgis finish`: `cpgis run`'s files,
        byte for byte."""
        with tempfile.TemporaryDirectory() as tmp:
            site = kamppi_parts_site(tmp)
            out, prep = os.path.join(tmp, "spark"), os.path.join(tmp, "spark", "prepared")
            cpgis_spark.main(
                [
                    "--site", site, "--cpgis", os.path.join(BIN, "cpgis"), "--rows-per-part", "40",
                    "--prepared", prep, "--out", out, "--worker", os.path.join(BIN, "cpgis-tile"),
                ]
            )
            with open(os.path.join(prep, "engine", "plan.json")) as f:
                self.assertEqual(len(json.load(f)["parts"]), 12)
            # Spark's groups, worked out from the fixture: the last row (part 11, its 14th
            # building) repeats row 10's footprint; row 400 (part 10's first) row 5's id.
            with open(os.path.join(prep, "engine", "duplicates.json")) as f:
                dups = json.load(f)
            self.assertEqual([sorted(g) for g in dups["footprints"]], [[[0, 10], [11, 13]]])
            self.assertEqual([sorted(g) for g in dups["ids"]], [[[0, 5], [10, 0]]])
            with open(os.path.join(out, "spark_totals.json")) as f:
                self.assertEqual(json.load(f)["buildings"], 452)
            run_dir, fin_dir = os.path.join(tmp, "run"), os.path.join(tmp, "fin")
            verdict_run = cpgis("run", site, "-o", run_dir, "-q")
            verdict_fin = cpgis(
                "finish", site, "--prepared", prep, "--results", os.path.join(out, "results"),
                "--tables", os.path.join(out, "tables"), "-o", fin_dir, "-q",
            )
            self.assertEqual(verdict_fin, verdict_run)
            same_files(self, run_dir, fin_dir)


class Digits(unittest.TestCase):
    """The digits Spark adds give each value back exactly: subnormals, extremes and values
    of every magnitude and sign, checked with Python's integers (exact) and true division
    (correctly rounded)."""

    def test_every_value_comes_back_from_its_digits(self):
        rng = np.random.default_rng(7)
        values = np.concatenate(
            [
                rng.uniform(-1, 1, 3000) * 2.0 ** rng.integers(-80, 80, 3000),
                [5e-324, 2.0**-1030, -3e-310, 2.0**-1022, 1e300, -1.7976931348623157e308, 1.0, -0.1],
            ]
        )
        first, digits = cpgis_spark.limbs_of(values)
        for i, v in enumerate(values):
            total = sum(int(d[i]) << (cpgis_spark.LIMB_BITS * (int(first[i]) + k)) for k, d in enumerate(digits))
            self.assertEqual(total / (1 << 1074), v)
            self.assertTrue(all(abs(int(d[i])) < 2**32 for d in digits))


class ReplaceWhole(unittest.TestCase):
    """A task's files are written whole or not at all (a retried or speculative attempt)."""

    def test_a_failed_attempt_leaves_no_file_and_no_temporary(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "tile_0_0.arrow")

            def fail(t):
                with open(t, "wb") as f:
                    f.write(b"half")
                raise OSError("disk full")

            with self.assertRaises(OSError):
                cpgis_spark.replace_whole(path, fail)
            self.assertEqual(os.listdir(tmp), [])

    def test_a_second_attempt_replaces_the_first_whole(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "tile_0_0.json")
            for text in (b'{"attempt": 1}', b'{"attempt": 2}'):
                cpgis_spark.replace_whole(path, lambda t, text=text: open(t, "wb").write(text))
            with open(path, "rb") as f:
                self.assertEqual(f.read(), b'{"attempt": 2}')
            self.assertEqual(os.listdir(tmp), ["tile_0_0.json"])


class SparkStandaloneCluster(unittest.TestCase):
    def test_a_standalone_cluster_gives_local_modes_bits(self):
        with tempfile.TemporaryDirectory() as tmp:
            site, prep, extent = prepared_city(tmp, N_CLUSTER)
            # The driver's copy of the worker binary lives where no executor looks: each must
            # use the copy Spark shipped into its own folder.
            ship = os.path.join(tmp, "driver-only")
            os.makedirs(ship)
            worker = os.path.join(ship, "cpgis-tile")
            with open(os.path.join(BIN, "cpgis-tile"), "rb") as src, open(worker, "wb") as dst:
                dst.write(src.read())
            os.chmod(worker, 0o755)

            local = os.path.join(tmp, "local")
            cpgis_spark.main(["--prepared", prep, "--out", local, "--worker", worker, "--tile-m", str(extent * 1.000001)])
            with standalone.Standalone(os.path.join(tmp, "spark-cluster"), workers=2, cores=1, memory="2g") as url:
                out = os.path.join(tmp, "on-cluster")
                cpgis_spark.main(
                    ["--prepared", prep, "--out", out, "--worker", worker, "--tile-m", str(extent / 2 * 1.000001), "--master", url]
                )
            with open(os.path.join(out, "spark_totals.json")) as f:
                totals = json.load(f)
            self.assertEqual(totals["master"][:8], "spark://")
            self.assertEqual(totals["tiles"], 4)
            self.assertEqual(totals["buildings"], N_CLUSTER)
            # Both executors ran tiles, each with the binary shipped into its worker's folder.
            self.assertEqual(totals["executors"], 2)
            timing_dir = os.path.join(out, "timing")
            used = set()
            for name in os.listdir(timing_dir):
                with open(os.path.join(timing_dir, name)) as f:
                    used.add(os.path.realpath(json.load(f)["worker"]))
            workers_root = os.path.realpath(os.path.join(tmp, "spark-cluster"))
            self.assertEqual(len(used), 2, used)
            for path in used:
                self.assertTrue(path.startswith(workers_root + os.sep), f"{path} is not in a worker's folder")

            a, b = results(os.path.join(local, "results")), results(os.path.join(out, "results"))
            self.assertEqual(b.num_rows, N_CLUSTER)
            self.assertEqual(b.column_names, a.column_names)
            for name in a.column_names:
                self.assertEqual(bits(b.column(name)), bits(a.column(name)), f"{name}: cluster against local mode")

            run_dir, fin_dir = os.path.join(tmp, "run"), os.path.join(tmp, "fin")
            verdict_run = cpgis("run", site, "-o", run_dir, "-q")
            verdict_fin = cpgis("finish", site, "--prepared", prep, "--results", os.path.join(out, "results"), "-o", fin_dir, "-q")
            self.assertEqual(verdict_fin, verdict_run)
            same_files(self, run_dir, fin_dir)


if __name__ == "__main__":
    unittest.main()
