"""The pages in a real browser: headless Debian Chromium driven by Playwright, no download.

One uvicorn server on a free 127.0.0.1 port serves a store built from data/ plus hand-made
documents (a plan with activities and numbers; a hostile document). Every test records every
request the page makes and fails if one leaves the server's origin. Screenshots go to
test-artifacts/screenshots/.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kg import iri

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "test-artifacts" / "screenshots"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

if not CHROMIUM.exists():
    if os.environ.get("KG_REQUIRE_CHROMIUM"):  # CI: a missing browser is a failure, not a skip
        raise RuntimeError("KG_REQUIRE_CHROMIUM is set but /usr/bin/chromium is missing")
    pytest.skip(
        "headless browser tests need Debian's chromium at /usr/bin/chromium "
        "(apt-get install -y chromium)",
        allow_module_level=True,
    )
playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

import page_store  # noqa: E402  (after the skip: it imports the whole app)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    import uvicorn

    path = tmp_path_factory.mktemp("browser") / "store"
    docs = page_store.build_store(path)
    port = _free_port()
    config = uvicorn.Config(
        page_store.make_app(path), host="127.0.0.1", port=port, log_level="warning"
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    # the first request opens the store and warms its caches: pay for it here, not in a test
    with urllib.request.urlopen(base + "/", timeout=120) as response:
        assert response.status == 200
    yield {"base": base, **docs}
    srv.should_exit = True
    thread.join(5)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


class Watch:
    """What a page did: requests, console errors, uncaught errors, dialogs (alert …)."""

    def __init__(self, page: Any, base: str) -> None:
        self.base = base
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

        def dialog(d: Any) -> None:
            self.dialogs.append(d.message)
            d.dismiss()

        page.on("dialog", dialog)

    def outside(self) -> list[str]:
        local = (self.base + "/", "data:", "blob:", "about:")
        return [u for u in self.requests if not u.startswith(local) and u != self.base]

    def check(self) -> None:
        assert not self.outside(), f"requests left 127.0.0.1: {self.outside()}"
        assert not self.errors, f"console errors: {self.errors}"
        assert not self.dialogs, f"a dialog opened (script ran): {self.dialogs}"


@pytest.fixture
def page(browser: Any, server: dict[str, str]) -> Iterator[tuple[Any, Watch]]:
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    pg = context.new_page()
    pg.set_default_timeout(20_000)  # CI machines can be slow
    watch = Watch(pg, server["base"])
    yield pg, watch
    context.close()


def shot(pg: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def _pages(server: dict[str, str]) -> dict[str, str]:
    plan, xss = server["plan"], server["xss"]
    return {
        "home": "/",
        "search": "/?q=chi+thi+36",
        "instrument": "/instrument/36-ct-tw",
        "instrument-up": "/instrument/hoa-binh/2021/uy-ban-nhan-dan-tinh-hoa-binh/12-kh-ubnd?direction=up&depth=2",
        "document-seed": "/document/" + server.get("seed", server["plan"]),
        "document-plan": f"/document/{plan}",
        "document-xss": f"/document/{xss}",
        "body": "/body/cong-an-tinh-hoa-binh",
        "activity": f"/activity/{plan}/1",
        "sparql": "/sparql-ui",
    }


def _settle(pg: Any) -> None:
    """Wait for what the page's scripts draw (the graph, the editor), not for idle network."""
    if pg.locator("#graph").count():
        pg.wait_for_selector("#graph[data-ready]")
    if pg.locator("#yasgui").count():
        pg.wait_for_selector(".yasqe .CodeMirror")


def test_every_page_loads_clean_at_desktop_and_phone_width(
    page: tuple[Any, Watch], server: dict[str, str]
) -> None:
    pg, watch = page
    for name, path in _pages(server).items():
        response = pg.goto(server["base"] + path)
        assert response is not None and response.status == 200, name
        _settle(pg)
        assert pg.locator("h1").first.is_visible(), name
        shot(pg, f"{name}-1366")
        pg.set_viewport_size({"width": 390, "height": 844})
        overflow = pg.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{name} scrolls sideways at 390px ({overflow}px)"
        shot(pg, f"{name}-390")
        pg.set_viewport_size({"width": 1366, "height": 768})
    watch.check()


def test_search_without_diacritics_finds_the_directive(
    page: tuple[Any, Watch], server: dict[str, str]
) -> None:
    pg, watch = page
    pg.goto(server["base"] + "/")
    pg.fill("#q", "chi thi 36")
    pg.press("#q", "Enter")
    pg.wait_for_url("**/?q=chi+thi+36")
    hit = pg.locator(".hits a", has_text="Chỉ thị 36-CT/TW").first
    assert hit.is_visible()
    shot(pg, "search-chi-thi-36")
    hit.click()
    pg.wait_for_url("**/instrument/36-ct-tw")
    assert "Chỉ thị 36-CT/TW" in pg.locator("h1").inner_text()
    watch.check()


def _click_node(pg: Any, node_id: str) -> None:
    pg.evaluate("id => window.kgGraph.focus(id)", node_id)
    pos = pg.evaluate("id => window.kgGraph.domPosition(id)", node_id)
    assert pos is not None
    pg.mouse.click(pos["x"], pos["y"])


def test_graph_click_through_to_activity_and_its_highlighted_evidence(
    page: tuple[Any, Watch], server: dict[str, str]
) -> None:
    pg, watch = page
    pg.goto(server["base"] + "/instrument/36-ct-tw?depth=3")
    pg.wait_for_selector("#graph[data-ready]")
    nodes = pg.evaluate("window.kgGraph.nodes")
    kinds = {n["kind"] for n in nodes}
    assert {"central", "activity", "body", "observation"} <= kinds
    # the table says the same as the graph
    assert pg.locator(".lineage-table tbody tr").count() >= len(nodes)
    activity = next(n for n in nodes if n["kind"] == "activity" and server["plan"] in n["id"])
    # hovering shows the summary as text
    pg.evaluate("id => window.kgGraph.focus(id)", activity["id"])
    pos = pg.evaluate("id => window.kgGraph.domPosition(id)", activity["id"])
    pg.mouse.move(pos["x"] - 4, pos["y"] - 4)
    pg.mouse.move(pos["x"], pos["y"], steps=3)
    tip = pg.locator("div.vis-tooltip")
    tip.wait_for(state="visible")
    assert "Hoạt động" in tip.inner_text()
    shot(pg, "graph-hover")
    _click_node(pg, activity["id"])
    pg.wait_for_url("**" + activity["url"])
    assert pg.locator("h1").inner_text().strip()
    pg.locator("a.ev-link").first.click()
    pg.wait_for_url("**/document/*#fact-*")
    anchor = pg.evaluate("location.hash.slice(1)")
    target = pg.locator(f".hl.targeted[data-facts~='{anchor}']").first
    assert target.is_visible()
    assert pg.locator("#fact-panel .fact-detail").count() >= 1
    assert "Hoạt động" in pg.locator("#fact-panel").inner_text()
    shot(pg, "evidence-highlight")
    watch.check()


def test_clicking_a_highlight_shows_the_fact(page: tuple[Any, Watch], server: dict[str, str]) -> None:
    pg, watch = page
    pg.goto(server["base"] + f"/document/{server['plan']}")
    pg.locator(".hl.hl-observation").first.click()
    panel = pg.locator("#fact-panel")
    assert "Số liệu" in panel.inner_text()
    assert panel.locator("a").count() >= 1  # links on to the activity / the table row
    watch.check()


def test_sparql_query_runs_in_yasgui_and_shows_rows(
    page: tuple[Any, Watch], server: dict[str, str]
) -> None:
    pg, watch = page
    pg.goto(server["base"] + "/sparql-ui")
    pg.wait_for_selector(".yasqe .CodeMirror")
    pg.evaluate(
        """() => { const t = window.kgYasgui.getTab();
        t.setQuery('PREFIX kgo: <https://w3id.org/pctp-kg/ontology#>\\n'
          + 'SELECT ?i WHERE { ?i a kgo:Instrument } LIMIT 7'); }"""
    )
    pg.locator(".yasqe_queryButton").click()
    rows = pg.locator(".yasr table.dataTable tbody tr")
    rows.first.wait_for()
    assert rows.count() == 7
    assert pg.locator(".yasr_downloadIcon").count() >= 1
    shot(pg, "sparql-results")
    examples = pg.locator("button.example")
    if examples.count():
        examples.first.click()
        pg.locator(".yasr .yasr_response_chip, .yasr table").first.wait_for()
    watch.check()


def test_hostile_text_renders_inert(page: tuple[Any, Watch], server: dict[str, str]) -> None:
    pg, watch = page
    agent = f"Đơn vị {page_store.XSS_ATTR}{page_store.XSS_IMG}"
    body_url = "/" + iri.body(agent)[len(iri.BASE) :]
    paths = [
        f"/document/{server['xss']}",
        "/instrument/77-ct-tw",
        f"/activity/{server['xss']}/1",
        body_url,
        "/?q=77",
    ]
    for path in paths:
        response = pg.goto(server["base"] + path)
        assert response is not None and response.status == 200, path
        _settle(pg)
        text = pg.locator("main").inner_text()
        assert "<script>alert(1)</script>" in text or "onerror=alert(1)" in text, path
        assert pg.locator("main script:not([type='application/json'])").count() == 0, path
        assert pg.locator("img[src='x'], [onmouseover], [onerror]").count() == 0, path
        for el in pg.locator(".hl").all()[:10]:
            el.hover()
            el.click()
        if pg.locator("#graph").count():
            pg.wait_for_selector("#graph[data-ready]")
            for node in pg.evaluate("window.kgGraph.nodes"):
                pos = pg.evaluate("id => window.kgGraph.domPosition(id)", node["id"])
                pg.mouse.move(pos["x"], pos["y"])
            pg.mouse.move(1, 1)
        shot(pg, "xss-" + path.strip("/").replace("/", "_").replace("?", "_")[:40])
    watch.check()


@pytest.fixture(scope="session", autouse=True)
def _clean_shots() -> None:
    if SHOTS.exists():
        shutil.rmtree(SHOTS)
