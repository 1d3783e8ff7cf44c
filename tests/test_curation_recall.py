"""Structured recall of the review's prose (issue 12): a random sample of its sentences, each scored for
whether the graph states it as structured triples (claims or typed nodes), committed in
tests/data/curation-recall-sample.tsv.

How the sample was drawn (and is re-drawn here when the source is present): the review's prose paragraphs
(abstract, body and Figure 1 legend; not the tables, reference list or front matter), with paragraphs broken
by a page joined, are split into sentences of five words or more; `random.Random(20251202).sample(..., 60)`
picks 60. Each row keeps the sentence's locator (line of the source file and sentence number) and a SHA-1
prefix of its text, never the text itself (the source may not be copied). Sentences that state no fact
(hopes, calls for research, evaluations) are marked factual=no and left out of the share.
"""

from __future__ import annotations

import csv
import hashlib
import random
import re
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Graph

from tpbc_kg.namespace import TPBC
from tpbc_kg.paths import project_root

SAMPLE = Path(__file__).resolve().parent / "data" / "curation-recall-sample.tsv"
REVIEW = project_root().parent / "shared" / "seeds" / "000_c1373366b2bb33ca.txt"
PROSE_LINES = (
    13,
    19,
    35,
    45,
    49,
    53,
    55,
    57,
    59,
    63,
    67,
    71,
    75,
    77,
    81,
    83,
    85,
    87,
    89,
    93,
    95,
    99,
    103,
    105,
    107,
    109,
    113,
    117,
    119,
    152,
    154,
    156,
    158,
    162,
    164,
    166,
    170,
    176,
    178,
    180,
    197,
    201,
    203,
    205,
    209,
    211,
    213,
    217,
    219,
    221,
    227,
    229,
    231,
)
PAGE_BREAKS = {35: 43, 95: 97, 119: 148, 166: 168, 180: 195, 221: 223}
SEED, SIZE = 20251202, 60
MIN_FACTUAL, MIN_SHARE = 40, 0.90


def _rows() -> list[dict[str, str]]:
    with SAMPLE.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def _sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?\]])\s+(?=[A-Z*(])", text)
    return [part.strip() for part in parts if len(part.split()) >= 5]


def _prose(lines: list[str]) -> list[tuple[str, str]]:
    """(locator, sentence) for every prose sentence, in source order."""
    found = []
    for number in PROSE_LINES:
        text = lines[number - 1]
        if number in PAGE_BREAKS:
            text = text.rstrip() + " " + lines[PAGE_BREAKS[number] - 1].lstrip()
        found += [(f"L{number}.s{i}", s) for i, s in enumerate(_sentences(text), 1)]
    return found


def test_sample_is_large_enough_and_mostly_structured():
    rows = _rows()
    factual = [r for r in rows if r["factual"] == "yes"]
    structured = [r for r in factual if r["structured"] == "yes"]
    assert len(rows) == SIZE
    assert len(factual) >= MIN_FACTUAL, f"only {len(factual)} factual sentences in the sample"
    share = len(structured) / len(factual)
    assert share >= MIN_SHARE, f"structured recall {share:.1%} ({len(structured)}/{len(factual)}) < 90%"


def test_every_scored_sentence_names_what_carries_it(graph: Graph):
    for row in _rows():
        if row["factual"] != "yes":
            continue
        nodes = row["nodes"].split()
        if row["structured"] == "no":
            assert not nodes and row["note"], f"sentence {row['n']}: say why it is not structured"
            continue
        assert nodes, f"sentence {row['n']} is scored structured but names no node"
        for curie in nodes:
            node = graph.namespace_manager.expand_curie(curie)
            assert (node, None, None) in graph, f"sentence {row['n']}: {curie} is not in the graph"
            if curie.startswith(("kg:st-", "kg:qr-", "kg:outcome-", "kg:finding-")):
                kinds = set(graph.objects(node, RDF.type))
                claim_kinds = set(graph.transitive_subjects(RDFS.subClassOf, TPBC.Claim))
                assert kinds & claim_kinds, f"sentence {row['n']}: {curie} is not a claim"
            else:  # a typed node with its own triples (a pathway with its branches and participants)
                assert len(set(graph.predicate_objects(node))) >= 3, f"{curie} carries too little structure"


@pytest.mark.skipif(not REVIEW.is_file(), reason=f"source review not available at {REVIEW}")
def test_sample_is_the_seeded_random_draw_and_hashes_match():
    prose = _prose(REVIEW.read_text(encoding="utf-8").split("\n"))
    drawn = random.Random(SEED).sample(prose, SIZE)
    rows = _rows()
    assert [r["locator"] for r in rows] == [locator for locator, _ in drawn]
    for row, (_, sentence) in zip(rows, drawn, strict=True):
        assert row["sentence_sha1"] == hashlib.sha1(sentence.encode()).hexdigest()[:10], row["n"]
