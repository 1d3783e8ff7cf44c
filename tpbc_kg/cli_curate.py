"""`validate` and `add`: the curator's commands.

The validation stack (pyshacl) is imported when one of them runs, not when `tpbc-kg` starts: every other
command would pay most of a second for it."""

from __future__ import annotations

from pathlib import Path

import click

from tpbc_kg.errors import EXIT_CHECK_FAILED, EXIT_OK
from tpbc_kg.paths import project_root

_FORMATS = ["turtle", "json-ld", "nt", "xml"]


_input_format_option = click.option(
    "--input-format",
    type=click.Choice(_FORMATS),
    default=None,
    help="Format of the entry files (default: from the extension).",
)


def _entry_paths(files: tuple[str, ...]) -> list[Path]:
    return [Path(f) for f in files]


@click.command("validate")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.option(
    "--format",
    "-f",
    "output",
    type=click.Choice(["text", "json", "turtle"]),
    default="text",
    show_default=True,
    help="Report format: text for people, json for machines, turtle for the W3C SHACL validation report.",
)
@_input_format_option
@click.option("--strict", is_flag=True, help="Treat warnings as failures.")
def validate_command(files: tuple[str, ...], output: str, input_format: str | None, strict: bool) -> int:
    """Validate the bundled graph (no FILES) or curator entry FILES (Turtle, JSON-LD, N-Triples) in the
    context of the bundled graph. Exit 0 conforms, 1 violations (or warnings with --strict), 2 unreadable
    input."""
    from tpbc_kg import validate

    if files:
        report = validate.validate_entries(_entry_paths(files), input_format)
    else:
        report = validate.validate_graph()
    if output == "turtle":
        click.echo(validate.render_turtle(report), nl=False)
    else:
        click.echo(validate.RENDERERS[output](report, strict), nl=False)
    return EXIT_OK if report.conforms(strict) else EXIT_CHECK_FAILED


@click.command("add")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@_input_format_option
@click.option("--dry-run", is_flag=True, help="Show what would be added, write nothing.")
def add_command(files: tuple[str, ...], input_format: str | None, dry_run: bool) -> int:
    """Validate entry FILES and merge them into the curated modules, all or nothing. Re-adding triples
    that are already present changes nothing and says so."""
    from tpbc_kg import curate, validate

    try:
        outcome = curate.add(_entry_paths(files), input_format, dry_run=dry_run)
    except curate.EntryRejected as rejected:
        click.echo(validate.render_text(rejected.report), nl=False, err=True)
        click.echo("nothing was written: fix the violations above and run add again", err=True)
        return EXIT_CHECK_FAILED
    click.echo(curate.describe_plan(outcome, project_root()), nl=False)
    if outcome.plan.report and outcome.plan.report.warnings:
        click.echo(
            f"{len(outcome.plan.report.warnings)} warning(s): run `tpbc-kg validate` on the entry to "
            "see them",
            err=True,
        )
    return EXIT_OK
