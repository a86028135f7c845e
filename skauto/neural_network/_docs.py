"""The docstring text the self-tuning networks share, and how it is filled in."""

import re
import textwrap

# Docstring text shared by the self-tuning networks, filled in by _fill_doc.
# Parameter and attribute entries start at column 0 and their descriptions at
# column 4; ``{linear_member}`` and ``{score_name}`` are the class's own.
_DOC_BLOCKS = {
    "search_parameters": """\
hidden_size_range : tuple of (int, int), default=(16, 256)
    Range of hidden-layer sizes, sampled on a log scale.
learning_rate_range : tuple of (float, float), default=(1e-4, 3e-2)
    Range of Adam's learning rate, sampled on a log scale.
alpha_range : tuple of (float, float), default=(1e-6, 1e-1)
    Range of the L2 strength (scikit-learn's ``alpha``), on a log scale.
    Give ``(a, a)`` to fix it.
n_candidates : int, default=81
    Number of networks that start training (twice as many for the
    regressor when the target gets a transformed twin: each candidate is
    then also trained on ``log1p(y)``).
factor : float, default=3
    Elimination rate: 1/factor of the candidates survive each rung, and
    each rung trains factor times longer than the previous one.
ensemble_size : int or "auto", default="auto"
    Halving stops when this many candidates are left; they train on in a
    planned final stage (their learning rates annealed to 0 over at least
    45 epochs in all), and the returned model is a greedy
    ensemble of them and of a {linear_member} (members join only while
    they improve the validation {score_name}). 1 returns the single best
    member. "auto": 4 with folds (each candidate is then a bag of one
    network per fold) or with a hold-out of at least 1,000 rows (from
    10,000 rows with the default ``validation_fraction``), 8 with a
    smaller hold-out.
max_epochs : float or "auto", default="auto"
    Cap on the epochs any network trains. "auto" is
    ``clip(3e7 / n_train, 1, 200)``, and the last stage (the survivors'
    planned stage) then costs at most 1e9 rows times hidden units. The
    halving rungs use ``clip(300_000 / n_train, 3, 30)`` epochs at most,
    the last stage ends at 45 epochs in all or at the end of the halving,
    whichever is later (within this cap).
batch_size : int or "auto", default="auto"
    Mini-batch size; "auto" is ``clip(n_train // 50, 32, 512)``.
validation_fraction : float or "auto", default="auto"
    Fraction of the rows held out to score the candidates; "auto" holds
    out 10% of the rows (up to 20% to reach 200 rows, at most 10,000).
cv : int, cross-validation splitter, iterable of splits, "auto" or None, \
default="auto"
    How the candidates are scored. An int k: k-fold cross-validation,
    each candidate trained as k copies (one per fold, in the same wide
    network) and the returned model averages the copies (bagging), so
    every row is used for training and for choosing. None: one hold-out
    split of ``validation_fraction``. "auto": 4 folds below 2,000 rows,
    where one hold-out of a few hundred rows cannot rank 81 networks,
    and a hold-out above. A splitter (``KFold(5)``, ``StratifiedKFold``,
    ``PredefinedSplit``...) or a list of (train, test) splits whose test
    sets are folds of the rows (each row in one test set, trained on by
    the others) is used as given; a single split is a hold-out. Every
    class of two rows or more gets rows on both sides of a hold-out.""",
    "table_parameters": """\
categorical_features : array-like of {bool, int, str}, "from_dtype" or None, \
default="from_dtype"
    Which columns of X are categorical, as in
    :class:`~sklearn.ensemble.HistGradientBoostingRegressor`: "from_dtype"
    takes the columns of a pandas or polars DataFrame whose dtype is
    category, object or string; or a boolean mask, column indices or
    column names; None: none. A categorical column of at most 64 levels is
    one-hot encoded inside ``fit``; of more, its 64 most frequent levels are
    one-hot and every level is also given as its mean target on the
    training rows (cross-fitted, shrunk towards the overall mean) and its
    log count. Missing values (NaN, None) in a categorical column are a
    level of their own; in a numeric column they are replaced by the
    column's training median, with an indicator column. Levels unseen at
    fit are all zeros and the overall mean at predict time.""",
    "run_parameters": """\
max_time : float or None, default=None
    Seconds after which the search stops; the best network so far is kept.
random_state : int, RandomState instance or None, default=None
    Seeds the split, the candidates, their initial weights and the
    mini-batches. Pass an int for reproducible results on one machine:
    training runs in float32, and the BLAS kernel chosen for the processor
    decides the rounding of its products, so another processor can end
    with different networks.
verbose : int, default=0
    Print one line per stage when > 0. With scikit-learn 1.9 or later,
    ``set_callbacks`` takes scikit-learn's callbacks (a ``ProgressBar``, a
    ``ScoringMonitor``): each stage is a task, each validation check a
    leaf (see the :ref:`user guide <population>`).""",
    "search_attributes": """\
best_index_ : int
    Row of ``cv_results_`` of the best single network of the last stage.
n_splits_ : int
    Number of folds (1: one hold-out split).
n_resources_ : list of int
    Largest budget of each stage that ran, in training samples seen.
n_candidates_ : list of int
    Number of networks in each stage that ran.
plan_ : list of (int, int)
    The stages planned before training, as ``(n_candidates,
    n_resources)``: the halving rungs, then the survivors with the cap
    of their last stage. ``n_candidates_`` and ``n_resources_`` say what
    ran (less when ``max_time`` stops the search or candidates diverge).""",
    "fit_attributes": """\
best_validation_score_ : float
    Best of ``validation_scores_``.
batch_size_ : int
    Mini-batch size used.
n_features_in_ : int
    Number of features seen during fit.
feature_names_in_ : ndarray of shape (`n_features_in_`,)
    Names of features seen during fit, when X has string column names.""",
}
_PLACEHOLDER = re.compile(r"( *)\{(\w+)\}")


def _fill_doc(**fields):
    """Class decorator: fill the placeholders of the class's docstring.

    Each ``{name}`` is replaced by ``fields[name]`` or ``_DOC_BLOCKS[name]``
    (placeholders inside the replacement are filled too); every line of a
    multi-line block is indented as the placeholder, which stands alone on
    its line. Braces around anything but a bare name (``{"weight": w}``) are
    left alone; an unknown name raises ``KeyError``.
    """
    values = {**_DOC_BLOCKS, **fields}

    def fill(text):
        def replace(match):
            indent, name = match.groups()
            if name not in values:
                raise KeyError(f"no docstring block or field named {name!r}")
            return textwrap.indent(fill(values[name]), indent)

        return _PLACEHOLDER.sub(replace, text)

    def decorate(cls):
        if cls.__doc__ is not None:  # None under python -OO
            cls.__doc__ = fill(cls.__doc__)
        return cls

    return decorate
