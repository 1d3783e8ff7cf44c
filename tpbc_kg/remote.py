"""A remote SPARQL 1.1 endpoint behind the QueryStore interface, so `query`, `sparql` and `show` can run on
an external store (Oxigraph server, Virtuoso, QLever, GraphDB ...) instead of the local one.

It speaks the SPARQL 1.1 Protocol (form-encoded POST) with the standard library only.
Parameters are bound as the local engine binds them (tpbc_kg.terms.with_values: a VALUES row of RDF
terms opening the outer WHERE group), which is also the only way the protocol allows.
The store must answer queries over the graph's triples without a GRAPH clause: with Oxigraph start it
with --union-default-graph, or pass default_graphs (default-graph-uri) naming the pushed graphs.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from functools import cached_property

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from tpbc_kg.errors import UserError
from tpbc_kg.named_graphs import ASSERTED_GRAPH, INFERRED_GRAPH
from tpbc_kg.names import NameTable
from tpbc_kg.store import NAMING_QUERY, Row
from tpbc_kg.terms import with_values

_XSD_STRING = str(XSD.string)
_RESULTS_JSON = "application/sparql-results+json"
_NTRIPLES = "application/n-triples"
# Whole comment lines (the .rq headers), and trailing comments that hold no IRI or string delimiter.
_COMMENT = re.compile(r"(?m)^\s*#.*$|#[^\n<>\"']*$")


class RemoteError(UserError):
    """An endpoint that cannot be reached or refuses a query; the message says which and why."""


def term(value: Mapping[str, str]) -> Node | None:
    """The rdflib term of one SPARQL 1.1 JSON results binding (plain strings without a datatype, as the
    local stores give them)."""
    kind = value.get("type")
    if kind == "uri":
        return URIRef(value["value"])
    if kind == "bnode":
        return BNode(value["value"])
    if kind in ("literal", "typed-literal"):
        if "xml:lang" in value:
            return Literal(value["value"], lang=value["xml:lang"])
        datatype = value.get("datatype")
        if datatype and datatype != _XSD_STRING:
            return Literal(value["value"], datatype=URIRef(datatype))
        return Literal(value["value"])
    return None


_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
_PROLOGUE = re.compile(r"(?is)^\s*(?:(?:PREFIX\s+[\w.-]*:\s*<[^>]*>|BASE\s*<[^>]*>)\s*)*")


def query_form(text: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the first keyword after the prologue (comments blanked)."""
    code = _COMMENT.sub(lambda m: " " * len(m.group()), text)
    match = _FORM.search(code, _PROLOGUE.match(code).end())  # type: ignore[union-attr]
    return match.group(1).upper() if match else "SELECT"


class RemoteStore:
    """A SPARQL 1.1 endpoint answering the QueryStore interface."""

    kind = "remote"

    def __init__(
        self,
        endpoint: str,
        default_graphs: Sequence[str] = (),
        timeout: float = 60.0,
        prefixes: Mapping[str, str] | None = None,
        asserted_only: bool = False,
    ) -> None:
        parsed = urllib.parse.urlsplit(endpoint)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise RemoteError(
                f"--endpoint {endpoint!r}: give an http(s) URL of a SPARQL endpoint, "
                "for example http://127.0.0.1:7878/query"
            )
        # default-graph-uri in the URL's query string (the protocol's own way to name the dataset) is
        # sent with each query: ?default-graph-uri=<asserted>&default-graph-uri=<inferred> queries just
        # the pushed graphs on a store whose default graph holds more (Virtuoso's system graphs).
        in_url = [v for k, v in urllib.parse.parse_qsl(parsed.query) if k == "default-graph-uri"]
        rest = [(k, v) for k, v in urllib.parse.parse_qsl(parsed.query) if k != "default-graph-uri"]
        self.endpoint = urllib.parse.urlunsplit(parsed._replace(query=urllib.parse.urlencode(rest)))
        self.default_graphs = [*in_url, *default_graphs]
        if asserted_only:  # the graph `tpbc-kg push` puts the curated triples in, without the inferred one
            kept = [g for g in self.default_graphs if g != str(INFERRED_GRAPH)]
            self.default_graphs = kept or [str(ASSERTED_GRAPH)]
        self.timeout = timeout
        if prefixes is None:
            from tpbc_kg.load import prefix_map

            prefixes = prefix_map()
        self.prefixes = dict(prefixes)

    def _request(self, text: str, accept: str) -> tuple[str, bytes]:
        # A form-encoded POST: the one request form every SPARQL 1.1 server accepts (Virtuoso 7 does not
        # take a direct application/sparql-query body).
        form = [("query", text)] + [("default-graph-uri", g) for g in self.default_graphs]
        request = urllib.request.Request(
            self.endpoint,
            data=urllib.parse.urlencode(form).encode("ascii"),
            method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": accept},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.headers.get_content_type(), response.read()
        except urllib.error.HTTPError as error:
            detail = error.read(400).decode("utf-8", "replace").strip()
            raise RemoteError(f"{self.endpoint}: HTTP {error.code} {error.reason}: {detail}") from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise RemoteError(
                f"{self.endpoint}: cannot reach the endpoint ({reason}); is it running?"
            ) from None

    def _with_prefixes(self, text: str, prefixes: Mapping[str, str]) -> str:
        declared = {m.group(1) for m in re.finditer(r"(?im)^\s*PREFIX\s+([\w-]*):", text)}
        head = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(prefixes.items()) if p not in declared)
        return head + text

    def _answer(self, text: str) -> tuple[list[str], list[Row]] | bool | Graph:
        graph_form = query_form(text) in ("CONSTRUCT", "DESCRIBE")
        accept = (
            f"{_NTRIPLES}, text/turtle;q=0.9" if graph_form else f"{_RESULTS_JSON}, application/json;q=0.9"
        )
        content_type, body = self._request(text, accept)
        if not graph_form:
            if content_type not in (_RESULTS_JSON, "application/json"):
                raise RemoteError(f"{self.endpoint}: answered {content_type}, not SPARQL results JSON")
            document = json.loads(body)
            if "boolean" in document:
                return bool(document["boolean"])
            variables = list(document["head"].get("vars", []))
            rows = [
                tuple(term(b[v]) if v in b else None for v in variables)
                for b in document["results"]["bindings"]
            ]
            return variables, rows
        graph = Graph()
        for prefix, namespace in self.prefixes.items():
            graph.bind(prefix, namespace)
        fmt = {_NTRIPLES: "nt", "text/plain": "nt", "text/turtle": "turtle"}.get(content_type)
        if fmt is None:
            raise RemoteError(f"{self.endpoint}: answered {content_type}, not N-Triples or Turtle")
        graph.parse(data=body.decode("utf-8"), format=fmt)
        return graph

    def __len__(self) -> int:
        answer = self._answer("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        assert isinstance(answer, tuple)
        return int(str(answer[1][0][0]))

    def select(self, text: str, bindings: Mapping[str, Node] | None = None) -> tuple[list[str], list[Row]]:
        answer = self._answer(with_values(text, bindings))
        if not isinstance(answer, tuple):
            raise RemoteError(f"{self.endpoint}: expected SELECT results")
        return answer

    def sparql(self, text: str, prefixes: Mapping[str, str]) -> tuple[list[str], list[Row]] | bool | Graph:
        return self._answer(self._with_prefixes(text, prefixes))

    @cached_property
    def names_graph(self) -> Graph:
        """The endpoint's labels, synonyms, identifiers, types and subclass links (store.NAMING_QUERY)."""
        answer = self._answer(NAMING_QUERY)
        if not isinstance(answer, Graph):
            raise RemoteError(f"{self.endpoint}: expected an RDF graph for a CONSTRUCT query")
        return answer

    @cached_property
    def _names(self) -> NameTable:
        return NameTable.from_graph(self.names_graph)

    def names(self) -> NameTable:
        return self._names

    def serialize(self, fmt: str) -> bytes:
        answer = self._answer("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
        assert isinstance(answer, Graph)
        from tpbc_kg.export import exporter

        return exporter(fmt).serialize(answer).encode("utf-8")

    def _triples(self, nodes: set[Node], incoming: bool, batch: int = 150) -> Graph:
        """The triples whose subject (or, incoming, object) is one of nodes, rdf:type excluded when
        incoming (a class's members are not its neighbourhood), fetched in bounded VALUES batches."""
        graph = Graph()
        todo = sorted(n for n in nodes if isinstance(n, URIRef))
        for start in range(0, len(todo), batch):
            values = " ".join(n.n3() for n in todo[start : start + batch])
            if incoming:
                where = f"VALUES ?o {{ {values} }} ?s ?p ?o FILTER(?p != rdf:type)"
            else:
                where = f"VALUES ?s {{ {values} }} ?s ?p ?o"
            answer = self._answer(
                "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n"
                f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {where} }}"
            )
            assert isinstance(answer, Graph)
            for triple in answer:
                graph.add(triple)
        return graph

    def neighbourhood(self, node: URIRef, names: NameTable | None = None) -> Graph:
        """What `show` reads about node, without copying the store: two steps of incoming links (the
        regimens that include a drug, the arms that receive them), also into the node's classes (the
        mechanisms that act on a drug class), then two steps out from everything found (labels, studies,
        references)."""
        names = names if names is not None else self.names()
        classes: set[Node] = set(names.types.get(node, frozenset()))  # with their superclasses
        graph = Graph()
        for prefix, namespace in self.prefixes.items():
            graph.bind(prefix, namespace)
        level = {node} | classes
        reached: set[Node] = {node}
        for _ in range(2):
            found = self._triples(level, incoming=True)
            for triple in found:
                graph.add(triple)
            level = set(found.subjects()) - reached
            reached |= level
        frontier = reached
        seen: set[Node] = set()
        for _ in range(2):
            found = self._triples(frontier - seen, incoming=False)
            seen |= frontier
            for triple in found:
                graph.add(triple)
            frontier = set(found.objects()) | set(found.predicates())
        return graph


def show_text(store: RemoteStore, name: str, width: int | None = None) -> str:
    """`show` on a remote store: resolve the name on the store's names, fetch the entity's
    neighbourhood, and describe it as the local `show` does."""
    from tpbc_kg import show

    names = store.names()
    iri = names.resolve(name)
    graph = store.neighbourhood(iri, names)
    for triple in store.names_graph:
        graph.add(triple)
    return show.render_text(show.describe(graph, iri), width=width)
