"""Running the quality checks (queries/qc/*.rq) on a graph, on Oxigraph for speed."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Graph
from rdflib.term import Node

from tpbc_kg.query import QueryFile, qc_queries
from tpbc_kg.store import to_store
from tpbc_kg.terms import solutions, to_rdflib


@dataclass(frozen=True)
class Problem:
    check: str
    severity: str
    focus: Node
    detail: str


def run_check(store: ox.Store, check: QueryFile) -> list[Problem]:
    problems = []
    for solution in solutions(store.query(check.text)):
        focus = to_rdflib(solution["focus"])
        if focus is None:
            continue
        detail = solution["detail"]
        problems.append(
            Problem(check.name, check.severity, focus, detail.value if detail is not None else "")
        )
    return problems


def run_checks(graph: Graph, checks: list[QueryFile] | None = None) -> list[Problem]:
    """Every problem the checks find in graph, in check order."""
    store = to_store(graph)
    return [p for check in (checks if checks is not None else qc_queries()) for p in run_check(store, check)]
