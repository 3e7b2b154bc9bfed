"""Shared fixtures: a temporary on-disk store and a tiny, deterministic fake extractor.

The fake extractor reads a line-oriented toy syntax so that store, pipeline, CLI and API
tests do not depend on the real extractor's recall (scored elsewhere):

    DOC <notation>                 the document's own notation (type "Kế hoạch")
    CITE <notation>                a cited central instrument
    LOCAL <notation> <province>    a cited local instrument of a province (year 2020)
    IMPL <source> <target>         "source implements target" (#document = this document)
    ACT <agent>|<driver>|<text>    an activity driven by an instrument
    OBS <value> <unit> <measure>   an observation resulting from the previous activity
    CRASH                          the extractor raises (an internal error)
    INVALID                        the fake validator rejects the document
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import rdflib

from kg.model import (
    Activity,
    DocumentHeader,
    Evidence,
    Extraction,
    Instrument,
    Observation,
    Relation,
    SourceDocument,
    Span,
)
from kg.pipeline import Stages
from kg.store import OxigraphStore


def _span(text: str, line: str) -> tuple[int, int]:
    start = text.index(line)
    return start, start + len(line)


def fake_extract(source: SourceDocument) -> Extraction:
    text = source.text
    ex = Extraction(source=source, document=DocumentHeader())
    instruments: dict[str, Instrument] = {}
    last_activity: str | None = None
    for line in text.splitlines():
        word, _, rest = line.partition(" ")
        start, end = _span(text, line) if line else (0, 0)
        if word == "CRASH":
            raise RuntimeError("extractor exploded")
        if word == "DOC":
            ex.document = DocumentHeader(
                type="Kế hoạch", notation=rest.strip(), date="2020-05-01", year=2020
            )
        elif word in ("CITE", "LOCAL"):
            parts = rest.split(maxsplit=1)
            key = parts[0]
            instruments[key] = Instrument(
                key=key,
                notation=key,
                type="Chỉ thị",
                local=word == "LOCAL",
                jurisdiction=parts[1] if word == "LOCAL" else None,
                year=2020 if word == "LOCAL" else None,
                mentions=[Span(start, end)],
            )
        elif word == "IMPL":
            src, tgt = rest.split()
            ex.relations.append(Relation(src, tgt, "implements", Evidence(start, end, line)))
        elif word == "ACT":
            agent, driver, desc = rest.split("|")
            last_activity = f"a{len(ex.activities) + 1}"
            ex.activities.append(
                Activity(
                    last_activity, agent, desc, None, Evidence(start, end, line), drivers=[driver]
                )
            )
        elif word == "OBS":
            value, unit, measure = rest.split(maxsplit=2)
            ex.observations.append(
                Observation(
                    float(value), unit, measure, Evidence(start, end, line), activity=last_activity
                )
            )
        elif word == "WARN":
            ex.warnings.append(rest)
    ex.instruments = list(instruments.values())
    return ex


@dataclass
class FakeReport:
    conforms: bool
    violations: list[str] = field(default_factory=list)

    def format(self, document_name: str) -> str:
        return f"{document_name}: " + "; ".join(self.violations)


def fake_validate(graph: rdflib.Graph) -> FakeReport:
    bad = [str(o) for o in graph.objects() if isinstance(o, rdflib.Literal) and "INVALID" in str(o)]
    if bad:
        return FakeReport(False, ["node <x> violates rule kgo:NoInvalid"])
    return FakeReport(True)


def fake_build(extraction: Extraction) -> rdflib.Graph:
    from kg.build import build_graph

    return build_graph(extraction)


@pytest.fixture
def stages() -> Stages:
    from kg.read import read_document

    return Stages(read_document, fake_extract, fake_build, fake_validate)


@pytest.fixture
def use_fake_stages(monkeypatch: pytest.MonkeyPatch, stages: Stages) -> Stages:
    """Make kg.pipeline's default stages the fakes (for CLI and API tests)."""
    monkeypatch.setattr("kg.pipeline.default_stages", lambda: stages)
    return stages


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "store"


@pytest.fixture
def store(store_path: Path) -> Any:
    s = OxigraphStore(store_path)
    yield s
    s.close()


@pytest.fixture
def write(tmp_path: Path):
    """write(name, text) → path of a document file in tmp_path/docs."""

    def _write(name: str, text: str) -> Path:
        folder = tmp_path / "docs"
        folder.mkdir(exist_ok=True)
        path = folder / name
        path.write_text(text, encoding="utf-8")
        return path

    return _write


@pytest.fixture(autouse=True)
def serve_from_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Apps under test answer from the files, not from an in-memory copy made in the
    background at a moment of its own (which would change the store version mid-test).
    tests/test_mirror.py turns the copy on where it is the subject."""
    monkeypatch.setenv("KG_MEMORY_QUADS", "0")
