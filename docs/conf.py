"""Sphinx configuration for the skauto documentation.

Build with ``docs/build.sh`` (warnings are errors, the gallery is executed).
"""

import os
import sys
from pathlib import Path

import skauto

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # for _generate

from _generate import write_benchmark_page, write_schedule_tables  # noqa: E402

os.environ.setdefault("MPLBACKEND", "Agg")

project = "skauto"
author = "skauto developers"
copyright = "2026, skauto developers"
version = release = skauto.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
# gen_modules/*.rst written by _generate.py are included, not pages of their own.
exclude_patterns = [
    "_build",
    "Thumbs.db",
    ".DS_Store",
    "**.ipynb_checkpoints",
    "gen_modules/benchmark_tables.rst",
    "gen_modules/schedule_*.rst",
]
default_role = "literal"  # `x` renders as code, as in Markdown

# API pages are generated from the autosummary tables of api.rst.
autosummary_generate = True
autodoc_default_options = {}
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

html_theme = "pydata_sphinx_theme"
html_title = f"skauto {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 6,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_sidebars = {"index": [], "getting_started": [], "benchmarks": []}

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("skauto",),
    # Link skauto.model_selection.AutoSearchCV, where its page is, rather than
    # the shorter skauto.AutoSearchCV that the top-level re-export allows.
    "prefer_full_module": {r"^skauto\."},
    "backreferences_dir": "gen_modules/backreferences",
    "image_scrapers": ("matplotlib",),
    "remove_config_comments": True,
    "min_reported_time": 1,
    "show_memory": False,
    "plot_gallery": "True",
}

# The Benchmarks page includes the tables that benchmarks/*.py wrote; the
# user guide, the plans of skauto._schedule.
write_benchmark_page(HERE.parent / "benchmarks" / "results", HERE / "gen_modules")
write_schedule_tables(HERE / "gen_modules")


# scikit-learn's docstrings, inherited by the estimators (score, predict_proba,
# set_*_request...), link to its glossary and user guide, which this site does
# not have: render those references as plain text instead of failing -W.
_SKLEARN_LABELS = {"metadata_routing", "r2_score", "accuracy_score"}


def _sklearn_reference_as_text(app, env, node, contnode):
    if node.get("refdomain") != "std":
        return None
    from_sklearn = "sklearn" in str(node.source or "")
    if node.get("reftype") == "term" or (
        node.get("reftype") == "ref"
        and (from_sklearn or node.get("reftarget") in _SKLEARN_LABELS)
    ):
        return contnode
    return None


def setup(app):
    app.connect("missing-reference", _sklearn_reference_as_text)
