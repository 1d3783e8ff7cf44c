"""Answers that never mislead (issue 12), through the command users run: resistance rows say their scope
and can hide class-wide rows, subgroup questions mark whole-trial values, and an empty answer says what
its parameters resolved to."""

from __future__ import annotations

import csv
import io

import pytest
from click.testing import CliRunner

from tpbc_kg import cli as cli_module
from tpbc_kg.cli_query import QUERY_COMMAND
from tpbc_kg.errors import EXIT_BAD_INPUT, EXIT_OK


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


def _rows(runner: CliRunner, *args: str) -> list[dict[str, str]]:
    result = runner.invoke(QUERY_COMMAND, [*args, "-f", "csv"])
    assert result.exit_code == EXIT_OK, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_giredestrant_is_not_resisted_by_esr1_mutations(runner):
    """Review, resistance to endocrine strategies, ESR1 paragraph: Y537S/D538G resist tamoxifen and
    fulvestrant (ref 76); giredestrant, an oral SERD (heredERA paragraph), is not named."""
    rows = _rows(runner, "resistance-mechanisms-for-drug", "-p", "drug=giredestrant")
    assert rows, "giredestrant still has class-level endocrine mechanisms"
    assert not [r for r in rows if r["mechanism"].endswith("mech-esr1-lbd-mutations")]
    assert {r["scope"].rsplit("#", 1)[-1] for r in rows} <= {"ClassScope", "AnyDrugScope"}


def test_trastuzumab_rows_say_their_scope_and_what_overcomes_them(runner):
    """Review, PI3K/AKT/mTOR inhibitors: PTEN deletion resists trastuzumab (ref 55); everolimus with
    trastuzumab is the stated way round it (refs 58-61)."""
    rows = _rows(runner, "resistance-mechanisms-for-drug", "-p", "drug=trastuzumab")
    pten = [r for r in rows if r["mechanism"].endswith("mech-pten-loss")]
    assert pten and pten[0]["scope"].endswith("#DrugScope")
    assert "everolimus" in pten[0]["overcome_by"]
    scopes = {r["scope"].rsplit("#", 1)[-1] for r in rows}
    assert scopes == {"DrugScope", "ClassScope", "AnyDrugScope"}
    only_drug = _rows(
        runner, "resistance-mechanisms-for-drug", "-p", "drug=trastuzumab", "-p", "include=drug"
    )
    assert only_drug and {r["scope"].rsplit("#", 1)[-1] for r in only_drug} == {"DrugScope"}
    assert len(only_drug) < len(rows)


def test_unknown_scope_is_bad_input_with_suggestions(capsys):
    """The scope filter is a vocabulary term, so a typo is bad input (exit 2) with close names."""
    added = QUERY_COMMAND.name not in cli_module.cli.commands
    if added:
        cli_module.cli.add_command(QUERY_COMMAND)
    try:
        argv = ["query", "resistance-mechanisms-for-drug", "-p", "drug=trastuzumab", "-p", "include=clas"]
        assert cli_module.main(argv) == EXIT_BAD_INPUT
    finally:
        if added:
            cli_module.cli.commands.pop(QUERY_COMMAND.name, None)
    message = capsys.readouterr().err
    assert "no resistance scope is called 'clas'" in message and "class" in message


def test_subgroup_question_marks_whole_trial_values(runner):
    """Review, Table 1, NOAH row: 84 of 235 patients were HR-positive but only whole-trial EFS is printed."""
    rows = _rows(runner, "trial-outcomes", "-p", "trial=NOAH", "-p", "population=HR-positive breast cancer")
    assert rows and {r["applies_to"] for r in rows} == {"whole trial (no subgroup value)"}
    db04 = _rows(
        runner,
        "trial-outcomes",
        "-p",
        "trial=DESTINY-Breast04",
        "-p",
        "endpoint=median PFS",
        "-p",
        "population=HR-positive breast cancer",
    )
    assert {(r["value"], r["applies_to"]) for r in db04} == {
        ("10.1", "subgroup"),
        ("5.4", "subgroup"),
        ("9.9", "whole trial (no subgroup value)"),
        ("5.1", "whole trial (no subgroup value)"),
    }


def test_empty_answer_says_what_the_parameters_resolved_to(runner):
    """Review, Table 1, NOAH row: no objective response rate is reported for NOAH."""
    result = runner.invoke(QUERY_COMMAND, ["trial-outcomes", "-p", "trial=NOAH", "-p", "endpoint=ORR"])
    assert result.exit_code == EXIT_OK
    assert "nothing matched" in result.stderr
    assert "trial = NOAH (kg:trial-NOAH)" in result.stderr and "(tpbc:ORR)" in result.stderr
