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
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from rdflib import XSD, Graph
from rdflib import Literal as RdfLiteral
from rdflib.query import Result, ResultRow
from rdflib.term import BNode, Node

from tpbc_kg.errors import UserError
from tpbc_kg.names import NameTable, UnknownType, python_value
from tpbc_kg.paths import queries_dir
from tpbc_kg.resolve import AmbiguousEntity, ResolutionError, UnknownEntity
from tpbc_kg.store import MemoryStore, QueryStore
from tpbc_kg.terms import with_values

_HEADER_LINE = re.compile(r"^#\s*([A-Za-z_-]+)\s*:\s*(.*)$")
_PARAMETER = re.compile(
    r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*\(\s*(?P<type>[A-Za-z][A-Za-z0-9]*)\s*,\s*"
    r"(?P<need>required|optional)\s*(?:,\s*default\s*=\s*(?P<default>[^();]*?))?\s*\)$"
)
LIST_SEPARATOR = "; "
"""How list columns (GROUP_CONCAT) join their items; the engine sorts the items."""

LITERAL_TYPES = {"string": XSD.string, "integer": XSD.integer, "decimal": XSD.decimal, "boolean": XSD.boolean}


class QueryHeaderError(UserError, ValueError):
    """A query file whose header cannot be read (a bug in the query file, reported with its path)."""


class UnknownQuery(UserError, ValueError):
    """A query name that no file in queries/ has; the message lists the close names."""

    def __init__(self, name: str, known: list[str]) -> None:
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
        hint = f"; did you mean: {', '.join(close)}?" if close else ""
        super().__init__(f"no query is called {name!r}{hint} (`tpbc-kg queries` lists them all)")
        self.name = name
        self.suggestions = close


class ParameterError(UserError, ValueError):
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


class SparqlSyntaxError(UserError, ValueError):
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
    """A query file's answer on an rdflib graph (in memory, or a knowledge base's view), with the bindings
    as a VALUES block (terms.with_values) that every engine behind an rdflib Graph accepts."""
    return graph.query(with_values(query.text, bindings))


def select_rows(
    graph: Graph, query: QueryFile, bindings: Mapping[str, Node] | None = None
) -> list[ResultRow]:
    """The rows of a SELECT query file's answer on an rdflib graph (see run), by variable name."""
    return [row for row in run(graph, query, bindings) if isinstance(row, ResultRow)]


# ------------------------------------------------------------------------------------------------------
# Resolving parameter values (names -> nodes of the parameter's type)
# ------------------------------------------------------------------------------------------------------


def resolve_value(names: NameTable | Graph, parameter: Parameter, value: str) -> Node:
    """The node (or literal) a parameter value means; raises UnknownParameterValue /
    AmbiguousParameterValue with close matches, or ParameterError for a literal that does not parse."""
    if parameter.type in LITERAL_TYPES:
        return _literal(parameter, value)
    names = name_table(names)
    try:
        allowed, index = names.typed_index(parameter.type)
    except UnknownType as error:
        raise QueryHeaderError(str(error)) from None
    label = names.type_label(parameter.type)
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


def bind_parameters(names: NameTable | Graph, query: QueryFile, values: Mapping[str, str]) -> dict[str, Node]:
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
        bindings[parameter.name] = resolve_value(names, parameter, str(value))
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
    text = query.text
    if store.kind == "oxigraph":  # rdflib starts from initBindings; Oxigraph needs to see the terms
        text, bindings = planner_bound(text, bindings)
    vars_, rows = store.select(text, bindings)
    return QueryResult(vars_, normalise_rows(vars_, rows, query.list_columns), query.list_columns)


# ------------------------------------------------------------------------------------------------------
# Parameters the planner sees (Oxigraph)
# ------------------------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""(?P<comment>\#[^\n]*)
      |(?P<string>'{3}(?:[^'\\]|\\.|'(?!''))*'{3}|"{3}(?:[^"\\]|\\.|"(?!""))*"{3}
                  |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
      |(?P<iri><[^<>"{}|^`\\\s]*>)
      |(?P<var>[?$][A-Za-z_0-9\u00B7-\uFFFF]+)
      |(?P<open>\{)|(?P<close>\})
      |(?P<word>[A-Za-z_][A-Za-z_0-9-]*)
      |(?P<other>\S)""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class _Slot:
    """A variable occurrence inside a graph pattern: (start, end, variable name)."""

    start: int
    end: int
    name: str


@lru_cache(maxsize=256)
def _pattern_slots(text: str) -> tuple[int, tuple[_Slot, ...]]:
    """(offset just inside the top-level WHERE group, the variable occurrences inside graph patterns).

    The query text is the canned file's own, tokenised (comments, strings and IRIs skipped, so a `?x` in
    a string is never touched). Occurrences in a subquery's SELECT clause and its solution modifiers
    (GROUP BY, ORDER BY, HAVING), after AS and after VALUES are not slots: there the variable names a
    column, not a value."""
    depth = 0
    top = -1
    open_clauses: list[int] = []  # depths at which a subquery's SELECT clause is open
    modifiers: list[int] = []  # depths at which a subquery's solution modifiers run (after its WHERE)
    slots: list[_Slot] = []
    previous_word = ""
    for match in _TOKEN.finditer(text):
        kind, value = match.lastgroup, match.group()
        if kind == "comment":
            continue
        if kind == "open":
            if open_clauses and open_clauses[-1] == depth:
                open_clauses.pop()  # the subquery's WHERE group: its modifiers follow it
                modifiers.append(depth)
            if depth == 0 and top < 0:
                top = match.end()
            depth += 1
        elif kind == "close":
            depth -= 1
            while modifiers and modifiers[-1] > depth:
                modifiers.pop()  # the group holding the subquery closed
        elif kind == "word" and value.upper() == "SELECT" and depth >= 1:
            open_clauses.append(depth)
        elif kind == "var" and depth >= 1 and top >= 0:
            in_clause = bool(open_clauses) and open_clauses[-1] == depth
            in_modifiers = bool(modifiers) and modifiers[-1] == depth
            if not in_clause and not in_modifiers and previous_word.upper() not in ("AS", "VALUES"):
                slots.append(_Slot(match.start(), match.end(), value[1:]))
        previous_word = value if kind == "word" else ""
    return top, tuple(slots)


def planner_bound(text: str, bindings: Mapping[str, Node]) -> tuple[str, dict[str, Node]]:
    """The canned query with its resolved parameters where the planner sees them, and what is left for
    engine substitution.

    Oxigraph plans a query before it applies `substitutions`, so a question about one drug was planned as
    one about every drug, and its time grew with the graph. Here each bound IRI or literal (a term that
    parameter resolution found in the graph, written by Oxigraph's serialiser; never the user's text)
    replaces its variable in the graph patterns, so every pattern that mentions it is an index lookup, and
    a one-row VALUES block at the head of the WHERE group binds the variable for the columns, GROUP BY
    and ORDER BY. This is SPARQL pre-binding by substitution, done before planning instead of after; the
    tests compare every canned query's rows with rdflib's initBindings on the bundled and a generated
    graph. Blank nodes cannot be written in a query and stay engine substitutions."""
    from tpbc_kg.terms import to_oxigraph

    written = {name: node for name, node in bindings.items() if not isinstance(node, BNode)}
    left: dict[str, Node] = {name: node for name, node in bindings.items() if isinstance(node, BNode)}
    if not written:
        return text, left
    top, slots = _pattern_slots(text)
    if top < 0:
        return text, dict(bindings)
    terms = {name: str(to_oxigraph(node)) for name, node in written.items()}
    names = sorted(terms)
    values = f" VALUES ({' '.join('?' + n for n in names)}) {{ ({' '.join(terms[n] for n in names)}) }} "
    pieces: list[str] = [text[:top], values]
    cursor = top
    for slot in slots:
        if slot.name in terms:
            pieces.append(text[cursor : slot.start])
            pieces.append(terms[slot.name])
            cursor = slot.end
    pieces.append(text[cursor:])
    return "".join(pieces), left


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


_tables: dict[int, tuple[Graph, int, NameTable]] = {}


def name_table(names: NameTable | Graph) -> NameTable:
    """The NameTable for an rdflib graph (built once per graph and size), or the table itself."""
    if isinstance(names, NameTable):
        return names
    cached = _tables.get(id(names))
    if cached is None or cached[0] is not names or cached[1] != len(names):
        cached = (names, len(names), NameTable.from_graph(names))
        _tables.clear()  # one graph at a time: tables of large graphs are large
        _tables[id(names)] = cached
    return cached[2]


def label_of(names: NameTable | Graph, node: Node) -> str:
    """What a person reads for a node: its rdfs:label (English first), else its CURIE."""
    return name_table(names).label(node)


def labeller(names: NameTable | Graph) -> Callable[[Node], str]:
    """label_of for one table."""
    return name_table(names).label


def to_dicts(names: NameTable | Graph, result: QueryResult) -> list[dict[str, Any]]:
    """Rows as dicts: labels for entities, Python values for literals, lists for list columns."""
    table = name_table(names)
    listed = [name in result.list_columns for name in result.vars]
    return [
        {
            name: python_value(table, value, is_list, LIST_SEPARATOR)
            for name, value, is_list in zip(result.vars, row, listed, strict=True)
        }
        for row in result.rows
    ]


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
    "as_store",
    "bind_parameters",
    "canned_queries",
    "canned_query",
    "execute",
    "label_of",
    "labeller",
    "name_table",
    "parse_parameters",
    "planner_bound",
    "qc_queries",
    "query_files",
    "read_query_file",
    "resolve_value",
    "run",
    "run_sparql",
]
