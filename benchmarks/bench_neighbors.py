"""Side-by-side benchmark of the k-nearest-neighbours estimators: skaccel,
scikit-learn-intelex, scikit-learn, and faiss-cpu's exact IndexFlatL2 as the brute-force
anchor.

All libraries run in one process on the same data, interleaved round-robin within every
repeat (with a pause between calls, see _report.settle), float64 and float32, on standard
normal rows from numpy's default_rng (fixed seeds):

- KNeighborsClassifier(n_neighbors=10, algorithm="brute"): fit and predict, 100,000×50
  training rows in 10 classes, 20,000 queries; NearestNeighbors(n_neighbors=10).kneighbors
  of the same queries, with faiss's IndexFlatL2.search (after index.add of the training
  rows; float32 only) in the float32 row.
- KNeighborsClassifier(n_neighbors=10, algorithm="kd_tree"): fit and predict, 200,000×8
  training rows, 50,000 queries.
- Persistence of a NearestNeighbors fitted on 2,000,000×64 float32: skaccel.save and
  skaccel.load (plain and mmap=True) of skaccel's model against pickle protocol 5
  (pickle.dump, pickle.load) of scikit-learn-intelex's and scikit-learn's, with the file
  sizes; os.sync() and bench_persistence's pause before each call (0.3 s with --quick),
  files in a temporary folder ($BENCH_TMP or the system's).

The tables give medians, the ratio to scikit-learn-intelex, the speedup over scikit-learn
and the ratio to faiss; the last column gives the fraction of each library's predictions
(or neighbour indices) equal to scikit-learn's.

    python benchmarks/bench_neighbors.py          # rewrites docs/benchmarks.md
    python benchmarks/bench_neighbors.py --quick  # every size ~10× smaller; prints only

Only the block between the bench_neighbors markers of the output file is rewritten.
"""

import importlib
import os
import pickle
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from _report import SETTLE_SECONDS
from bench_linear import bench_arguments, fmt, markdown_table, median_times, ratio, write_section
from bench_logistic import HEADER
from bench_logistic import row as persistence_row
from bench_persistence import SETTLE_SECONDS as FILE_SETTLE_SECONDS

import skaccel

DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
MODULES = {
    "skaccel": "skaccel.neighbors",
    "sklearnex": "sklearnex.neighbors",
    "sklearn": "sklearn.neighbors",
}
LIBRARIES = ("skaccel", "sklearnex", "sklearn", "faiss")  # column order of the table
K = 10
N_CLASSES = 10
# (algorithm, n_train, n_queries, n_features, fit repeats)
FULL_CASES = [("brute", 100_000, 20_000, 50, 5), ("kd_tree", 200_000, 50_000, 8, 5)]
QUICK_CASES = [("brute", 10_000, 2_000, 50, 3), ("kd_tree", 20_000, 5_000, 8, 3)]
FULL_PERSISTENCE, QUICK_PERSISTENCE = (2_000_000, 64), (200_000, 64)  # rows, features
SEARCH_REPEATS, PERSISTENCE_REPEATS = 3, 3
TABLE_HEADER = HEADER[:-1] + [
    "faiss (s)",
    "skaccel/faiss ratio",
    "fraction equal to scikit-learn's (skaccel, sklearnex, faiss)",
]
PERSISTENCE_HEADER = HEADER[:-1] + ["file size; loaded model checked (skaccel; sklearnex; sklearn)"]


def load_classes():
    """{library: its neighbors module} for the libraries that import; faiss under 'faiss'."""
    found = {}
    for lib, module in {**MODULES, "faiss": "faiss"}.items():
        try:
            found[lib] = importlib.import_module(module)
        except ImportError as exc:
            print(f"{lib} is not importable ({exc}); its column shows n/a")
    return found


def make_data(n_train, n_queries, n_features, seed=0):
    """Standard normal rows; the labels are the argmax of N_CLASSES linear scores plus
    Gumbel noise (overlapping classes). Training and query rows, float64, seed 0."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_train + n_queries, n_features))
    scores = X[:n_train] @ rng.standard_normal((n_features, N_CLASSES))
    y = np.argmax(scores + rng.gumbel(size=scores.shape), axis=1)
    return X[:n_train], y, X[n_train:]


def row(label, operation, medians, equal=""):
    sk, ex, sl, fa = (medians.get(lib) for lib in LIBRARIES)
    out = [label, operation, *map(fmt, (sk, ex, sl)), ratio(sk, ex), ratio(sl, sk)]
    out += [fmt(fa), ratio(sk, fa), equal]
    print(" | ".join(out), flush=True)
    return out


def fractions_equal(results):
    """The fraction of each library's array equal to scikit-learn's, elementwise."""
    reference = results.get("sklearn")
    return ", ".join(
        "n/a"
        if lib not in results or reference is None
        else f"{float(np.mean(np.asarray(results[lib]) == reference)):.5f}"
        for lib in ("skaccel", "sklearnex", "faiss")
    )


def faiss_index(faiss, X):
    """faiss's exact index of the rows X (float32). Its search computes the distances by
    blocks of gemm when n_queries × n_features reaches faiss.cvar.
    distance_compute_blas_threshold (128,000 in faiss-cpu 1.15.1: the full brute-force
    case), otherwise query by query with SIMD (the --quick case); kept as it comes."""
    index = faiss.IndexFlatL2(X.shape[1])
    index.add(X)
    return index


def bench_case(found, algorithm, n_train, n_queries, p, fit_repeats):
    """Yield the rows of a case, float64 then float32 (the same values rounded)."""
    X, y, Q = make_data(n_train, n_queries, p)
    for dtype in (np.float64, np.float32):
        label = f"{n_train:,}×{p} {np.dtype(dtype).name}, {n_queries:,} queries, {algorithm}"
        yield from bench_arrays(
            found, algorithm, label, X.astype(dtype), y, Q.astype(dtype), fit_repeats
        )


def bench_arrays(found, algorithm, label, X, y, Q, fit_repeats):
    """Yield the fit and predict rows of KNeighborsClassifier (and for brute force the
    kneighbors row of NearestNeighbors, with faiss's for float32 data)."""
    params = {"n_neighbors": K, "algorithm": algorithm}
    classifiers = {lib: found[lib].KNeighborsClassifier for lib in MODULES if lib in found}
    use_faiss = "faiss" in found and algorithm == "brute" and X.dtype == np.float32
    fitted = {lib: cls(**params).fit(X, y) for lib, cls in classifiers.items()}  # warm-up
    jobs = {lib: lambda c=cls: c(**params).fit(X, y) for lib, cls in classifiers.items()}
    operation = "fit"
    if use_faiss:
        jobs["faiss"] = lambda: faiss_index(found["faiss"], X)
        operation = "fit (faiss: IndexFlatL2 + add)"
    yield row(label, operation, median_times(jobs, fit_repeats, settled=True))
    jobs = {lib: lambda m=m: m.predict(Q) for lib, m in fitted.items()}
    results = {lib: job() for lib, job in jobs.items()}  # warm-up
    equal = fractions_equal(results)
    del results
    yield row(label, f"predict k={K}", median_times(jobs, SEARCH_REPEATS, settled=True), equal)
    del fitted, jobs
    if algorithm != "brute":
        return
    searchers = {
        lib: found[lib].NearestNeighbors(**params).fit(X) for lib in MODULES if lib in found
    }
    jobs = {lib: lambda m=m: m.kneighbors(Q)[1] for lib, m in searchers.items()}
    operation = "kneighbors"
    if use_faiss:
        index = faiss_index(found["faiss"], X)
        jobs["faiss"] = lambda: index.search(Q, K)[1]
        operation = "kneighbors (faiss: IndexFlatL2.search)"
    results = {lib: job() for lib, job in jobs.items()}  # warm-up
    equal = fractions_equal(results)
    del results
    yield row(label, operation, median_times(jobs, SEARCH_REPEATS, settled=True), equal)


def _timed(job, pause):
    """Wall time of job() alone: the dirty pages of earlier writes flushed first (os.sync,
    untimed), then a pause of `pause` seconds; its result is freed after the clock stops.
    The full run pauses as bench_persistence does (SETTLE_SECONDS), so that the memory the
    previous call freed is no longer just freed: on a VM whose balloon reports free pages
    to the host, a new file's page cache (skaccel.save writes a new file and renames it
    over the old one, pickle rewrites the old file in place) or a fresh buffer faults on
    the host unless it reuses pages freed a moment before. --quick pauses 0.3 s only."""
    os.sync()
    time.sleep(pause)
    start = time.perf_counter()
    result = job()
    seconds = time.perf_counter() - start
    del result
    return seconds


def _pickle_dump(model, path):
    with open(path, "wb") as f:
        pickle.dump(model, f, protocol=5)


def _pickle_load(path):
    with open(path, "rb") as f:
        return pickle.load(f)


def bench_persistence(found, n, p, pause):
    """Yield the save and load rows of a NearestNeighbors fitted on n×p float32 rows."""
    X = np.random.default_rng(1).standard_normal((n, p), dtype=np.float32)
    Q = np.random.default_rng(2).standard_normal((10, p), dtype=np.float32)
    label = f"NearestNeighbors {n:,}×{p} float32 (X.nbytes {X.nbytes:,} B)"
    models = {lib: found[lib].NearestNeighbors().fit(X) for lib in MODULES if lib in found}
    libs = [lib for lib in ("skaccel", "sklearnex", "sklearn") if lib in models]
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
        paths = {
            lib: os.path.join(tmp, "model.skm" if lib == "skaccel" else f"{lib}.pkl")
            for lib in libs
        }

        def save_job(lib):
            if lib == "skaccel":
                return lambda: skaccel.save(models[lib], paths[lib])
            return lambda: _pickle_dump(models[lib], paths[lib])

        loads = {}  # keyed apart from the saves (skaccel has one save, two loads)
        if "skaccel" in libs:
            loads["load skaccel"] = lambda: skaccel.load(paths["skaccel"])
            loads["load skaccel mmap"] = lambda: skaccel.load(paths["skaccel"], mmap=True)
        for lib in libs:
            if lib != "skaccel":
                loads[f"load {lib}"] = lambda lib=lib: _pickle_load(paths[lib])
        saves = {f"save {lib}": save_job(lib) for lib in libs}
        times = {name: [] for name in [*saves, *loads]}
        for _ in range(PERSISTENCE_REPEATS):  # round-robin: saves, then loads
            for name, job in saves.items():
                times[name].append(_timed(job, pause))
            for name, job in loads.items():
                times[name].append(_timed(job, pause))
        medians = {name: float(np.median(samples)) for name, samples in times.items()}
        sizes = {lib: os.path.getsize(paths[lib]) for lib in libs}
        checks = {}  # whether each loaded model's rows equal X
        for lib in libs:
            loaded = skaccel.load(paths[lib]) if lib == "skaccel" else _pickle_load(paths[lib])
            checks[lib] = np.array_equal(loaded._fit_X, X)
            del loaded
        if "skaccel" in libs:
            mapped = skaccel.load(paths["skaccel"], mmap=True)
            mapped_rows = np.array_equal(mapped._fit_X, X)
            mapped_search = all(
                np.array_equal(a, b)
                for a, b in zip(mapped.kneighbors(Q), models["skaccel"].kneighbors(Q), strict=True)
            )
            del mapped

    def notes(values):
        return "; ".join(values.get(lib, "n/a") for lib in ("skaccel", "sklearnex", "sklearn"))

    size_notes = {
        lib: f"{size:,} B ({size / X.nbytes:.3f}× X.nbytes)" for lib, size in sizes.items()
    }
    yes = {True: "yes", False: "NO"}
    row_checks = {lib: f"rows equal X: {yes[ok]}" for lib, ok in checks.items()}
    save_medians = {lib: medians[f"save {lib}"] for lib in libs}
    pickle_loads = {lib: medians[f"load {lib}"] for lib in libs if lib != "skaccel"}
    yield persistence_row(
        label, "save (skaccel.save; pickle.dump p5)", save_medians, notes(size_notes)
    )
    if "skaccel" in libs:
        yield persistence_row(
            label,
            "load (skaccel.load; pickle.load)",
            {"skaccel": medians["load skaccel"], **pickle_loads},
            notes(row_checks),
        )
        mapped_notes = dict(row_checks)
        mapped_notes["skaccel"] = (
            f"rows equal X: {yes[mapped_rows]}, kneighbors equal: {yes[mapped_search]}"
        )
        yield persistence_row(
            label,
            "load (skaccel.load mmap=True; pickle.load)",
            {"skaccel": medians["load skaccel mmap"], **pickle_loads},
            notes(mapped_notes),
        )


def main():
    args, output, load_before, core_stamp = bench_arguments(__doc__, DEFAULT_OUTPUT)
    found = load_classes()
    warnings.simplefilter("ignore")  # sklearnex fallback notices
    print(" | ".join(TABLE_HEADER))
    rows = []
    for case in QUICK_CASES if args.quick else FULL_CASES:
        rows.extend(bench_case(found, *case))
    print("\n" + " | ".join(PERSISTENCE_HEADER))
    sizes = QUICK_PERSISTENCE if args.quick else FULL_PERSISTENCE
    pause = SETTLE_SECONDS if args.quick else FILE_SETTLE_SECONDS
    persistence = list(bench_persistence(found, *sizes, pause))
    if output is not None:
        write_section(
            output,
            "bench_neighbors",
            [
                "## k-nearest neighbours",
                f"`KNeighborsClassifier(n_neighbors={K}, algorithm=...)` and "
                f"`NearestNeighbors(n_neighbors={K}, algorithm='brute')` on standard normal "
                f"rows ({N_CLASSES} classes from noisy linear scores); faiss-cpu's exact "
                "`IndexFlatL2` (float32 only): `index.add` of the training rows as its fit, "
                "`index.search(Q, k)` next to kneighbors. skaccel's kd_tree fit builds no "
                "tree: the first search that pays builds the core's kd-tree, kept for the "
                "next (at most 8 features, 10 from 100,000 training rows), so the 8-feature "
                "kd_tree rows are "
                "searched by the tree. "
                "Medians of interleaved runs; "
                "ratios below 1 mean skaccel is faster. The last column is the fraction of "
                "predictions (or neighbour indices) equal to scikit-learn's.",
                markdown_table(TABLE_HEADER, rows),
                "Saving and loading a fitted `NearestNeighbors()`: skaccel's model file "
                "(`skaccel.save`, `skaccel.load`, `skaccel.load(mmap=True)`, checksums "
                "verified) against pickle protocol 5 to a file of scikit-learn-intelex's and "
                "scikit-learn's models (their pickle.load time is in both load rows). "
                f"`os.sync()` and a pause of {pause:g} s before each timed call, so that no "
                "write waits for another's writeback and no call meets memory that the one "
                "before just freed (see bench_persistence); the page cache holds the files. "
                "Medians of interleaved runs. The last column gives the file "
                "sizes and checks the loaded rows (and the mapped model's kneighbors).",
                markdown_table(PERSISTENCE_HEADER, persistence),
            ],
            load_before,
            core_stamp,
        )


if __name__ == "__main__":
    main()
