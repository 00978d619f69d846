"""scikit-learn's estimator checks for every skaccel estimator."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skaccel.linear_model import LinearRegression, Ridge

# Checks expected to fail, with the reason; scikit-learn lists the same for its Ridge
# (sklearn/utils/_test_common/instance_generator.py).
EXPECTED_FAILED_CHECKS = {
    "Ridge": {
        "check_non_transformer_estimators_n_iter": (
            "n_iter_ is None for the direct solvers (cholesky, svd), as in scikit-learn"
        ),
    },
}


def expected_failed_checks(estimator):
    return EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {})


@parametrize_with_checks(
    [
        LinearRegression(),
        Ridge(),
        Ridge(solver="svd"),
        LinearRegression(fit_intercept=False),
    ],
    expected_failed_checks=expected_failed_checks,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
