"""The website and SPARQL endpoint behind `tpbc-kg serve` (see tpbc_kg.web.app)."""
