"""Unknown keyword arguments of the searches: a TypeError naming the close match."""

from abc import ABCMeta
from difflib import get_close_matches
from inspect import signature

# keywords of scikit-learn's searches that AutoSearchCV spells differently or
# does not have, and what to use instead
_OTHER_NAMES = {
    "aggressive_elimination": (
        "AutoSearchCV has no aggressive_elimination: every rung runs (the last "
        "one at max_resources); set n_candidates or min_resources instead"
    ),
    "n_candidate": "did you mean 'n_candidates'?",
}


class _CheckedKeywords(ABCMeta):
    """Unknown keyword arguments raise a TypeError that names the close match."""

    def __call__(cls, *args, **kwargs):
        known = [name for name in signature(cls.__init__).parameters if name != "self"]
        for name in kwargs:
            if name not in known:
                raise TypeError(_unknown_keyword_message(cls.__name__, name, known))
        return super().__call__(*args, **kwargs)

    @property
    def __signature__(cls):  # the class's signature stays its __init__'s
        init = signature(cls.__init__)
        return init.replace(parameters=list(init.parameters.values())[1:])


def _unknown_keyword_message(class_name, name, known):
    message = f"{class_name}() got an unexpected keyword argument {name!r}"
    if name in _OTHER_NAMES:
        return f"{message}: {_OTHER_NAMES[name]}"
    close = get_close_matches(name, known, n=1)
    if close:
        return f"{message}: did you mean {close[0]!r}?"
    return f"{message}; its keyword arguments are {', '.join(known)}"
