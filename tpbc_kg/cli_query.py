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
from tpbc_kg.bounded import DEFAULT_MAX_ROWS, DEFAULT_TIMEOUT, GRAPH_FORMATS, check_query, run_bounded
from tpbc_kg.cli_remote import endpoint_option, source_for
from tpbc_kg.formats import FORMATS, render, render_boolean, terminal_width
from tpbc_kg.labels import curie
from tpbc_kg.load import InputError, prefix_map
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
from tpbc_kg.query_input import checked_query
from tpbc_kg.store import QueryStore

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
@endpoint_option
def query_command(
    name: str,
    params: tuple[str, ...],
    fmt: str,
    width: int | None,
    store: str | None,
    asserted_only: bool,
    endpoint: str | None,
) -> None:
    """Answer the canned query NAME (see `tpbc-kg queries`), for example:

    tpbc-kg query drugs-bypassing-resistance --param mechanism="PTEN loss"
    """
    values = parse_params(params)
    query = canned_query(name)
    source = source_for(store, endpoint, asserted_only)
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
        return checked_query(sys.stdin.read(), "<stdin>"), "<stdin>"
    looks_like_file = "\n" not in argument and argument.strip().endswith(_QUERY_FILE_SUFFIXES)
    path = Path(argument)
    if looks_like_file and path.is_dir():
        raise InputError(path, "is a folder, not a query file; give the path of a .rq file")
    if looks_like_file or ("\n" not in argument and len(argument) < 4096 and path.is_file()):
        if not path.is_file():
            raise InputError(path, "query file not found; check the path or pass the query text itself")
        try:
            return checked_query(path.read_text(encoding="utf-8"), str(path)), str(path)
        except UnicodeDecodeError:
            raise InputError(path, "not UTF-8 text; save the query as UTF-8") from None
    return checked_query(argument, "<query>"), "<query>"


_SPARQL_FORMATS = (*FORMATS, "xml", *GRAPH_FORMATS)


@click.command("sparql")
@click.argument("query_or_file", metavar="QUERY-OR-FILE")
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(_SPARQL_FORMATS),
    default=None,
    help="SELECT/ASK: table (default; labels), markdown, or the W3C results formats json, xml, csv, tsv. "
    "CONSTRUCT/DESCRIBE: turtle (default), nt or jsonld. csv, tsv, json, xml and nt stream as rows come.",
)
@_width_option
@store_option
@click.option(
    "--timeout",
    type=click.FloatRange(min=0),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    metavar="SECONDS",
    help="Stop the query after this many seconds (0: no limit).",
)
@click.option(
    "--limit",
    "max_rows",
    type=click.IntRange(min=0),
    default=DEFAULT_MAX_ROWS,
    show_default=True,
    metavar="N",
    help="Write at most N rows (or triples); a note on standard error says when more exist (0: no cap).",
)
@asserted_only_option
@endpoint_option
def sparql_command(
    query_or_file: str,
    fmt: str | None,
    width: int | None,
    store: str | None,
    timeout: float,
    max_rows: int,
    asserted_only: bool,
    endpoint: str | None,
) -> None:
    """Run an ad-hoc SPARQL query (text, a .rq file, or - for standard input) on the graph, read-only,
    under a time limit and a row cap. The prefixes tpbc:, kg:, rdf:, rdfs:, owl:, xsd:, skos: and
    dcterms: are predeclared. SELECT answers in any results format; ASK prints true/false (JSON: the W3C
    boolean document); CONSTRUCT/DESCRIBE print Turtle, N-Triples or JSON-LD."""
    text, where = read_query_argument(query_or_file)
    if endpoint is not None:  # a remote SPARQL service: it bounds its own queries
        _remote_sparql(text, where, fmt, width, source_for(store, endpoint, asserted_only))
        return
    kind = check_query(text, where)
    select_format, graph_format = _formats_for(kind, fmt)
    source = api.query_store(store, asserted_only)
    label = labeller(source.names()) if select_format in ("table", "markdown") else None
    outcome = run_bounded(
        source,
        text,
        prefix_map(),
        write=lambda chunk: click.echo(chunk, nl=False),
        select_format=select_format,
        graph_format=graph_format,
        timeout=timeout,
        max_rows=max_rows,
        label=label,
        width=width,
    )
    if outcome.capped:
        click.echo(f"tpbc-kg: {outcome.cap_message()}", err=True)


def _remote_sparql(text: str, where: str, fmt: str | None, width: int | None, source: QueryStore) -> None:
    """An ad-hoc query answered by a remote endpoint (--endpoint), written like a local answer."""
    kind = check_query(text, where)
    select_format, graph_format = _formats_for(kind, fmt)
    answer = run_sparql(source, text, where)
    if isinstance(answer, bool):
        click.echo(render_boolean(select_format, answer), nl=False)
    elif isinstance(answer, Graph):
        click.echo(answer.serialize(format="json-ld" if graph_format == "jsonld" else graph_format), nl=False)
    else:
        label = labeller(source.names())
        click.echo(render(select_format, answer.vars, answer.rows, label, width), nl=False)


def _formats_for(kind: str, fmt: str | None) -> tuple[str, str]:
    """(results format, RDF format) for a query of this kind; a format of the other kind is an error."""
    if kind == "graph":
        if fmt is not None and fmt not in GRAPH_FORMATS and fmt != "table":
            raise click.BadParameter(
                f"{fmt} is a results format; CONSTRUCT/DESCRIBE answer in {', '.join(GRAPH_FORMATS)}",
                param_hint="--format",
            )
        return "table", fmt if fmt in GRAPH_FORMATS else "turtle"
    if fmt in GRAPH_FORMATS:
        raise click.BadParameter(
            f"{fmt} is an RDF format, for CONSTRUCT/DESCRIBE; SELECT and ASK answer in "
            f"{', '.join((*FORMATS, 'xml'))}",
            param_hint="--format",
        )
    return fmt or "table", "turtle"


QUERIES_COMMAND: click.Command = queries_command
QUERY_COMMAND: click.Command = query_command
SPARQL_COMMAND: click.Command = sparql_command
