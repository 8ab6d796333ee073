"""The Spark job's golden test: a synthetic city (100,000 buildings; CPGIS_SPARK_TEST_BUILDINGS
to change) run on Spark in local mode as 1, 4 and 16 tiles gives every building the same
results bit for bit (every column, the whole profile and estimate included), and the driver's
`cpgis finish` on them writes exactly the files `cpgis run` writes on one machine. Spark's own
sums of the district agree with the run's summary within its rounding.

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

ROOT = os.path.dirname(HERE)
BIN = os.environ.get("CPGIS_BIN_DIR", os.path.join(ROOT, "target", "debug"))
N = int(os.environ.get("CPGIS_SPARK_TEST_BUILDINGS", "100000"))


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


class SparkGolden(unittest.TestCase):
    def test_tiles_on_spark_give_the_one_machine_run(self):
        with tempfile.TemporaryDirectory() as tmp:
            city, prep = os.path.join(tmp, "city"), os.path.join(tmp, "prep")
            cpgis("synth", "--buildings", str(N), "-o", city)
            site = os.path.join(city, "site.toml")
            cpgis("prepare", site, "-o", prep)
            feats = ipc.open_file(os.path.join(prep, "features.arrow")).read_all()
            kind = feats.column("kind").to_numpy()
            rx, ry = feats.column("rx").to_numpy()[kind == 0], feats.column("ry").to_numpy()[kind == 0]
            extent = max(rx.max() - rx.min(), ry.max() - ry.min())
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
            names = sorted(os.listdir(run_dir))
            self.assertIn("summary.json", names)
            for name in names:
                with open(os.path.join(run_dir, name), "rb") as a, open(os.path.join(fin_dir, name), "rb") as b:
                    self.assertTrue(a.read() == b.read(), f"{name} differs between run and finish")

            # Spark's aggregation of the district (in its own order) against the run's summary
            # (rounded to 4 decimals).
            with open(os.path.join(run_dir, "summary.json")) as f:
                district = json.load(f)["totals"]["district"]
            spark = runs[4][1]["district"]
            self.assertEqual(spark["buildings"], district["buildings"])
            for scenario in ("baseline", "proposed"):
                for sector in ("energy", "transport", "waste"):
                    a, b = spark[f"{scenario}_{sector}_t"], district["co2e_t_yr"][scenario][sector]
                    self.assertLessEqual(abs(a - b), 5e-5 + 1e-12 * abs(b), f"{scenario} {sector}")
            with open(os.path.join(run_dir, "grid.geojson")) as f:
                cells = len(json.load(f)["features"])
            self.assertEqual(runs[4][1]["cells"], cells)


if __name__ == "__main__":
    unittest.main()
