"""A Spark standalone cluster on this machine: one master and N workers, each its own JVM, as
a cluster manager runs them (executors in their own processes and folders, tasks given the
shipped files, not the driver's paths). For tests and for trying the job against a cluster
manager before a real one; on a real cluster pass its URL to `cpgis_spark.py --master`.

Started with the `spark-class` launcher that the pyspark package carries (no Spark
distribution needed), stopped and its folders removed on leaving the `with` block.
"""

import os
import re
import socket
import subprocess
import time


def spark_class():
    """The `spark-class` launcher of the installed pyspark."""
    import pyspark

    path = os.path.join(os.path.dirname(pyspark.__file__), "bin", "spark-class")
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"{path}: pyspark's launcher is missing or not executable")
    return path


def free_port():
    """A TCP port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Standalone:
    """`with Standalone(folder, workers=2) as master_url:` a master and `workers` workers of
    `cores` cores and `memory` each, logging and working under `folder`."""

    def __init__(self, folder, workers=2, cores=1, memory="1g", timeout_s=120):
        self.folder, self.workers, self.cores, self.memory = folder, workers, cores, memory
        self.timeout_s = timeout_s
        self.procs = []
        self.work_dirs = []

    def _start(self, name, args):
        log = open(os.path.join(self.folder, f"{name}.log"), "w")
        env = dict(os.environ, SPARK_LOCAL_IP="127.0.0.1", SPARK_NO_DAEMONIZE="1")
        p = subprocess.Popen([spark_class(), *args], stdout=log, stderr=subprocess.STDOUT, env=env)
        self.procs.append(p)
        return os.path.join(self.folder, f"{name}.log")

    def _wait_for(self, log, pattern, count):
        deadline = time.monotonic() + self.timeout_s
        while time.monotonic() < deadline:
            with open(log) as f:
                if len(re.findall(pattern, f.read())) >= count:
                    return
            dead = [p for p in self.procs if p.poll() is not None]
            if dead:
                raise RuntimeError(f"a Spark process stopped (exit {dead[0].returncode}); see {self.folder}")
            time.sleep(0.2)
        raise RuntimeError(f"the standalone cluster did not start within {self.timeout_s} s; see {self.folder}")

    def __enter__(self):
        os.makedirs(self.folder, exist_ok=True)
        port = free_port()
        url = f"spark://127.0.0.1:{port}"
        master_log = self._start(
            "master",
            ["org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", str(port), "--webui-port", str(free_port())],
        )
        self._wait_for(master_log, r"I have been elected leader", 1)
        for i in range(self.workers):
            work = os.path.join(self.folder, f"worker{i}")
            os.makedirs(work, exist_ok=True)
            self.work_dirs.append(os.path.realpath(work))
            self._start(
                f"worker{i}",
                [
                    "org.apache.spark.deploy.worker.Worker",
                    url,
                    "--host", "127.0.0.1",
                    "--cores", str(self.cores),
                    "--memory", self.memory,
                    "--work-dir", work,
                    "--webui-port", str(free_port()),
                ],
            )
        self._wait_for(master_log, r"Registering worker", self.workers)
        return url

    def __exit__(self, *exc):
        for p in reversed(self.procs):
            p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        return False
