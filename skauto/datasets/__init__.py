"""Datasets shipped with skauto."""

from ._bikeshare import load_bikeshare

__all__ = ["load_bikeshare"]
