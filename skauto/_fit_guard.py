"""A fit that does not finish leaves the estimator unfitted, never half fitted."""

import functools

from ._compat import CALLBACK_STATE


def unfitted_on_error(fit):
    """Decorate ``fit``: on any exception, KeyboardInterrupt included, remove
    the fitted attributes (public names ending in ``_``, and every attribute
    this call added) before re-raising, so that ``check_is_fitted`` raises
    NotFittedError instead of trusting a half-finished fit or a stale
    earlier one. scikit-learn's callback bookkeeping stays: its
    ``_fit_context``, around this, tears the callbacks down with it (a
    ProgressBar's display thread would otherwise never end).
    """

    @functools.wraps(fit)
    def wrapper(self, *args, **kwargs):
        before = set(vars(self))
        try:
            return fit(self, *args, **kwargs)
        except BaseException:
            for name in list(vars(self)):
                fitted = name.endswith("_") and not name.startswith("_")
                if name in CALLBACK_STATE:
                    continue
                if fitted or name not in before:
                    delattr(self, name)
            raise

    return wrapper
