"""scikit-learn's estimator checks for the covariance estimators (none expected to fail)."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skaccel.covariance import EmpiricalCovariance, IncrementalEmpiricalCovariance


@parametrize_with_checks(
    [
        EmpiricalCovariance(),
        EmpiricalCovariance(assume_centered=True, store_precision=False),
        IncrementalEmpiricalCovariance(),
        IncrementalEmpiricalCovariance(store_precision=True, assume_centered=True, batch_size=3),
    ],
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
