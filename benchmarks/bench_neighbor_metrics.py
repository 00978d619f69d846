"""k-nearest neighbours by the Minkowski family's other metrics: skaccel, scikit-learn and
scikit-learn-intelex side by side (KNeighborsClassifier.predict, medians of 3, seconds,
ratio = skaccel / the fastest peer). Prints the table; docs/benchmarks.md quotes it."""

import sys
import time
import warnings

import numpy as np
import sklearn.neighbors as sk

import skaccel.neighbors as skn

warnings.simplefilter("ignore")


def median_time(f, repeats=3):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def main():
    try:
        from sklearnex.neighbors import KNeighborsClassifier as SklearnexKNN
    except ImportError:
        SklearnexKNN = None
    peers = [("skaccel", skn.KNeighborsClassifier), ("scikit-learn", sk.KNeighborsClassifier)]
    if SklearnexKNN is not None:
        peers.append(("sklearnex", SklearnexKNN))
    rng = np.random.default_rng(0)
    cases = [
        (200_000, 20_000, 8, "kd_tree", np.float64),
        (100_000, 5_000, 50, "brute", np.float64),
        (100_000, 5_000, 50, "brute", np.float32),
    ]
    metrics = {"manhattan": {"metric": "manhattan"}, "chebyshev": {"metric": "chebyshev"}}
    metrics["minkowski p=3"] = {"p": 3}
    print("| Case | metric | " + " | ".join(name for name, _ in peers) + " | ratio |")
    for n, q, p, algorithm, dtype in cases:
        X = rng.standard_normal((n, p)).astype(dtype)
        y = (X[:, 0] > 0).astype(int)
        Q = rng.standard_normal((q, p)).astype(dtype)
        for label, params in metrics.items():
            if algorithm == "brute" and "p" in params:
                continue  # a pow per term: minutes for every peer
            times = {}
            for name, estimator in peers:
                model = estimator(n_neighbors=10, algorithm=algorithm, **params).fit(X, y)
                model.predict(Q[:10])
                times[name] = median_time(lambda model=model, Q=Q: model.predict(Q))
            best_peer = min(t for name, t in times.items() if name != "skaccel")
            cells = " | ".join(f"{times[name]:.3g}" for name, _ in peers)
            case = f"{algorithm}, {n}x{p} {np.dtype(dtype).name}, {q} queries"
            print(f"| {case} | {label} | {cells} | {times['skaccel'] / best_peer:.2f} |")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
