import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import sklearn.linear_model

import skaccel
import skaccel.linear_model


def test_patch_and_unpatch():
    original = sklearn.linear_model.LinearRegression
    assert not skaccel.sklearn_is_patched()
    skaccel.patch_sklearn()
    try:
        assert skaccel.sklearn_is_patched()
        from sklearn.linear_model import LinearRegression, Ridge

        assert LinearRegression is skaccel.linear_model.LinearRegression
        assert Ridge is skaccel.linear_model.Ridge
        assert skaccel.sklearn_is_patched(return_map=True) == {
            "ElasticNet": True,
            "Lasso": True,
            "LinearRegression": True,
            "LogisticRegression": True,
            "Ridge": True,
            "PCA": True,
            "IncrementalPCA": True,
            "EmpiricalCovariance": True,
            "KMeans": True,
            "DBSCAN": True,
            "KNeighborsClassifier": True,
            "KNeighborsRegressor": True,
            "NearestNeighbors": True,
            "LocalOutlierFactor": True,
            "pairwise_distances": True,
            "pairwise_distances_argmin": True,
            "pairwise_distances_argmin_min": True,
            "roc_auc_score": True,
            "train_test_split": True,
        }
        from sklearn.cluster import KMeans
        from sklearn.covariance import EmpiricalCovariance
        from sklearn.decomposition import PCA

        assert PCA.__module__.startswith("skaccel.decomposition")
        assert EmpiricalCovariance.__module__.startswith("skaccel.covariance")
        assert KMeans is skaccel.cluster.KMeans
        from sklearn.cluster import DBSCAN

        assert DBSCAN is skaccel.cluster.DBSCAN
        from sklearn.neighbors import KNeighborsClassifier

        assert KNeighborsClassifier is skaccel.neighbors.KNeighborsClassifier
        from sklearn.neighbors import LocalOutlierFactor

        assert LocalOutlierFactor is skaccel.neighbors.LocalOutlierFactor
    finally:
        skaccel.unpatch_sklearn()
    assert not skaccel.sklearn_is_patched()
    assert sklearn.linear_model.LinearRegression is original


def test_partial_patch_and_unknown_name():
    skaccel.patch_sklearn("Ridge")
    try:
        patched = skaccel.sklearn_is_patched(return_map=True)
        assert patched.pop("Ridge") is True and not any(patched.values())
    finally:
        skaccel.unpatch_sklearn()
    try:
        skaccel.patch_sklearn("SVC")
    except ValueError as exc:
        assert "SVC" in str(exc)
    else:
        raise AssertionError("patching an unknown estimator must fail")


def test_model_pickled_while_patched_loads_after_unpatching(regression_data):
    X, Y, _ = regression_data
    skaccel.patch_sklearn()
    try:
        model = sklearn.linear_model.Ridge().fit(X, Y)
        sk_model = sklearn.linear_model._ridge.Ridge().fit(X, Y)
        payload, sk_payload = pickle.dumps(model), pickle.dumps(sk_model)
    finally:
        skaccel.unpatch_sklearn()
    loaded = pickle.loads(payload)
    assert type(loaded) is skaccel.linear_model.Ridge
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert type(pickle.loads(sk_payload)) is sklearn.linear_model.Ridge


def test_python_dash_m_runs_a_script_patched(tmp_path):
    script = tmp_path / "script.py"
    script.write_text(
        textwrap.dedent(
            """
            import sys
            from sklearn.linear_model import LinearRegression
            print(LinearRegression.__module__, sys.argv[1:])
            """
        )
    )
    env = dict(os.environ)
    out = subprocess.run(
        [sys.executable, "-m", "skaccel", str(script), "a", "b"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    assert out.strip() == "skaccel.linear_model._base ['a', 'b']"


def test_every_patched_object_replaces_scikit_learns_public_name_and_is_restored():
    """Functions (roc_auc_score, train_test_split) as classes: patched by their
    _sklearn_patch name, restored by unpatching, the defining module left alone."""
    import importlib

    from skaccel._patching import _patches

    for full, (module_name, attr, ours) in _patches().items():
        module = importlib.import_module(module_name)
        original = getattr(module, attr)
        assert original is not ours, full
        skaccel.patch_sklearn(attr)
        try:
            assert getattr(module, attr) is ours, full
            assert getattr(importlib.import_module(original.__module__), attr) is original
        finally:
            skaccel.unpatch_sklearn()
        assert getattr(module, attr) is original, full
