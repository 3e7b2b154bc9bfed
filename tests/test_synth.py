"""The synthetic corpus: deterministic, realistic in identity, extractable, and RDF-faithful."""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections import defaultdict
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic

from kg import iri
from kg.build import build_graph
from kg.evaluate import evaluate
from kg.extract import extract
from kg.read import read_document
from kg.synth import SCALES, SynthReport, _World, generate, nquads

SMALL = {"provinces": 2, "years": 2, "scale": "small"}


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SynthReport]:
    out = tmp_path_factory.mktemp("synth")
    return out, generate(out, seed=0, **SMALL)


def test_same_seed_gives_identical_bytes_and_another_seed_differs(corpus, tmp_path: Path) -> None:
    out, report = corpus
    calls: list[tuple[int, int]] = []
    again = generate(tmp_path / "again", seed=0, progress=lambda d, t: calls.append((d, t)), **SMALL)
    assert calls == [(k, 4) for k in range(1, 5)]  # one call per province-year
    assert _files(out) == _files(tmp_path / "again")
    assert again.triples == report.triples and again.documents == report.documents
    other = generate(tmp_path / "other", seed=1, **SMALL)
    assert _files(tmp_path / "other")["corpus.nq"] != _files(out)["corpus.nq"]
    assert other.documents > 0


def test_layout_counts_and_one_graph_per_document(corpus) -> None:
    out, report = corpus
    docs = sorted((out / "documents").glob("*.txt"))
    truths = sorted((out / "truth").glob("*.json"))
    assert len(docs) == len(truths) == report.documents > 10
    lines = (out / "corpus.nq").read_text(encoding="utf-8").splitlines()
    assert len(lines) == report.triples == len(set(lines))
    graphs = {line.rsplit(" ", 2)[-2] for line in lines}
    expected = {f"<{iri.document(hashlib.sha256(p.read_bytes()).hexdigest())}>" for p in docs}
    assert graphs == expected
    kinds = {p.stem.split("-")[-1] for p in docs}
    assert {"kh", "bc", "huyen"} <= kinds  # plans, body reports, district documents


def test_extraction_scores_against_the_generated_truth(corpus) -> None:
    out, _ = corpus
    texts = [p.read_text(encoding="utf-8") for p in (out / "documents").glob("*.txt")]
    # Notations split over a line break ("36-" / "CT/TW") must occur, so their repair is scored.
    assert sum(bool(re.search(r"\d[^\s]*-\n\n[A-ZĐ]", t)) for t in texts) >= 2
    report = evaluate(out / "truth", out / "documents", lambda p: extract(read_document(p)))
    assert report.links.tp >= 10 and report.instruments.tp >= 50
    assert report.instruments.f1 >= 0.99, report.format()
    assert report.links.f1 >= 0.99, report.format()


def test_truth_spans_quote_the_text(corpus) -> None:
    out, _ = corpus
    for path in sorted((out / "truth").glob("*.json"))[:10]:
        gold = json.loads(path.read_text(encoding="utf-8"))
        text = (out / "documents" / gold["doc"]).read_text(encoding="utf-8")
        flat = " ".join(text.split())
        for item in gold["links"] + gold["document_links"] + gold["observations"] + gold["drivers"]:
            assert item["evidence"] in flat
        own = gold["document"]["notation"]
        assert own and own not in {i["notation"] for i in gold["instruments"]}


def test_local_numbering_restarts_in_every_province_and_year(tmp_path: Path) -> None:
    report = generate(tmp_path, seed=0, provinces=34, years=10, scale="1e5", write_documents=False)
    assert abs(report.triples - SCALES["1e5"]) <= 0.3 * SCALES["1e5"]
    id_local = re.compile(r'^<(https://w3id.org/pctp-kg/instrument/[^>]+)> <http://data.europa.eu/eli/ontology#id_local> "([^"]+)"')
    iris: dict[str, set[str]] = defaultdict(set)
    with open(report.rdf_path, encoding="utf-8") as f:  # type: ignore[arg-type]
        for line in f:
            m = id_local.match(line)
            if m:
                iris[m.group(2)].add(m.group(1))
    recurring = {n: s for n, s in iris.items() if len(s) >= 2}
    assert any(n.endswith("/KH-UBND") for n in recurring)
    scopes = {tuple(i.split("/")[-3:-1]) for s in recurring.values() for i in s}
    assert len({p for p, _ in scopes}) >= 2 and len({y for _, y in scopes}) >= 2
    # Central notations stay nationwide: one IRI each.
    assert all(len(s) == 1 for n, s in iris.items() if n.endswith(("/TW", "NĐ-CP", "CT-TTg")))


def test_direct_nquads_equal_build_graph(tmp_path: Path) -> None:
    world = _World(random.Random(7), 3, 2)
    checked = 0
    for year in world.years:
        for prov in world.provinces:
            for k, doc in enumerate(world.province_year(prov, year)):
                if k >= 6:
                    break
                path = tmp_path / doc.name
                path.write_bytes(doc.text.encode("utf-8"))
                source = read_document(path)
                assert source.text == doc.text  # offsets mean the same once read back
                ex = doc.extraction(source.sha256)
                lines = nquads(ex)
                graph_iri = iri.document(source.sha256)
                assert {line.rsplit(" ", 2)[-2] for line in lines} == {f"<{graph_iri}>"}
                direct = Graph().parse(
                    data="".join(line.rsplit(" ", 2)[0] + " .\n" for line in lines), format="nt"
                )
                built = build_graph(ex)
                if not isomorphic(direct, built):
                    _, only_direct, only_built = graph_diff(direct, built)
                    pytest.fail(
                        f"{doc.name}: direct-only {only_direct.serialize(format='nt')[:800]}"
                        f" build-only {only_built.serialize(format='nt')[:800]}"
                    )
                checked += 1
    assert checked >= 20
