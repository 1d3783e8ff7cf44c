"""The term module and the JSON-LD context are generated from the TBox and must be up to date."""

from __future__ import annotations

import pytest

from tpbc_kg import namespace_gen
from tpbc_kg.namespace import TPBC


def test_generated_files_match_the_tbox():
    assert namespace_gen.main(["--check"]) == 0, "run: python -m tpbc_kg.namespace_gen"


def test_unknown_term_is_an_error():
    with pytest.raises(AttributeError):
        _ = TPBC.targetz
