"""The `--endpoint URL` option of `query`, `sparql` and `show`: run on an external SPARQL 1.1 endpoint
(tpbc_kg.remote.RemoteStore) instead of the local knowledge base."""

from __future__ import annotations

from pathlib import Path

import click

from tpbc_kg.store import QueryStore

endpoint_option = click.option(
    "--endpoint",
    "endpoint",
    default=None,
    metavar="URL",
    envvar="TPBC_KG_ENDPOINT",
    help="Run on this SPARQL 1.1 query endpoint (e.g. http://127.0.0.1:7878/query after `tpbc-kg push`) "
    "instead of the local knowledge base; it must see the pushed named graphs as its default graph "
    "(Oxigraph: serve --union-default-graph; else add ?default-graph-uri=... to the URL). "
    "Default from TPBC_KG_ENDPOINT.",
)


def source_for(store: str | Path | None, endpoint: str | None, asserted_only: bool = False) -> QueryStore:
    """The store a command runs on: the remote endpoint when given (with --asserted-only, just the
    pushed asserted graph), else the local knowledge base."""
    if endpoint:
        from tpbc_kg.remote import RemoteStore

        return RemoteStore(endpoint, asserted_only=asserted_only)
    from tpbc_kg import api

    return api.query_store(store, asserted_only)
