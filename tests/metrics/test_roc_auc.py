"""skaccel.metrics.roc_auc_score against scikit-learn's: values, warnings and errors."""

import logging
import warnings
from fractions import Fraction

import numpy as np
import pytest
from sklearn.metrics._ranking import roc_auc_score as sk_roc_auc_score

from skaccel import _core
from skaccel.metrics import roc_auc_score

RNG = np.random.default_rng(0)


def _both(*args, **kwargs):
    """(skaccel's result, scikit-learn's), warnings recorded for each."""
    with warnings.catch_warnings(record=True) as ours_w:
        warnings.simplefilter("always")
        ours = roc_auc_score(*args, **kwargs)
    with warnings.catch_warnings(record=True) as theirs_w:
        warnings.simplefilter("always")
        theirs = sk_roc_auc_score(*args, **kwargs)
    assert [type(w.message) for w in ours_w] == [type(w.message) for w in theirs_w]
    return ours, theirs


def _assert_same(*args, rtol=1e-13, **kwargs):
    ours, theirs = _both(*args, **kwargs)
    assert type(ours) is type(theirs) or (np.isscalar(ours) and np.isscalar(theirs))
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=1e-15)
    return ours


def _exact_auc(y, score, weight=None):
    """Σ over (positive, negative) pairs of w⁺w⁻ [s⁺ > s⁻] + ½ w⁺w⁻ [s⁺ = s⁻], over Σw⁺ Σw⁻,
    in exact rational arithmetic."""
    w = np.ones(len(y)) if weight is None else weight
    pos = [
        (Fraction(float(s)), Fraction(float(v))) for s, v, t in zip(score, w, y, strict=True) if t
    ]
    neg = [
        (Fraction(float(s)), Fraction(float(v)))
        for s, v, t in zip(score, w, y, strict=True)
        if not t
    ]
    num = sum(
        wp * wn * (1 if sp > sn else Fraction(1, 2) if sp == sn else 0)
        for sp, wp in pos
        for sn, wn in neg
    )
    return num / (sum(w for _, w in pos) * sum(w for _, w in neg))


@pytest.mark.parametrize("n", [2, 7, 40, 150])
def test_unweighted_area_is_the_exact_rank_sum_correctly_rounded(n):
    y = RNG.integers(0, 2, n)
    y[0], y[1] = 0, 1
    score = RNG.integers(0, 5, n) / 4.0  # many ties
    assert roc_auc_score(y, score) == float(_exact_auc(y, score))


def test_weighted_area_matches_the_exact_rank_sum():
    y = RNG.integers(0, 2, 120)
    y[:2] = [0, 1]
    score = RNG.integers(0, 9, 120) / 8.0
    w = RNG.random(120)
    assert roc_auc_score(y, score, sample_weight=w) == pytest.approx(
        float(_exact_auc(y, score, w)), rel=1e-14
    )


@pytest.mark.parametrize("n", [50, 5_000, 300_000])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("ties", [False, True])
def test_binary_matches_scikit_learn(n, dtype, ties):
    y = RNG.integers(0, 2, n)
    score = RNG.standard_normal(n)
    if ties:
        score = np.round(score, 1)
    score = score.astype(dtype)
    _assert_same(y, score)
    w = RNG.random(n)
    w[::7] = 0.0
    _assert_same(y, score, sample_weight=w, rtol=1e-11)
    for max_fpr in (0.01, 0.3, 0.5, 1.0):
        _assert_same(y, score, max_fpr=max_fpr, rtol=1e-11)
        _assert_same(y, score, sample_weight=w, max_fpr=max_fpr, rtol=1e-11)


@pytest.mark.parametrize(
    "y",
    [
        np.array([0, 1, 1, 0, 1, 0, 0, 1]),
        np.array([False, True, True, False, True, False, False, True]),
        np.array([-1, 1, 1, -1, 1, -1, -1, 1]),
        np.array([2, 5, 5, 2, 5, 2, 2, 5], dtype=np.uint8),
        np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0]),
        np.array(["no", "yes", "yes", "no", "yes", "no", "no", "yes"]),
        np.array(["b", "a", "a", "b", "a", "b", "b", "a"], dtype=object),
        [3, 4, 4, 3, 4, 3, 3, 4],
        np.array([[0], [1], [1], [0], [1], [0], [0], [1]]),
    ],
    ids=["int", "bool", "pm1", "uint8", "float", "str", "object", "list", "column"],
)
def test_binary_label_kinds(y):
    score = np.array([0.1, 0.8, 0.4, 0.35, 0.9, 0.2, 0.4, 0.4])
    _assert_same(y, score)
    _assert_same(y, score.astype(np.int64) + np.arange(8))  # integer scores
    _assert_same(y, score > 0.3)  # boolean scores


def test_score_layouts():
    y = RNG.integers(0, 2, 1000)
    base = RNG.random((1000, 3))
    expected = sk_roc_auc_score(y, np.ascontiguousarray(base[:, 1]))
    read_only = base[:, 1].copy()
    read_only.flags.writeable = False
    for score in (
        base[:, 1],  # strided
        np.asfortranarray(base)[:, 1],
        base[::-1, 1][::-1],  # negative strides twice
        read_only,
        list(base[:, 1]),
    ):
        assert roc_auc_score(y, score) == pytest.approx(expected, rel=1e-14)
    pd = pytest.importorskip("pandas")
    assert roc_auc_score(pd.Series(y), pd.Series(base[:, 1])) == pytest.approx(expected, rel=1e-14)


def test_one_class_warns_and_gives_nan():
    ours, theirs = _both([1, 1, 1], [0.1, 0.2, 0.3])
    assert np.isnan(ours) and np.isnan(theirs)
    # Every positive row of zero weight: scikit-learn's warnings and NaN.
    ours, theirs = _both([0, 1, 0, 1], [0.1, 0.2, 0.3, 0.4], sample_weight=[1, 0, 1, 0])
    assert np.isnan(ours) and np.isnan(theirs)


def test_negative_weights_take_scikit_learns_path():
    y, score = [0, 1, 0, 1, 1], [0.1, 0.2, 0.3, 0.4, 0.5]
    _assert_same(y, score, sample_weight=[1.0, 2.0, 1.0, -0.5, 1.0])


@pytest.mark.parametrize("multi_class", ["ovr", "ovo"])
@pytest.mark.parametrize("average", ["macro", "weighted", "micro", None])
def test_multiclass_matches_scikit_learn(multi_class, average):
    y = RNG.integers(0, 4, 2000)
    proba = RNG.random((2000, 4))
    proba /= proba.sum(axis=1, keepdims=True)
    kwargs = dict(multi_class=multi_class, average=average)
    if multi_class == "ovo" and average in ("micro", None):
        _assert_same_error(y, proba, **kwargs)
        return
    _assert_same(y, proba, **kwargs)
    _assert_same(np.array(list("abcd"))[y], proba, **kwargs)
    _assert_same(y, proba, labels=[0, 1, 2, 3], **kwargs)
    if multi_class == "ovr":
        _assert_same(y, proba, sample_weight=RNG.random(2000), **kwargs)


@pytest.mark.parametrize("average", ["macro", "weighted", "micro", "samples", None])
def test_multilabel_matches_scikit_learn(average):
    Y = RNG.integers(0, 2, (3000, 5))
    Y[:, 0] = np.arange(3000) % 2  # every row holds both classes for average="samples"
    Y[:, 1] = 1 - Y[:, 0]
    scores = RNG.random((3000, 5))
    _assert_same(Y, scores, average=average)
    _assert_same(Y, np.asfortranarray(scores), average=average, sample_weight=RNG.random(3000))


def _assert_same_error(*args, **kwargs):
    with pytest.raises(Exception) as theirs:
        sk_roc_auc_score(*args, **kwargs)
    with pytest.raises(type(theirs.value)) as ours:
        roc_auc_score(*args, **kwargs)
    assert str(ours.value) == str(theirs.value)


proba3 = np.array([[0.2, 0.3, 0.5], [0.6, 0.2, 0.2], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4]])


@pytest.mark.parametrize(
    "args, kwargs",
    [
        (([0, 1, 0, 1], [0.1, np.nan, 0.3, 0.4]), {}),
        (([0, 1, 0, 1], [0.1, np.inf, 0.3, 0.4]), {}),
        (([0, 1, 0], [0.1, 0.2]), {}),
        (([0, 1, 0, 1], [0.1, 0.2, 0.3, 0.4]), dict(max_fpr=0)),
        (([0, 1, 0, 1], [0.1, 0.2, 0.3, 0.4]), dict(max_fpr=1.5)),
        (([0, 1, 0, 1], [0.1, 0.2, 0.3, 0.4]), dict(average="bogus")),
        (([0, 1, 0, 1], [0.1, 0.2, 0.3, 0.4]), dict(sample_weight=[1, 2])),
        (([0, 1, 0, 1], [[0.1, 0.9]] * 4), {}),
        (([0.5, 1.5, 0.2, 1.0], [0.1, 0.2, 0.3, 0.4]), {}),
        (([0, 1, 2, 1], proba3), {}),
        (([0, 1, 2, 1], proba3), dict(multi_class="ovr", max_fpr=0.5)),
        (([0, 1, 2, 1], proba3 * 2), dict(multi_class="ovr")),
        (([0, 1, 2, 1], proba3[:, :2]), dict(multi_class="ovr")),
        (([0, 1, 2, 1], [0.1, 0.2, 0.3, 0.4]), dict(multi_class="ovr")),
        (([0, 1, 2, 1], proba3), dict(multi_class="ovo", sample_weight=[1, 1, 1, 1])),
        (([0, 1, 2, 1], proba3), dict(multi_class="ovo", average=None)),
        (([0, 1, 2, 1], proba3), dict(multi_class="ovr", average="samples")),
        (([0, 1, 2, 1], proba3), dict(multi_class="ovr", labels=[0, 1, 1])),
        (([0, 1, 2, 1], proba3), dict(multi_class="ovr", labels=[2, 1, 0])),
        (([0, 1, 2, 1], proba3), dict(multi_class="ovr", labels=[0, 1])),
        (([0, 1, 2, 3], proba3), dict(multi_class="ovr", labels=[0, 1, 2])),
        (([0, 1, 2, 3], proba3), dict(multi_class="ovr")),
        (([[0, 2], [2, 0], [0, 2]], [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]), {}),
    ],
)
def test_errors_are_scikit_learns(args, kwargs):
    _assert_same_error(*args, **kwargs)


def test_threads_do_not_change_the_area():
    y = RNG.integers(0, 2, 400_000)
    score = np.round(RNG.standard_normal(400_000), 2)
    w = RNG.random(400_000)
    one = _core.roc_auc(score, y == 1, w, 1.0, 1)
    two = _core.roc_auc(score, y == 1, w, 1.0, 2)
    assert one == two


def test_logged(caplog):
    with caplog.at_level(logging.INFO, logger="skaccel"):
        roc_auc_score([0, 1, 0, 1], [0.1, 0.2, 0.3, 0.4])
    assert "roc_auc_score: running on the skaccel C++ core" in caplog.text


def test_sparse_input_is_rejected_as_scikit_learn_rejects_it():
    sp = pytest.importorskip("scipy.sparse")
    Y = sp.csr_matrix(np.array([[0, 1], [1, 0], [1, 1], [0, 0]]))
    _assert_same_error(Y, np.ones((4, 2)))
    _assert_same_error(np.array([[0, 1], [1, 0], [1, 1], [0, 0]]), sp.csr_matrix(np.ones((4, 2))))


@pytest.mark.parametrize("namespace", ["array_api_strict", "torch"])
def test_array_api_input_gives_the_numpy_area(namespace):
    xp = pytest.importorskip(namespace)
    import sklearn

    y = RNG.integers(0, 2, 500)
    score = RNG.random(500)
    proba = RNG.random((500, 3))
    proba /= proba.sum(axis=1, keepdims=True)
    y3 = RNG.integers(0, 3, 500)
    expected = roc_auc_score(y, score)
    expected_ovr = roc_auc_score(y3, proba, multi_class="ovr")
    with sklearn.config_context(array_api_dispatch=True):
        got = roc_auc_score(xp.asarray(y), xp.asarray(score))
        got_ovr = roc_auc_score(xp.asarray(y3), xp.asarray(proba), multi_class="ovr")
    assert got == expected and type(got) is float
    assert got_ovr == expected_ovr


def test_the_core_rejects_bad_input():
    with pytest.raises(ValueError, match="max_fpr"):
        _core.roc_auc(np.ones(3), np.ones(3, bool), None, 0.0, 1)
    with pytest.raises(ValueError, match="differ in length"):
        _core.roc_auc(np.ones(3), np.ones(2, bool), None, 1.0, 1)
    with pytest.raises(ValueError, match="not finite"):
        _core.roc_auc(np.array([1.0, np.nan]), np.ones(2, bool), None, 1.0, 1)
