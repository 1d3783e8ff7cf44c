"""The `queries`, `query` and `sparql` commands: canned questions and ad-hoc SPARQL.

Each is a standalone click.Command (QUERIES_COMMAND, QUERY_COMMAND, SPARQL_COMMAND) that the main group
attaches with `cli.add_command`. Failures raise the exceptions `tpbc_kg.cli.main` maps to exit code 2
(click usage errors and tpbc_kg.errors.UserError subclasses: InputError, ResolutionError, ...),
so the commands hold no exit-code logic of their own.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import click
from rdflib import Graph

from tpbc_kg import api
from tpbc_kg.formats import FORMATS, render, render_boolean, terminal_width
from tpbc_kg.labels import curie
from tpbc_kg.load import InputError
from tpbc_kg.names import NameTable
from tpbc_kg.query import (
    QueryFile,
    bind_parameters,
    canned_queries,
    canned_query,
    execute,
    labeller,
    run_sparql,
)

_QUERY_FILE_SUFFIXES = (".rq", ".sparql", ".txt")

_format_option = click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="table and markdown show labels; json, csv and tsv are the W3C SPARQL 1.1 results formats (IRIs).",
)
_width_option = click.option(
    "--width", type=click.IntRange(min=20), default=None, help="Table width (default: the terminal's)."
)
store_option = click.option(
    "--store",
    "store",
    default=None,
    metavar="DIR|memory|oxigraph",
    envvar="TPBC_KG_STORE",
    help="The folder of the compiled knowledge base (default: TPBC_KG_STORE, else the user's cache "
    "folder; built on first use and whenever the sources change), or memory (rdflib's engine, the "
    "reference) or oxigraph (a private in-memory copy).",
)
asserted_only_option = click.option(
    "--asserted-only",
    is_flag=True,
    help="Query the curated triples alone; by default queries see the asserted and the inferred triples "
    "(so ?x a tpbc:Drug finds drugs curated under any subclass).",
)


def parse_params(items: tuple[str, ...]) -> dict[str, str]:
    """--param key=value pairs as a dict; the value is everything after the first '=' (may be empty)."""
    params: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise click.BadParameter(
                f"{item!r} is not KEY=VALUE; write for example --param mechanism='PTEN loss'",
                param_hint="--param",
            )
        if key in params:
            raise click.BadParameter(f"{key} is given twice", param_hint="--param")
        params[key] = value
    return params


def describe_query(query: QueryFile, width: int) -> str:
    """One entry of the `queries` listing: name, question, parameters and an example."""
    params = "; ".join(p.describe() for p in query.parameters) or "none"
    texts = [query.question, f"parameters: {params}"]
    if query.example:
        texts.append(f"example: {query.example}")
    lines = [query.name]
    for text in texts:
        lines += textwrap.wrap(text, max(width, 40), initial_indent="    ", subsequent_indent="        ")
    return "\n".join(lines)


@click.command("queries")
@_width_option
def queries_command(width: int | None) -> None:
    """List the canned queries with their question and parameters (run one with `tpbc-kg query NAME`)."""
    width = width or terminal_width()
    click.echo("\n\n".join(describe_query(q, width) for q in canned_queries()))


@click.command("query")
@click.argument("name")
@click.option(
    "--param",
    "-p",
    "params",
    multiple=True,
    metavar="KEY=VALUE",
    help="A parameter value: a label, synonym, CURIE or IRI (case-insensitive). Repeat for several.",
)
@_format_option
@_width_option
@store_option
@asserted_only_option
def query_command(
    name: str, params: tuple[str, ...], fmt: str, width: int | None, store: str | None, asserted_only: bool
) -> None:
    """Answer the canned query NAME (see `tpbc-kg queries`), for example:

    tpbc-kg query drugs-bypassing-resistance --param mechanism="PTEN loss"
    """
    values = parse_params(params)
    query = canned_query(name)
    source = api.query_store(store, asserted_only)
    result = execute(source, query, values)
    click.echo(render(fmt, result.vars, result.rows, labeller(source.names()), width), nl=False)
    if not result.rows:
        click.echo(resolved_parameters(source.names(), query, values), err=True)


def resolved_parameters(names: NameTable | Graph, query: QueryFile, values: dict[str, str]) -> str:
    """What an empty answer was asked: each parameter as the graph resolved it (label and CURIE), so a
    filter that matched nothing is told apart from a name that meant something else."""
    label = labeller(names)
    parts = []
    for name, node in bind_parameters(names, query, values).items():
        shown, short = label(node), curie(node)
        parts.append(
            f"{name} = {shown} ({short})" if shown != short and short != f"<{node}>" else f"{name} = {shown}"
        )
    return f"{query.name}: nothing matched " + ("; ".join(parts) if parts else "(no parameters)")


def read_query_argument(argument: str) -> tuple[str, str]:
    """(query text, source name for messages): '-' reads standard input, an existing file is read, a
    name that looks like a file but does not exist is an error, anything else is the query itself."""
    if argument == "-":
        return sys.stdin.read(), "<stdin>"
    looks_like_file = "\n" not in argument and argument.strip().endswith(_QUERY_FILE_SUFFIXES)
    path = Path(argument)
    if looks_like_file or ("\n" not in argument and len(argument) < 4096 and path.is_file()):
        if not path.is_file():
            raise InputError(path, "query file not found; check the path or pass the query text itself")
        try:
            return path.read_text(encoding="utf-8"), str(path)
        except UnicodeDecodeError:
            raise InputError(path, "not UTF-8 text; save the query as UTF-8") from None
    return argument, "<query>"


@click.command("sparql")
@click.argument("query_or_file", metavar="QUERY-OR-FILE")
@_format_option
@_width_option
@store_option
@asserted_only_option
def sparql_command(
    query_or_file: str, fmt: str, width: int | None, store: str | None, asserted_only: bool
) -> None:
    """Run an ad-hoc SPARQL query (text, a .rq file, or - for standard input) on the graph. The prefixes
    tpbc:, kg:, rdf:, rdfs:, owl:, xsd:, skos: and dcterms: are predeclared. SELECT answers in any
    format; ASK prints true/false (JSON: the W3C boolean document); CONSTRUCT/DESCRIBE print Turtle."""
    text, where = read_query_argument(query_or_file)
    source = api.query_store(store, asserted_only)
    answer = run_sparql(source, text, where)
    if isinstance(answer, bool):
        click.echo(render_boolean(fmt, answer), nl=False)
    elif isinstance(answer, Graph):
        click.echo(answer.serialize(format="turtle"), nl=False)
    else:
        click.echo(render(fmt, answer.vars, answer.rows, labeller(source.names()), width), nl=False)


QUERIES_COMMAND: click.Command = queries_command
QUERY_COMMAND: click.Command = query_command
SPARQL_COMMAND: click.Command = sparql_command
