"""Side-by-side benchmark of pairwise_distances: skaccel, scikit-learn-intelex,
scikit-learn.

All three libraries run in one process on the same data, interleaved round-robin within
every repeat: pairwise_distances(X, Y, metric) for X 10,000×50 and Y 8,000×50 (a
640 MB float64 result), metrics euclidean, cosine and manhattan, float64 and float32.
The table gives medians, the ratio to scikit-learn-intelex and the speedup over
scikit-learn; the last column gives each library's largest difference from
scikit-learn's distances.

    python benchmarks/bench_pairwise.py          # rewrites docs/benchmarks.md
    python benchmarks/bench_pairwise.py --quick  # 2,000×50 by 1,500×50; prints only

Only the block between the bench_pairwise markers of the output file is rewritten.
"""

import importlib
import warnings
from pathlib import Path

import numpy as np
from bench_linear import bench_arguments, markdown_table, median_times, write_section
from bench_logistic import HEADER, row

DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
MODULES = {
    "skaccel": "skaccel.metrics",
    "sklearnex": "sklearnex.metrics",
    "sklearn": "sklearn.metrics",
}
TABLE_HEADER = HEADER[:-1] + ["largest difference from scikit-learn's (skaccel, sklearnex)"]
REPEATS = 5


def functions():
    found = {}
    for lib, module in MODULES.items():
        try:
            found[lib] = importlib.import_module(module).pairwise_distances
        except ImportError as exc:
            print(f"{lib} is not importable ({exc}); its column shows n/a")
    return found


def bench(found, n, m, p):
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((n, p)), rng.standard_normal((m, p))
    for metric in ("euclidean", "cosine", "manhattan"):
        for dtype in (np.float64, np.float32):
            Xd, Yd = X.astype(dtype), Y.astype(dtype)
            jobs = {
                lib: (lambda f=f, a=Xd, b=Yd, metric=metric: f(a, b, metric=metric))
                for lib, f in found.items()
            }
            reference = jobs["sklearn"]() if "sklearn" in jobs else None
            differences = []
            for lib in ("skaccel", "sklearnex"):
                if lib not in jobs or reference is None:
                    differences.append("n/a")
                    continue
                differences.append(f"{float(np.abs(jobs[lib]() - reference).max()):.1e}")
            del reference
            label = f"{n:,}×{p} by {m:,}×{p} {np.dtype(dtype).name}"
            yield row(label, metric, median_times(jobs, REPEATS), ", ".join(differences))


def main():
    args, output, load_before, core_stamp = bench_arguments(__doc__, DEFAULT_OUTPUT)
    found = functions()
    warnings.simplefilter("ignore")  # sklearnex fallback notices
    print(" | ".join(TABLE_HEADER))
    sizes = (2_000, 1_500, 50) if args.quick else (10_000, 8_000, 50)
    rows = list(bench(found, *sizes))
    if output is not None:
        write_section(
            output,
            "bench_pairwise",
            [
                "## pairwise_distances (issue 9)",
                "pairwise_distances(X, Y, metric) of standard normal rows; medians of "
                "interleaved runs; ratios below 1 mean skaccel is faster. The last column is "
                "each library's largest absolute difference from scikit-learn's result.",
                markdown_table(TABLE_HEADER, rows),
            ],
            load_before,
            core_stamp,
        )


if __name__ == "__main__":
    main()
