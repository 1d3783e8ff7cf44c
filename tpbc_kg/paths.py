"""Where the bundled ontology, queries and shapes live.

An editable install (the README's) reads them from the repository, so `tpbc-kg add` edits the curated
files a curator commits; a wheel carries copies under tpbc_kg/bundled/. TPBC_KG_HOME overrides both,
which lets tests and notebooks point the package at another checkout.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def project_root() -> Path:
    """The folder holding ontology/, queries/ and shapes/."""
    override = os.environ.get("TPBC_KG_HOME")
    if override:
        return Path(override).resolve()
    bundled = _PACKAGE_DIR / "bundled"
    if (bundled / "ontology").is_dir():
        return bundled
    return _PACKAGE_DIR.parent


def ontology_dir() -> Path:
    return project_root() / "ontology"


def queries_dir() -> Path:
    return project_root() / "queries"


def shapes_dir() -> Path:
    return project_root() / "shapes"


def catalog_path() -> Path:
    return ontology_dir() / "catalog-v001.xml"
