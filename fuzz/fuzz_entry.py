"""atheris harness for the entry reader and the entry checks (not part of the test suite; see README.md).

Each input is one curator entry file: its first byte picks the format (Turtle, JSON-LD, N-Triples,
RDF/XML), the rest is the file. What must hold for any file a user can hand to `validate` or `add`:
- reading it either gives a graph or raises InputError (the CLI's exit 2 with file and line); no other
  exception, no network access, no logging traceback;
- the entry checks (unknown terms, blank and untyped nodes, templates, literals, identifiers) run on
  whatever was read without raising, and every problem they report can be placed on a line or not at
  all (find_line returns a line of the file or None).

Run:  nice -n 15 .venv/bin/python fuzz/fuzz_entry.py -max_total_time=900 fuzz/corpus-entry fuzz/seeds-entry
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["tpbc_kg"]):
    from tpbc_kg import entry_checks
    from tpbc_kg.load import InputError, load_schema
    from tpbc_kg.validate import read_entries

SUFFIXES = (".ttl", ".jsonld", ".nt", ".rdf")
SCHEMA = load_schema()
FOLDER = Path(tempfile.mkdtemp(prefix="fuzz-entry-"))


def one_input(data: bytes) -> None:
    if not data:
        return
    path = FOLDER / f"entry{SUFFIXES[data[0] % len(SUFFIXES)]}"
    path.write_bytes(data[1:])
    try:
        entry = read_entries([path])
    except InputError as error:
        assert str(error).startswith(str(path)), f"the message does not name the file: {error}"
        return
    context = SCHEMA + entry
    problems = entry_checks.run_all(entry, context)
    lines = len(path.read_text(encoding="utf-8", errors="replace").splitlines())
    for problem in problems:
        line = entry_checks.find_line(path, problem.term)
        assert line is None or 1 <= line <= lines, (problem, line, lines)


def seeds(folder: Path) -> None:
    """Write the examples and the shape fixtures as seeds (format byte + file)."""
    root = Path(__file__).resolve().parent.parent
    folder.mkdir(parents=True, exist_ok=True)
    files = [*root.glob("examples/*.ttl"), *root.glob("examples/*.jsonld")]
    files += sorted(root.glob("tests/data/shapes/invalid/*.ttl"))[::10]
    for number, source in enumerate(files):
        code = {".ttl": 0, ".jsonld": 1, ".nt": 2, ".rdf": 3}[source.suffix]
        (folder / f"seed-{number:03d}").write_bytes(bytes([code]) + source.read_bytes())


if __name__ == "__main__":
    if os.environ.get("FUZZ_WRITE_SEEDS"):
        seeds(Path(os.environ["FUZZ_WRITE_SEEDS"]))
        sys.exit(0)
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
