"""The HTML repr's documentation link, pointing to skauto's API pages.

scikit-learn's HTML repr (the diagram a notebook shows for an estimator) links
the estimator's name to its API page through three class attributes that its
``BaseEstimator`` reads: ``_doc_link_module``, ``_doc_link_template`` and
``_doc_link_url_param_generator``. Left as they are, an estimator outside
scikit-learn gets no link. :class:`DocLinkMixin` sets them to skauto's pages:
docs/api.rst writes one page per public class, named after the module that
exports it (``gen_modules/skauto.neural_network.SelfTuningMLPRegressor.html``).
"""

import re

from . import __version__

#: Where the built documentation (``docs/build.sh``) is published; each
#: release has its own folder, the development version ``dev``.
DOCS_ROOT = "https://skauto.readthedocs.io/en"


def docs_version(version=__version__):
    """The documentation folder of a version: ``"0.1"`` for 0.1.0, ``"dev"``
    for a development or pre-release (0.2.dev0, 0.2.0rc1).

    >>> docs_version("0.1.0"), docs_version("0.2.dev0"), docs_version("1.0rc1")
    ('0.1', 'dev', 'dev')
    """
    match = re.fullmatch(r"(\d+)\.(\d+)(\.\d+)?", version)
    return f"{match[1]}.{match[2]}" if match else "dev"


class DocLinkMixin:
    """Gives an estimator the HTML repr's link to its page in skauto's docs.

    Put it first among the bases, before scikit-learn's mixins and
    ``BaseEstimator``, whose own ``_doc_link_template`` points to
    scikit-learn's site. The page is named after the public module that
    exports the class (its module path up to the first private part).

    Examples
    --------
    >>> from skauto.neural_network import SelfTuningMLPRegressor
    >>> SelfTuningMLPRegressor()._get_doc_link()  # doctest: +ELLIPSIS
    'https://.../gen_modules/skauto.neural_network.SelfTuningMLPRegressor.html'
    """

    _doc_link_module = "skauto"
    _doc_link_template = (
        f"{DOCS_ROOT}/{docs_version()}/gen_modules/"
        "{estimator_module}.{estimator_name}.html"
    )
    _doc_link_url_param_generator = None
