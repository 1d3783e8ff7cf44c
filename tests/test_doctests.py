"""The documented Python examples run: the README's and queries/README.md's, and the docstring examples
of the modules notebooks use."""

from __future__ import annotations

import doctest
import importlib

import pytest

from tpbc_kg.paths import project_root

MODULES = [
    "tpbc_kg",
    "tpbc_kg.api",
    "tpbc_kg.kb",
    "tpbc_kg.names",
    "tpbc_kg.terms",
    "tpbc_kg.inference",
    "tpbc_kg.labels",
]
OPTIONS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


@pytest.mark.parametrize("path", ["README.md", "queries/README.md"])
def test_documented_examples_run(path):
    result = doctest.testfile(str(project_root() / path), module_relative=False, optionflags=OPTIONS)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=OPTIONS)
    assert result.failed == 0
