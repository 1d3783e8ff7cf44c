"""What `sparql` accepts as a query, checked before any parser sees it, so the message says what is wrong
in the user's terms: an empty query is "empty", an update is refused because `sparql` only reads.

rdflib's parser would call an empty text or an INSERT a syntax error at line 1, which sends the user
hunting for a typo that is not there.
"""

from __future__ import annotations

import re

from tpbc_kg.errors import UserError

_COMMENT = re.compile(r"#[^\n]*")
_IRI = re.compile(r"<[^<>\s]*>")
_PROLOGUE = re.compile(r"^\s*(?:(?:PREFIX\s+[^\s:]*:\s*|BASE\s+)<>\s*)*", re.IGNORECASE)
_UPDATE = re.compile(r"^(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b", re.IGNORECASE)


def _without_comments_and_prologue(text: str) -> str:
    """The query text from its first keyword on. IRIs are blanked first so that a '#' inside one is not
    taken for a comment (strings in a prologue cannot occur)."""
    blanked = _IRI.sub("<>", text)
    return _PROLOGUE.sub("", _COMMENT.sub("", blanked), count=1).lstrip()


def checked_query(text: str, source: str) -> str:
    """text, if it is a read-only query; EmptyQueryError or ReadOnlyError otherwise (exit code 2)."""
    body = _without_comments_and_prologue(text)
    if not body:
        raise EmptyQueryError(
            f"{source}: empty query: there is nothing but white space, comments or prefixes; write a "
            "SELECT, ASK, CONSTRUCT or DESCRIBE query (`tpbc-kg queries` lists ready-made ones)"
        )
    update = _UPDATE.match(body)
    if update:
        raise ReadOnlyError(source, update.group(1).upper())
    return text


class EmptyQueryError(UserError, ValueError):
    """A query text with no query in it."""


class ReadOnlyError(UserError, ValueError):
    """A SPARQL update given to `sparql`, which never changes the graph."""

    def __init__(self, source: str, keyword: str) -> None:
        super().__init__(
            f"{source}: `sparql` is read-only: {keyword} is a SPARQL update, and the graph is changed only "
            "by curated entries: write the triples in an entry file and run `tpbc-kg add FILE`"
        )
