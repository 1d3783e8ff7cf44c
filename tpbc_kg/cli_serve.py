"""The `serve` and `plot` commands: the website and SPARQL endpoint, and pictures from the terminal."""

from __future__ import annotations

from pathlib import Path

import click

from tpbc_kg.bounded import DEFAULT_TIMEOUT
from tpbc_kg.load import InputError


def open_site(folder: Path | None):
    """The knowledge base (built first if its sources changed) opened read-only, and the curated graph
    for `show`'s report: the server never writes."""
    from tpbc_kg import api
    from tpbc_kg.web.site import Site

    kb = api.knowledge_base(folder)
    return Site(kb, api.bundled_graph(), kb.location)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (loopback by default).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option(
    "--store",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The knowledge base's folder (default: TPBC_KG_STORE, else the user's cache folder).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    metavar="SECONDS",
    help="Time limit of a SPARQL query (0: none).",
)
@click.option(
    "--max-rows",
    type=click.IntRange(min=0),
    default=10_000,
    show_default=True,
    help="Rows (or triples) a SPARQL answer holds at most (0: no cap).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1, max=32),
    default=2,
    show_default=True,
    help="Processes answering SPARQL queries side by side.",
)
@click.option("--cors", is_flag=True, help="Allow cross-origin requests (off by default).")
def serve_command(
    host: str, port: int, folder: Path | None, timeout: float, max_rows: int, workers: int, cors: bool
) -> None:
    """Start the website and SPARQL 1.1 endpoint (read-only) over the graph."""
    import uvicorn

    from tpbc_kg.web.app import Settings, create_app

    _check_address(host, port)
    site = open_site(folder)
    app = create_app(site, Settings(timeout, max_rows, workers, cors, warm=True), site.location)
    shown = f"[{host}]" if ":" in host else host
    click.echo(
        f"tpbc-kg: serving {len(site.store)} triples at http://{shown}:{port}/ "
        f"(SPARQL: http://{shown}:{port}/sparql); Ctrl-C stops",
        err=True,
    )
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


def _check_address(host: str, port: int) -> None:
    """A port in use or an address not of this machine is bad input, said before the store is built."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise click.BadParameter(f"{host}: {error.strerror}", param_hint="--host") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            raise click.BadParameter(
                f"cannot listen on {host}:{port} ({error.strerror}); choose another with --port",
                param_hint="--port",
            ) from None


@click.command("plot")
@click.argument("kind", type=click.Choice(("trial", "endpoint", "pathway", "resistance")))
@click.argument("name")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The SVG file to write (atomically).",
)
@click.option(
    "--store",
    default=None,
    metavar="oxigraph|memory|DIR",
    envvar="TPBC_KG_STORE",
    help="Where the queries run (as for `query`).",
)
def plot_command(kind: str, name: str, output: Path, store: str | None) -> None:
    """Draw a picture as SVG: `trial NAME` (outcomes per arm), `endpoint NAME` (one endpoint across
    trials), `pathway NAME` (members in signal order, ER-HER2 crosstalk), `resistance DRUG` (mechanisms
    and what overcomes them). The data table goes to standard output as CSV."""
    import csv
    import sys

    from tpbc_kg import api, plot
    from tpbc_kg.export import write_atomic

    if output.suffix.lower() != ".svg":
        raise InputError(output, "the picture is SVG; give a file name ending in .svg")
    if output.parent and not output.parent.exists():
        raise InputError(output, "the output folder does not exist; create it or choose another path")
    picture = plot.draw(api.query_store(store), kind, name)
    write_atomic(output, picture.svg)
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(picture.columns)
    writer.writerows(picture.rows)
    click.echo(f"wrote {output} ({picture.title})", err=True)


SERVE_COMMAND: click.Command = serve_command
PLOT_COMMAND: click.Command = plot_command
