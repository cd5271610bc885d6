"""bench/process_cpu.py: the CPU time of the processes a benchmark runs beside, read from /proc."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench import process_cpu, soak

pytestmark = pytest.mark.skipif(not Path("/proc/stat").exists(), reason="needs Linux's /proc")

#: A child that spends SECONDS of CPU, says so, then waits (or ends at once with `--exit`).
BURN = """
import sys, time
spent = float(sys.argv[1])
while time.process_time() < spent:
    pass
print("burnt", flush=True)
if sys.argv[2:] != ["--exit"]:
    time.sleep(60)
"""


def test_a_group_is_charged_what_its_processes_spent_meanwhile():
    with subprocess.Popen([sys.executable, "-c", BURN, "0.4"], stdout=subprocess.PIPE, text=True) as child:
        try:
            meter = process_cpu.Meter({"burner": lambda: process_cpu.tree(child.pid)}).start()
            assert child.stdout.readline().strip() == "burnt"
            figures = meter.stop()
        finally:
            child.kill()
    assert 0.35 <= figures["burner"] <= 2.0
    assert figures["wall"] > 0 and figures["idle"] >= 0 and figures["other"] >= 0
    assert process_cpu.tree(child.pid) == [child.pid]  # gone: only the asked-for id comes back


def test_children_waited_for_are_the_load_client():
    with process_cpu.Meter({}) as meter:
        subprocess.run([sys.executable, "-c", BURN, "0.3", "--exit"], check=True, capture_output=True)
    assert meter.figures["load client"] >= 0.25
    assert meter.figures["bench"] < meter.figures["load client"]


def test_a_process_tree_and_names():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert child.pid in process_cpu.tree(os.getpid())
        assert process_cpu.cpu_seconds(child.pid) is not None
    finally:
        child.kill()
        child.wait()
    assert process_cpu.cpu_seconds(None) is None
    assert process_cpu.database_server("sqlite:///x.db") is None
    assert process_cpu.database_server("mysql+pymysql://ssc@db.internal:3306/ssc") is None


def test_the_soak_reports_cpu_per_request_beside_bare_flask():
    capacity = {"requests": 20_000, "cpu": {"app": 24.0, "wall": 20.0, "MariaDB": 4.0, "idle": 2.0}}
    bare = [
        {"requests": 80_000, "cpu": {"app": 20.0, "wall": 20.0}},
        {"requests": 100_000, "cpu": {"app": 20.0, "wall": 20.0}},
    ]
    figures = soak.cpu_per_request(capacity, bare)
    assert figures == {"app_ms_per_request": 1.2, "bare_ms_per_request": 0.225, "ratio": 0.188}
    text = soak.describe_cpu(capacity["cpu"], 2)
    assert text.startswith("20.0 s x 2 CPUs = 40.0 CPU-s: app 24.0 s (60%), MariaDB 4.0 s (10%)")
