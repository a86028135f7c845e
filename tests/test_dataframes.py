"""polars and pandas frames and series as X and y, for every estimator."""

import numpy as np
import pytest
from _matrix import WORKS, _data, check_outcome, matrix

pd = pytest.importorskip("pandas")
pl = pytest.importorskip("polars")


def _pl_frame(X):
    return pl.DataFrame(X, schema=[f"x{i}" for i in range(X.shape[1])])


def _pd_frame(X):
    return pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])


CASES = {
    "polars X": (_pl_frame, np.asarray),
    "polars y": (np.asarray, pl.Series),
    "polars X and y": (_pl_frame, pl.Series),
    "pandas X, polars y": (_pd_frame, pl.Series),
    "polars X, pandas y": (_pl_frame, pd.Series),
    "pandas X and y": (_pd_frame, pd.Series),
}


@pytest.mark.parametrize("row, name, case", matrix(CASES))
def test_dataframe(row, name, case):
    to_X, to_y = case
    X, y = _data(row.kind)
    check_outcome(WORKS, row.make(), to_X(X), to_y(y))
