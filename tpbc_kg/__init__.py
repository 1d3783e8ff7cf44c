"""TPBC-KG: a cited, validated knowledge graph of triple-positive breast cancer.

>>> import tpbc_kg
>>> g = tpbc_kg.load()                      # rdflib Graph: ontology + curated modules
>>> tpbc_kg.find("HER2")                    # -> URIRef of the ERBB2 gene
>>> print(tpbc_kg.show_text("trastuzumab"))
"""

from tpbc_kg.api import bundled_graph, describe, export_file, export_text, find, show_text, stats, stats_text
from tpbc_kg.load import load
from tpbc_kg.namespace import KG, TPBC
from tpbc_kg.query import ask as query

__all__ = [
    "KG",
    "TPBC",
    "bundled_graph",
    "describe",
    "export_file",
    "export_text",
    "find",
    "load",
    "query",
    "show_text",
    "stats",
    "stats_text",
]
