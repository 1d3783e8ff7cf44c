"""The `tpbc-kg` command: a thin layer over the Python API.

Exit codes: 0 success; 1 the graph or an entry fails a check; 2 input the command cannot use (unknown
entity, unreadable file, unknown format, bad option: tpbc_kg.errors.UserError); 3 an internal error (a bug:
please report it; any other exception, a ValueError included).
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

import click

from tpbc_kg import api
from tpbc_kg.cli_build import build_command
from tpbc_kg.cli_curate import add_command, validate_command
from tpbc_kg.cli_query import QUERIES_COMMAND, QUERY_COMMAND, SPARQL_COMMAND, store_option
from tpbc_kg.cli_reason import REASON_COMMAND
from tpbc_kg.errors import EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_OK, UserError
from tpbc_kg.export import EXPORTERS
from tpbc_kg.load import InputError
from tpbc_kg.progress import set_quiet


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tpbc-kg")
@click.option(
    "--quiet",
    "-q",
    is_flag=True,
    envvar="TPBC_KG_QUIET",
    help="No progress bars (they are drawn only on a terminal anyway).",
)
def cli(quiet: bool) -> None:
    """Query, inspect and export the triple-positive breast cancer knowledge graph."""
    set_quiet(quiet)


@cli.command()
@click.argument("entity")
@click.option("--width", type=int, default=None, help="Wrap text to this many columns.")
@store_option
def show(entity: str, width: int | None, store: str | None) -> None:
    """Describe ENTITY (a label, synonym, symbol, CURIE, identifier or IRI; case-insensitive):
    its classes (inferred ones included), relations, and every claim about it with the references
    behind it."""
    click.echo(api.show_text(entity, width=width, store=store), nl=False)


@cli.command()
def stats() -> None:
    """Count individuals per class and the share of claims that carry a reference."""
    click.echo(api.stats_text(), nl=False)


@cli.command()
@click.option(
    "--format", "-f", "fmt", type=click.Choice(sorted(EXPORTERS)), default="turtle", show_default=True
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file (atomically) instead of standard output.",
)
@click.option(
    "--inferred/--asserted-only",
    default=False,
    show_default=True,
    help="Include the triples the OWL reasoner infers (defined classes, inverses, property chains).",
)
def export(fmt: str, output: Path | None, inferred: bool) -> None:
    """Write the whole graph (ontology + curated data) as Turtle, JSON-LD, N-Triples or RDF/XML."""
    if output is None:
        click.echo(api.export_text(fmt, inferred=inferred), nl=False)
        return
    if output.parent and not output.parent.exists():
        raise InputError(output, "the output folder does not exist; create it or choose another path")
    api.export_file(fmt, output, inferred=inferred)
    click.echo(f"wrote {output} ({fmt})", err=True)


# Commands of other jobs live in their own modules and are attached here.
cli.add_command(build_command)
cli.add_command(validate_command)
cli.add_command(add_command)
cli.add_command(REASON_COMMAND)
cli.add_command(QUERIES_COMMAND)
cli.add_command(QUERY_COMMAND)
cli.add_command(SPARQL_COMMAND)


def main(argv: list[str] | None = None) -> int:
    """Run the command and map every failure to a message and an exit code, never a traceback."""
    try:
        result = cli.main(args=argv, prog_name="tpbc-kg", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("tpbc-kg: interrupted", err=True)
        return EXIT_BAD_INPUT
    except click.ClickException as error:
        error.show()
        return EXIT_BAD_INPUT
    except UserError as error:
        click.echo(f"tpbc-kg: {error}", err=True)
        return EXIT_BAD_INPUT
    except OSError as error:
        click.echo(f"tpbc-kg: {error.strerror or error}: {error.filename or ''}".rstrip(": "), err=True)
        return EXIT_BAD_INPUT
    except Exception as error:  # a bug: say so plainly, keep the traceback for those who ask
        if os.environ.get("TPBC_KG_DEBUG"):
            traceback.print_exc()
        click.echo(
            f"tpbc-kg: internal error ({type(error).__name__}: {error}); "
            "rerun with TPBC_KG_DEBUG=1 and report the traceback",
            err=True,
        )
        return EXIT_INTERNAL
    return result if isinstance(result, int) else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
