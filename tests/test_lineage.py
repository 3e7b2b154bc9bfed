"""Lineage over a hand-made world whose every answer is known by construction.

The world (``build_world``) is three documents written as :mod:`kg.model` objects and built
with :func:`kg.build.build_graph`, so activities, bodies and observations are present whatever
the extractor does today:

- A: Lai Châu, Kế hoạch 12/KH-UBND (2020), implements 48-CT/TW; Công an tỉnh Lai Châu held
  26 buổi tuyên truyền under it; it also cites 36-CT/TW.
- B: Khánh Hòa, Kế hoạch 12/KH-UBND (2021) — the same local notation, another instrument —
  implements 48-CT/TW; Sở Tư pháp tỉnh Khánh Hòa's activity found 5 vụ.
- C: a Lai Châu report (2021, no notation): Kế hoạch 5/KH-UBND implements 12/KH-UBND (2020);
  Ban Chỉ đạo 138 tỉnh Lai Châu's activity under 5/KH-UBND found 3 + 4 vụ; 7/KH-BCĐ is cited
  with no activity.

Other test files import ``build_world`` from here.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import json
import shutil
import tempfile
from pathlib import Path

import pytest
import rdflib

from kg import iri
from kg.build import build_graph, instrument_iri
from kg.lineage import lineage, render_tree, tree_graph
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
from kg.store import OxigraphStore

A_TEXT = (
    "KẾ HOẠCH 12/KH-UBND\n"
    "Thực hiện Chỉ thị số 48-CT/TW của Bộ Chính trị, UBND tỉnh ban hành kế hoạch.\n"
    "Công an tỉnh Lai Châu đã tổ chức 26 buổi tuyên truyền phòng, chống tội phạm.\n"
    "Tiếp tục quán triệt Chỉ thị số 36-CT/TW.\n"
)
B_TEXT = (
    "KẾ HOẠCH 12/KH-UBND\n"
    "Triển khai Chỉ thị số 48-CT/TW, UBND tỉnh Khánh Hòa ban hành kế hoạch.\n"
    "Sở Tư pháp tỉnh Khánh Hòa phát hiện 5 vụ phạm pháp hình sự.\n"
)
C_TEXT = (
    "BÁO CÁO năm 2021\n"
    "Kế hoạch số 5/KH-UBND về thực hiện Kế hoạch số 12/KH-UBND của UBND tỉnh.\n"
    "Ban Chỉ đạo 138 tỉnh Lai Châu đã triệt phá 3 vụ phạm pháp hình sự, sau đó thêm 4 vụ.\n"
    "Kế hoạch số 7/KH-BCĐ về phòng, chống ma túy.\n"
)
MEASURE_TALK = "buổi tuyên truyền"
MEASURE_CASES = "vụ phạm pháp hình sự"


def _ev(text: str, quote: str) -> Evidence:
    start = text.index(quote)
    return Evidence(start, start + len(quote), quote)


def _span(text: str, quote: str) -> list[Span]:
    start = text.index(quote)
    return [Span(start, start + len(quote))]


def _source(name: str, text: str) -> SourceDocument:
    sha = hashlib.sha256(text.encode()).hexdigest()
    return SourceDocument(name, name, text, sha, "text/plain")


def doc_a() -> Extraction:
    t = A_TEXT
    return Extraction(
        source=_source("a.txt", t),
        document=DocumentHeader(
            type="Kế hoạch", notation="12/KH-UBND", issuer="UBND tỉnh Lai Châu",
            province="Lai Châu", date="2020-03-01", year=2020,
        ),
        instruments=[
            Instrument("48-CT/TW", "48-CT/TW", type="Chỉ thị", mentions=_span(t, "48-CT/TW")),
            Instrument("36-CT/TW", "36-CT/TW", type="Chỉ thị", mentions=_span(t, "36-CT/TW")),
        ],
        relations=[
            Relation("#document", "48-CT/TW", "implements", _ev(t, "Thực hiện Chỉ thị số 48-CT/TW"))
        ],
        activities=[
            Activity(
                "a1", "Công an tỉnh Lai Châu", "tổ chức tuyên truyền phòng, chống tội phạm", None,
                _ev(t, "Công an tỉnh Lai Châu đã tổ chức 26 buổi tuyên truyền"),
                drivers=["#document"],
            )
        ],
        observations=[
            Observation(26, "buổi", MEASURE_TALK, _ev(t, "26 buổi tuyên truyền"), activity="a1")
        ],
    )


def doc_b() -> Extraction:
    t = B_TEXT
    return Extraction(
        source=_source("b.txt", t),
        document=DocumentHeader(
            type="Kế hoạch", notation="12/KH-UBND", issuer="UBND tỉnh Khánh Hòa",
            province="Khánh Hòa", date="2021-04-01", year=2021,
        ),
        instruments=[
            Instrument("48-CT/TW", "48-CT/TW", type="Chỉ thị", mentions=_span(t, "48-CT/TW"))
        ],
        relations=[
            Relation("#document", "48-CT/TW", "implements", _ev(t, "Triển khai Chỉ thị số 48-CT/TW"))
        ],
        activities=[
            Activity(
                "b1", "Sở Tư pháp tỉnh Khánh Hòa", "phát hiện vụ phạm pháp", None,
                _ev(t, "Sở Tư pháp tỉnh Khánh Hòa phát hiện 5 vụ"), drivers=["#document"],
            )
        ],
        observations=[
            Observation(5, "vụ", MEASURE_CASES, _ev(t, "5 vụ phạm pháp hình sự"), activity="b1")
        ],
    )


def doc_c() -> Extraction:
    t = C_TEXT
    local = {"local": True, "jurisdiction": "Lai Châu"}
    return Extraction(
        source=_source("c.txt", t),
        document=DocumentHeader(
            type="Báo cáo", issuer="Ban Chỉ đạo 138 tỉnh Lai Châu", province="Lai Châu",
            date="2021-12-01", year=2021, period="năm 2021",
        ),
        instruments=[
            Instrument("5/KH-UBND", "5/KH-UBND", type="Kế hoạch", year=2021,
                       mentions=_span(t, "5/KH-UBND"), **local),
            Instrument("12/KH-UBND", "12/KH-UBND", type="Kế hoạch", year=2020,
                       issuer="UBND tỉnh Lai Châu", mentions=_span(t, "12/KH-UBND"), **local),
            Instrument("7/KH-BCĐ", "7/KH-BCĐ", type="Kế hoạch", year=2021,
                       mentions=_span(t, "7/KH-BCĐ"), **local),
        ],
        relations=[
            Relation("5/KH-UBND", "12/KH-UBND", "implements",
                     _ev(t, "Kế hoạch số 5/KH-UBND về thực hiện Kế hoạch số 12/KH-UBND"))
        ],
        activities=[
            Activity(
                "c1", "Ban Chỉ đạo 138 tỉnh Lai Châu", "triệt phá vụ phạm pháp hình sự", None,
                _ev(t, "Ban Chỉ đạo 138 tỉnh Lai Châu đã triệt phá 3 vụ"), drivers=["5/KH-UBND"],
            )
        ],
        observations=[
            Observation(3, "vụ", MEASURE_CASES, _ev(t, "3 vụ phạm pháp hình sự"), activity="c1"),
            Observation(4, "vụ", MEASURE_CASES, _ev(t, "thêm 4 vụ"), activity="c1"),
        ],
    )


def build_world(path: Path) -> Path:
    """Write the three documents into a store at ``path`` (closed afterwards)."""
    store = OxigraphStore(path)
    try:
        for ex in (doc_a(), doc_b(), doc_c()):
            doc = iri.document(ex.source.sha256)
            store.replace_document(ex.source.name, ex.source.sha256, doc, build_graph(ex))
    finally:
        store.close()
    return path


@functools.lru_cache(maxsize=1)
def seed_store_path() -> Path:
    """The seed documents, extracted and built once per test session (shapes not run: the
    questions are tested here, not validation), in a directory removed at exit."""
    from kg.extract import extract
    from kg.read import read_document

    folder = Path(tempfile.mkdtemp(prefix="kg-seeds-"))
    atexit.register(shutil.rmtree, folder, True)
    data = Path(__file__).resolve().parent.parent / "data" / "documents"
    store = OxigraphStore(folder / "store")
    try:
        for file in sorted(data.glob("*.txt")):
            source = read_document(file)
            graph = build_graph(extract(source))
            store.replace_document(source.name, source.sha256, iri.document(source.sha256), graph)
    finally:
        store.close()
    return folder / "store"


def activity_iri(ex: Extraction, n: int = 1) -> str:
    return iri.fact(iri.document(ex.source.sha256), "activity", n)


def _iri(notation: str, **kw: object) -> str:
    """The IRI the builder mints (its identity rule may scope local ones by issuer)."""
    return str(instrument_iri(Instrument(notation, notation, **kw)))  # type: ignore[arg-type]


LC_12 = _iri("12/KH-UBND", local=True, jurisdiction="Lai Châu", year=2020, issuer="UBND tỉnh Lai Châu")
KH_12 = _iri("12/KH-UBND", local=True, jurisdiction="Khánh Hòa", year=2021, issuer="UBND tỉnh Khánh Hòa")
LC_5 = _iri("5/KH-UBND", local=True, jurisdiction="Lai Châu", year=2021)
CT_48 = _iri("48-CT/TW")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> OxigraphStore:
    path = build_world(tmp_path_factory.mktemp("world") / "store")
    store = OxigraphStore(path, read_only=True)
    yield store
    store.close()


def _walk(node: dict) -> list[dict]:
    out = [node]
    for child in node["children"]:
        out.extend(_walk(child))
    return out


def test_downstream_tree_has_plans_activities_bodies_observations(world: OxigraphStore) -> None:
    tree = lineage(world, "48-CT/TW").to_json()
    root = tree["root"]
    assert root["iri"] == CT_48
    plans = {c["iri"]: c for c in root["children"]}
    assert set(plans) == {LC_12, KH_12}
    assert all(c["relation"] == "implements" and c["evidence"] for c in plans.values())
    lai_chau = plans[LC_12]
    quote = lai_chau["evidence"][0]["quote"]
    assert quote == "Thực hiện Chỉ thị số 48-CT/TW" and lai_chau["evidence"][0]["document"] == "a.txt"
    kinds = {(c["kind"], c["relation"]) for c in lai_chau["children"]}
    assert kinds == {("activity", "drives"), ("instrument", "implements")}
    act = next(c for c in lai_chau["children"] if c["kind"] == "activity")
    assert act["evidence"][0]["quote"].startswith("Công an tỉnh Lai Châu đã tổ chức")
    below = {(c["kind"], c["label"]) for c in act["children"]}
    assert ("body", "Công an tỉnh Lai Châu") in below
    assert ("observation", f"26 buổi {MEASURE_TALK}") in below
    # two levels down: 5/KH-UBND and the activity it drove, with both observations
    five = next(c for c in lai_chau["children"] if c["kind"] == "instrument")
    assert five["iri"] == LC_5 and five["evidence"][0]["document"] == "c.txt"
    c1 = next(c for c in five["children"] if c["kind"] == "activity")
    assert sorted(o["label"] for o in c1["children"] if o["kind"] == "observation") == [
        f"3 vụ {MEASURE_CASES}", f"4 vụ {MEASURE_CASES}"
    ]
    for node in _walk(root):  # every quote is the document's text at its span
        for ev in node["evidence"]:
            text = {"a.txt": A_TEXT, "b.txt": B_TEXT, "c.txt": C_TEXT}[ev["document"]]
            assert text[ev["start"] : ev["end"]] == ev["quote"]


def test_depth_province_and_year_limit_the_tree(world: OxigraphStore) -> None:
    shallow = lineage(world, "48-CT/TW", depth=1).to_json()["root"]
    lc = next(c for c in shallow["children"] if c["iri"] == LC_12)
    assert all(c["kind"] != "instrument" for c in lc["children"])  # 5/KH-UBND is depth 2
    only_lc = lineage(world, "48-CT/TW", province="lai chau").to_json()["root"]
    assert [c["iri"] for c in only_lc["children"]] == [LC_12]
    only_2021 = lineage(world, "48-CT/TW", year=2021).to_json()["root"]
    assert [c["iri"] for c in only_2021["children"]] == [KH_12]


def test_ambiguous_local_notation_answers_with_candidates(world: OxigraphStore) -> None:
    tree = lineage(world, "12/KH-UBND")
    assert tree.root is None and {c.iri for c in tree.candidates} == {LC_12, KH_12}
    assert "province" in (tree.hint or "")
    assert {(c.jurisdiction, c.year) for c in tree.candidates} == {("Lai Châu", 2020), ("Khánh Hòa", 2021)}
    picked = lineage(world, "12/KH-UBND", province="Khánh Hòa", direction="up")
    assert picked.root is not None and picked.root.iri == KH_12
    assert [c.iri for c in picked.root.children] == [CT_48]
    by_iri = lineage(world, "12/KH-UBND", iri=LC_12)
    assert by_iri.root is not None and by_iri.root.iri == LC_12


def test_up_from_an_activity_reaches_the_central_directive(world: OxigraphStore) -> None:
    tree = lineage(world, activity_iri(doc_c()), direction="up").to_json()
    root = tree["root"]
    assert root["kind"] == "activity"
    plan = next(c for c in root["children"] if c["kind"] == "instrument")
    assert plan["iri"] == LC_5 and plan["relation"] == "driven_by"
    assert plan["children"][0]["iri"] == LC_12
    assert plan["children"][0]["children"][0]["iri"] == CT_48


def test_tree_as_rdf_states_the_links(world: OxigraphStore) -> None:
    graph = tree_graph(lineage(world, "48-CT/TW"))
    parsed = rdflib.Graph().parse(data=graph.serialize(format="turtle"), format="turtle")
    kgo = rdflib.Namespace(iri.ONTOLOGY)
    prov = rdflib.Namespace("http://www.w3.org/ns/prov#")
    assert (rdflib.URIRef(LC_12), kgo.implements, rdflib.URIRef(CT_48)) in parsed
    assert (rdflib.URIRef(LC_5), kgo.implements, rdflib.URIRef(LC_12)) in parsed
    a1 = rdflib.URIRef(activity_iri(doc_a()))
    assert (a1, prov.wasInfluencedBy, rdflib.URIRef(LC_12)) in parsed
    quotes = {str(q) for q in parsed.objects(None, kgo.quote)}
    assert "Thực hiện Chỉ thị số 48-CT/TW" in quotes


def test_unknown_notation_raises(world: OxigraphStore) -> None:
    from kg.lineage import NotationNotFound

    with pytest.raises(NotationNotFound):
        lineage(world, "999/XX-NONE")


def test_cli_prints_the_same_tree_as_the_api(tmp_path: Path) -> None:
    from click.testing import CliRunner
    from fastapi.testclient import TestClient

    from api.app import create_app
    from kg.cli import main

    path = build_world(tmp_path / "store")
    runner = CliRunner()
    cli = runner.invoke(main, ["--store", str(path), "lineage", "5/KH-UBND", "--up", "--format", "json"])
    assert cli.exit_code == 0, cli.output
    with TestClient(create_app(str(path))) as client:
        api = client.get("/api/lineage/5/KH-UBND", params={"direction": "up"}).json()
    assert json.loads(cli.output)["root"] == api["root"]
    tree = runner.invoke(main, ["--store", str(path), "lineage", "48-CT/TW"])
    assert "[implements] Kế hoạch 12/KH-UBND" in tree.output
    assert "“Thực hiện Chỉ thị số 48-CT/TW” — a.txt" in tree.output
    store = OxigraphStore(path, read_only=True)
    try:
        assert tree.output.strip() == render_tree(lineage(store, "48-CT/TW")).strip()
    finally:
        store.close()


def _by_iri(node: dict, out: dict[str, dict] | None = None) -> dict[str, dict]:
    out = {} if out is None else out
    out.setdefault(node["iri"], node)
    for child in node["children"]:
        _by_iri(child, out)
    return out


def test_limit_keeps_the_first_children_and_counts_the_rest(world: OxigraphStore) -> None:
    full = lineage(world, "48-CT/TW").to_json()["root"]
    assert all(n["truncated"] == 0 for n in _walk(full))  # no limit: nothing left out
    cut = lineage(world, "48-CT/TW", limit=1).to_json()
    assert cut["limit"] == 1
    whole = _by_iri(full)
    for node in _walk(cut["root"]):
        assert len(node["children"]) <= 1
        # what is shown plus what is counted is what the unlimited tree has there
        assert len(node["children"]) + node["truncated"] == len(whole[node["iri"]]["children"])
        assert [c["iri"] for c in node["children"]] == [
            c["iri"] for c in whole[node["iri"]]["children"][:1]
        ]
    assert cut["root"]["truncated"] == 1  # 48-CT/TW has two plans
    assert lineage(world, "48-CT/TW", limit=100).to_json()["root"] == full


def test_limit_applies_up_from_an_activity(world: OxigraphStore) -> None:
    full = lineage(world, activity_iri(doc_c()), direction="up").to_json()["root"]
    cut = lineage(world, activity_iri(doc_c()), direction="up", limit=1).to_json()["root"]
    assert len(cut["children"]) == 1
    assert cut["truncated"] == len(full["children"]) - 1 > 0


def test_truncated_children_in_rdf_and_text(world: OxigraphStore) -> None:
    tree = lineage(world, "48-CT/TW", limit=1)
    graph = tree_graph(tree)
    omitted = rdflib.URIRef(iri.ONTOLOGY + "omittedChildren")
    assert int(graph.value(rdflib.URIRef(CT_48), omitted)) == 1
    assert (None, omitted, None) not in tree_graph(lineage(world, "48-CT/TW"))
    text = render_tree(tree)
    assert "… and 1 more" in text
    assert "… and" not in render_tree(lineage(world, "48-CT/TW"))


def test_cli_limit_prints_how_many_more(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from kg import cli
    from kg.cli import main
    from kg.lineage import DEFAULT_LIMIT, MAX_LIMIT

    assert (cli.LINEAGE_DEFAULT_LIMIT, cli.LINEAGE_MAX_LIMIT) == (DEFAULT_LIMIT, MAX_LIMIT)
    path = build_world(tmp_path / "store")
    runner = CliRunner()
    out = runner.invoke(main, ["--store", str(path), "lineage", "48-CT/TW", "--limit", "1"])
    assert out.exit_code == 0, out.output
    assert out.output.splitlines()[-1].strip() == "… and 1 more"
    data = runner.invoke(
        main, ["--store", str(path), "lineage", "48-CT/TW", "--limit", "1", "--format", "json"]
    )
    assert json.loads(data.output)["root"]["truncated"] == 1
    assert runner.invoke(main, ["--store", str(path), "lineage", "48-CT/TW", "--limit", "0"]).exit_code == 2


def test_a_repeated_look_up_reuses_what_it_read_and_shares_no_node() -> None:
    """An activity's children are kept per store version, but each answer gets nodes of
    its own: cutting or growing one tree must not change the next."""
    store = OxigraphStore(seed_store_path(), read_only=True)
    first = lineage(store, "48-CT/TW")
    expected = first.to_json()
    activities = [n for n in _walk_nodes(first.root) if n.kind == "activity" and n.children]
    assert activities
    for node in activities:  # a caller trimming its tree
        node.children.clear()
        node.evidence.clear()
    assert lineage(store, "48-CT/TW").to_json() == expected


def _walk_nodes(node):  # type: ignore[no-untyped-def]
    return [node, *(n for c in node.children for n in _walk_nodes(c))]
