"""Writing query answers: W3C SPARQL 1.1 results (JSON, CSV, TSV) for programs, and a table or Markdown
with labels instead of IRIs for people.

JSON (https://www.w3.org/TR/sparql11-results-json/) and CSV (https://www.w3.org/TR/sparql11-results-csv-tsv/)
are written by rdflib's result serialisers from the rows every engine returns (the same output as the
writer they replaced, on every canned query); rdflib has no TSV writer, so TSV is written here.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import textwrap
from collections.abc import Callable, Sequence
from typing import Any

from rdflib import XSD, Literal, URIRef
from rdflib.query import Result
from rdflib.term import BNode, Identifier, Node, Variable

FORMATS = ("table", "csv", "tsv", "json", "markdown")
"""The names `--format` accepts; table is the default."""

Row = Sequence[Node | None]
Labeller = Callable[[Node], str]

# Turtle's bare numbers and booleans, by datatype: a literal is written bare only if reading it back as
# Turtle gives the same datatype ("1000.0" alone would read as a decimal, not a double).
_BARE_TSV_SYNTAX = {
    XSD.integer: re.compile(r"[+-]?[0-9]+"),
    XSD.decimal: re.compile(r"[+-]?[0-9]*\.[0-9]+"),
    XSD.double: re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)[eE][+-]?[0-9]+"),
    XSD.boolean: re.compile(r"true|false"),
}
_MIN_WIDTH = 6
_GAP = "  "


# --- W3C SPARQL 1.1 Query Results JSON -----------------------------------------------------------------


def _rdflib_result(vars_: Sequence[str], rows: Sequence[Row]) -> Result:
    result = Result("SELECT")
    result.vars = [Variable(name) for name in vars_]
    result.bindings = [
        {
            Variable(name): value
            for name, value in zip(vars_, row, strict=True)
            if isinstance(value, Identifier)
        }
        for row in rows
    ]
    return result


def _serialized(vars_: Sequence[str], rows: Sequence[Row], fmt: str) -> bytes:
    return _rdflib_result(vars_, rows).serialize(format=fmt) or b""


def sparql_json(vars_: Sequence[str], rows: Sequence[Row]) -> dict[str, Any]:
    """The results document: head.vars and one bindings object per row (unbound variables left out)."""
    document: dict[str, Any] = json.loads(_serialized(vars_, rows, "json"))
    return document


def boolean_json(answer: bool) -> dict[str, Any]:
    return {"head": {}, "boolean": answer}


# --- W3C SPARQL 1.1 CSV and TSV ------------------------------------------------------------------------


def to_csv(vars_: Sequence[str], rows: Sequence[Row]) -> str:
    """CSV results: plain values (IRIs bare, literals without tags), CRLF line ends, quoting as RFC 4180."""
    return _serialized(vars_, rows, "csv").decode("utf-8")


def _escape_tsv(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )


def tsv_term(term: Node | None) -> str:
    """One term in SPARQL/Turtle syntax, as TSV results write it (numbers and booleans bare)."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        lexical = _escape_tsv(str(term))
        if term.language:
            return f'"{lexical}"@{term.language}'
        bare = _BARE_TSV_SYNTAX.get(term.datatype)  # type: ignore[arg-type]
        if bare is not None and bare.fullmatch(lexical):
            return lexical
        if term.datatype is not None and term.datatype != XSD.string:
            return f'"{lexical}"^^<{term.datatype}>'
        return f'"{lexical}"'
    raise TypeError(f"not an RDF term: {term!r}")


def to_tsv(vars_: Sequence[str], rows: Sequence[Row]) -> str:
    lines = ["\t".join(f"?{name}" for name in vars_)]
    lines += ["\t".join(tsv_term(v) for v in row) for row in rows]
    return "\n".join(lines) + "\n"


# --- For people: table and Markdown with labels ---------------------------------------------------------


def cell_text(term: Node | None, label: Labeller) -> str:
    """What a reader sees for a term: a label for a node, the lexical form of a literal, '' if unbound."""
    if term is None:
        return ""
    if isinstance(term, Literal):
        return " ".join(str(term).split())
    return " ".join(label(term).split())


def column_widths(natural: list[int], minimum: list[int], total: int) -> list[int]:
    """Widths that fit `total` characters (gaps included): every column gets its minimum (its header or
    longest word, capped), columns that then fit keep their natural width, and the room left is shared
    among the wide ones, more to those that need more; they wrap."""
    available = total - len(_GAP) * (len(natural) - 1)
    widths = [min(n, m) for n, m in zip(natural, minimum, strict=True)]
    if sum(widths) > available:  # too narrow even for whole words: let long words break
        widths = [min(w, _MIN_WIDTH) for w in widths]
    room = available - sum(widths)
    pending = sorted(range(len(natural)), key=lambda i: natural[i] - widths[i])
    while pending and room > 0:
        need = natural[pending[0]] - widths[pending[0]]
        if need <= room // len(pending):
            widths[pending.pop(0)] += need
            room -= need
            continue
        weights = {i: math.sqrt(natural[i] - widths[i]) for i in pending}
        total_weight = sum(weights.values())
        for i in pending:
            widths[i] += int(room * weights[i] / total_weight)
        for i in sorted(pending, key=lambda i: -weights[i])[: available - sum(widths)]:
            widths[i] += 1
        break
    return widths


def _minimum_width(header: str, cells: list[str]) -> int:
    longest_word = max((len(word) for cell in cells for word in cell.split()), default=0)
    return max(min(len(header), 12), min(longest_word, 16), 1)


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width=width, break_on_hyphens=False) or [""]


def terminal_width() -> int:
    return shutil.get_terminal_size((100, 24)).columns


def to_table(vars_: Sequence[str], rows: Sequence[Row], label: Labeller, width: int | None = None) -> str:
    """A plain-text table that fits `width` columns (the terminal's by default): labels, not IRIs; long
    cells wrap inside their column; a count of rows closes it."""
    if not rows:
        return "(no rows)\n"
    headers = list(vars_)
    cells = [[cell_text(v, label) for v in row] for row in rows]
    columns = [[r[i] for r in cells] for i in range(len(headers))]
    natural = [max([len(h)] + [len(c) for c in column]) for h, column in zip(headers, columns, strict=True)]
    minimum = [_minimum_width(h, column) for h, column in zip(headers, columns, strict=True)]
    widths = column_widths(natural, minimum, width or terminal_width())
    lines = [_line([_wrap(h, w) for h, w in zip(headers, widths, strict=True)], widths)]
    lines.append(_GAP.join("-" * w for w in widths))
    multiline = any(len(c) > w for r in cells for c, w in zip(r, widths, strict=True))
    for number, row in enumerate(cells):
        if multiline and number:
            lines.append("")
        lines.append(_line([_wrap(c, w) for c, w in zip(row, widths, strict=True)], widths))
    count = f"({len(rows)} row{'s' if len(rows) != 1 else ''})"
    return "\n".join(lines) + f"\n{count}\n"


def _line(wrapped: list[list[str]], widths: list[int]) -> str:
    height = max(len(w) for w in wrapped)
    out = []
    for i in range(height):
        parts = [(w[i] if i < len(w) else "").ljust(width) for w, width in zip(wrapped, widths, strict=True)]
        out.append(_GAP.join(parts).rstrip())
    return "\n".join(out)


def _markdown_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|")


def to_markdown(vars_: Sequence[str], rows: Sequence[Row], label: Labeller) -> str:
    """A GitHub-flavoured Markdown table with labels, pipes escaped."""
    lines = ["| " + " | ".join(vars_) + " |", "|" + "|".join("---" for _ in vars_) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(_markdown_cell(cell_text(v, label)) for v in row) + " |")
    return "\n".join(lines) + "\n"


def render(
    fmt: str, vars_: Sequence[str], rows: Sequence[Row], label: Labeller, width: int | None = None
) -> str:
    """The answer written in one of FORMATS."""
    if fmt == "json":
        return json.dumps(sparql_json(vars_, rows), indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return to_csv(vars_, rows)
    if fmt == "tsv":
        return to_tsv(vars_, rows)
    if fmt == "markdown":
        return to_markdown(vars_, rows, label)
    if fmt == "table":
        return to_table(vars_, rows, label, width)
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def render_boolean(fmt: str, answer: bool) -> str:
    """An ASK answer: JSON as the W3C format says; the other formats a single `true`/`false` line."""
    if fmt == "json":
        return json.dumps(boolean_json(answer), indent=2) + "\n"
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    return ("true" if answer else "false") + "\n"
