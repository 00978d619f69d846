"""Side-by-side benchmark of DBSCAN: skaccel, scikit-learn-intelex, scikit-learn.

All three libraries run in one process on the same data, interleaved round-robin within
every repeat, float64 and float32, on Gaussian blobs (numpy's default_rng, seed 0), eps
about the median distance to the tenth nearest row:

- 100,000×3, 10 blobs, eps=0.22, min_samples=10: algorithm="auto" (scikit-learn's
  kd-tree; skaccel's kd-tree);
- 20,000×10, 10 blobs, eps=2.2, min_samples=10: algorithm="auto" (a tree for
  scikit-learn, 10 features being at most 15; for skaccel its kd-tree or its tiles of
  products with the trees' decisions, as a sample of the rows shows cheaper: the tree on
  these blobs);
- 20,000×20, eps=4.0: algorithm="auto" is brute force for every library.

The table gives medians, the ratio to scikit-learn-intelex and the speedup over
scikit-learn; the last column is the fraction of each library's labels equal to
scikit-learn's (skaccel, sklearnex).

    python benchmarks/bench_dbscan.py          # rewrites docs/benchmarks.md
    python benchmarks/bench_dbscan.py --quick  # every size 10× smaller; prints only

Only the block between the bench_dbscan markers of the output file is rewritten.
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
# (n_samples, n_features, eps, repeats)
FULL_CASES = [(100_000, 3, 0.22, 5), (20_000, 10, 2.2, 3), (20_000, 20, 4.0, 3)]
QUICK_CASES = [(10_000, 3, 0.47, 3), (2_000, 10, 2.9, 3), (2_000, 20, 4.8, 3)]
MIN_SAMPLES = 10
HEADER = [*HEADER[:-1], "labels equal to sklearn's (skaccel, sklearnex)"]


def make_data(n_samples, n_features, seed=0):
    """Ten Gaussian blobs of unit spread, centers uniform in [-10, 10]^p."""
    rng = np.random.default_rng(seed)
    centers = rng.uniform(-10, 10, (10, n_features))
    return centers[rng.integers(0, 10, n_samples)] + rng.standard_normal((n_samples, n_features))


def main():
    args, output, load_before, core_stamp = bench_arguments(__doc__, DEFAULT_OUTPUT)
    classes = {}
    for lib in LIBRARIES:
        try:
            classes[lib] = importlib.import_module(MODULES[lib]).DBSCAN
        except ImportError as exc:
            print(f"{lib} is not importable ({exc}); its column shows n/a")
    warnings.simplefilter("ignore")  # sklearnex fallback notices
    rows = []
    print(" | ".join(HEADER))
    for n, p, eps, repeats in QUICK_CASES if args.quick else FULL_CASES:
        for dtype in (np.float64, np.float32):
            X = make_data(n, p).astype(dtype)
            params = {"eps": eps, "min_samples": MIN_SAMPLES}
            labels = {lib: cls(**params).fit(X).labels_ for lib, cls in classes.items()}
            reference = labels.get("sklearn")
            equal = ", ".join(
                "n/a"
                if reference is None or lib not in labels
                else f"{np.mean(labels[lib] == reference):.4f}"
                for lib in ("skaccel", "sklearnex")
            )
            n_clusters = int(reference.max()) + 1 if reference is not None else "?"
            label = f"{n:,}×{p} {np.dtype(dtype).name}, eps={eps}, {n_clusters} clusters"
            jobs = {
                lib: lambda c=cls, kw=params, X=X: c(**kw).fit(X) for lib, cls in classes.items()
            }
            rows.append(row(label, "fit", median_times(jobs, repeats, settled=True), equal))
    if output is not None:
        write_section(
            output,
            "bench_dbscan",
            [
                "## DBSCAN (issue 9)",
                f"`DBSCAN(eps, min_samples={MIN_SAMPLES})`, algorithm='auto', on ten Gaussian "
                "blobs (bench_dbscan.py). Medians of interleaved runs; ratios below 1 mean "
                "skaccel is faster.",
                markdown_table(HEADER, rows),
            ],
            load_before,
            core_stamp,
        )


if __name__ == "__main__":
    main()
