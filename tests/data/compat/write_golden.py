"""Write this release's golden compatibility files: `make golden`.

For every example of every registered model type (tests/model_examples.py): a pickle, a
model file, an input and the output of each inference method, written by the installed
skaccel into tests/data/compat/<version>/, with a manifest.json that lists them. Committed
files of every release must keep loading and giving these outputs within roundoff
(tests/test_compat.py, and the C++ golden test of skaccel-predict).

Layout 2 (0.2.0 on), per case ``<model type>_<example>``: ``<case>.pkl``, ``<case>.skm``,
and for model types with inference methods ``<case>_X.npy`` and ``<case>_<method>.npy``
(one file per output, ``<case>_<method>_<output>.npy``, for methods with several).
Layout 1 (0.1.0) listed case names only, with ``<case>_expected.npy`` from ``predict``.
"""

import json
import pickle
import sys
from pathlib import Path

import numpy as np

import skaccel
from skaccel._registry import MODEL_TYPES

TESTS = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(TESTS))

from model_examples import EXAMPLES  # noqa: E402


def method_files(case, method):
    """{output name: file name} of one method's outputs."""
    if len(method.outputs) == 1:
        return {method.outputs[0][0]: f"{case}_{method.name}.npy"}
    return {name: f"{case}_{method.name}_{name}.npy" for name, _ in method.outputs}


def main(root):
    out = Path(root) / skaccel.__version__
    out.mkdir(parents=True, exist_ok=True)
    manifest = {
        "skaccel": skaccel.__version__,
        "layout": 2,
        "record": skaccel.version_record(),
        "cases": [],
    }
    for example in EXAMPLES:
        model, X = example.make()
        case = example.case
        with open(out / f"{case}.pkl", "wb") as f:
            pickle.dump(model, f, protocol=4)
        skaccel.save(model, out / f"{case}.skm")
        entry = {"name": case, "model_type": example.model_type, "methods": {}}
        methods = MODEL_TYPES[example.model_type].methods
        if methods:
            np.save(out / f"{case}_X.npy", X)
            entry["X"] = f"{case}_X.npy"
        for method in methods:
            result = getattr(model, method.name)(X)
            results = result if isinstance(result, tuple) else (result,)
            files = method_files(case, method)
            for file, value in zip(files.values(), results, strict=True):
                value = np.asarray(value)
                if value.dtype == object:  # str labels: stored as NumPy's <U (no pickle)
                    value = value.astype(str)
                np.save(out / file, value, allow_pickle=False)
            entry["methods"][method.name] = files
        manifest["cases"].append(entry)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"wrote {len(manifest['cases'])} cases to {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent)
