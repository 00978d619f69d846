"""Side-by-side benchmark of LocalOutlierFactor: skaccel, scikit-learn-intelex,
scikit-learn.

All three libraries run in one process on the same data, interleaved round-robin within
every repeat, float64 and float32: 50,000×10 standard normal rows with 1 % of them
scattered 5× wider (numpy's default_rng, seed 0), `LocalOutlierFactor()` (n_neighbors=20,
algorithm='auto': scikit-learn's kd-tree, 10 features being at most 15; skaccel's search
of the same neighbours, by brute force above its tree's 8 features, 10 from 100,000 rows):

- fit (outlier detection: the neighbours of every training row, densities, factors);
- score_samples of 10,000 new rows (novelty=True).

The table gives medians, the ratio to scikit-learn-intelex and the speedup over
scikit-learn; the last column is the largest difference of each library's
negative_outlier_factor_ (fit) or scores from scikit-learn's (skaccel, sklearnex), and
the fraction of fit_predict labels equal to scikit-learn's.

    python benchmarks/bench_lof.py          # rewrites docs/benchmarks.md
    python benchmarks/bench_lof.py --quick  # every size 10× smaller; prints only

Only the block between the bench_lof markers of the output file is rewritten.
"""

import importlib
import warnings
from pathlib import Path

import numpy as np
from bench_linear import bench_arguments, markdown_table, median_times, write_section
from bench_logistic import HEADER, LIBRARIES, row

DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
MODULES = {
    "skaccel": "skaccel.neighbors",
    "sklearnex": "sklearnex.neighbors",
    "sklearn": "sklearn.neighbors",
}
# (training rows, new rows, features, repeats)
FULL_CASES = [(50_000, 10_000, 10, 3)]
QUICK_CASES = [(5_000, 1_000, 10, 3)]
HEADER = [*HEADER[:-1], "max |difference| from sklearn's (skaccel, sklearnex); labels equal"]


def make_data(n_samples, n_features, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    X[: n_samples // 100] *= 5.0
    return X


def _agreement(values, labels=None):
    reference = values.get("sklearn")
    parts = []
    for lib in ("skaccel", "sklearnex"):
        if reference is None or lib not in values:
            parts.append("n/a")
            continue
        text = f"{np.max(np.abs(np.asarray(values[lib], np.float64) - reference)):.2g}"
        if labels is not None:
            text += f" (labels {np.mean(labels[lib] == labels['sklearn']):.4f})"
        parts.append(text)
    return ", ".join(parts)


def main():
    args, output, load_before, core_stamp = bench_arguments(__doc__, DEFAULT_OUTPUT)
    classes = {}
    for lib in LIBRARIES:
        try:
            classes[lib] = importlib.import_module(MODULES[lib]).LocalOutlierFactor
        except ImportError as exc:
            print(f"{lib} is not importable ({exc}); its column shows n/a")
    warnings.simplefilter("ignore")  # sklearnex fallback notices
    rows = []
    print(" | ".join(HEADER))
    for n, m, p, repeats in QUICK_CASES if args.quick else FULL_CASES:
        for dtype in (np.float64, np.float32):
            X = make_data(n, p, 0).astype(dtype)
            Q = make_data(m, p, 1).astype(dtype)
            label = f"{n:,}×{p} {np.dtype(dtype).name}, {m:,} new rows, n_neighbors=20"
            fitted = {lib: cls().fit(X) for lib, cls in classes.items()}
            factors = {lib: f.negative_outlier_factor_ for lib, f in fitted.items()}
            labels = {lib: cls().fit_predict(X) for lib, cls in classes.items()}
            jobs = {lib: lambda c=cls, X=X: c().fit(X) for lib, cls in classes.items()}
            rows.append(
                row(
                    label,
                    "fit",
                    median_times(jobs, repeats, settled=True),
                    _agreement(factors, labels),
                )
            )
            novelty = {lib: cls(novelty=True).fit(X) for lib, cls in classes.items()}
            scores = {lib: model.score_samples(Q) for lib, model in novelty.items()}
            jobs = {lib: lambda f=model, Q=Q: f.score_samples(Q) for lib, model in novelty.items()}
            rows.append(
                row(
                    label,
                    "score_samples (novelty=True)",
                    median_times(jobs, repeats, settled=True),
                    _agreement(scores),
                )
            )
    if output is not None:
        write_section(
            output,
            "bench_lof",
            [
                "## LocalOutlierFactor (issue 9)",
                "`LocalOutlierFactor()` (n_neighbors=20, algorithm='auto') on standard normal "
                "rows, 1 % of them scattered 5× wider (bench_lof.py). Medians of interleaved "
                "runs; ratios below 1 mean skaccel is faster.",
                markdown_table(HEADER, rows),
            ],
            load_before,
            core_stamp,
        )


if __name__ == "__main__":
    main()
