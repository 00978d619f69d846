"""Write this release's golden compatibility files: `make golden`.

For each case: a pickle, a model file, an input and the expected output, written by the
installed skaccel into tests/data/compat/<version>/. Committed files of every release
must keep loading (tests/test_compat.py).
"""

import json
import pickle
import sys
from pathlib import Path

import numpy as np

import skaccel
from skaccel.linear_model import LinearRegression, Ridge


def cases():
    rng = np.random.default_rng(2024)
    X = rng.standard_normal((64, 6)) * [1, 2, 3, 0.5, 10, 1] + [0, 5, -3, 1, 100, 0]
    Y = X @ rng.standard_normal((6, 2)) + [1.5, -2.0] + 0.1 * rng.standard_normal((64, 2))
    w = rng.uniform(0.5, 2.0, 64)
    X32 = X.astype(np.float32)
    yield "LinearRegression_f64_weighted", LinearRegression().fit(X, Y[:, 0], sample_weight=w), X
    yield (
        "LinearRegression_f32_multi_nointercept",
        LinearRegression(fit_intercept=False).fit(X32, Y.astype(np.float32)),
        X32,
    )
    yield "Ridge_f64_multi_alphas", Ridge(alpha=[0.5, 5.0]).fit(X, Y), X
    yield "Ridge_f32_svd", Ridge(alpha=2.0, solver="svd").fit(X32, Y[:, 1]), X32


def main(root):
    out = Path(root) / skaccel.__version__
    out.mkdir(parents=True, exist_ok=True)
    manifest = {"skaccel": skaccel.__version__, "record": skaccel.version_record(), "cases": []}
    for name, model, X in cases():
        with open(out / f"{name}.pkl", "wb") as f:
            pickle.dump(model, f, protocol=4)
        skaccel.save(model, out / f"{name}.skm")
        np.save(out / f"{name}_X.npy", X)
        np.save(out / f"{name}_expected.npy", model.predict(X))
        manifest["cases"].append(name)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"wrote {len(manifest['cases'])} cases to {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent)
