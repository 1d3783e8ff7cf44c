"""TPBC-KG: a cited, validated knowledge graph of triple-positive breast cancer.

>>> import tpbc_kg
>>> tpbc_kg.find("HER2")                    # the IRI of the ERBB2 gene
rdflib.term.URIRef('https://w3id.org/tpbc-kg/id/gene-ERBB2')
>>> rows = tpbc_kg.ask("trial-outcomes", trial="CLEOPATRA")   # a canned question: a list of dicts
>>> kb = tpbc_kg.knowledge_base()           # the compiled store every command reads
"""

from tpbc_kg.api import (
    ask,
    bundled_graph,
    describe,
    export_file,
    export_text,
    find,
    knowledge_base,
    show_text,
    stats,
    stats_text,
)
from tpbc_kg.load import load
from tpbc_kg.namespace import KG, TPBC

__all__ = [
    "KG",
    "TPBC",
    "ask",
    "bundled_graph",
    "describe",
    "export_file",
    "export_text",
    "find",
    "knowledge_base",
    "load",
    "show_text",
    "stats",
    "stats_text",
]
