"""numpy baseline for bench/linalg/run.ts.

Reads the exact inputs written by run.ts (raw little-endian float64 files), times the same
operations with the same protocol (warm-up, batched inner repetitions, >= MIN_SAMPLES samples
or a per-case time budget) and prints one JSON object on stdout.

Run by run.ts with OPENBLAS_NUM_THREADS = OMP_NUM_THREADS = MKL_NUM_THREADS = 1 and
OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE removed from the environment: one core against one core.

usage: python3 bench/linalg/numpy_bench.py <input-dir> <sizes comma-separated> <budget-seconds>
"""

import json
import os
import platform
import sys
import time

import numpy as np

try:
    import scipy
    import scipy.linalg as sla
except ImportError:  # numpy-only fallback for Cholesky + solve
    scipy = None
    sla = None

MIN_SAMPLES = 15
MIN_SAMPLE_SECONDS = 2e-3  # batch fast calls so that one sample is well above timer resolution


def measure(f, budget):
    """Median/min/max seconds per call of f(), same protocol as run.ts."""
    # Warm up for 10% of the budget, then calibrate the batch size by doubling until one batch
    # lasts >= MIN_SAMPLE_SECONDS (same protocol as run.ts).
    warm_end = time.perf_counter() + 0.1 * budget
    calls = 0
    while calls < 2 or time.perf_counter() < warm_end:
        f()
        calls += 1
    inner = 1
    while True:
        t = time.perf_counter()
        for _ in range(inner):
            f()
        if time.perf_counter() - t >= MIN_SAMPLE_SECONDS:
            break
        inner *= 2
    samples = []
    deadline = time.perf_counter() + budget
    while len(samples) < MIN_SAMPLES and (time.perf_counter() < deadline or len(samples) < 3):
        t = time.perf_counter_ns()
        for _ in range(inner):
            f()
        samples.append((time.perf_counter_ns() - t) / inner / 1e9)
    samples.sort()
    return {"median": samples[len(samples) // 2], "min": samples[0], "max": samples[-1], "samples": len(samples), "inner": inner}


def load(d, name, n, cols=None):
    a = np.fromfile(os.path.join(d, f"{name}_{n}.f64"), dtype="<f8")
    return a.reshape(n, cols if cols is not None else n) if cols != 1 else a


def main():
    d, sizes, budget = sys.argv[1], [int(s) for s in sys.argv[2].split(",")], float(sys.argv[3])
    out = {
        "numpy": np.__version__,
        "scipy": scipy.__version__ if scipy is not None else None,
        "python": platform.python_version(),
        "threads": {k: os.environ.get(k) for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")},
        "results": {},
    }
    try:
        cfg = np.show_config(mode="dicts")
        out["blas"] = cfg.get("Build Dependencies", {}).get("blas", {}).get("name")
    except Exception:  # older numpy
        out["blas"] = None
    for n in sizes:
        A = load(d, "A", n)
        B = load(d, "B", n)
        S = load(d, "S", n)
        b = load(d, "b", n, 1)
        if sla is not None:
            chol = lambda: sla.cho_solve(sla.cho_factor(S, lower=True, check_finite=False), b, check_finite=False)
        else:
            chol = lambda: np.linalg.solve(np.linalg.cholesky(S), b)  # pragma: no cover
        cases = {
            "gemm": lambda: A @ B,
            "eigh": lambda: np.linalg.eigh(S),
            "cholesky+solve": chol,
            "traceAB": lambda: np.einsum("ij,ji->", A, B),
        }
        for op, f in cases.items():
            out["results"][f"{op}:{n}"] = measure(f, budget)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
