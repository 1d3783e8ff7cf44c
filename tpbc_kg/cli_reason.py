"""`tpbc-kg reason`: check the graph (and any entries) with an OWL reasoner and explain what is wrong.

The lead's CLI attaches REASON_COMMAND; its main() passes the returned exit code through and turns an
InputError (an entry that cannot be parsed, with file and line) into exit code 2.
"""

from __future__ import annotations

from pathlib import Path

import click
from rdflib import Graph

from tpbc_kg import reason
from tpbc_kg.errors import EXIT_BAD_INPUT, EXIT_CHECK_FAILED, EXIT_OK
from tpbc_kg.export import write_atomic
from tpbc_kg.load import InputError


@click.command("reason")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--engine",
    type=click.Choice(["hermit", "rules"]),
    default="hermit",
    show_default=True,
    help="hermit: the complete OWL 2 DL reasoner (needs Java); rules: the built-in rules, no Java, "
    "catch the common clashes only.",
)
@click.option(
    "--materialize",
    is_flag=True,
    help="Write the inferred class and property assertions (only the new ones) as Turtle to -o FILE.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where --materialize writes (atomically).",
)
def reason_command(files: tuple[Path, ...], engine: str, materialize: bool, output: Path | None) -> int:
    """Check the ontology, the curated graph and the entry FILES (Turtle, JSON-LD, N-Triples) for
    consistency, and report unsatisfiable classes and clashing individuals in words.

    Exit code 0 when the graph is consistent and every class satisfiable, 1 when not, 2 for unusable
    input or a missing Java."""
    _check_options(materialize, output)
    graph = reason.load_graph(files)
    try:
        report = _run(graph, engine, materialize)
    except reason.JavaNotFoundError as error:
        click.echo(f"tpbc-kg reason: {error}", err=True)
        return EXIT_BAD_INPUT
    except reason.ReasonerError as error:
        click.echo(f"tpbc-kg reason: {error}", err=True)
        return EXIT_BAD_INPUT
    click.echo(reason.render_report(report), nl=False)
    if materialize and output is not None:
        _write_inferences(report, output)
    return EXIT_OK if report.ok else EXIT_CHECK_FAILED


def _check_options(materialize: bool, output: Path | None) -> None:
    if materialize and output is None:
        raise click.UsageError("--materialize needs -o FILE to write the inferred triples to")
    if output is not None and not materialize:
        raise click.UsageError("-o FILE is only used with --materialize")
    if output is not None and output.parent and not output.parent.exists():
        raise InputError(output, "the output folder does not exist; create it or choose another path")


def _run(graph: Graph, engine: str, materialize: bool) -> reason.ReasoningReport:
    if engine == "rules":
        return reason.check_rules(graph)
    return reason.check_hermit(graph, materialize=materialize)


def _write_inferences(report: reason.ReasoningReport, output: Path) -> None:
    """Write the new triples, or say why nothing was written (an inconsistent graph entails anything)."""
    if not report.consistent or report.inferred is None:
        click.echo(f"nothing written to {output}: the graph is inconsistent", err=True)
        return
    header = (
        f"# Inferred by tpbc-kg reason ({report.engine}): only triples the graph does not assert.\n"
        "# Chemotherapy-free and dual-HER2-blockade regimens come from closed-world rules (see reason.py).\n"
    )
    write_atomic(output, header + report.inferred.serialize(format="turtle"))
    click.echo(f"wrote {len(report.inferred)} inferred triples to {output}", err=True)


REASON_COMMAND = reason_command
"""The click command the lead attaches to the `tpbc-kg` group."""
