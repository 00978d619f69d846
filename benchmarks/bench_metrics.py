"""Side-by-side benchmark of roc_auc_score and train_test_split: skaccel,
scikit-learn-intelex, scikit-learn.

All three libraries run in one process on the same data, interleaved round-robin within
every repeat: roc_auc_score of 10,000,000 binary scores (float64, float32, and float64
with sample weights), and train_test_split (test_size=0.25, random_state=0) of a
5,000,000×20 float64 array and of a DataFrame of the same values. The table gives
medians, the ratio to scikit-learn-intelex and the speedup over scikit-learn; the last
column says whether each library's result equals scikit-learn's (the same area within
1e-12, the same rows in the same order).

    python benchmarks/bench_metrics.py          # rewrites docs/benchmarks.md
    python benchmarks/bench_metrics.py --quick  # 1,000,000 scores, 500,000×20; prints only

Only the block between the bench_metrics markers of the output file is rewritten.
"""

import importlib
import warnings
from pathlib import Path

import numpy as np
from bench_linear import bench_arguments, markdown_table, median_times, write_section
from bench_logistic import HEADER, row

DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
MODULES = {
    "skaccel": ("skaccel.metrics", "skaccel.model_selection"),
    "sklearnex": ("sklearnex.metrics", "sklearnex.model_selection"),
    "sklearn": ("sklearn.metrics", "sklearn.model_selection"),
}
TABLE_HEADER = HEADER[:-1] + ["equal to scikit-learn's (skaccel, sklearnex)"]
REPEATS = 5


def functions():
    found = {}
    for lib, (metrics, model_selection) in MODULES.items():
        try:
            found[lib] = (
                importlib.import_module(metrics).roc_auc_score,
                importlib.import_module(model_selection).train_test_split,
            )
        except ImportError as exc:
            print(f"{lib} is not importable ({exc}); its column shows n/a")
    return found


def _equal_flags(results, same):
    reference = results.get("sklearn")
    return ", ".join(
        "n/a"
        if lib not in results or reference is None
        else ("yes" if same(results[lib], reference) else "no")
        for lib in ("skaccel", "sklearnex")
    )


def bench_roc_auc(found, n):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, n)
    # Scores of a useful classifier: the positive class shifted up; rounded so that ties occur.
    score = np.round(rng.standard_normal(n) + y, 4)
    weight = rng.random(n)
    cases = [
        (f"{n:,} scores float64", score, None),
        (f"{n:,} scores float32", score.astype(np.float32), None),
        (f"{n:,} scores float64, sample_weight", score, weight),
    ]
    for label, s, w in cases:
        jobs = {
            lib: (lambda f=f[0], s=s, w=w: f(y, s, sample_weight=w)) for lib, f in found.items()
        }
        results = {lib: job() for lib, job in jobs.items()}  # warm-up
        flags = _equal_flags(results, lambda a, b: abs(a - b) <= 1e-12)
        yield row(label, "roc_auc_score", median_times(jobs, REPEATS), flags)


def bench_split(found, n, p):
    pd = importlib.import_module("pandas")
    X = np.random.default_rng(1).standard_normal((n, p))
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(p)])
    for label, data in ((f"{n:,}×{p} ndarray", X), (f"{n:,}×{p} DataFrame", frame)):
        jobs = {
            lib: (lambda f=f[1], d=data: f(d, test_size=0.25, random_state=0))
            for lib, f in found.items()
        }
        results = {lib: job() for lib, job in jobs.items()}  # warm-up

        def same(a, b):
            return all(
                np.array_equal(np.asarray(u), np.asarray(v)) for u, v in zip(a, b, strict=True)
            )

        flags = _equal_flags(results, same)
        del results
        yield row(label, "train_test_split", median_times(jobs, REPEATS), flags)


def main():
    args, output, load_before, core_stamp = bench_arguments(__doc__, DEFAULT_OUTPUT)
    found = functions()
    warnings.simplefilter("ignore")  # sklearnex fallback notices
    print(" | ".join(TABLE_HEADER))
    n_scores, n_rows = (1_000_000, 500_000) if args.quick else (10_000_000, 5_000_000)
    rows = list(bench_roc_auc(found, n_scores)) + list(bench_split(found, n_rows, 20))
    if output is not None:
        write_section(
            output,
            "bench_metrics",
            [
                "## roc_auc_score and train_test_split (issue 10)",
                "roc_auc_score of binary scores (rounded to 4 decimals, so with ties); "
                "train_test_split(test_size=0.25, random_state=0). Medians of interleaved "
                "runs; ratios below 1 mean skaccel is faster. The last column compares each "
                "result with scikit-learn's.",
                markdown_table(TABLE_HEADER, rows),
            ],
            load_before,
            core_stamp,
        )


if __name__ == "__main__":
    main()
