"""The named graphs a release (N-Quads) and `tpbc-kg push` put the triples in: one for what curators
asserted, one for what the reasoner inferred, so a store can be asked for either or both."""

from rdflib import URIRef

ASSERTED_GRAPH = URIRef("https://w3id.org/tpbc-kg/graph/asserted")
INFERRED_GRAPH = URIRef("https://w3id.org/tpbc-kg/graph/inferred")
