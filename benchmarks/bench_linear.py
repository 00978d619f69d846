"""Side-by-side benchmark of skaccel, scikit-learn-intelex and scikit-learn linear models.

All three libraries run in one process on the same data. For every case and estimator it
times fit, predict (on the training X) and a pickle round trip (pickle.dumps with
protocol 5 in-band, then pickle.loads), interleaving the libraries round-robin within each
repeat and reporting medians. A plain np.copyto of X gives the memory-bandwidth bound
that skaccel's predict is compared with.

    python benchmarks/bench_linear.py            # full sizes, rewrites docs/benchmarks.md
    python benchmarks/bench_linear.py --quick    # small sizes, prints only
    python benchmarks/bench_linear.py --quick --output /tmp/bench.md

The script does not touch thread counts or OPENBLAS_* variables; it records them.
Only the block between the bench_linear markers of the output file is rewritten.
"""

import argparse
import datetime
import gc
import hashlib
import importlib
import logging
import os
import pickle
import resource
import statistics
import sys
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np
from _report import replace_section, settle
from threadpoolctl import threadpool_info

import skaccel

DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
LIBRARIES = {  # column order of the table
    "skaccel": "skaccel.linear_model",
    "sklearnex": "sklearnex.linear_model",
    "sklearn": "sklearn.linear_model",
}
ESTIMATORS = ("LinearRegression", "Ridge")  # default parameters (Ridge: alpha=1.0)
# (n_samples, n_features, dtype, fit repeats)
FULL_CASES = [
    (2_000_000, 50, np.float64, 5),
    (2_000_000, 50, np.float32, 5),
    (100_000, 1_000, np.float64, 3),
]
QUICK_CASES = [
    (200_000, 50, np.float64, 5),
    (200_000, 50, np.float32, 5),
    (20_000, 200, np.float64, 3),
]
PREDICT_REPEATS, PICKLE_REPEATS, COPY_REPEATS = 15, 101, 15
OPENBLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")
HEADER = [
    "case",
    "operation",
    "skaccel (s)",
    "sklearnex (s)",
    "sklearn (s)",
    "skaccel/sklearnex ratio",
    "sklearn/skaccel speedup",
    "predict / bound",
]


def load_libraries():
    modules = {}
    for name, module in LIBRARIES.items():
        try:
            modules[name] = importlib.import_module(module)
        except ImportError as exc:
            print(f"{name} is not importable ({exc}); its column shows n/a", file=sys.stderr)
            modules[name] = None
    logging.getLogger("sklearnex").setLevel(logging.WARNING)  # silence per-call INFO lines
    return modules


def make_data(n_samples, n_features, dtype):
    """make_regression-like data: X standard normal, y = X @ coef + noise (seed 0)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n_samples, n_features))
    y = X @ rng.standard_normal(n_features) + 0.1 * rng.standard_normal(n_samples)
    return X.astype(dtype, copy=False), y.astype(dtype, copy=False)


def median_times(jobs, repeats, settled=False):
    """Median wall time of each callable; jobs alternate round-robin within every repeat.
    settled: pause before each call (BLAS-heavy jobs, see _report.SETTLE_SECONDS)."""
    times = {name: [] for name in jobs}
    for _ in range(repeats):
        for name, job in jobs.items():
            if settled:
                settle()
            start = time.perf_counter()
            job()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(samples) for name, samples in times.items()}


def copy_time(X):
    """Median time of np.copyto into a preallocated, already touched array: the predict bound."""
    dst = np.ones_like(X)
    return median_times({"copy": lambda: np.copyto(dst, X)}, COPY_REPEATS)["copy"]


def markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def fmt(seconds):
    return "n/a" if seconds is None else f"{seconds:.3g}"


def ratio(numerator, denominator):
    return "n/a" if numerator is None or denominator is None else f"{numerator / denominator:.2f}"


def bench_case(modules, X, y, fit_repeats, copy_seconds, label):
    """Yield one table row per (estimator, operation) of a data case."""
    for estimator in ESTIMATORS:
        classes = {lib: getattr(mod, estimator) for lib, mod in modules.items() if mod is not None}
        models = {lib: cls().fit(X, y) for lib, cls in classes.items()}  # warm-up fit
        operations = {
            "fit": (
                {lib: lambda c=cls: c().fit(X, y) for lib, cls in classes.items()},
                fit_repeats,
            ),
            "predict": (
                {lib: lambda m=m: m.predict(X) for lib, m in models.items()},
                PREDICT_REPEATS,
            ),
            "pickle round-trip": (
                {
                    lib: lambda m=m: pickle.loads(pickle.dumps(m, protocol=5))
                    for lib, m in models.items()
                },
                PICKLE_REPEATS,
            ),
        }
        for operation, (jobs, repeats) in operations.items():
            medians = median_times(jobs, repeats, settled=operation != "pickle round-trip")
            sk, ex, sl = (medians.get(lib) for lib in LIBRARIES)
            bound = ratio(sk, copy_seconds) if operation == "predict" else ""
            row = [f"{estimator} {label}", operation, *map(fmt, (sk, ex, sl))]
            row += [ratio(sk, ex), ratio(sl, sk), bound]
            print(" | ".join(row), flush=True)
            yield row


def loaded_core_stamp():
    """Name, hash and mtime of the skaccel extension, taken at start-up (others may rebuild it)."""
    core = Path(skaccel._core.__file__)
    modified = datetime.datetime.fromtimestamp(core.stat().st_mtime, datetime.UTC)
    digest = hashlib.sha256(core.read_bytes()).hexdigest()[:16]
    return f"`{core.name}`, sha256 {digest}, modified {modified:%Y-%m-%d %H:%M:%S UTC}"


def environment(load_before, core_stamp):
    lines = Path("/proc/cpuinfo").read_text().splitlines()
    cpuinfo = dict(
        reversed([[part.strip() for part in line.split(":", 1)] for line in lines if ":" in line])
    )
    cpu = (
        f"{cpuinfo.get('model name', 'unknown')} (family {cpuinfo.get('cpu family')}, "
        f"model {cpuinfo.get('model')}, {cpuinfo.get('cache size')} L2)"
    )
    env = " ".join(f"{var}={os.environ[var]}" for var in OPENBLAS_VARS if var in os.environ)
    command = " ".join(filter(None, [env, "python", *sys.argv]))
    try:
        sklearnex_version = version("scikit-learn-intelex")
    except Exception:
        sklearnex_version = "not installed"
    blas = [
        f"  - {d['internal_api']} ({d['prefix']} {d.get('version')}, "
        f"{Path(d['filepath']).name}): num_threads={d['num_threads']}"
        for d in sorted(threadpool_info(), key=lambda d: d["filepath"])
    ]
    return "\n".join(
        [
            f"- Date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M UTC}",
            f"- Command: `{command}` (python = `{sys.executable}`)",
            f"- Environment: {env or 'no OPENBLAS_*/OMP_* variables set'}",
            f"- `skaccel.version_record()`: `{skaccel.version_record()}`",
            f"- skaccel core (as loaded): {core_stamp}",
            f"- scikit-learn {version('scikit-learn')}, scikit-learn-intelex {sklearnex_version}",
            f"- CPU: {cpu}; nproc: {len(os.sched_getaffinity(0))}; 1-min load average "
            f"{load_before:.2f} before the run, {os.getloadavg()[0]:.2f} after; peak RSS "
            f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.1f} GiB",
            "- Loaded thread pools (threadpoolctl, after the run):",
            *blas,
        ]
    )


def bench_arguments(doc, default_output):
    """The command line of a side-by-side benchmark (--quick: small sizes, print only;
    --output PATH), as (args, report path or None, 1-min load average, core stamp)."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes; print only")
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args()
    output = args.output or (None if args.quick else default_output)
    return args, output, os.getloadavg()[0], loaded_core_stamp()


def write_section(output, name, blocks, load_before, core_stamp):
    """Rewrite the section `name` of the report `output`: the blocks (title, text, tables)
    followed by the environment of the run."""
    body = "\n\n".join([*blocks, environment(load_before, core_stamp)])
    replace_section(output, name, body)
    print(f"wrote {output}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes for a smoke run")
    parser.add_argument(
        "--output",
        type=Path,
        help=f"Markdown file (default {DEFAULT_OUTPUT}; with --quick, print only)",
    )
    args = parser.parse_args()
    output = args.output or (None if args.quick else DEFAULT_OUTPUT)

    load_before, core_stamp = os.getloadavg()[0], loaded_core_stamp()
    modules = load_libraries()
    rows, bandwidth_rows = [], []
    for n_samples, n_features, dtype, fit_repeats in QUICK_CASES if args.quick else FULL_CASES:
        label = f"{n_samples:,}×{n_features} {np.dtype(dtype).name}"
        X, y = make_data(n_samples, n_features, dtype)
        copy_seconds = copy_time(X)
        bandwidth_rows.append(
            [
                label,
                f"{X.nbytes / 1e6:,.0f}",
                fmt(copy_seconds),
                f"{X.nbytes / copy_seconds / 1e9:.1f}",
            ]
        )
        rows += bench_case(modules, X, y, fit_repeats, copy_seconds, label)
        del X, y
        gc.collect()

    results = markdown_table(HEADER, rows)
    bounds = markdown_table(
        ["case", "X (MB)", "np.copyto time = bound (s)", "copy bandwidth (GB/s)"], bandwidth_rows
    )
    block = "\n\n".join(
        [
            f"## Results{' (--quick sizes)' if args.quick else ''}",
            environment(load_before, core_stamp),
            results,
            "Memory-bandwidth bound for predict (bandwidth = bytes(X) / copy time):",
            bounds,
        ]
    )
    print("\n" + block)
    if output:
        replace_section(output, "bench_linear", block)
        print(f"wrote {output}")


if __name__ == "__main__":
    main()
