"""The `release`, `diff` and `push` commands: versioned bundles, claim-level changes, loading elsewhere.

Standalone click commands attached by tpbc_kg.cli with `cli.add_command`; failures raise the exceptions
`tpbc_kg.cli.main` maps to exit codes (ValueError subclasses and OSError: 2).
"""

from __future__ import annotations

from pathlib import Path

import click

from tpbc_kg.errors import EXIT_CHECK_FAILED


@click.command("release")
@click.option(
    "--output",
    "-o",
    "output",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The release folder (created; a previous release there is replaced atomically).",
)
@click.option(
    "--version",
    "version",
    default=None,
    metavar="X.Y.Z",
    help="Release version (default: owl:versionInfo of the sources). Written into every "
    "ontology's owl:versionIRI and owl:versionInfo.",
)
@click.option(
    "--previous",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="An earlier release folder: its claim-level diff goes into RELEASE-NOTES.md.",
)
def release_command(output: Path, version: str | None, previous: Path | None) -> None:
    """Write a versioned release bundle into a folder: Turtle (asserted and inferred apart), N-Triples,
    N-Quads, JSON-LD, KGX, SSSOM, ontology docs, VoID/DCAT, release notes and SHA256SUMS. The same
    sources give the same bytes (set SOURCE_DATE_EPOCH to fix the release date)."""
    from tpbc_kg.progress import enabled
    from tpbc_kg.release import build_release

    def say(message: str) -> None:
        if enabled():  # steps on a terminal only, like the progress bars
            click.echo(f"tpbc-kg: {message}", err=True)

    made = build_release(output, version, previous, say=say)
    click.echo(
        f"wrote release {made.version} ({made.date.isoformat()}) to {output}: {len(made.files) + 1} files, "
        f"{len(made.asserted)} asserted and {len(made.inferred)} inferred triples",
        err=True,
    )


@click.command("diff")
@click.argument("old")
@click.argument("new", default="working")
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    show_default=True,
)
@click.option("--exit-code", is_flag=True, help="Exit with 1 when there are changes (like `diff`).")
def diff_command(old: str, new: str, fmt: str, exit_code: bool) -> int:
    """Claim-level changes from OLD to NEW (release folders, RDF files, or 'working' for the current
    sources; NEW defaults to 'working'): entities and claims added, removed and changed, grouped by kind."""
    from tpbc_kg import diff

    result = diff.diff_graphs(diff.load_side(old), diff.load_side(new))
    click.echo(diff.RENDERERS[fmt](result), nl=False)
    return EXIT_CHECK_FAILED if exit_code and result.changes else 0


@click.command("push")
@click.argument("url")
@click.option(
    "--release",
    "release_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="A release folder to load (default: the current sources).",
)
@click.option(
    "--graph",
    "graph",
    default=None,
    metavar="IRI",
    help="Named graph for the asserted triples (default https://w3id.org/tpbc-kg/graph/asserted).",
)
@click.option(
    "--inferred-graph",
    default=None,
    metavar="IRI",
    help="Named graph for the inferred triples (default https://w3id.org/tpbc-kg/graph/inferred).",
)
@click.option("--no-inferred", is_flag=True, help="Load only the asserted triples.")
@click.option("--user", envvar="TPBC_KG_PUSH_USER", default=None, help="User name (or TPBC_KG_PUSH_USER).")
@click.option(
    "--password",
    envvar="TPBC_KG_PUSH_PASSWORD",
    default=None,
    help="Password (better: TPBC_KG_PUSH_PASSWORD, so it stays out of the shell history). Never printed.",
)
@click.option(
    "--auth",
    type=click.Choice(["basic", "digest"]),
    default="basic",
    show_default=True,
    help="HTTP authentication scheme (Virtuoso's /sparql-graph-crud-auth wants digest).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=120.0,
    show_default=True,
    help="Seconds to wait for the store to answer each request.",
)
def push_command(
    url: str,
    release_dir: Path | None,
    graph: str | None,
    inferred_graph: str | None,
    no_inferred: bool,
    user: str | None,
    password: str | None,
    auth: str,
    timeout: float,
) -> None:
    """Load the graph into any SPARQL 1.1 store through its Graph Store HTTP Protocol endpoint URL
    (Oxigraph: http://host:port/store; Virtuoso: http://host:8890/sparql-graph-crud-auth). Asserted and
    inferred triples go into their own named graphs, each replaced as a whole (pushing twice is safe)."""
    from tpbc_kg import push

    target = push.Target(url, user=user, password=password, auth=auth, timeout=timeout)
    for outcome in push.push(target, release_dir, graph, inferred_graph, include_inferred=not no_inferred):
        click.echo(f"tpbc-kg: {outcome}", err=True)


RELEASE_COMMAND: click.Command = release_command
DIFF_COMMAND: click.Command = diff_command
PUSH_COMMAND: click.Command = push_command
