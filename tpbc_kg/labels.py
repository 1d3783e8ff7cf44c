"""How the package names a node to a person: a CURIE from the one prefix map, and the preferred label.

Every display path - tables (tpbc_kg.names), `show`, reasoning messages, name resolution - uses these two
functions, so an IRI reads the same everywhere.

>>> from rdflib import Literal, URIRef
>>> curie(URIRef("https://w3id.org/tpbc-kg/id/drug-trastuzumab"))
'kg:drug-trastuzumab'
>>> curie(URIRef("https://example.org/x"))
'<https://example.org/x>'
>>> preferred_label([Literal("Trastuzumab", lang="de"), Literal("trastuzumab", lang="en")])
'trastuzumab'
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from rdflib import Literal
from rdflib.term import Node

from tpbc_kg.load import prefix_map


@cache
def _namespaces() -> tuple[tuple[str, str], ...]:
    """(namespace, prefix), longest namespace first, so the most specific prefix wins."""
    pairs = [(namespace, prefix) for prefix, namespace in prefix_map().items()]
    return tuple(sorted(pairs, key=lambda pair: (-len(pair[0]), pair[1])))


def curie(iri: Node) -> str:
    """prefix:local for an IRI in a namespace of the prefix map, else <IRI>."""
    text = str(iri)
    for namespace, prefix in _namespaces():
        if text.startswith(namespace) and len(text) > len(namespace):
            return f"{prefix}:{text[len(namespace) :]}"
    return f"<{text}>"


def _english_first(label: Literal) -> tuple[bool, str]:
    return (label.language not in ("en", None), str(label))


def preferred_label(labels: Iterable[Node]) -> str | None:
    """The label to show: English or untagged first, then the first in text order; None without one."""
    literals = [label for label in labels if isinstance(label, Literal)]
    return str(min(literals, key=_english_first)) if literals else None
