"""scikit-learn's estimator checks for the basic-statistics estimators (none expected to
fail)."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skaccel.basic_statistics import BasicStatistics, IncrementalBasicStatistics


@parametrize_with_checks(
    [
        BasicStatistics(),
        BasicStatistics(result_options=["mean", "variance"]),
        IncrementalBasicStatistics(),
        IncrementalBasicStatistics(result_options="max", batch_size=3),
    ],
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
