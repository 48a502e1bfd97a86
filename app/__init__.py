"""Amethyst, a desktop AI studio."""

__version__ = "0.1.0"  # the one version source: pyproject.toml reads it from here
