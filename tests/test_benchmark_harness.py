"""The benchmarks' driver (benchmarks/_common.py): which BLAS kernels its timing interpreters
get. A throwaway workload records the environment it was timed in."""

import pathlib
import subprocess
import sys
import textwrap

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _script(tmp_path):
    record = tmp_path / "seen.txt"
    script = tmp_path / "bench_env.py"
    script.write_text(textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(ROOT / "benchmarks")!r})
        from _common import run

        def ours():
            with open({str(record)!r}, "a") as f:
                f.write(f"{{os.environ.get('OPENBLAS_CORETYPE')}} "
                        f"{{os.environ.get('OPENBLAS_L2_SIZE')}} "
                        f"{{os.environ.get('OPENBLAS_NUM_THREADS')}}\\n")
            return lambda: None

        if __name__ == "__main__":
            run("env probe", [("probe", ours, None, "none")], os.path.abspath(__file__))
    """))
    return script, record


@pytest.mark.parametrize("blas, expected", [(None, "None None 1"), ("native", "None None 1"),
                                            ("inherit", "Haswell 512 1")])
def test_timing_interpreters_drop_the_kernel_pin_unless_asked_to_inherit(tmp_path, blas,
                                                                           expected):
    script, record = _script(tmp_path)
    env = {"PATH": "/usr/bin:/bin", "OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_L2_SIZE": "512"}
    cmd = [sys.executable, str(script), "--threads", "1", "--repeats", "1", "--no-memory"]
    result = subprocess.run(cmd + (["--blas", blas] if blas else []), env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert record.read_text().split("\n")[0] == expected
    assert ("dropped" in result.stdout) == (blas != "inherit"), result.stdout


def test_blas_option_rejects_an_unknown_choice(tmp_path):
    script, _ = _script(tmp_path)
    result = subprocess.run([sys.executable, str(script), "--blas", "avx512"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "invalid choice: 'avx512'" in result.stderr


def test_notebook_budget_names_a_missing_notebook(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "notebook_budget.py"),
                             str(tmp_path / "nope.ipynb")], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2 and "no such notebook: " in result.stderr
    assert "nope.ipynb" in result.stderr and "Traceback" not in result.stderr
