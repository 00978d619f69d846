"""Side-by-side benchmark of KMeans: skaccel, scikit-learn-intelex, scikit-learn.

All three libraries run in one process on the same data, interleaved round-robin within
every repeat: fit with n_init=1, max_iter=30, tol=0 from the same init array (so every
library runs 30 Lloyd iterations unless its labels repeat earlier: the n_iter_ column),
and predict on the training rows. The table gives medians, the ratio to
scikit-learn-intelex and the speedup over scikit-learn.

    python benchmarks/bench_kmeans.py          # 1,000,000×20, k=20; rewrites docs/benchmarks.md
    python benchmarks/bench_kmeans.py --quick  # 100,000×20, prints only

Only the block between the bench_kmeans markers of the output file is rewritten.
"""

import importlib
import warnings
from pathlib import Path

import numpy as np
from bench_linear import bench_arguments, markdown_table, median_times, write_section
from bench_logistic import HEADER, LIBRARIES, row

DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
MODULES = {
    "skaccel": "skaccel.cluster",
    "sklearnex": "sklearnex.cluster",
    "sklearn": "sklearn.cluster",
}
# (label, n_samples, n_features, n_clusters, dtype, fit repeats)
FULL_CASES = [
    ("1,000,000×20 float64, k=20", 1_000_000, 20, 20, np.float64, 5),
    ("1,000,000×20 float32, k=20", 1_000_000, 20, 20, np.float32, 5),
]
QUICK_CASES = [("100,000×20 float64, k=20", 100_000, 20, 20, np.float64, 3)]


def make_data(n_samples, n_features, n_clusters, dtype, seed=0):
    """Gaussian blobs around n_clusters centers far from the origin (seed 0)."""
    rng = np.random.default_rng(seed)
    centers = rng.uniform(-10, 10, (n_clusters, n_features))
    X = centers[rng.integers(0, n_clusters, n_samples)] + rng.standard_normal(
        (n_samples, n_features)
    )
    X += rng.uniform(20, 50, n_features)
    return X.astype(dtype, copy=False)


def bench_case(classes, label, X, k, repeats):
    init = X[:: max(1, X.shape[0] // k)][:k].copy()
    params = {"n_clusters": k, "init": init, "n_init": 1, "max_iter": 30, "tol": 0.0}
    fitted = {lib: cls(**params).fit(X) for lib, cls in classes.items()}  # warm-up
    iterations = ", ".join(
        str(fitted[lib].n_iter_) if lib in fitted else "n/a" for lib in LIBRARIES
    )
    jobs = {lib: lambda c=cls: c(**params).fit(X) for lib, cls in classes.items()}
    yield row(label, "fit", median_times(jobs, repeats, settled=True), iterations)
    jobs = {lib: lambda m=m: m.predict(X) for lib, m in fitted.items()}
    yield row(label, "predict", median_times(jobs, 9, settled=True))


def main():
    args, output, load_before, core_stamp = bench_arguments(__doc__, DEFAULT_OUTPUT)
    classes = {}
    for lib in LIBRARIES:
        try:
            classes[lib] = importlib.import_module(MODULES[lib]).KMeans
        except ImportError as exc:
            print(f"{lib} is not importable ({exc}); its column shows n/a")
    warnings.simplefilter("ignore")  # sklearnex fallback notices
    rows = []
    print(" | ".join(HEADER))
    for label, n, p, k, dtype, repeats in QUICK_CASES if args.quick else FULL_CASES:
        rows.extend(bench_case(classes, label, make_data(n, p, k, dtype), k, repeats))
    if output is not None:
        write_section(
            output,
            "bench_kmeans",
            [
                "## KMeans (issue 9)",
                "`KMeans(n_init=1, max_iter=30, tol=0)` from the same init array (k rows of X) "
                "for every library; predict on the training rows. Medians of interleaved "
                "runs; ratios below 1 mean skaccel is faster.",
                markdown_table(HEADER, rows),
            ],
            load_before,
            core_stamp,
        )


if __name__ == "__main__":
    main()
