import numpy as np
import pytest

from skauto.datasets import load_bikeshare


def test_bunch_array():
    bunch = load_bikeshare()
    assert bunch.data.shape == (8645, 12)
    assert bunch.target.shape == (8645,)
    assert bunch.data.dtype == np.float64
    assert bunch.frame is None
    assert bunch.feature_names[:2] == ["season", "mnth"]
    assert bunch.target_names == ["bikers"]
    assert np.isfinite(bunch.data).all()
    assert bunch.target.min() >= 1


def test_no_leakage_columns():
    bunch = load_bikeshare(as_frame=True)
    for leak in ["casual", "registered"]:
        assert leak not in bunch.feature_names
        assert leak not in bunch.frame.columns
    assert list(bunch.frame.columns) == bunch.feature_names + ["bikers"]


def test_codes_in_array():
    X, _ = load_bikeshare(return_X_y=True)
    names = load_bikeshare().feature_names
    col = {name: X[:, i] for i, name in enumerate(names)}
    assert set(np.unique(col["mnth"])) == set(range(1, 13))
    assert set(np.unique(col["weathersit"])) == {1, 2, 3, 4}
    assert set(np.unique(col["hr"])) == set(range(24))
    # January 1st, 0h: first row of the file
    assert col["mnth"][0] == 1 and col["weathersit"][0] == 1


def test_frame_dtypes():
    pd = pytest.importorskip("pandas")
    X, y = load_bikeshare(return_X_y=True, as_frame=True)
    assert isinstance(X, pd.DataFrame) and isinstance(y, pd.Series)
    categorical = load_bikeshare().categorical_features
    assert categorical == ["season", "mnth", "hr", "weekday", "weathersit"]
    for name in categorical:
        assert isinstance(X[name].dtype, pd.CategoricalDtype)
    assert X["temp"].dtype == np.float64
    assert X["mnth"].cat.categories[0] == "Jan"
    assert y.name == "bikers"
    np.testing.assert_array_equal(y.to_numpy(), load_bikeshare().target)


def test_descr_keeps_attribution():
    descr = load_bikeshare().DESCR
    for needle in ["Fanaee-T", "CC BY 4.0", "casual", "Encoding"]:
        assert needle in descr
