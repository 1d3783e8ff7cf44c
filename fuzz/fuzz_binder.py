"""atheris harness for the SPARQL parameter binder (not part of the test suite; see fuzz/README.md).

Every canned query with parameters is answered with fuzzed parameter values on the in-memory Oxigraph
store. What must hold for any value a user can type:
- the binder either returns bindings or raises one of the errors the CLI reports as bad input
  (ParameterError, ResolutionError subclasses); nothing else escapes;
- a value is bound as data: the query text the engine runs is the canned text, unchanged, and every
  bound term is either a node of the graph or a literal whose lexical form is the value typed;
- the query then runs without an engine error.

Run:  nice -n 15 .venv/bin/python fuzz/fuzz_binder.py -max_total_time=900 fuzz/corpus-binder
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports(include=["tpbc_kg"]):
    from rdflib import Literal, URIRef

    from tpbc_kg import api
    from tpbc_kg.query import ParameterError, bind_parameters, canned_queries
    from tpbc_kg.resolve import ResolutionError

STORE = api.query_store("oxigraph")
NAMES = STORE.names()
QUERIES = [q for q in canned_queries() if q.parameters]
TEXTS = {q.name: q.text for q in QUERIES}


def one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    query = QUERIES[fdp.ConsumeIntInRange(0, len(QUERIES) - 1)]
    values = {}
    for parameter in query.parameters:
        if fdp.ConsumeBool():
            values[parameter.name] = fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 80))
    if fdp.ConsumeIntInRange(0, 20) == 0:
        values[fdp.ConsumeUnicodeNoSurrogates(8) or "x"] = "y"  # an unknown parameter name
    try:
        bindings = bind_parameters(NAMES, query, values)
    except (ParameterError, ResolutionError):
        return
    assert query.text == TEXTS[query.name], "the binder changed the query text"
    for name, term in bindings.items():
        if isinstance(term, URIRef):
            assert (term, None, None) in NAMES, f"{name} bound to {term}, which is not in the graph"
        else:
            assert isinstance(term, Literal), f"{name} bound to {term!r}"
    STORE.select(query.text, bindings)


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
