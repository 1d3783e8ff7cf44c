"""Converting RDF terms between rdflib (the object model the API hands out) and Oxigraph (the engine).

>>> from rdflib import Literal
>>> to_rdflib(to_oxigraph(Literal("HER2"))) == Literal("HER2")
True
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

Triple = tuple[Node, Node, Node]
_XSD_STRING = str(XSD.string)


OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


def to_rdflib(term: OxTerm | None) -> Node | None:
    """The rdflib term for an Oxigraph term. A plain string comes back without a datatype, as rdflib
    parses it, so rows from both engines compare equal (RDF 1.1 makes the two forms the same literal)."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Triple):
        raise TypeError(f"RDF-star triple terms are not used in this graph: {term}")
    if term.language:
        return Literal(term.value, lang=term.language)
    if term.datatype.value == _XSD_STRING:
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def to_oxigraph(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """The Oxigraph term for an rdflib term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"cannot convert {term!r} to an Oxigraph term")


def to_rdflib_triple(triple: ox.Triple) -> Triple:
    """The rdflib triple for an Oxigraph triple."""
    return (
        _present(to_rdflib(triple.subject)),
        _present(to_rdflib(triple.predicate)),
        _present(to_rdflib(triple.object)),
    )


def _present(term: Node | None) -> Node:
    if term is None:
        raise TypeError("a triple has no unbound positions")
    return term


def solutions(answer: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> ox.QuerySolutions:
    """A SELECT answer, checked: canned and rule queries know their form, and a wrong one is a bug."""
    if not isinstance(answer, ox.QuerySolutions):
        raise TypeError(f"expected SELECT solutions, got {type(answer).__name__}")
    return answer


def triples(answer: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> ox.QueryTriples:
    """A CONSTRUCT/DESCRIBE answer, checked (see solutions)."""
    if not isinstance(answer, ox.QueryTriples):
        raise TypeError(f"expected CONSTRUCT triples, got {type(answer).__name__}")
    return answer


_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


def _mask_comments_and_strings(text: str) -> str:
    """text with comments and string literals blanked (same length), so a search sees only syntax."""
    return _NOT_SYNTAX.sub(lambda m: " " * len(m.group(0)), text)


_NOT_SYNTAX = re.compile(
    r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|#[^\n]*'
)


def with_values(text: str, bindings: Mapping[str, Node] | None) -> str:
    """The query with its bound parameters as a one-row VALUES block opening the outermost WHERE group.

    The engine then starts from the bound terms (Oxigraph plans a substituted variable as if it were free)
    and, unlike Oxigraph's substitutions, the variables need not be projected. The block is written from
    RDF terms (resolved parameters, serialised by Oxigraph), never from a user's text.

    >>> from rdflib import URIRef
    >>> with_values("SELECT ?x WHERE { ?d ?p ?x }", {"d": URIRef("https://w3id.org/tpbc-kg/id/drug-x")})
    'SELECT ?x WHERE { VALUES (?d) { (<https://w3id.org/tpbc-kg/id/drug-x>) } ?d ?p ?x }'
    """
    if not bindings:
        return text
    match = _WHERE.search(_mask_comments_and_strings(text))
    if match is None:
        raise ValueError("the query has no WHERE group to bind its parameters in")
    names = sorted(bindings)
    variables = " ".join(f"?{name}" for name in names)
    row = " ".join(str(to_oxigraph(bindings[name])) for name in names)
    return f"{text[: match.end()]} VALUES ({variables}) {{ ({row}) }}{text[match.end() :]}"
