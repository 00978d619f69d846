"""Side-by-side benchmark of ElasticNet and Lasso: skaccel, scikit-learn-intelex, scikit-learn.

All three libraries run in one process on the same data, interleaved round-robin within
every repeat; the table gives medians, the ratio to scikit-learn-intelex, the speedup over
scikit-learn and each library's n_iter_ (skaccel and scikit-learn run the same coordinate
descent: equal n_iter_). A second table times skaccel's two paths against each other
(precompute=True forces the Gram path; the crossover constant patched to infinity forces the
residual path), which is how the crossover in skaccel/linear_model/_coordinate_descent.py
was chosen.

    python benchmarks/bench_coordinate_descent.py          # full sizes, rewrites docs/benchmarks.md
    python benchmarks/bench_coordinate_descent.py --quick  # small sizes, prints only

Only the block between the bench_coordinate_descent markers of the output file is rewritten.
"""

import importlib
import warnings
from pathlib import Path

import numpy as np
from bench_linear import (
    bench_arguments,
    fmt,
    load_libraries,
    markdown_table,
    median_times,
    ratio,
    write_section,
)
from bench_logistic import LIBRARIES, row

DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
ESTIMATORS = (("ElasticNet", {"alpha": 0.1, "l1_ratio": 0.5}), ("Lasso", {"alpha": 0.1}))
# (label, n_samples, n_features, dtype, fit repeats)
FULL_CASES = [
    ("500,000×100 float64", 500_000, 100, np.float64, 5),
    ("500,000×100 float32", 500_000, 100, np.float32, 5),
    ("5,000×5,000 float64", 5_000, 5_000, np.float64, 3),
]
QUICK_CASES = [
    ("50,000×100 float64", 50_000, 100, np.float64, 3),
    ("1,000×1,000 float64", 1_000, 1_000, np.float64, 3),
]
# (n_samples, n_features) for the Gram-versus-residual table.
PATH_CASES = [(100_000, 100), (20_000, 100), (4_000, 100), (100_000, 500), (2_000, 1_000)]
QUICK_PATH_CASES = [(20_000, 100), (1_000, 100)]
HEADER = [
    "case",
    "operation",
    "skaccel (s)",
    "sklearnex (s)",
    "sklearn (s)",
    "skaccel/sklearnex ratio",
    "sklearn/skaccel speedup",
    "n_iter_ (skaccel, sklearnex, sklearn)",
]
PATH_HEADER = ["n_samples × n_features", "Gram path (s)", "residual path (s)", "Gram/residual"]


def make_data(n_samples, n_features, dtype, seed=0):
    """X standard normal; y from 10 informative features plus noise (seed 0)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_features))
    coef = np.zeros(n_features)
    coef[:10] = rng.uniform(1, 3, 10) * rng.choice([-1, 1], 10)
    y = X @ coef + rng.standard_normal(n_samples)
    return X.astype(dtype, copy=False), y.astype(dtype)


def n_iter(model):
    return "n/a" if model is None else str(int(np.max(np.atleast_1d(model.n_iter_))))


def estimator_class(modules, lib, name):
    """The library's class; scikit-learn-intelex has its ElasticNet and Lasso (daal4py's)
    in sklearnex.preview.linear_model."""
    if modules[lib] is None:
        return None
    found = getattr(modules[lib], name, None)
    if found is None and lib == "sklearnex":
        found = getattr(importlib.import_module("sklearnex.preview.linear_model"), name, None)
    return found


def bench_case(modules, label, X, y, repeats):
    for name, params in ESTIMATORS:
        classes = {lib: estimator_class(modules, lib, name) for lib in LIBRARIES}
        classes = {lib: cls for lib, cls in classes.items() if cls is not None}
        fitted = {lib: cls(**params).fit(X, y) for lib, cls in classes.items()}  # warm-up
        iterations = ", ".join(n_iter(fitted.get(lib)) for lib in LIBRARIES)
        jobs = {lib: lambda c=cls, kw=params: c(**kw).fit(X, y) for lib, cls in classes.items()}
        yield row(label, f"{name} fit", median_times(jobs, repeats, settled=True), iterations)
        jobs = {lib: lambda m=m: m.predict(X) for lib, m in fitted.items()}
        yield row(label, f"{name} predict", median_times(jobs, 9, settled=True))


def time_paths(ElasticNet, X, y):  # noqa: N803 - the class under test
    """Median fit times of the forced Gram path (precompute=True) and the forced residual
    path (the crossover constant patched to infinity, precompute=False)."""
    from skaccel.linear_model import _coordinate_descent as cd

    saved = cd._GRAM_MIN_SAMPLES_PER_FEATURE

    def gram():
        ElasticNet(alpha=0.1, precompute=True).fit(X, y)

    def residual():
        cd._GRAM_MIN_SAMPLES_PER_FEATURE = float("inf")
        try:
            ElasticNet(alpha=0.1, precompute=False).fit(X, y)
        finally:
            cd._GRAM_MIN_SAMPLES_PER_FEATURE = saved

    return median_times({"gram": gram, "residual": residual}, 5, settled=True)


def path_rows(ElasticNet, cases):  # noqa: N803 - the class under test
    for n, p in cases:
        X, y = make_data(n, p, np.float64, seed=1)
        medians = time_paths(ElasticNet, np.asfortranarray(X), y)
        out = [f"{n:,}×{p:,}", fmt(medians["gram"]), fmt(medians["residual"])]
        out.append(ratio(medians["gram"], medians["residual"]))
        print(" | ".join(out), flush=True)
        yield out


def main():
    args, output, load_before, core_stamp = bench_arguments(__doc__, DEFAULT_OUTPUT)
    modules = load_libraries()
    modules = {lib: modules.get(lib) for lib in LIBRARIES}
    warnings.simplefilter("ignore")  # convergence and sklearnex fallback notices
    rows = []
    print(" | ".join(HEADER))
    for label, n, p, dtype, repeats in QUICK_CASES if args.quick else FULL_CASES:
        X, y = make_data(n, p, dtype)
        rows.extend(bench_case(modules, label, X, y, repeats))
    print(" | ".join(PATH_HEADER))
    paths = list(
        path_rows(modules["skaccel"].ElasticNet, QUICK_PATH_CASES if args.quick else PATH_CASES)
    )
    if output is not None:
        write_section(
            output,
            "bench_coordinate_descent",
            [
                "## ElasticNet and Lasso (issue 10)",
                "`ElasticNet(alpha=0.1, l1_ratio=0.5)` and `Lasso(alpha=0.1)`, other parameters "
                "default (precompute=False, tol=1e-4); y from 10 of the features plus noise. "
                "Medians of interleaved runs; ratios below 1 mean skaccel is faster. skaccel "
                "and scikit-learn run the same coordinate descent (same n_iter_); "
                "scikit-learn-intelex runs oneDAL's.",
                markdown_table(HEADER, rows),
                "skaccel's two paths, `ElasticNet(alpha=0.1)`, F-ordered float64 X:",
                markdown_table(PATH_HEADER, paths),
            ],
            load_before,
            core_stamp,
        )


if __name__ == "__main__":
    main()
