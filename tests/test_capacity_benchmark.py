"""benchmarks/capacity.py still runs: one student, the welcome notebook (a smoke test of the
benchmark's machinery, not a measurement; the numbers in the instructor guide come from a full
run)."""

import json
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_capacity_benchmark_reports_cpu_wall_and_memory_per_student(tmp_path):
    out = tmp_path / "capacity.json"
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "capacity.py"), "--counts", "1", "2",
         "--notebooks", "00", "--json", str(out)],
        capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "CPU-s/student" in result.stdout and "load" in result.stdout
    report = json.loads(out.read_text())
    assert report["idle_server_mb"] > 10 and report["idle_kernel_mb"] > 10
    assert [r["k"] for r in report["rounds"]] == [1, 2]
    for r in report["rounds"]:
        assert len(r["students"]) == r["k"]
        for student in r["students"]:
            assert student["cpu"] > 0 and student["wall"] > 0 and student["rss_mb"] > 10


def test_capacity_benchmark_rejects_an_unknown_notebook():
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "capacity.py"), "--notebooks", "99"],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "no notebook starts with 99_" in result.stderr
