"""HTTP resources, named questions, lineage formats, problem details and hostile requests.

The store is the hand-made world of ``test_lineage`` (answers known by construction).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
import rdflib
from fastapi.testclient import TestClient
from test_lineage import (
    A_TEXT,
    C_TEXT,
    CT_48,
    KH_12,
    LC_5,
    LC_12,
    activity_iri,
    build_world,
    doc_a,
    doc_c,
)

from api.app import create_app
from kg import iri

PROBLEM = "application/problem+json"
HOSTILE = [
    'x" } UNION { ?s ?p ?o } #',
    "a> . ?s ?p ?o . <b",
    "48-CT/TW\n} DROP ALL {",
    "' OR 1=1 --",
    "ｘ＂｝ＵＮＩＯＮ",
    "<script>alert(1)</script>",
    "é" * 180,
]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    path = build_world(tmp_path_factory.mktemp("api") / "store")
    with TestClient(create_app(str(path), workers=1)) as c:
        yield c


def is_problem(r, status: int) -> bool:  # noqa: ANN001
    body = r.json()
    return (
        r.status_code == status
        and r.headers["content-type"].startswith(PROBLEM)
        and body["status"] == status
        and {"type", "title"} <= set(body)
    )


# --------------------------------------------------------------------------- search


def test_search_by_words_with_and_without_diacritics(client: TestClient) -> None:
    plain = client.get("/api/instruments", params={"q": "chi thi 48"}).json()
    marked = client.get("/api/instruments", params={"q": "Chỉ thị 48"}).json()
    assert plain == marked
    assert [i["iri"] for i in plain["items"]] == [CT_48]


def test_search_filters_and_pagination(client: TestClient) -> None:
    by_notation = client.get("/api/instruments", params={"notation": "12/kh-ubnd"}).json()
    assert {i["iri"] for i in by_notation["items"]} == {LC_12, KH_12}
    lc = client.get("/api/instruments", params={"notation": "12/KH-UBND", "province": "lai chau"}).json()
    assert [i["iri"] for i in lc["items"]] == [LC_12]
    y2021 = client.get("/api/instruments", params={"province": "Lai Châu", "year": 2021}).json()
    # the two plans cited in c.txt, and c.txt itself (a report without a number)
    assert {i["notation"] for i in y2021["items"]} == {"5/KH-UBND", "7/KH-BCĐ", None}
    plans = client.get("/api/instruments", params={"type": "ke hoach"}).json()
    assert plans["total"] == 4 and all(i["type"] == "Kế hoạch" for i in plans["items"])
    issuer = client.get("/api/instruments", params={"issuer": "khanh hoa"}).json()
    assert [i["iri"] for i in issuer["items"]] == [KH_12]
    page1 = client.get("/api/instruments", params={"size": 2, "page": 1}).json()
    page2 = client.get("/api/instruments", params={"size": 2, "page": 2}).json()
    everything = client.get("/api/instruments", params={"size": 200}).json()
    assert page1["total"] == page2["total"] == everything["total"] >= 5
    assert [i["iri"] for i in page1["items"] + page2["items"]] == [
        i["iri"] for i in everything["items"][:4]
    ]
    assert is_problem(client.get("/api/instruments", params={"size": 0}), 422)


# --------------------------------------------------------------------------- resources


def test_instrument_detail_has_links_activities_and_mentions(client: TestClient) -> None:
    body = client.get("/api/instruments/" + LC_12.removeprefix(iri.BASE + "instrument/")).json()
    assert body["iri"] == LC_12 and body["notation"] == "12/KH-UBND" and body["year"] == 2020
    assert [(link["relation"], link["instrument"]["iri"]) for link in body["implements"]] == [
        ("implements", CT_48)
    ]
    assert body["implements"][0]["evidence"][0]["quote"] == "Thực hiện Chỉ thị số 48-CT/TW"
    assert [(link["relation"], link["instrument"]["iri"]) for link in body["implemented_by"]] == [
        ("implements", LC_5)
    ]
    assert [a["iri"] for a in body["activities"]] == [activity_iri(doc_a())]
    assert {d["name"] for d in body["documents"]} == {"a.txt", "c.txt"}
    assert is_problem(client.get("/api/instruments/lai-chau/1999/none"), 404)


def test_activity_detail(client: TestClient) -> None:
    a = activity_iri(doc_c())
    body = client.get("/api/activities/" + a.removeprefix(iri.BASE + "document/").replace("/activity/", "/")).json()
    assert body["iri"] == a and body["document"]["name"] == "c.txt"
    assert [d["iri"] for d in body["drivers"]] == [LC_5]
    assert len(body["bodies"]) == 1
    assert sorted(o["value"] for o in body["observations"]) == [3.0, 4.0]
    ev = body["evidence"][0]
    assert C_TEXT[ev["start"] : ev["end"]] == ev["quote"]
    assert is_problem(client.get("/api/activities/ffff/9"), 404)


def test_body_detail(client: TestClient) -> None:
    a = activity_iri(doc_a())
    act = client.get("/api/activities/" + a.removeprefix(iri.BASE + "document/").replace("/activity/", "/")).json()
    body_id = act["bodies"][0]["id"]
    body = client.get(f"/api/bodies/{body_id}").json()
    assert [x["iri"] for x in body["activities"]] == [a]
    assert is_problem(client.get("/api/bodies/no-such-body"), 404)


def test_document_text_and_fact_spans(client: TestClient) -> None:
    by_name = client.get("/api/documents/a.txt").json()
    by_id = client.get(f"/api/documents/{by_name['id']}").json()
    assert by_name == by_id and by_name["text"] == A_TEXT
    kinds = {f["kind"] for f in by_name["facts"]}
    assert {"link", "activity", "observation", "mention"} <= kinds
    for fact in by_name["facts"]:
        assert A_TEXT[fact["start"] : fact["end"]] == fact["quote"]
    assert is_problem(client.get("/api/documents/nothing.txt"), 404)


def test_stats(client: TestClient) -> None:
    body = client.get("/api/stats").json()
    assert body["counts"]["documents"] == 3 and body["counts"]["activities"] == 3
    assert body["counts"]["observations"] == 4
    assert [d["name"] for d in body["documents"]] == ["a.txt", "b.txt", "c.txt"]


# --------------------------------------------------------------------------- lineage


def test_lineage_json_turtle_jsonld(client: TestClient) -> None:
    tree = client.get("/api/lineage/48-CT/TW").json()
    assert {c["iri"] for c in tree["root"]["children"]} == {LC_12, KH_12}
    turtle = client.get("/api/lineage/48-CT/TW", headers={"Accept": "text/turtle"})
    assert turtle.headers["content-type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=turtle.text, format="turtle")
    implements = rdflib.URIRef(iri.ONTOLOGY + "implements")
    assert (rdflib.URIRef(KH_12), implements, rdflib.URIRef(CT_48)) in graph
    jsonld = client.get("/api/lineage/48-CT/TW", params={"format": "jsonld"})
    assert jsonld.headers["content-type"].startswith("application/ld+json")
    assert len(rdflib.Graph().parse(data=jsonld.text, format="json-ld")) == len(graph)
    assert is_problem(client.get("/api/lineage/48-CT/TW", headers={"Accept": "image/png"}), 406)


def test_lineage_candidates_and_choice(client: TestClient) -> None:
    amb = client.get("/api/lineage/12/KH-UBND").json()
    assert amb["root"] is None and {c["iri"] for c in amb["candidates"]} == {LC_12, KH_12}
    assert "province" in amb["hint"]
    chosen = client.get("/api/lineage/12/KH-UBND", params={"province": "Khánh Hòa"}).json()
    assert chosen["root"]["iri"] == KH_12
    up = client.get("/api/lineage/" + activity_iri(doc_c()), params={"direction": "up"}).json()
    plans = [c for c in up["root"]["children"] if c["kind"] == "instrument"]
    assert up["root"]["kind"] == "activity" and [p["iri"] for p in plans] == [LC_5]
    assert plans[0]["children"][0]["children"][0]["iri"] == CT_48
    assert is_problem(client.get("/api/lineage/1/XX-NONE"), 404)
    assert is_problem(client.get("/api/lineage/48-CT/TW", params={"depth": 99}), 422)


# --------------------------------------------------------------------------- questions


def test_question_endpoints(client: TestClient) -> None:
    listed = {q["name"] for q in client.get("/api/questions").json()}
    assert len(listed) == 5
    dwp = client.get("/api/questions/directives-without-plan", params={"province": "lai chau"}).json()
    assert [d["notation"] for d in dwp["directives"]] == ["36-CT/TW"]
    iwa = client.get("/api/questions/instruments-without-activity", params={"province": "Lai Châu"}).json()
    assert [i["notation"] for i in iwa["instruments"]] == ["7/KH-BCĐ"]
    ba = client.get("/api/questions/body-activities", params={"directive": "48-CT/TW"}).json()
    assert len(ba["bodies"]) == 3
    assert all(w["activities"][0]["evidence"] for w in ba["bodies"])
    chain = client.get("/api/questions/activity-chain", params={"activity": activity_iri(doc_c())}).json()
    assert [(h["relation"], h["target"]["iri"]) for h in chain["hops"]] == [
        ("driven_by", LC_5),
        ("implements", LC_12),
        ("implements", CT_48),
    ]
    assert [c["iri"] for c in chain["central"]] == [CT_48]
    out = client.get("/api/questions/outcomes-per-measure", params={"directive": "48-CT/TW"}).json()
    totals = {(r["measure_label"], r["province_label"], r["year"]): r["total"] for r in out["rows"]}
    assert totals[("vụ phạm pháp hình sự", "Lai Châu", 2021)] == 7.0
    assert totals[("buổi tuyên truyền", "Lai Châu", 2020)] == 26.0


def test_ambiguous_and_unknown_directive(client: TestClient) -> None:
    r = client.get("/api/questions/body-activities", params={"directive": "12/KH-UBND"})
    assert is_problem(r, 409) and {c["iri"] for c in r.json()["candidates"]} == {LC_12, KH_12}
    assert is_problem(client.get("/api/questions/outcomes-per-measure", params={"directive": "9/XX"}), 404)


# --------------------------------------------------------------------------- hostile requests


@pytest.mark.parametrize("payload", HOSTILE)
def test_no_parameter_injects_or_crashes(client: TestClient, payload: str) -> None:
    seg = quote(payload, safe="")
    calls = [
        ("/api/lineage/" + seg, {}),
        ("/api/lineage/48-CT/TW", {"province": payload[:200]}),
        ("/api/lineage/48-CT/TW", {"iri": "https://x/" + payload}),
        ("/api/instruments", {"q": payload[:500], "notation": payload[:200], "issuer": payload[:200]}),
        ("/api/instruments/" + seg, {}),
        ("/api/bodies/" + seg, {}),
        ("/api/documents/" + seg, {}),
        ("/api/activities/" + seg, {}),
        ("/api/questions/directives-without-plan", {"province": payload[:200]}),
        ("/api/questions/body-activities", {"directive": payload}),
        ("/api/questions/activity-chain", {"activity": payload}),
    ]
    for url, params in calls:
        r = client.get(url, params=params)
        assert r.status_code in (200, 404, 409, 422), (url, r.status_code, r.text[:200])
    # where a hostile value is accepted, it matches nothing instead of widening the answer
    body = client.get("/api/instruments", params={"q": payload[:500]}).json()
    assert body["total"] == 0
    tree = client.get("/api/lineage/48-CT/TW", params={"province": payload[:200]}).json()
    assert tree["root"]["children"] == []
    dwp = client.get("/api/questions/directives-without-plan", params={"province": payload[:200]})
    assert dwp.status_code == 200 and {d["notation"] for d in dwp.json()["directives"]} <= {"48-CT/TW", "36-CT/TW"}


def test_cors_is_closed_by_default(client: TestClient, tmp_path: Path) -> None:
    pre = client.options(
        "/api/stats",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert "access-control-allow-origin" not in pre.headers
    got = client.get("/api/stats", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in got.headers
    path = build_world(tmp_path / "store")
    app = create_app(str(path), workers=1, cors_origins=["https://ok.example"])
    with TestClient(app) as open_client:
        r = open_client.get("/api/stats", headers={"Origin": "https://ok.example"})
        assert r.headers["access-control-allow-origin"] == "https://ok.example"


def test_size_limits(client: TestClient) -> None:
    long_url = client.get("/api/instruments", params={"q": "x" * 20_000})
    assert is_problem(long_url, 414)
    big = client.post(
        "/sparql", content=b"#" * (2 << 20), headers={"Content-Type": "application/sparql-query"}
    )
    assert is_problem(big, 413)


def test_writes_need_enabling_and_the_token(tmp_path: Path) -> None:
    path = build_world(tmp_path / "store")
    insert = "INSERT DATA { GRAPH <http://e/g> { <http://e/s> <http://e/p> <http://e/o> } }"
    ask = {"query": "ASK { <http://e/s> <http://e/p> <http://e/o> }"}
    headers = {"Content-Type": "application/sparql-update"}
    with TestClient(create_app(str(path), workers=1)) as c:
        assert is_problem(c.post("/sparql", content=insert, headers=headers), 403)
    app = create_app(str(path), workers=1, allow_writes=True, write_token="s3cret")
    with TestClient(app) as c:
        assert is_problem(c.post("/sparql", content=insert, headers=headers), 403)
        wrong = {**headers, "Authorization": "Bearer nope"}
        assert is_problem(c.post("/sparql", content=insert, headers=wrong), 403)
        assert c.get("/sparql", params=ask).json()["boolean"] is False
        good = {**headers, "Authorization": "Bearer s3cret"}
        assert c.post("/sparql", content=insert, headers=good).status_code == 204
        assert c.get("/sparql", params=ask).json()["boolean"] is True
        form = c.post("/sparql", data={"update": "CLEAR GRAPH <http://e/g>"}, headers={"Authorization": "Bearer s3cret"})
        assert form.status_code == 204
        assert c.get("/sparql", params=ask).json()["boolean"] is False


def test_openapi_documents_every_route_and_problems(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = set(spec["paths"])
    assert {
        "/sparql",
        "/healthz",
        "/api/lineage/{notation}",
        "/api/instruments",
        "/api/instruments/{id}",
        "/api/activities/{id}",
        "/api/bodies/{id}",
        "/api/documents/{id}",
        "/api/stats",
        "/api/questions",
        "/api/questions/directives-without-plan",
        "/api/questions/instruments-without-activity",
        "/api/questions/body-activities",
        "/api/questions/activity-chain",
        "/api/questions/outcomes-per-measure",
    } <= paths
    lineage = spec["paths"]["/api/lineage/{notation}"]["get"]["responses"]
    assert PROBLEM in lineage["404"]["content"]
    assert "Problem" in spec["components"]["schemas"]


def test_lineage_limit_truncates_in_json_turtle_and_the_contract(client: TestClient) -> None:
    full = client.get("/api/lineage/48-CT/TW").json()
    assert full["limit"] == 100 and full["root"]["truncated"] == 0
    cut = client.get("/api/lineage/48-CT/TW", params={"limit": 1}).json()
    assert cut["limit"] == 1
    assert len(cut["root"]["children"]) == 1 and cut["root"]["truncated"] == 1
    turtle = client.get("/api/lineage/48-CT/TW", params={"limit": 1, "format": "turtle"})
    graph = rdflib.Graph().parse(data=turtle.text, format="turtle")
    omitted = rdflib.URIRef(iri.ONTOLOGY + "omittedChildren")
    assert int(graph.value(rdflib.URIRef(CT_48), omitted)) == 1
    for bad in (0, 5001, "x"):
        assert is_problem(client.get("/api/lineage/48-CT/TW", params={"limit": bad}), 422)
    spec = client.get("/openapi.json").json()
    params = spec["paths"]["/api/lineage/{notation}"]["get"]["parameters"]
    limit = next(p for p in params if p["name"] == "limit")
    assert limit["schema"]["default"] == 100 and limit["schema"]["maximum"] == 5000
    node = spec["components"]["schemas"]["LineageNodeModel"]["properties"]["truncated"]
    assert node["type"] == "integer" and "limit" in node["description"]


def test_repeated_reads_are_answered_from_the_cache_until_the_store_changes(
    tmp_path: Path,
) -> None:
    from api.app import ResponseCache
    from kg.store import OxigraphStore

    path = build_world(tmp_path / "store")
    app = create_app(str(path), workers=1)
    ask = "ASK { <http://e/s> <http://e/p> <http://e/o> }"
    with TestClient(app) as c:
        first = c.get("/api/lineage/48-CT/TW", params={"depth": 2, "limit": 50})
        again = c.get("/api/lineage/48-CT/TW", params={"limit": 50, "depth": 2})
        cache = app.middleware_stack
        while not isinstance(cache, ResponseCache):
            cache = cache.app
        assert cache.hits == 1 and again.content == first.content  # parameter order is moot
        assert c.get("/sparql", params={"query": ask}).json()["boolean"] is False
        assert is_problem(c.get("/api/lineage/1/XX-NONE"), 404)
        assert is_problem(c.get("/api/lineage/1/XX-NONE"), 404)
        assert cache.hits == 1  # errors are not kept
        writer = OxigraphStore(path)
        try:
            writer.ox.update("INSERT DATA { GRAPH <http://e/g> { <http://e/s> <http://e/p> <http://e/o> } }")
        finally:
            writer.close()
        assert c.get("/sparql", params={"query": ask}).json()["boolean"] is True


def test_identical_requests_arriving_together_are_computed_once(tmp_path: Path) -> None:
    """A popular look-up asked by many clients at once (after an ingest) costs one
    computation; a failed one is not handed on, each request then computes its own."""
    import asyncio

    from api.app import ResponseCache
    from kg.store import OxigraphStore

    store = OxigraphStore(build_world(tmp_path / "store"), read_only=True)
    computed: list[str] = []
    status = {"code": 200}

    async def slow_app(scope, receive, send) -> None:  # noqa: ANN001
        computed.append(scope["path"])
        await asyncio.sleep(0.05)
        await send({"type": "http.response.start", "status": status["code"], "headers": []})
        await send({"type": "http.response.body", "body": scope["path"].encode()})

    class Holder:
        def stale(self) -> bool:
            return False

        def current(self) -> OxigraphStore:
            return store

    cache = ResponseCache(slow_app, Holder())  # type: ignore[arg-type]

    async def get(path: str) -> tuple[int, bytes]:
        scope = {"type": "http", "method": "GET", "path": path, "query_string": b"", "headers": []}
        sent: list[dict] = []

        async def send(message: dict) -> None:
            sent.append(message)

        await cache(scope, None, send)  # type: ignore[arg-type]
        return sent[0]["status"], sent[1]["body"]

    async def burst(paths: list[str]) -> list[tuple[int, bytes]]:
        return await asyncio.gather(*(get(p) for p in paths))

    paths = ["/api/lineage/a"] * 8 + ["/api/lineage/b"] * 4
    answers = asyncio.run(burst(paths))
    assert answers == [(200, p.encode()) for p in paths]
    assert sorted(computed) == ["/api/lineage/a", "/api/lineage/b"] and cache.shared == 10
    computed.clear()
    status["code"] = 500
    answers = asyncio.run(burst(["/api/lineage/c"] * 3))
    assert answers == [(500, b"/api/lineage/c")] * 3 and len(computed) == 3
