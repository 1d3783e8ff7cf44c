"""The `--endpoint URL` option of `query`, `sparql` and `show`: run on an external SPARQL 1.1 endpoint
(tpbc_kg.remote.RemoteStore) instead of the local store."""

from __future__ import annotations

import click

from tpbc_kg.store import QueryStore

endpoint_option = click.option(
    "--endpoint",
    "endpoint",
    default=None,
    metavar="URL",
    envvar="TPBC_KG_ENDPOINT",
    help="Run on this SPARQL 1.1 query endpoint (e.g. http://127.0.0.1:7878/query after `tpbc-kg push`) "
    "instead of the local store; it must see the pushed named graphs as its default graph "
    "(Oxigraph: serve --union-default-graph). Default from TPBC_KG_ENDPOINT.",
)


def source_for(store: str, endpoint: str | None) -> QueryStore:
    """The store a command runs on: the remote endpoint when given, else the local store."""
    if endpoint:
        from tpbc_kg.remote import RemoteStore

        return RemoteStore(endpoint)
    from tpbc_kg import api

    return api.query_store(store)
