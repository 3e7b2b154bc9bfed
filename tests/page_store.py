"""Stores for the page tests: the seed documents plus hand-made extractions.

The hand-made documents supply what the seeds may lack (activities, observations driven by a
plan that implements a central directive) and a hostile document whose text, body names and
notations carry HTML/JS payloads. They go through the real builder (kg.build.build_graph) and
the real store, so the pages read exactly what an ingest would have written.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from api.app import create_app
from api.pages import install
from kg import iri
from kg.build import build_graph
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

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "data" / "documents"

XSS_SCRIPT = "<script>alert(1)</script>"
XSS_ATTR = '" onmouseover="alert(1)'
XSS_IMG = '"><img src=x onerror=alert(1)>'

PLAN_TEXT = (
    "ỦY BAN NHÂN DÂN TỈNH HÒA BÌNH\n"
    "Số: 12/KH-UBND\n"
    "KẾ HOẠCH\n"
    "Thực hiện Chỉ thị số 36-CT/TW ngày 16/8/2019 của Bộ Chính trị về tăng cường, nâng cao "
    "hiệu quả công tác phòng, chống và kiểm soát ma túy.\n"
    "Năm 2021, Công an tỉnh đã tổ chức 125 buổi tuyên truyền cho 9.800 lượt người.\n"
    "Công an tỉnh phát hiện, bắt giữ 87 vụ, 112 đối tượng, thu giữ 9,06kg heroin.\n"
)

XSS_TEXT = (
    f"Số: 99/KH-X{XSS_IMG}\n"
    f"Căn cứ Chỉ thị số 77-CT/TW {XSS_SCRIPT} về việc thử nghiệm.\n"
    f"Đơn vị {XSS_ATTR} đã tổ chức 3 buổi tuyên truyền {XSS_SCRIPT}.\n"
)


def _source(name: str, text: str) -> SourceDocument:
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return SourceDocument(name, name, text, digest, "text/plain")


def _ev(text: str, fragment: str) -> Evidence:
    start = text.index(fragment)
    return Evidence.of(text, start, start + len(fragment))


def _span(text: str, fragment: str) -> Span:
    start = text.index(fragment)
    return Span(start, start + len(fragment))


def plan_extraction() -> Extraction:
    """A provincial plan implementing 36-CT/TW, with two activities and their numbers."""
    text = PLAN_TEXT
    ex = Extraction(
        _source("zz_plan_hoa_binh.txt", text),
        DocumentHeader(
            type="Kế hoạch", notation="12/KH-UBND", issuer="UBND tỉnh Hòa Bình",
            province="Hòa Bình", date="2021-03-05", year=2021, title="Kế hoạch phòng, chống ma túy",
        ),
    )
    ex.instruments = [
        Instrument("36-CT/TW", "36-CT/TW", type="Chỉ thị", type_code="CT", issuer="Bộ Chính trị",
                   date="2019-08-16", year=2019, mentions=[_span(text, "Chỉ thị số 36-CT/TW")]),
        Instrument("12/KH-UBND", "12/KH-UBND", type="Kế hoạch", type_code="KH", local=True,
                   issuer="UBND tỉnh Hòa Bình", jurisdiction="Hòa Bình", year=2021, mentions=[_span(text, "12/KH-UBND")]),
    ]
    ex.relations = [
        Relation("#document", "36-CT/TW", "implements",
                 _ev(text, "Thực hiện Chỉ thị số 36-CT/TW ngày 16/8/2019")),
    ]
    propaganda = "Công an tỉnh đã tổ chức 125 buổi tuyên truyền cho 9.800 lượt người"
    arrests = "Công an tỉnh phát hiện, bắt giữ 87 vụ, 112 đối tượng, thu giữ 9,06kg heroin"
    ex.activities = [
        Activity("a1", "Công an tỉnh Hòa Bình", "tổ chức tuyên truyền phòng, chống ma túy",
                 "tuyên truyền", _ev(text, propaganda), drivers=["12/KH-UBND"], period="năm 2021",
                 place="Hòa Bình"),
        Activity("a2", "Công an tỉnh Hòa Bình", "phát hiện, bắt giữ tội phạm ma túy",
                 "đấu tranh", _ev(text, arrests), drivers=["12/KH-UBND"], period="năm 2021"),
    ]
    ex.observations = [
        Observation(125, "buổi", "buổi tuyên truyền", _ev(text, "125 buổi tuyên truyền"),
                    activity="a1", agent="Công an tỉnh Hòa Bình"),
        Observation(9800, "lượt người", "lượt người được tuyên truyền", _ev(text, "9.800 lượt người"),
                    activity="a1"),
        Observation(87, "vụ", "vụ phạm tội về ma túy", _ev(text, "87 vụ"), activity="a2"),
        Observation(9.06, "kg", "heroin thu giữ", _ev(text, "9,06kg heroin"), activity="a2"),
    ]
    return ex


def xss_extraction() -> Extraction:
    """Payloads in the text, the title, a notation, a body name and an activity description."""
    text = XSS_TEXT
    notation = f"99/KH-X{XSS_IMG}"
    ex = Extraction(
        _source("zz_xss.txt", text),
        DocumentHeader(type="Kế hoạch", notation=notation, issuer=f"Sở {XSS_ATTR}",
                       province="Lai Châu", year=2022, title=f"Tiêu đề {XSS_SCRIPT}"),
    )
    ex.instruments = [
        Instrument("77-CT/TW", "77-CT/TW", type="Chỉ thị", type_code="CT",
                   subject=f"thử {XSS_SCRIPT} {XSS_ATTR}", mentions=[_span(text, "Chỉ thị số 77-CT/TW")]),
    ]
    ex.relations = [
        Relation("#document", "77-CT/TW", "based_on", _ev(text, f"Căn cứ Chỉ thị số 77-CT/TW {XSS_SCRIPT}")),
    ]
    act = f"Đơn vị {XSS_ATTR} đã tổ chức 3 buổi tuyên truyền {XSS_SCRIPT}"
    ex.activities = [
        Activity("a1", f"Đơn vị {XSS_ATTR}{XSS_IMG}", f"tuyên truyền {XSS_SCRIPT}", None,
                 _ev(text, act), drivers=["77-CT/TW"]),
    ]
    ex.observations = [
        Observation(3, "buổi", f"buổi {XSS_SCRIPT}", _ev(text, "3 buổi tuyên truyền"), activity="a1"),
    ]
    return ex


def add_extraction(store: OxigraphStore, ex: Extraction) -> str:
    """Write one extraction as ingest would; returns the document's hash part of its IRI."""
    doc = iri.document(ex.source.sha256)
    store.replace_document(ex.source.name, ex.source.sha256, doc, build_graph(ex))
    return doc.rsplit("/", 1)[-1]


def build_store(path: Path, *, seeds: bool = True) -> dict[str, str]:
    """Seeds (through the real pipeline) plus the hand-made documents; returns their hashes."""
    store = OxigraphStore(path)
    try:
        if seeds:
            from kg.pipeline import ingest

            report = ingest(sorted(SEEDS.glob("*.txt")), store)
            assert report.ok, report
        hashes = {"plan": add_extraction(store, plan_extraction()),
                  "xss": add_extraction(store, xss_extraction())}
        seed_names = sorted(n for n in store.document_graphs() if (SEEDS / n).exists())
        if seed_names:
            hashes["seed"] = store.document_graphs()[seed_names[0]].graph.rsplit("/", 1)[-1]
        return hashes
    finally:
        store.close()


def make_app(store_path: Path):  # noqa: ANN201 - FastAPI type only imported by callers
    """The real app with the pages installed (whether or not create_app does it already)."""
    app = create_app(str(store_path))
    if not any(getattr(r, "path", None) == "/sparql-ui" for r in app.routes):
        # api.app may still carry its own placeholder home page: the pages replace it
        app.router.routes = [r for r in app.router.routes if getattr(r, "path", None) != "/"]
        install(app)
    return app
