"""SPARQL files with self-describing headers, and running them with engine-bound parameters.

Each .rq file opens with `# key: value` lines (title, question, parameters, columns, severity, fix ...);
a line `#   more text` continues the previous key. The rest is the query. Parameters are bound by the
engine (rdflib `initBindings`), never pasted into the text, so a value is always data.

The canned questions live in queries/*.rq (queries/README.md documents the header and parameter syntax);
`ask(name, **params)` answers one of them as a list of dicts. Each row maps every column of the query to:

- `None` when the column is unbound in that row;
- a label string when the value is a node (its rdfs:label, else its CURIE);
- a Python value when it is a literal (`int`, `decimal.Decimal`, `float`, `bool`, `str` ...);
- a sorted `list[str]` for the columns the header names under `# lists:` (values aggregated with
  GROUP_CONCAT and the separator "; "), `[]` when unbound.

`ask(..., sparql_json=True)` returns `(rows, document)` where document is the W3C SPARQL 1.1 Query Results
JSON of the same answer, with IRIs instead of labels.
"""

from __future__ import annotations

import difflib
import re
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Literal, overload

from rdflib import RDF, RDFS, XSD, Graph, URIRef
from rdflib import Literal as RdfLiteral
from rdflib.namespace import OWL, SKOS
from rdflib.query import Result
from rdflib.term import BNode, Node

from tpbc_kg.namespace import TPBC
from tpbc_kg.paths import queries_dir
from tpbc_kg.resolve import AmbiguousEntity, NameIndex, ResolutionError, UnknownEntity
from tpbc_kg.store import MemoryStore, QueryStore

_HEADER_LINE = re.compile(r"^#\s*([A-Za-z_-]+)\s*:\s*(.*)$")
_PARAMETER = re.compile(
    r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*\(\s*(?P<type>[A-Za-z][A-Za-z0-9]*)\s*,\s*"
    r"(?P<need>required|optional)\s*(?:,\s*default\s*=\s*(?P<default>[^();]*?))?\s*\)$"
)
LIST_SEPARATOR = "; "
"""How list columns (GROUP_CONCAT) join their items; the engine sorts the items."""

LITERAL_TYPES = {"string": XSD.string, "integer": XSD.integer, "decimal": XSD.decimal, "boolean": XSD.boolean}
ANY_ENTITY_TYPES = ("Entity", "IRI")
DRUG_CLASS_TYPE = "DrugClass"


class QueryHeaderError(ValueError):
    """A query file whose header cannot be read (a bug in the query file, reported with its path)."""


class UnknownQuery(ValueError):
    """A query name that no file in queries/ has; the message lists the close names."""

    def __init__(self, name: str, known: list[str]) -> None:
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
        hint = f"; did you mean: {', '.join(close)}?" if close else ""
        super().__init__(f"no query is called {name!r}{hint} (`tpbc-kg queries` lists them all)")
        self.name = name
        self.suggestions = close


class ParameterError(ValueError):
    """A parameter the query does not take, a required one left out, or a literal that does not parse."""


@dataclass
class UnknownParameterValue(UnknownEntity):
    """A parameter value that names nothing of the parameter's type; carries the close names."""

    parameter: str = ""
    type_label: str = ""

    def __str__(self) -> str:
        hint = f"; did you mean: {', '.join(self.suggestions)}?" if self.suggestions else ""
        return f"parameter {self.parameter}: no {self.type_label} is called {self.name!r}{hint}"


@dataclass
class AmbiguousParameterValue(AmbiguousEntity):
    """A parameter value that names several entities of the parameter's type."""

    parameter: str = ""

    def __str__(self) -> str:
        options = "; ".join(f"{curie} ({label})" for curie, label in self.candidates)
        return f"parameter {self.parameter}: {self.name!r} names several entities: {options}. Use a CURIE."


class SparqlSyntaxError(ValueError):
    """A query that does not parse, with the line and column where the parser stopped."""

    def __init__(self, source: str, message: str, line: int | None = None, column: int | None = None):
        where = source + (f":{line}" if line else "") + (f":{column}" if line and column else "")
        super().__init__(f"{where}: SPARQL syntax error: {message}; fix the query and retry")
        self.line = line
        self.column = column


# ------------------------------------------------------------------------------------------------------
# Query files and their headers
# ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Parameter:
    """One `name (Type, required|optional[, default=value])` entry of a `# parameters:` header."""

    name: str
    type: str
    required: bool
    default: str | None = None

    def describe(self) -> str:
        need = "required" if self.required else "optional"
        default = f", default={self.default}" if self.default is not None else ""
        return f"{self.name} ({self.type}, {need}{default})"


def parse_parameters(text: str, source: str = "<header>") -> list[Parameter]:
    """The parameters of a `# parameters:` header value (`none` or entries separated by ';')."""
    text = text.strip()
    if not text or text.casefold() == "none":
        return []
    parameters = []
    for entry in text.split(";"):
        match = _PARAMETER.match(entry.strip())
        if not match:
            raise QueryHeaderError(
                f"{source}: cannot read parameter {entry.strip()!r}; "
                "write name (Type, required|optional[, default=value])"
            )
        default = match.group("default")
        parameters.append(
            Parameter(match.group("name"), match.group("type"), match.group("need") == "required", default)
        )
    return parameters


def _split_names(text: str) -> list[str]:
    return [name.strip().lstrip("?") for name in text.split(",") if name.strip()]


@dataclass(frozen=True)
class QueryFile:
    """One .rq file: its name (file stem), header fields and SPARQL text."""

    name: str
    path: Path
    header: Mapping[str, str] = field(default_factory=dict)
    text: str = ""

    @property
    def title(self) -> str:
        return self.header.get("title", self.name)

    @property
    def severity(self) -> str:
        return self.header.get("severity", "error")

    @property
    def question(self) -> str:
        return self.header.get("question", self.title)

    @property
    def example(self) -> str:
        return self.header.get("example", "")

    @cached_property
    def parameters(self) -> list[Parameter]:
        return parse_parameters(self.header.get("parameters", ""), str(self.path))

    @property
    def columns(self) -> list[str]:
        return _split_names(self.header.get("columns", ""))

    @property
    def list_columns(self) -> frozenset[str]:
        """Columns whose values are GROUP_CONCAT lists (items joined by LIST_SEPARATOR)."""
        return frozenset(_split_names(self.header.get("lists", "")))


def read_query_file(path: Path) -> QueryFile:
    text = path.read_text(encoding="utf-8")
    header: dict[str, str] = {}
    last_key = None
    for line in text.splitlines():
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        match = _HEADER_LINE.match(line)
        if match:
            last_key = match.group(1).lower()
            header[last_key] = match.group(2).strip()
        elif last_key:
            header[last_key] += " " + line.lstrip("#").strip()
    return QueryFile(name=path.stem, path=path, header=header, text=text)


def query_files(folder: Path) -> list[QueryFile]:
    return [read_query_file(p) for p in sorted(folder.glob("*.rq"))]


def qc_queries() -> list[QueryFile]:
    """The quality checks: queries that must return no rows on a sound graph."""
    return query_files(queries_dir() / "qc")


def canned_queries() -> list[QueryFile]:
    """The questions users ask by name (queries/*.rq, not the qc/ and show/ folders)."""
    return query_files(queries_dir())


def canned_query(name: str) -> QueryFile:
    """The canned query called name; UnknownQuery (with close names) if there is none."""
    path = queries_dir() / f"{name}.rq"
    if "/" in name or "\\" in name or not path.is_file():
        raise UnknownQuery(name, [q.name for q in canned_queries()])
    return read_query_file(path)


def run(graph: Graph, query: QueryFile, bindings: Mapping[str, Node] | None = None) -> Result:
    """The query answered by rdflib; parsed once per text (rdflib spends ~60 ms parsing each time)."""
    return graph.query(prepared_query(query.text), initBindings=dict(bindings or {}))


# ------------------------------------------------------------------------------------------------------
# Resolving parameter values (names -> nodes of the parameter's type)
# ------------------------------------------------------------------------------------------------------

_SUFFIX_WORDS = ("resistance", "setting", "evidence", "route", "role")
_index_cache: dict[int, tuple[weakref.ref[Graph], int, NameIndex]] = {}


def _camel_words(local: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", local)


def _vocabulary_names(graph: Graph, node: URIRef) -> set[str]:
    """Extra names for a TBox term, so users can type "PFS", "MedianPFS" or "EMT" for the vocabulary
    individuals the TBox labels "median progression-free survival" (altLabel "median PFS") or
    "epithelial-mesenchymal transition" (local name EMTResistance)."""
    local = str(node)[len(str(TPBC._NS)) :]
    names = {local, _camel_words(local)}
    words = _camel_words(local).split()
    if len(words) > 1 and words[-1].casefold() in _SUFFIX_WORDS:
        names.add(" ".join(words[:-1]))
    for prop in (RDFS.label, SKOS.altLabel):
        for label in graph.objects(node, prop):
            text = str(label)
            if text.casefold().startswith("median "):
                names.add(text[len("median ") :])
    return names


def _with_vocabulary_tier(graph: Graph, index: NameIndex) -> NameIndex:
    tier: dict[str, set[URIRef]] = {}
    namespace = str(TPBC._NS)
    for node in set(graph.subjects(RDF.type, None)):
        if isinstance(node, URIRef) and str(node).startswith(namespace):
            for name in _vocabulary_names(graph, node):
                key = " ".join(name.split()).casefold()
                tier.setdefault(key, set()).add(node)
                index.display.setdefault(key, name)
    index.tiers.append(tier)
    return index


def name_index(graph: Graph) -> NameIndex:
    """Every name the graph knows (labels, synonyms, identifiers, local names), built once per graph."""
    cached = _index_cache.get(id(graph))
    if cached and cached[0]() is graph and cached[1] == len(graph):
        return cached[2]
    index = _with_vocabulary_tier(graph, NameIndex.build(graph))
    _index_cache[id(graph)] = (weakref.ref(graph), len(graph), index)
    return index


def _restricted(index: NameIndex, allowed: set[Node]) -> NameIndex:
    tiers = [{k: v & allowed for k, v in tier.items() if v & allowed} for tier in index.tiers]
    keys = {key for tier in tiers for key in tier}
    display = {k: d for k, d in index.display.items() if k in keys}
    return NameIndex(index.graph, tiers, display)


def _instances(graph: Graph, cls: URIRef) -> set[Node]:
    return {
        s for sub in graph.transitive_subjects(RDFS.subClassOf, cls) for s in graph.subjects(RDF.type, sub)
    }


def allowed_nodes(graph: Graph, type_name: str) -> set[Node] | None:
    """The nodes a parameter of this type may name (None: any node)."""
    if type_name in ANY_ENTITY_TYPES:
        return None
    if type_name == DRUG_CLASS_TYPE:
        return set(graph.transitive_subjects(RDFS.subClassOf, TPBC.Drug))
    cls = TPBC[type_name]
    if (cls, RDF.type, OWL.Class) not in graph:
        raise QueryHeaderError(f"parameter type {type_name!r} is not a class of the ontology")
    return _instances(graph, cls)


def type_label(graph: Graph, type_name: str) -> str:
    """How error messages name a parameter type ("resistance mechanism", "drug class")."""
    if type_name in ANY_ENTITY_TYPES:
        return "entity"
    if type_name == DRUG_CLASS_TYPE:
        return "drug class"
    return str(graph.value(TPBC[type_name], RDFS.label) or type_name)


_typed_cache: dict[tuple[int, int, str], tuple[weakref.ref[Graph], set[Node] | None, NameIndex]] = {}


def typed_index(graph: Graph, type_name: str) -> tuple[set[Node] | None, NameIndex]:
    """(the nodes a parameter of this type may name, the names of just those nodes), built once per
    graph and type: on a large graph, restricting the index costs far more than answering the query."""
    key = (id(graph), len(graph), type_name)
    cached = _typed_cache.get(key)
    if cached and cached[0]() is graph:
        return cached[1], cached[2]
    allowed = allowed_nodes(graph, type_name)
    index = name_index(graph)
    if allowed is not None:
        index = _restricted(index, allowed)
    for stale in [k for k, v in _typed_cache.items() if v[0]() is None]:
        del _typed_cache[stale]
    _typed_cache[key] = (weakref.ref(graph), allowed, index)
    return allowed, index


def resolve_value(graph: Graph, parameter: Parameter, value: str) -> Node:
    """The node (or literal) a parameter value means; raises UnknownParameterValue /
    AmbiguousParameterValue with close matches, or ParameterError for a literal that does not parse."""
    if parameter.type in LITERAL_TYPES:
        return _literal(parameter, value)
    allowed, index = typed_index(graph, parameter.type)
    label = type_label(graph, parameter.type)
    try:
        node = index.resolve(value)
    except AmbiguousEntity as error:
        raise AmbiguousParameterValue(value, error.candidates, parameter=parameter.name) from None
    except UnknownEntity as error:
        raise UnknownParameterValue(value, error.suggestions, parameter.name, label) from None
    if allowed is not None and node not in allowed:  # an exact IRI or CURIE of another type
        raise UnknownParameterValue(value, index.suggest(value.casefold()), parameter.name, label)
    return node


def _literal(parameter: Parameter, value: str) -> RdfLiteral:
    datatype = LITERAL_TYPES[parameter.type]
    if datatype == XSD.string:
        return RdfLiteral(value)
    literal = RdfLiteral(value.strip(), datatype=datatype)
    if literal.ill_typed:
        raise ParameterError(f"parameter {parameter.name}: {value!r} is not a valid {parameter.type}")
    return literal


def bind_parameters(graph: Graph, query: QueryFile, values: Mapping[str, str]) -> dict[str, Node]:
    """initBindings for the query: each given (or default) value resolved to a node of its type."""
    known = {p.name: p for p in query.parameters}
    for name in values:
        if name not in known:
            takes = ", ".join(p.describe() for p in query.parameters) or "no parameters"
            raise ParameterError(f"query {query.name} has no parameter {name!r}; it takes {takes}")
    bindings: dict[str, Node] = {}
    for parameter in query.parameters:
        value = values.get(parameter.name, parameter.default)
        if value is None:
            if parameter.required:
                raise ParameterError(
                    f"query {query.name} needs --param {parameter.name}=... ({parameter.type}); "
                    f"example: {query.example or 'see tpbc-kg queries'}"
                )
            continue
        bindings[parameter.name] = resolve_value(graph, parameter, str(value))
    return bindings


# ------------------------------------------------------------------------------------------------------
# Running queries
# ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryResult:
    """A SELECT answer: variable names and rows of terms (None = unbound), list columns sorted."""

    vars: list[str]
    rows: list[tuple[Node | None, ...]]
    list_columns: frozenset[str] = frozenset()

    def column(self, name: str) -> list[Node | None]:
        index = self.vars.index(name)
        return [row[index] for row in self.rows]


def sort_list_value(value: Node | None) -> Node | None:
    """A GROUP_CONCAT list with its items deduplicated and sorted and empty items dropped (None when
    nothing is left), so engines that concatenate in another order give the same value. Queries
    aggregate COALESCE(STR(?x), "") because a single unbound value makes the whole GROUP_CONCAT unbound
    on a strict engine (Oxigraph) while rdflib skips it."""
    if not isinstance(value, RdfLiteral):
        return value
    items = {item.strip() for item in str(value).split(LIST_SEPARATOR)}
    ordered = sorted((item for item in items if item), key=lambda s: (s.casefold(), s))
    return RdfLiteral(LIST_SEPARATOR.join(ordered)) if ordered else None


def normalise_rows(
    vars_: list[str], rows: Iterable[Iterable[Node | None]], list_columns: frozenset[str]
) -> list[tuple[Node | None, ...]]:
    listed = [name in list_columns for name in vars_]
    return [
        tuple(sort_list_value(v) if is_list else v for v, is_list in zip(row, listed, strict=True))
        for row in rows
    ]


@lru_cache(maxsize=64)
def prepared_query(text: str) -> Any:
    """The parsed query, kept: rdflib spends as long parsing a canned query as answering it."""
    return parse_sparql(text)


def as_store(source: Graph | QueryStore) -> QueryStore:
    """A store for source: an rdflib Graph is queried in place (rdflib's engine), a store as it is."""
    return MemoryStore(source) if isinstance(source, Graph) else source


def execute(
    source: Graph | QueryStore, query: QueryFile, values: Mapping[str, str] | None = None
) -> QueryResult:
    """Answer a canned query with parameter values given as names (resolved and bound by the engine)."""
    store = as_store(source)
    bindings = bind_parameters(store.names(), query, values or {})
    vars_, rows = store.select(query.text, bindings)
    return QueryResult(vars_, normalise_rows(vars_, rows, query.list_columns), query.list_columns)


def _syntax_error(error: Exception, text: str, source: str) -> SparqlSyntaxError:
    """pyparsing reports where the construct it could not finish starts; say where, and quote that line."""
    location = getattr(error, "loc", None)
    message = getattr(error, "msg", None) or str(error).splitlines()[0]
    if not isinstance(location, int):
        return SparqlSyntaxError(source, message)
    before = text[:location]
    line = before.count("\n") + 1
    column = location - (before.rfind("\n") + 1) + 1
    excerpt = text.splitlines()[line - 1].strip() if text.splitlines() else ""
    return SparqlSyntaxError(source, f"{message} (at {excerpt[:60]!r})", line, column)


def _translation_error(error: Exception, text: str, source: str) -> SparqlSyntaxError:
    """An error rdflib finds after parsing (an undeclared prefix), placed at its first use if it has one."""
    message = str(error).splitlines()[0] if str(error) else type(error).__name__
    prefix = re.search(r"Unknown namespace prefix : (\S+)", message)
    where = text.find(f"{prefix.group(1)}:") if prefix else -1
    if where < 0:
        return SparqlSyntaxError(source, message)
    before = text[:where]
    line, column = before.count("\n") + 1, where - (before.rfind("\n") + 1) + 1
    return SparqlSyntaxError(source, f"{message}; declare it with PREFIX", line, column)


def parse_sparql(text: str, source: str = "<query>") -> Any:
    """The parsed, translated query; SparqlSyntaxError (line, column) if it does not parse."""
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql import prepareQuery

    from tpbc_kg.load import bind_prefixes

    namespaces = dict(bind_prefixes(Graph()).namespaces())
    try:
        return prepareQuery(text, initNs=namespaces)
    except ParseBaseException as error:
        raise _syntax_error(error, text, source) from None
    except Exception as error:  # undeclared prefixes and other translation errors
        raise _translation_error(error, text, source) from None


def _algebra_names(node: Any) -> Iterable[str]:
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(node, CompValue):
        yield node.name
        for value in node.values():
            yield from _algebra_names(value)
    elif isinstance(node, list | tuple):
        for value in node:
            yield from _algebra_names(value)


def run_sparql(source: Graph | QueryStore, text: str, where: str = "<query>") -> QueryResult | bool | Graph:
    """An ad-hoc query: SELECT gives a QueryResult, ASK a bool, CONSTRUCT/DESCRIBE a Graph. The tpbc:, kg:,
    rdf:, rdfs:, owl:, xsd:, skos: and dcterms: prefixes are predeclared. The text is parsed by rdflib
    first, whatever the store, so a syntax error is reported with its line and column. SERVICE is
    refused: the engine would fetch from the network, and the graph is all local."""
    prepared = parse_sparql(text, where)
    if "ServiceGraphPattern" in set(_algebra_names(prepared.algebra)):
        raise SparqlSyntaxError(where, "SERVICE (a remote endpoint) is not supported; query the local graph")
    from tpbc_kg.load import prefix_map

    answer = as_store(source).sparql(text, prefix_map())
    if isinstance(answer, bool | Graph):
        return answer
    vars_, rows = answer
    return QueryResult(vars_, normalise_rows(vars_, rows, frozenset()))


# ------------------------------------------------------------------------------------------------------
# Python values and labels
# ------------------------------------------------------------------------------------------------------


def _english_first(label: Node) -> tuple[bool, str]:
    return (getattr(label, "language", None) not in ("en", None), str(label))


def label_of(graph: Graph, node: Node) -> str:
    """What a person reads for a node: its rdfs:label (English first), else its CURIE."""
    if isinstance(node, URIRef):
        labels = list(graph.objects(node, RDFS.label))
        for label in sorted(
            labels, key=lambda lit: (getattr(lit, "language", None) not in ("en", None), str(lit))
        ):
            return str(label)
        curie = graph.namespace_manager.normalizeUri(node)
        return curie if not curie.startswith("<") else str(node)
    if isinstance(node, BNode):
        return f"_:{node}"
    return str(node)


def labeller(graph: Graph) -> Callable[[Node], str]:
    """label_of for one graph, remembering what it has looked up (a table asks for the same node often)."""
    seen: dict[Node, str] = {}

    def label(node: Node) -> str:
        if node not in seen:
            seen[node] = label_of(graph, node)
        return seen[node]

    return label


def python_value(graph: Graph, node: Node | None, is_list: bool = False) -> Any:
    if is_list:
        return [] if node is None else [item for item in str(node).split(LIST_SEPARATOR) if item]
    if node is None:
        return None
    if isinstance(node, RdfLiteral):
        return node.toPython()
    return label_of(graph, node)


def to_dicts(graph: Graph, result: QueryResult) -> list[dict[str, Any]]:
    listed = [name in result.list_columns for name in result.vars]
    return [
        {
            name: python_value(graph, value, is_list)
            for name, value, is_list in zip(result.vars, row, listed, strict=True)
        }
        for row in result.rows
    ]


@overload
def ask(
    name: str, graph: Graph | None = None, *, sparql_json: Literal[False] = False, **params: str
) -> list[dict[str, Any]]: ...


@overload
def ask(
    name: str, graph: Graph | None = None, *, sparql_json: Literal[True], **params: str
) -> tuple[list[dict[str, Any]], dict[str, Any]]: ...


def ask(
    name: str,
    graph: Graph | QueryStore | None = None,
    *,
    sparql_json: bool = False,
    store: str | Path | None = None,
    **params: str,
) -> list[dict[str, Any]] | tuple[list[dict[str, Any]], dict[str, Any]]:
    """Answer the canned query `name` (a file of queries/) with parameters given by name, label, synonym,
    CURIE or IRI: `ask("drugs-bypassing-resistance", mechanism="PTEN loss")`. Rows are dicts (see the
    module docstring); with sparql_json=True also the W3C SPARQL 1.1 JSON results document.

    The bundled graph (with inferred triples) is asked on the default store (in-memory Oxigraph);
    store="memory" asks rdflib instead and store="some/folder" a persistent Oxigraph store. A graph or
    store passed as `graph` is asked directly."""
    from tpbc_kg import api
    from tpbc_kg.formats import sparql_json as to_json

    source = as_store(graph) if graph is not None else api.query_store(store)
    result = execute(source, canned_query(name), params)
    rows = to_dicts(source.names(), result)
    if sparql_json:
        return rows, to_json(result.vars, result.rows)
    return rows


__all__ = [
    "LIST_SEPARATOR",
    "AmbiguousParameterValue",
    "Parameter",
    "ParameterError",
    "QueryFile",
    "QueryHeaderError",
    "QueryResult",
    "ResolutionError",
    "SparqlSyntaxError",
    "UnknownParameterValue",
    "UnknownQuery",
    "allowed_nodes",
    "as_store",
    "ask",
    "bind_parameters",
    "canned_queries",
    "canned_query",
    "execute",
    "label_of",
    "labeller",
    "name_index",
    "parse_parameters",
    "qc_queries",
    "query_files",
    "read_query_file",
    "resolve_value",
    "run",
    "run_sparql",
]
