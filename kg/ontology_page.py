"""A readable HTML page of the ontology, generated from ``ontology/pctp.ttl``.

Generated rather than hand-written so that the page can never drift from the Turtle the graph
is checked against. Self-contained (inline CSS, no scripts, no external fetches) because the
API serves it to users who may be offline or behind a strict proxy.
"""

from __future__ import annotations

from functools import lru_cache
from html import escape
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from kg import iri
from kg.vocab import KGO, OWL, PREFIXES, QB, RDF, RDFS, SKOS

ONTOLOGY_PATH = Path(__file__).resolve().parent.parent / "ontology" / "pctp.ttl"
ONTOLOGY_IRI = URIRef(iri.BASE + "ontology")

# Terms of other vocabularies the graph uses directly, with what they mean here.
REUSED_TERMS: dict[str, tuple[str, str]] = {
    "eli:LegalResource": ("văn bản (tác phẩm pháp lý)", "a legal resource (the work)"),
    "eli:id_local": ("số hiệu văn bản", "the instrument's notation (số hiệu)"),
    "eli:type_document": (
        "loại văn bản (khái niệm SKOS)",
        "the instrument's type (a SKOS concept)",
    ),
    "eli:date_document": ("ngày ban hành", "date of issue"),
    "eli:passed_by": ("cơ quan ban hành", "issuing body"),
    "eli:based_on": ("căn cứ vào", "is based on (legal basis)"),
    "eli:cites": ("viện dẫn", "cites"),
    "prov:Activity": ("hoạt động", "an activity"),
    "prov:Association": ("sự tham gia của một chủ thể", "an agent's part in an activity"),
    "prov:Entity": ("thực thể", "an entity"),
    "prov:qualifiedAssociation": ("liên kết chủ thể định tính", "qualified association"),
    "prov:agent": ("chủ thể", "the acting body"),
    "prov:hadPlan": ("theo văn bản", "the instrument the body acted under"),
    "prov:wasAssociatedWith": ("do cơ quan thực hiện", "carried out by"),
    "prov:wasInfluencedBy": ("được chỉ đạo bởi văn bản", "driven by an instrument"),
    "prov:wasGeneratedBy": ("là kết quả của hoạt động", "result of an activity"),
    "prov:wasAttributedTo": ("thuộc về cơ quan", "attributed to a body"),
    "prov:atLocation": ("địa bàn", "place"),
    "prov:alternateOf": ("cùng là văn bản", "the same instrument, seen as a file"),
    "org:Organization": ("cơ quan, tổ chức", "a body"),
    "org:subOrganizationOf": ("trực thuộc", "is a part of (a body within a larger one)"),
    "skos:altLabel": ("tên gọi khác, viết tắt", "another name or abbreviation"),
    "qb:Observation": ("số liệu", "a reported figure"),
    "skos:Concept": ("khái niệm (loại, chỉ tiêu, địa danh)", "a concept (type, measure, place)"),
    "skos:prefLabel": ("tên", "preferred name"),
    "dcterms:Location": ("địa danh", "a place"),
    "dcterms:description": ("mô tả", "description"),
    "rdfs:label": ("nhãn", "label"),
}

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2430;background:#f7f8fa;line-height:1.5}
header{background:#1f3b5b;color:#fff;padding:1.2rem 2rem}
header h1{margin:0;font-size:1.5rem}header p{margin:.3rem 0 0;opacity:.9}
header code{background:rgba(255,255,255,.15);color:#fff}
main{max-width:1100px;margin:0 auto;padding:1rem 2rem 3rem}
nav{background:#fff;border:1px solid #dde2ea;border-radius:6px;padding:.6rem 1rem;margin:1rem 0}
nav a{margin-right:.8rem;white-space:nowrap}
h2{border-bottom:2px solid #1f3b5b;padding-bottom:.2rem;margin-top:2rem}
section.term{background:#fff;border:1px solid #dde2ea;border-radius:6px;padding:.7rem 1rem;margin:.8rem 0}
section.term h3{margin:.1rem 0 .3rem;font-size:1.1rem}
code{background:#eef1f5;padding:0 .25rem;border-radius:3px;font-size:.92em}
.iri{color:#5a6575;font-size:.85em;word-break:break-all}
dl{display:grid;grid-template-columns:10rem 1fr;gap:.2rem .8rem;margin:.4rem 0 0}
dt{font-weight:600;color:#3a4555}dd{margin:0}
.vi{color:#1d2430}.en{color:#4a5565;font-style:italic}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{border:1px solid #dde2ea;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#eef1f5}
"""

# Property groups, in page order: (domain class, anchor, Vietnamese title, English title).
_GROUPS: list[tuple[URIRef | None, str, str, str]] = [
    (KGO.Instrument, "instrument", "Văn bản", "Instruments"),
    (KGO.Link, "link", "Liên kết có bằng chứng", "Evidenced links"),
    (KGO.SourceDocument, "document", "Tài liệu nguồn", "Source documents"),
    (URIRef("http://www.w3.org/ns/org#Organization"), "body", "Cơ quan", "Bodies"),
    (URIRef("http://www.w3.org/ns/prov#Activity"), "activity", "Hoạt động", "Activities"),
    (QB.Observation, "observation", "Số liệu", "Observations"),
    (KGO.Evidence, "evidence", "Bằng chứng", "Evidence"),
    (None, "shared", "Thuộc tính dùng chung", "Shared properties"),
]


@lru_cache(maxsize=1)
def ontology_graph() -> Graph:
    return Graph().parse(ONTOLOGY_PATH, format="turtle")


def render_ontology_html() -> str:
    """The whole page; pure function of the ontology file."""
    g = ontology_graph()
    classes = sorted(_own_terms(g, OWL.Class), key=str)
    properties = sorted(
        set(_own_terms(g, OWL.ObjectProperty)) | set(_own_terms(g, OWL.DatatypeProperty)), key=str
    )
    grouped = _group_properties(g, properties)
    title_vi, title_en = _label(g, ONTOLOGY_IRI, "vi"), _label(g, ONTOLOGY_IRI, "en")
    nav = ['<a href="#classes">Lớp · Classes</a>']
    nav += [
        f'<a href="#{a}">{escape(vi)} · {escape(en)}</a>'
        for _, a, vi, en in _GROUPS
        if grouped.get(a)
    ]
    nav += [
        '<a href="#reused">Thuật ngữ dùng lại · Reused terms</a>',
        '<a href="#prefixes">Tiền tố · Prefixes</a>',
    ]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="vi"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title_vi)} · {escape(title_en)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<header><h1>{escape(title_vi)}</h1><p>{escape(title_en)} — <code>{escape(str(ONTOLOGY_IRI))}</code></p></header>",
        "<main>",
        _definition_paragraph(g, ONTOLOGY_IRI),
        f"<nav>{' '.join(nav)}</nav>",
        '<h2 id="classes">Lớp · Classes</h2>',
        *(_term_html(g, c) for c in classes),
    ]
    for _, anchor, vi, en in _GROUPS:
        if grouped.get(anchor):
            parts.append(f'<h2 id="{anchor}">{escape(vi)} · {escape(en)}</h2>')
            parts.extend(_term_html(g, p) for p in grouped[anchor])
    parts += [_reused_html(), _prefixes_html(), "</main></body></html>"]
    return "\n".join(parts)


# ------------------------------------------------------------------ helpers


def _own_terms(g: Graph, kind: URIRef) -> list[URIRef]:
    return [
        t
        for t in g.subjects(RDF.type, kind)
        if isinstance(t, URIRef) and str(t).startswith(str(KGO))
    ]


def _group_properties(g: Graph, properties: list[URIRef]) -> dict[str, list[URIRef]]:
    anchors = {domain: anchor for domain, anchor, _, _ in _GROUPS if domain is not None}
    grouped: dict[str, list[URIRef]] = {}
    for prop in properties:
        domain = g.value(prop, RDFS.domain)
        grouped.setdefault(anchors.get(domain, "shared"), []).append(prop)  # type: ignore[arg-type]
    return grouped


def _label(g: Graph, term: Node, lang: str) -> str:
    for label in g.objects(term, RDFS.label):
        if isinstance(label, Literal) and label.language == lang:
            return str(label)
    return ""


def _definition(g: Graph, term: Node, lang: str) -> str:
    for text in g.objects(term, SKOS.definition):
        if isinstance(text, Literal) and text.language == lang:
            return str(text)
    return ""


def _definition_paragraph(g: Graph, term: URIRef) -> str:
    vi, en = _definition(g, term, "vi"), _definition(g, term, "en")
    return f'<p><span class="vi">{escape(vi)}</span><br><span class="en">{escape(en)}</span></p>'


def curie(term: Node) -> str:
    text = str(term)
    for prefix, namespace in PREFIXES.items():
        if text.startswith(str(namespace)) and len(text) > len(str(namespace)):
            return f"{prefix}:{text[len(str(namespace)) :]}"
    return text


def anchor(term: URIRef) -> str:
    return curie(term).replace(":", "-")


def _ref(term: Node) -> str:
    """Own terms link to their anchor; reused terms show their CURIE with the IRI on hover."""
    if isinstance(term, URIRef) and str(term).startswith(str(KGO)):
        return f'<a href="#{anchor(term)}"><code>{escape(curie(term))}</code></a>'
    return f'<code title="{escape(str(term))}">{escape(curie(term))}</code>'


def _refs(g: Graph, term: URIRef, predicate: URIRef) -> str:
    return ", ".join(_ref(o) for o in sorted(g.objects(term, predicate), key=str))


def _term_html(g: Graph, term: URIRef) -> str:
    rows = [
        (
            "Nhãn · Label",
            f'<span class="vi">{escape(_label(g, term, "vi"))}</span> · <span class="en">{escape(_label(g, term, "en"))}</span>',
        ),
        ("Định nghĩa", f'<span class="vi">{escape(_definition(g, term, "vi"))}</span>'),
        ("Definition", f'<span class="en">{escape(_definition(g, term, "en"))}</span>'),
        ("Kiểu · Type", _refs(g, term, RDF.type)),
        ("Lớp cha · Subclass of", _refs(g, term, RDFS.subClassOf)),
        ("Thuộc tính cha · Subproperty of", _refs(g, term, RDFS.subPropertyOf)),
        ("Miền · Domain", _refs(g, term, RDFS.domain)),
        ("Giá trị · Range", _refs(g, term, RDFS.range)),
        ("Xem thêm · See also", _refs(g, term, RDFS.seeAlso)),
    ]
    body = "".join(f"<dt>{escape(k)}</dt><dd>{v}</dd>" for k, v in rows if v)
    return (
        f'<section class="term" id="{anchor(term)}"><h3><code>{escape(curie(term))}</code></h3>'
        f'<div class="iri">{escape(str(term))}</div><dl>{body}</dl></section>'
    )


def _reused_html() -> str:
    rows = "".join(
        f'<tr><td><code>{escape(t)}</code></td><td class="vi">{escape(vi)}</td><td class="en">{escape(en)}</td></tr>'
        for t, (vi, en) in REUSED_TERMS.items()
    )
    return (
        '<h2 id="reused">Thuật ngữ dùng lại · Reused terms</h2>'
        "<p>Đồ thị dùng trực tiếp các thuật ngữ chuẩn sau. · The graph uses these standard terms directly.</p>"
        f"<table><tr><th>Term</th><th>Tiếng Việt</th><th>English</th></tr>{rows}</table>"
    )


def _prefixes_html() -> str:
    rows = "".join(
        f'<tr><td><code>{escape(p)}:</code></td><td class="iri">{escape(str(ns))}</td></tr>'
        for p, ns in PREFIXES.items()
    )
    return f'<h2 id="prefixes">Tiền tố · Prefixes</h2><table><tr><th>Prefix</th><th>Namespace</th></tr>{rows}</table>'
