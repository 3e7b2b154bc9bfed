"""The HTML pages, server side: routes, links, anchors, escaping, 404s, offline assets.

Uses a store holding only the hand-made documents (tests/page_store.py), so it is fast and
does not depend on the extractor; the browser suite covers the seeds.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import page_store
import pytest
from fastapi.testclient import TestClient

from api import pagedata as pd
from api.pages import example_queries
from kg import iri


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    path = tmp_path_factory.mktemp("pages") / "store"
    docs = page_store.build_store(path, seeds=False)
    return {"path": str(path), **docs}


@pytest.fixture(scope="module")
def client(built: dict[str, str]) -> Iterator[TestClient]:
    with TestClient(page_store.make_app(Path(built["path"]))) as c:
        yield c


# --------------------------------------------------------------------------- pure helpers


def test_page_urls_mirror_iris() -> None:
    doc = iri.document("ab" * 32)
    h = doc.rsplit("/", 1)[-1]
    assert pd.page_url(iri.instrument("36-CT/TW")) == "/instrument/36-ct-tw"
    local = iri.instrument("3086/KH-UBND", local=True, jurisdiction="Lai Châu", year=2019)
    assert pd.page_url(local) == "/instrument/lai-chau/2019/3086-kh-ubnd"
    assert pd.page_url(iri.body("Công an tỉnh")) == "/body/cong-an-tinh"
    assert pd.page_url(doc) == f"/document/{h}"
    assert pd.page_url(iri.fact(doc, "activity", 3)) == f"/activity/{h}/3"
    assert pd.page_url(iri.fact(doc, "evidence", 7)) == f"/document/{h}#fact-7"
    assert pd.page_url("http://example.org/x") is None


def test_invalid_iris_never_reach_sparql() -> None:
    assert pd.iri_n3('https://w3id.org/pctp-kg/instrument/a> } DROP ALL { <b') is None
    assert pd.values(["https://ok.example/a", "bad iri>"]) == "<https://ok.example/a>"


@pytest.mark.parametrize(
    ("query", "label", "hit"),
    [
        ("chi thi 36", "Chỉ thị 36-CT/TW", True),
        ("CHỈ THỊ 36", "Chỉ thị 36-CT/TW", True),
        ("36-CT/TW", "Chỉ thị 36-CT/TW", True),
        ("chi thi 3", "Chỉ thị 36-CT/TW", True),  # prefix while typing
        ("chi thi 36", "Chỉ thị 136-CT/TW", False),  # a number is not a substring hit
        ("cong an tinh", "Công an tỉnh Hòa Bình", True),
        ("ke hoach 36", "Chỉ thị 36-CT/TW", False),
    ],
)
def test_search_matching_folds_diacritics(query: str, label: str, hit: bool) -> None:
    assert (pd.match_score(pd.words(query), label) > 0) is hit


def test_segments_cover_the_text_exactly_with_overlaps() -> None:
    text = "abcdefghij"
    facts = [
        pd.Fact("e1", "fact-1", 1, 6, "link", "L"),
        pd.Fact("e2", "fact-2", 3, 8, "activity", "A"),
        pd.Fact("e3", "fact-3", 3, 5, "mention", "M"),
    ]
    segs = pd.segments(text, facts)
    assert "".join(s.text for s in segs) == text
    by_text = {s.text: s for s in segs}
    assert [f.anchor for f in by_text["de"].facts] == ["fact-1", "fact-2", "fact-3"]
    assert by_text["de"].anchors == ["fact-2", "fact-3"]
    assert by_text["bc"].kinds == ["link"] and by_text["a"].facts == []
    assert [s.text for s in segs] == ["a", "bc", "de", "f", "gh", "ij"]


def test_example_queries_are_listed(tmp_path: Path) -> None:
    (tmp_path / "b.rq").write_text("# Chỉ thị chưa có kế hoạch\nSELECT * {}", encoding="utf-8")
    (tmp_path / "a.rq").write_text("SELECT * {}", encoding="utf-8")
    (tmp_path / "c.rq").write_text(
        "# title: Chain up\n# description: one\n# description: two\nSELECT * {}\n# title: no",
        encoding="utf-8",
    )
    found = example_queries(tmp_path)
    assert [q["name"] for q in found] == ["a", "b", "c"]
    assert found[1]["title"] == "Chỉ thị chưa có kế hoạch" and found[0]["title"] == "a"
    assert found[2]["title"] == "Chain up" and found[2]["description"] == "one two"


# --------------------------------------------------------------------------- pages


def test_home_counts_search_and_documents(client: TestClient) -> None:
    r = client.get("/", params={"q": "chi thi 36"})
    assert r.status_code == 200
    html = r.text
    assert 'href="/instrument/36-ct-tw"' in html
    assert re.search(r'data-count="activities">\s*3\s*<', html)
    assert re.search(r'data-count="observations">\s*5\s*<', html)
    assert "zz_plan_hoa_binh.txt" in html and "zz_xss.txt" in html
    assert "content-security-policy" in r.headers
    assert "default-src 'self'" in r.headers["content-security-policy"]


def _graph(html: str) -> dict:
    m = re.search(r'<script type="application/json" id="graph-data">(.*?)</script>', html, re.S)
    assert m, "graph data missing"
    return json.loads(m.group(1))


def test_instrument_page_lineage_down_to_activities_and_numbers(
    client: TestClient, built: dict[str, str]
) -> None:
    r = client.get("/instrument/36-ct-tw")
    assert r.status_code == 200
    html = r.text
    assert f'href="/document/{built["plan"]}"' in html  # the citing document
    graph = _graph(html)
    kinds = {n["kind"] for n in graph["nodes"]}
    assert {"central", "local", "activity", "body", "observation"} <= kinds
    by_id = {n["id"]: n for n in graph["nodes"]}
    impl = [e for e in graph["edges"] if e["relation"] == "implements"]
    assert impl and all(by_id[e["to"]]["kind"] == "central" for e in impl)
    # the accessible table carries every node, with evidence links to highlights
    assert html.count('class="kind-') >= len(graph["nodes"])
    assert f"/document/{built['plan']}#fact-" in html
    up = _graph(client.get("/instrument/hoa-binh/2021/uy-ban-nhan-dan-tinh-hoa-binh/12-kh-ubnd?direction=up").text)
    assert any(n["id"].endswith("/instrument/36-ct-tw") for n in up["nodes"])


def test_depth_is_bounded(client: TestClient) -> None:
    assert client.get("/instrument/36-ct-tw?depth=0").status_code == 422
    assert client.get("/instrument/36-ct-tw?depth=99").status_code == 422
    shallow = _graph(client.get("/instrument/36-ct-tw?depth=1").text)
    assert max(n["level"] for n in shallow["nodes"]) >= 1


def test_every_fact_link_lands_on_an_existing_highlight(
    client: TestClient, built: dict[str, str]
) -> None:
    doc_html = client.get(f"/document/{built['plan']}").text
    ids = set(re.findall(r'id="(fact-[^"]+)"', doc_html))
    assert len(ids) >= 8  # 2 mentions, 1 link, 2 activities, 4 observations (some share)
    act = client.get(f"/activity/{built['plan']}/1")
    assert act.status_code == 200
    targets = re.findall(rf'href="/document/{built["plan"]}#(fact-[^"]+)"', act.text)
    assert targets and set(targets) <= ids
    lineage = client.get("/instrument/36-ct-tw").text
    linked = re.findall(rf'/document/{built["plan"]}#(fact-[^"]+)"', lineage)
    assert linked and set(linked) <= ids
    obs = client.get(f"/observation/{built['plan']}/1", follow_redirects=False)
    assert obs.status_code == 303
    assert obs.headers["location"].split("#")[1] in ids


def test_document_text_is_complete_and_highlighted(
    client: TestClient, built: dict[str, str]
) -> None:
    import html as html_lib

    r = client.get(f"/document/{built['plan']}")
    m = re.search(r'<article class="doc-text"[^>]*>(.*?)</article>', r.text, re.S)
    assert m
    text = html_lib.unescape(re.sub(r"<[^>]+>", "", m.group(1)))
    assert text.strip() == page_store.PLAN_TEXT.strip()
    for kind in ("hl-link", "hl-mention", "hl-activity", "hl-observation"):
        assert kind in m.group(1)


def test_body_page_lists_its_activities(client: TestClient, built: dict[str, str]) -> None:
    r = client.get("/body/cong-an-tinh-hoa-binh")
    assert r.status_code == 200
    assert f'href="/activity/{built["plan"]}/1"' in r.text
    assert 'href="/instrument/hoa-binh/2021/uy-ban-nhan-dan-tinh-hoa-binh/12-kh-ubnd"' in r.text


@pytest.mark.parametrize(
    "path",
    [
        "/instrument/no-such-thing",
        "/instrument/a%3E%20%7D",
        "/document/0000000000000000",
        "/document/not-hex",
        "/body/nobody",
        "/activity/0000000000000000/1",
        "/observation/0000000000000000/1",
    ],
)
def test_unknown_things_are_404(client: TestClient, path: str) -> None:
    r = client.get(path, follow_redirects=False)
    assert r.status_code == 404
    assert "Không tìm thấy" in r.text


def _pages(built: dict[str, str]) -> list[str]:
    agent = f"Đơn vị {page_store.XSS_ATTR}{page_store.XSS_IMG}"
    return [
        f"/document/{built['xss']}",
        "/instrument/77-ct-tw",
        f"/activity/{built['xss']}/1",
        pd.page_url(iri.body(agent)) or "",
        "/?q=77",
        "/?q=" + page_store.XSS_SCRIPT,
    ]


def test_hostile_text_is_escaped_everywhere(client: TestClient, built: dict[str, str]) -> None:
    for path in _pages(built):
        r = client.get(path)
        assert r.status_code == 200, path
        html = r.text
        assert "<script>alert(1)" not in html, path
        assert "<img src=x" not in html, path
        assert ' onmouseover="alert' not in html and " onerror=" not in html.replace(
            "onerror=alert", ""
        ), path
        # JSON islands cannot close their script element
        for island in re.findall(r'type="application/json"[^>]*>(.*?)</script>', html, re.S):
            assert "<" not in island, path
    doc = client.get(f"/document/{built['xss']}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in doc


def test_pages_load_only_local_assets(client: TestClient, built: dict[str, str]) -> None:
    paths = ["/", "/instrument/36-ct-tw", f"/document/{built['plan']}", "/sparql-ui"]
    for path in paths:
        html = client.get(path).text
        refs = re.findall(r'(?:src|href)="([^"]*)"', html)
        remote = [u for u in refs if re.match(r"^(?:[a-z]+:)?//", u)]
        assert not remote, (path, remote)
        for ref in refs:
            if ref.startswith("/static/"):
                assert client.get(ref).status_code == 200, ref


def test_vendored_assets_are_small_and_present() -> None:
    vendor = Path(pd.__file__).resolve().parent / "static" / "vendor"
    files = [
        vendor / "vis-network" / "vis-network.min.js",
        vendor / "yasgui" / "yasgui.min.js",
        vendor / "yasgui" / "yasgui.min.css",
    ]
    assert all(f.is_file() for f in files)
    assert sum(f.stat().st_size for f in vendor.rglob("*") if f.is_file()) < 5_000_000


def test_vendored_bundles_carry_their_patches() -> None:
    """scripts/vendor_assets.py edits the bundles after copying; a refresh must keep that."""
    import importlib.util

    script = Path(__file__).resolve().parent.parent / "scripts" / "vendor_assets.py"
    spec = importlib.util.spec_from_file_location("vendor_assets", script)
    assert spec is not None and spec.loader is not None
    vendor_assets = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(vendor_assets)
    assert vendor_assets.PATCHES and vendor_assets.unpatched() == []


def test_sparql_page_lists_the_example_queries(client: TestClient) -> None:
    html = client.get("/sparql-ui").text
    assert "/static/vendor/yasgui/yasgui.min.js" in html
    for q in example_queries():
        assert f"{q['name']}.rq" in html

