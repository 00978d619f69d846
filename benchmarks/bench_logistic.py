"""Side-by-side benchmark of LogisticRegression: skaccel, scikit-learn-intelex, scikit-learn.

All three libraries run in one process on the same data, interleaved round-robin within
every repeat (with a pause between BLAS-heavy calls, see _report.settle); the table gives
medians, the ratio to scikit-learn-intelex and the speedup over scikit-learn, and the
iterations each library's solver took (n_iter_: the same work for skaccel and scikit-learn,
which run the same optimizer; sklearnex runs oneDAL's own L-BFGS).

    python benchmarks/bench_logistic.py            # full sizes, rewrites docs/benchmarks.md
    python benchmarks/bench_logistic.py --quick    # small sizes, prints only

Only the block between the bench_logistic markers of the output file is rewritten.
"""

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

DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
LIBRARIES = ("skaccel", "sklearnex", "sklearn")
BOTH = ("lbfgs", "newton-cholesky")
# (label, n_samples, n_features, n_classes, dtype, solvers, fit repeats)
FULL_CASES = [
    ("binary 1,000,000×50 float64", 1_000_000, 50, 2, np.float64, BOTH, 5),
    ("binary 1,000,000×50 float32", 1_000_000, 50, 2, np.float32, ("lbfgs",), 5),
    (
        "10 classes 200,000×100 float64",
        200_000,
        100,
        10,
        np.float64,
        ("lbfgs", "newton-cholesky"),
        3,
    ),
]
QUICK_CASES = [
    ("binary 100,000×50 float64", 100_000, 50, 2, np.float64, ("lbfgs", "newton-cholesky"), 3),
    ("10 classes 20,000×100 float64", 20_000, 100, 10, np.float64, ("lbfgs",), 3),
]
PREDICT_REPEATS = 9
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


def make_data(n_samples, n_features, n_classes, dtype):
    """X standard normal; y from a linear score plus noise (logistic noise for two
    classes, Gumbel noise over n_classes scores otherwise): overlapping classes (seed 0)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n_samples, n_features))
    if n_classes == 2:
        y = X @ rng.standard_normal(n_features) * 0.3 + rng.logistic(size=n_samples) > 0
    else:
        scores = X @ rng.standard_normal((n_features, n_classes)) * 0.3
        y = np.argmax(scores + rng.gumbel(size=scores.shape), axis=1)
    return X.astype(dtype, copy=False), y.astype(np.int64)


def bench_case(modules, label, X, y, solvers, fit_repeats):
    """Yield one table row per (solver fit, predict_proba) of a data case."""
    classes = {lib: modules[lib].LogisticRegression for lib in LIBRARIES if modules[lib]}
    for solver in solvers:
        params = {"solver": solver, "max_iter": 1000}
        fitted = {lib: cls(**params).fit(X, y) for lib, cls in classes.items()}  # warm-up
        iterations = ", ".join(
            str(int(np.asarray(fitted[lib].n_iter_).max())) if lib in fitted else "n/a"
            for lib in LIBRARIES
        )
        jobs = {lib: lambda c=cls, kw=params: c(**kw).fit(X, y) for lib, cls in classes.items()}
        medians = median_times(jobs, fit_repeats, settled=True)
        yield row(label, f"fit ({solver})", medians, iterations)
        if solver == solvers[0]:
            jobs = {lib: lambda m=m: m.predict_proba(X) for lib, m in fitted.items()}
            yield row(label, "predict_proba", median_times(jobs, PREDICT_REPEATS, settled=True))


def row(label, operation, medians, iterations=""):
    sk, ex, sl = (medians.get(lib) for lib in LIBRARIES)
    out = [label, operation, *map(fmt, (sk, ex, sl)), ratio(sk, ex), ratio(sl, sk), iterations]
    print(" | ".join(out), flush=True)
    return out


def main():
    args, output, load_before, core_stamp = bench_arguments(__doc__, DEFAULT_OUTPUT)
    modules = load_libraries()
    modules = {lib: modules.get(lib) for lib in LIBRARIES}
    warnings.simplefilter("ignore")  # convergence and sklearnex fallback notices
    rows = []
    print(" | ".join(HEADER))
    for label, n, p, k, dtype, solvers, repeats in QUICK_CASES if args.quick else FULL_CASES:
        X, y = make_data(n, p, k, dtype)
        rows.extend(bench_case(modules, label, X, y, solvers, repeats))
    if output is not None:
        write_section(
            output,
            "bench_logistic",
            [
                "## LogisticRegression (issue 10)",
                "Default parameters but `solver` and `max_iter=1000`; medians of interleaved "
                "runs; fit ratios below 1 mean skaccel is faster. skaccel and scikit-learn run "
                "the same optimizer (same n_iter_); scikit-learn-intelex runs oneDAL's "
                "(its newton-cholesky is scikit-learn's code).",
                markdown_table(HEADER, rows),
            ],
            load_before,
            core_stamp,
        )


if __name__ == "__main__":
    main()
