"""The user-facing promise of skaccel, verbatim (the foundation issue's program)."""


def test_promise_program_verbatim(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    import pickle
    import numpy as np
    from sklearn.datasets import make_regression
    from skaccel.linear_model import LinearRegression

    X, y = make_regression()
    model = LinearRegression().fit(X, y)
    with open("linear_model.pkl", "wb") as f:
        pickle.dump(model, f)
    with open("linear_model.pkl", "rb") as f:
        model_deserialized = pickle.load(f)
    np.testing.assert_array_equal(model_deserialized.predict(X), model.predict(X))
