"""Fit with skaccel, pickle, load, predict -- then time it against scikit-learn.

Run with `make demo`. The first part is the user-facing promise of skaccel, verbatim.
"""

import os
import pickle
import statistics
import tempfile
import time

import numpy as np
from sklearn.datasets import make_regression

from skaccel.linear_model import LinearRegression

os.chdir(tempfile.mkdtemp(prefix="skaccel-demo-"))

# --- the program, exactly as promised ------------------------------------------------
X, y = make_regression()
model = LinearRegression().fit(X, y)
with open("linear_model.pkl", "wb") as f:
    pickle.dump(model, f)
with open("linear_model.pkl", "rb") as f:
    model_deserialized = pickle.load(f)
np.testing.assert_array_equal(model_deserialized.predict(X), model.predict(X))
# --------------------------------------------------------------------------------------

print("OK: the unpickled model's predictions are bit-identical to the original's.")
print(f"   saved with: {model_deserialized.__getstate__()['_skaccel_record']}\n")


def median_time(fn, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def timings(estimator_class, X, y):
    model = estimator_class()
    fit = median_time(lambda: model.fit(X, y), 3)
    predict = median_time(lambda: model.predict(X), 5)
    blob = pickle.dumps(model, protocol=5)
    pickle_rt = median_time(lambda: pickle.loads(pickle.dumps(model, protocol=5)), 20)
    return fit, predict, pickle_rt, len(blob)


def main():
    import sklearn.linear_model

    import skaccel.linear_model

    X, y = make_regression(n_samples=500_000, n_features=50, noise=1.0, random_state=0)
    print(f"Timing on make_regression {X.shape[0]:,} x {X.shape[1]} float64 (median seconds)")
    rows = []
    for name in ("LinearRegression", "Ridge"):
        ours = timings(getattr(skaccel.linear_model, name), X, y)
        theirs = timings(getattr(sklearn.linear_model, name), X, y)
        for i, op in enumerate(("fit", "predict", "pickle round trip")):
            rows.append((name, op, ours[i], theirs[i]))
        rows.append((name, "pickle bytes", ours[3], theirs[3]))
    header = (
        f"{'estimator':18s} {'operation':18s} {'skaccel':>12s} {'scikit-learn':>13s} "
        f"{'speedup':>8s}"
    )
    print(header)
    print("-" * len(header))
    for name, op, ours, theirs in rows:
        if op == "pickle bytes":
            print(f"{name:18s} {op:18s} {ours:12,d} {theirs:13,d} {'':>8s}")
        else:
            print(f"{name:18s} {op:18s} {ours:12.4f} {theirs:13.4f} {theirs / ours:7.1f}x")


main()
