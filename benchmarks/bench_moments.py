"""The moments family side by side: skaccel, scikit-learn-intelex and scikit-learn.

One process, the same data, libraries interleaved round-robin in each repeat; medians
and ratios. Rows (the issue's): PCA fit+transform on 1,000,000×100 (n_components=10)
and 100,000×1,000 (n_components=20); EmpiricalCovariance and BasicStatistics on
2,000,000×50; IncrementalLinearRegression over 20 partial_fit batches of 100,000×50.

    python benchmarks/bench_moments.py [--quick] [--repeats R] [--output docs/benchmarks.md]
"""

import argparse
import gc
import importlib
import logging
import statistics
import time
import warnings

import numpy as np
from _report import replace_section, settle

LIBRARIES = ("skaccel", "sklearnex", "sklearn")
# (library, public name) -> module; a missing entry means the library has no such class.
MODULES = {
    ("skaccel", "PCA"): "skaccel.decomposition",
    ("sklearnex", "PCA"): "sklearnex.decomposition",
    ("sklearn", "PCA"): "sklearn.decomposition",
    ("skaccel", "EmpiricalCovariance"): "skaccel.covariance",
    ("sklearnex", "EmpiricalCovariance"): "sklearnex.preview.covariance",
    ("sklearn", "EmpiricalCovariance"): "sklearn.covariance",
    ("skaccel", "BasicStatistics"): "skaccel.basic_statistics",
    ("sklearnex", "BasicStatistics"): "sklearnex.basic_statistics",
    ("skaccel", "IncrementalLinearRegression"): "skaccel.linear_model",
    ("sklearnex", "IncrementalLinearRegression"): "sklearnex.linear_model",
}


def estimator_class(library, name):
    module = MODULES.get((library, name))
    if module is None:
        return None
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


def cases(quick):
    rng = np.random.default_rng(0)
    scale = 10 if quick else 1

    def data(n, p):
        X = rng.standard_normal((n // scale, p))
        return X + rng.uniform(-5, 5, p)

    X1, X2, X3 = data(1_000_000, 100), data(100_000, 1_000), data(2_000_000, 50)
    batches = [data(100_000, 50) for _ in range(20)]
    coef = rng.standard_normal(50)
    targets = [B @ coef + 1.0 for B in batches]

    def pca(k, X):
        return lambda cls: cls(n_components=k).fit(X).transform(X)

    def incremental(cls):
        model = cls()
        for B, y in zip(batches, targets, strict=True):
            model.partial_fit(B, y)
        return model.coef_

    yield f"PCA fit+transform {X1.shape[0]:,}×100, k=10", "PCA", pca(10, X1)
    yield f"PCA fit+transform {X2.shape[0]:,}×1,000, k=20", "PCA", pca(20, X2)
    yield (
        f"EmpiricalCovariance fit {X3.shape[0]:,}×50",
        "EmpiricalCovariance",
        (lambda cls: cls().fit(X3)),
    )
    yield f"BasicStatistics fit {X3.shape[0]:,}×50", "BasicStatistics", lambda cls: cls().fit(X3)
    rows = batches[0].shape[0]
    yield (
        f"IncrementalLinearRegression 20 × partial_fit {rows:,}×50",
        "IncrementalLinearRegression",
        incremental,
    )


def run(quick, repeats):
    results = []
    for label, name, job in cases(quick):
        classes = {lib: estimator_class(lib, name) for lib in LIBRARIES}
        times = {lib: [] for lib, cls in classes.items() if cls is not None}
        for lib in times:  # warm-up (imports, first-touch of code paths)
            job(classes[lib])
        for _ in range(repeats):
            for lib in times:
                gc.collect()
                settle()
                start = time.perf_counter()
                job(classes[lib])
                times[lib].append(time.perf_counter() - start)
        results.append((label, {lib: statistics.median(t) for lib, t in times.items()}))
        print(label, {lib: round(v, 4) for lib, v in results[-1][1].items()}, flush=True)
    return results


def table(results):
    lines = [
        "| case | skaccel (s) | sklearnex (s) | sklearn (s) | skaccel/sklearnex | "
        "sklearn/skaccel |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, med in results:
        cells = [f"{med[lib]:.3f}" if lib in med else "n/a" for lib in LIBRARIES]
        vs_ex = f"{med['skaccel'] / med['sklearnex']:.2f}" if "sklearnex" in med else ""
        vs_sk = f"{med['sklearn'] / med['skaccel']:.1f}×" if "sklearn" in med else ""
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {vs_ex} | {vs_sk} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the rows")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--output", default=None, help="update this Markdown file")
    args = parser.parse_args()
    logging.getLogger("sklearnex").setLevel(logging.WARNING)
    warnings.simplefilter("ignore")
    body = table(run(args.quick, args.repeats))
    body += (
        f"\n\nMedians of {args.repeats} runs after one warm-up, libraries interleaved; data "
        "standard normal plus per-column offsets in [-5, 5], float64. Command: "
        f"`python benchmarks/bench_moments.py --repeats {args.repeats}`."
    )
    print(body)
    if args.output:
        replace_section(args.output, "moments", "## The moments family\n\n" + body)


if __name__ == "__main__":
    main()
