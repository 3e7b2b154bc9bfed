"""What the browser pages show, read from the store: plain data, no HTML.

Every query is anchored on IRIs the page already knows (bound with ``VALUES`` and written
with rdflib's ``n3()``, which refuses anything that is not a valid IRI), so no user text ever
becomes SPARQL syntax and the cost follows the answer, not the size of the graph. The only
scans are the search index and the home page's aggregates, which read labels and links once.

URLs mirror IRIs: ``BASE + "instrument/x/y"`` is shown at ``/instrument/x/y``; a fact inside a
document (``…/document/H/activity/3``) at ``/activity/H/3``; a piece of evidence
(``…/document/H/evidence/7``) is the highlight ``/document/H#fact-7``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from rdflib import Literal, URIRef
from rdflib.term import Node

from kg import iri as kiri
from kg.lineage import PREFIXES, EvidenceRef, LineageNode
from kg.store import Store

BASE = kiri.BASE
KGO = kiri.ONTOLOGY
_DOC_FACT = re.compile(r"^document/([0-9a-f]+)/(activity|observation|evidence|link)/([^/]+)$")
_WORD = re.compile(r"[0-9a-z]+")
_ANCHOR_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")

LINK_LABELS = {
    "implements": "thực hiện (implements)",
    "based_on": "căn cứ (based on)",
    "reviews": "tổng kết (reviews)",
    "cites": "trích dẫn (cites)",
    "drives": "dẫn tới hoạt động (drives)",
    "carried_out_by": "do … thực hiện (carried out by)",
    "resulted_in": "kết quả (resulted in)",
    "reported_in": "báo cáo trong (reported in)",
}


# --------------------------------------------------------------------------- terms and URLs


def iri_n3(value: str) -> str | None:
    """``<iri>`` for SPARQL, or None when the text is not a valid IRI (the page is a 404)."""
    try:
        return URIRef(value).n3()
    except Exception:  # rdflib raises a bare Exception for invalid IRIs
        return None


def values(iris: Iterable[str]) -> str:
    """The body of a ``VALUES`` block; invalid IRIs are dropped, never spliced in raw."""
    terms = (iri_n3(i) for i in sorted(set(iris)))
    return " ".join(t for t in terms if t is not None)


def literal_n3(text: str) -> str:
    return Literal(text).n3()


def page_url(iri: str) -> str | None:
    """The page that shows ``iri``, or None for nodes that have no page of their own."""
    if not iri.startswith(BASE):
        return None
    rest = iri[len(BASE) :]
    fact = _DOC_FACT.match(rest)
    if fact:
        doc, kind, n = fact.groups()
        if kind == "evidence":
            return f"/document/{doc}#{fact_anchor(iri)}"
        if kind in ("activity", "observation"):
            return f"/{kind}/{doc}/{quote(n, safe='')}"
        return f"/document/{doc}"
    head = rest.split("/", 1)[0]
    if head in ("instrument", "body", "document") and "/" in rest:
        return "/" + quote(rest, safe="/-_.~")
    return None


def fact_anchor(evidence_iri: str) -> str:
    """The element id of a highlight: ``fact-N`` for minted evidence, a stable hash otherwise."""
    match = _DOC_FACT.match(evidence_iri[len(BASE) :]) if evidence_iri.startswith(BASE) else None
    if match and match.group(2) == "evidence":
        return "fact-" + _ANCHOR_UNSAFE.sub("-", match.group(3))
    return "fact-h" + hashlib.sha1(evidence_iri.encode()).hexdigest()[:12]


def document_iri(doc_hash: str) -> str:
    return f"{BASE}document/{doc_hash}"


def _s(term: Node | None) -> str | None:
    return None if term is None else str(term)


def _int(term: Node | None) -> int | None:
    try:
        return None if term is None else int(str(term))
    except ValueError:
        return None


def _q(store: Store, sparql: str) -> list[dict[str, Node | None]]:
    return store.query(PREFIXES + "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n" + sparql).rows


def _kind_of_instrument(is_local: str | None) -> str:
    return "local" if is_local == "true" else "central"


# --------------------------------------------------------------------------- home


@dataclass
class DocumentSummary:
    iri: str
    url: str
    name: str
    label: str | None
    subject: str | None
    facts: int


def documents(store: Store) -> list[DocumentSummary]:
    """The ingested documents, with what each says it is and how many facts it holds."""
    graphs = store.document_graphs()
    if not graphs:
        return []
    rows = _q(
        store,
        f"""SELECT ?d (SAMPLE(?l) AS ?label) (SAMPLE(?sub) AS ?subject)
                 (COUNT(DISTINCT ?ev) AS ?facts) WHERE {{
          VALUES ?d {{ {values(e.graph for e in graphs.values())} }}
          OPTIONAL {{ ?d rdfs:label ?l }} OPTIONAL {{ ?d kgo:subject ?sub }}
          OPTIONAL {{ ?ev kgo:inDocument ?d }}
        }} GROUP BY ?d""",
    )
    info = {str(r["d"]): r for r in rows}
    out = []
    for entry in sorted(graphs.values(), key=lambda e: e.name):
        row = info.get(entry.graph, {})
        out.append(
            DocumentSummary(
                entry.graph,
                page_url(entry.graph) or "#",
                entry.name,
                _s(row.get("label")),
                _s(row.get("subject")),
                _int(row.get("facts")) or 0,
            )
        )
    return out


@dataclass
class TopInstrument:
    iri: str
    url: str | None
    label: str
    implementers: int
    activities: int


def most_implemented(store: Store, limit: int = 10) -> list[TopInstrument]:
    """Instruments ranked by how many instruments implement them and activities they drive."""
    rows = _q(
        store,
        f"""SELECT ?t (SAMPLE(?l) AS ?label) (SAMPLE(?n) AS ?notation)
                 (COUNT(DISTINCT ?s) AS ?impl) (COUNT(DISTINCT ?a) AS ?acts) WHERE {{
          {{ ?s kgo:implements ?t }} UNION {{ ?a prov:wasInfluencedBy ?t . ?a a prov:Activity }}
          OPTIONAL {{ ?t rdfs:label ?l }} OPTIONAL {{ ?t eli:id_local ?n }}
        }} GROUP BY ?t ORDER BY DESC(?impl + ?acts) ?label LIMIT {int(limit)}""",
    )
    return [
        TopInstrument(
            str(r["t"]),
            page_url(str(r["t"])),
            _s(r["label"]) or _s(r["notation"]) or str(r["t"]),
            _int(r["impl"]) or 0,
            _int(r["acts"]) or 0,
        )
        for r in rows
    ]


# --------------------------------------------------------------------------- search


@dataclass
class SearchHit:
    iri: str
    url: str
    kind: str  # central | local | body | document
    label: str
    detail: str | None
    score: float


def words(text: str) -> list[str]:
    """Folded words: what "chi thi 36" and "Chỉ thị 36-CT/TW" have in common."""
    return _WORD.findall(kiri.fold(text).lower())


def match_score(query_words: list[str], text: str) -> float:
    """0 unless every query word starts a word of ``text``; whole-word hits score higher.

    Prefix matching lets "chi thi 3" narrow as the user types, while "36" does not match
    "136" (which a plain substring test would).
    """
    if not query_words:
        return 0.0
    target = words(text)
    score = 0.0
    for w in query_words:
        if w in target:
            score += 2.0
        elif any(t.startswith(w) for t in target):
            score += 1.0
        else:
            return 0.0
    return score


def _search_candidates(store: Store) -> list[tuple[str, str, str, str | None, str]]:
    """(iri, kind, label, detail, searchable text) for every instrument, body and document."""
    out: list[tuple[str, str, str, str | None, str]] = []
    rows = _q(
        store,
        """SELECT ?i (SAMPLE(?l) AS ?label) (SAMPLE(?n) AS ?notation) (SAMPLE(?sub) AS ?subject)
                 (SAMPLE(?loc) AS ?local) (SAMPLE(?fn) AS ?file) WHERE {
          ?i a kgo:Instrument .
          OPTIONAL { ?i rdfs:label ?l } OPTIONAL { ?i eli:id_local ?n }
          OPTIONAL { ?i kgo:subject ?sub } OPTIONAL { ?i kgo:isLocal ?loc }
          OPTIONAL { ?i kgo:fileName ?fn }
        } GROUP BY ?i""",
    )
    for r in rows:
        i = str(r["i"])
        label = _s(r["label"]) or _s(r["notation"]) or i
        subject = _s(r["subject"])
        kind = "document" if r["file"] is not None else _kind_of_instrument(_s(r["local"]))
        text = " ".join(x for x in (label, _s(r["notation"]), subject, _s(r["file"])) if x)
        out.append((i, kind, label, subject, text))
    bodies = _q(
        store,
        """SELECT ?b (SAMPLE(?l) AS ?label) (GROUP_CONCAT(DISTINCT ?alt; separator=" ") AS ?alts)
           WHERE { ?b a org:Organization ; skos:prefLabel ?l . OPTIONAL { ?b skos:altLabel ?alt } }
           GROUP BY ?b""",
    )
    for r in bodies:
        label = _s(r["label"]) or str(r["b"])
        out.append((str(r["b"]), "body", label, None, f"{label} {_s(r['alts']) or ''}"))
    return out


def search(store: Store, query: str, limit: int = 50) -> list[SearchHit]:
    """Diacritic-insensitive search over labels, notations, subjects and body names."""
    qwords = words(query)
    if not qwords:
        return []
    hits: dict[str, SearchHit] = {}
    for i, kind, label, detail, text in _search_candidates(store):
        url = page_url(i)
        if url is None:
            continue
        score = match_score(qwords, text)
        # a hit in the label itself beats one in the subject line
        score += match_score(qwords, label) * 0.5
        if score > 0 and (i not in hits or hits[i].score < score):
            hits[i] = SearchHit(i, url, kind, label, detail, score)
    ranked = sorted(hits.values(), key=lambda h: (-h.score, len(h.label), h.label))
    return ranked[:limit]


# --------------------------------------------------------------------------- instruments


@dataclass
class InstrumentInfo:
    iri: str
    label: str
    notation: str | None = None
    type_name: str | None = None
    date: str | None = None
    year: int | None = None
    year_inferred: bool = False
    issuer: tuple[str, str | None] | None = None  # (label, url)
    jurisdiction: str | None = None
    subject: str | None = None
    local: bool = False
    signer: str | None = None
    period: str | None = None
    aliases: list[str] = field(default_factory=list)
    documents: list[tuple[str, str, str]] = field(default_factory=list)  # (name, url, role)

    @property
    def kind(self) -> str:
        return "local" if self.local else "central"


def aliases(store: Store, iri: str) -> list[str]:
    """IRIs that are the same instrument (a document and the notation others cite it by)."""
    rows = _q(
        store,
        f"""SELECT DISTINCT ?o WHERE {{ VALUES ?i {{ {values([iri])} }}
          {{ ?i prov:alternateOf ?o }} UNION {{ ?o prov:alternateOf ?i }} }}""",
    )
    return sorted(str(r["o"]) for r in rows if r["o"] is not None)


def instrument_info(store: Store, iri: str) -> InstrumentInfo | None:
    """The metadata of one instrument, merged over every document that describes it."""
    if iri_n3(iri) is None:
        return None
    # One UNION branch per property: OPTIONALs side by side would multiply every value an
    # instrument has in each citing document (labels × dates × subjects …).
    props = {
        "label": "rdfs:label", "n": "eli:id_local", "tn": "kgo:typeName",
        "date": "eli:date_document", "year": "kgo:year", "yi": "kgo:yearInferred",
        "issuer": "eli:passed_by", "issuerLabel": "eli:passed_by/skos:prefLabel",
        "jur": "kgo:jurisdiction/skos:prefLabel", "sub": "kgo:subject", "loc": "kgo:isLocal",
        "signer": "kgo:signer", "period": "kgo:period",
    }
    branches = " UNION ".join(
        f'{{ ?i {path} ?v BIND("{key}" AS ?k) }}' for key, path in props.items()
    )
    found = _q(
        store,
        f"""SELECT DISTINCT ?k ?v WHERE {{ VALUES ?i {{ {values([iri])} }}
          ?i a kgo:Instrument . {branches} }}""",
    )
    if not found:
        typed = store.query(PREFIXES + f"ASK {{ {iri_n3(iri)} a kgo:Instrument }}")
        if not typed.boolean:
            return None
    by_key: dict[str, list[str]] = {}
    for r in found:
        by_key.setdefault(str(r["k"]), []).append(str(r["v"]))

    def first(key: str) -> str | None:
        got = sorted(by_key.get(key, []))
        return got[0] if got else None

    info = InstrumentInfo(iri, first("label") or first("n") or iri)
    info.notation, info.type_name, info.date = first("n"), first("tn"), first("date")
    info.year = _int(URIRef(first("year"))) if first("year") else None
    info.year_inferred = first("yi") == "true"
    if first("issuer"):
        issuer = first("issuer") or ""
        info.issuer = (first("issuerLabel") or issuer, page_url(issuer))
    info.jurisdiction, info.subject = first("jur"), first("sub")
    info.local = first("loc") == "true"
    info.signer, info.period = first("signer"), first("period")
    info.aliases = aliases(store, iri)
    info.documents = instrument_documents(store, [iri, *info.aliases])
    return info


def instrument_documents(store: Store, iris: list[str]) -> list[tuple[str, str, str]]:
    """(file name, page URL, role): the documents that are, or cite, the instrument."""
    rows = _q(
        store,
        f"""SELECT DISTINCT ?d ?name ?role WHERE {{ VALUES ?i {{ {values(iris)} }}
          {{ ?i kgo:mentionedIn ?d BIND("cites" AS ?role) }}
          UNION {{ ?i kgo:fileName ?n0 BIND(?i AS ?d) BIND("is" AS ?role) }}
          ?d kgo:fileName ?name . }} ORDER BY ?name""",
    )
    seen: dict[str, tuple[str, str, str]] = {}
    for r in rows:
        d = str(r["d"])
        role = "this document" if str(r["role"]) == "is" else "cites it"
        if d not in seen or role == "this document":
            seen[d] = (str(r["name"]), page_url(d) or "#", role)
    return sorted(seen.values())


def canonical_map(store: Store, iris: Iterable[str]) -> dict[str, str]:
    """Document node → the instrument IRI others cite it by (``prov:alternateOf``)."""
    iris = list(iris)
    if not iris:
        return {}
    rows = _q(
        store,
        f"""SELECT ?d (MIN(STR(?a)) AS ?alias) WHERE {{ VALUES ?d {{ {values(iris)} }}
          ?d prov:alternateOf ?a }} GROUP BY ?d""",
    )
    return {str(r["d"]): str(r["alias"]) for r in rows}


def is_local_map(store: Store, iris: Iterable[str]) -> dict[str, bool]:
    rows = _q(
        store,
        f"""SELECT ?i (SAMPLE(?l) AS ?loc) WHERE {{ VALUES ?i {{ {values(iris)} }}
          ?i kgo:isLocal ?l }} GROUP BY ?i""",
    )
    return {str(r["i"]): str(r["loc"]) == "true" for r in rows}


# --------------------------------------------------------------------------- lineage → graph


@dataclass
class GraphNode:
    id: str
    label: str
    kind: str  # central | local | body | activity | observation | document
    url: str | None
    summary: str
    level: int


@dataclass
class GraphEdge:
    source: str
    target: str
    relation: str
    label: str
    evidence: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class LineageRow:
    level: int
    relation: str | None
    kind: str
    label: str
    url: str | None
    quote: str | None
    evidence_url: str | None
    evidence_name: str | None


@dataclass
class GraphView:
    nodes: list[GraphNode] = field(default_factory=list)
    edges: list[GraphEdge] = field(default_factory=list)
    rows: list[LineageRow] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The data the page's script hands to vis-network (all strings are plain text)."""
        return {
            "nodes": [
                {
                    "id": n.id,
                    "label": shorten(n.label, 48),
                    "kind": n.kind,
                    "url": n.url,
                    "summary": n.summary,
                    "level": n.level,
                }
                for n in self.nodes
            ],
            "edges": [
                {"from": e.source, "to": e.target, "label": LINK_LABELS.get(e.relation, e.relation),
                 "relation": e.relation}
                for e in self.edges
            ],
        }


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


_UPWARD = {"implements", "based_on", "reviews", "cites"}


def _edge_ends(parent: str, child: LineageNode, direction: str) -> tuple[str, str]:
    """Arrows follow the statement: the implementer points at what it implements.

    Going down, a child instrument implements its parent; going up, the parent implements
    the child. Activities, bodies and observations hang below whatever reached them.
    """
    if child.relation in _UPWARD:
        return (child.iri, parent) if direction == "down" else (parent, child.iri)
    return parent, child.iri


def evidence_anchors(store: Store, refs: Iterable[EvidenceRef]) -> dict[tuple[str, int, int], str]:
    """(file name, start, end) → highlight URL, for evidence the lineage reports by span."""
    keys = {(r.document, r.start, r.end) for r in refs if r.document and r.start is not None}
    if not keys:
        return {}
    rows_in = " ".join(
        f"({literal_n3(name)} {int(start)} {int(end or start)})" for name, start, end in keys
    )
    rows = _q(
        store,
        f"""SELECT ?name ?start ?end ?ev ?d WHERE {{
          VALUES (?name ?start ?end) {{ {rows_in} }}
          ?d kgo:fileName ?name . ?ev kgo:start ?start ; kgo:end ?end ; kgo:inDocument ?d . }}""",
    )
    out: dict[tuple[str, int, int], str] = {}
    for r in rows:
        key = (str(r["name"]), _int(r["start"]) or 0, _int(r["end"]) or 0)
        doc_url = page_url(str(r["d"]))
        if doc_url and key not in out:
            out[key] = f"{doc_url}#{fact_anchor(str(r['ev']))}"
    return out


def _summary(kind: str, label: str, notation: str | None, ev: list[EvidenceRef]) -> str:
    """The hover text: plain text only (the page puts it in a text node, never as HTML)."""
    lines = [f"{KIND_NAMES.get(kind, kind)}: {shorten(label, 160)}"]
    if notation and notation not in label:
        lines.append(notation)
    if ev and ev[0].quote:
        lines.append("“" + shorten(ev[0].quote, 200) + "”")
        if ev[0].document:
            lines.append("— " + ev[0].document)
    return "\n".join(lines)


KIND_NAMES = {
    "central": "Văn bản trung ương",
    "local": "Văn bản địa phương",
    "body": "Cơ quan",
    "activity": "Hoạt động",
    "observation": "Số liệu",
    "document": "Tài liệu",
    "instrument": "Văn bản",
}


def _node_kind(node: LineageNode, local: dict[str, bool]) -> str:
    if node.kind != "instrument":
        return node.kind
    if node.iri.startswith(BASE + "document/"):
        return "document"
    return "local" if local.get(node.iri) else "central"


def _walk(root: LineageNode) -> Iterable[tuple[int, LineageNode | None, LineageNode]]:
    stack: list[tuple[int, LineageNode | None, LineageNode]] = [(0, None, root)]
    while stack:
        level, parent, node = stack.pop()
        yield level, parent, node
        for child in reversed(node.children):
            stack.append((level + 1, node, child))


def graph_view(store: Store, root: LineageNode, direction: str) -> GraphView:
    """vis-network nodes and edges plus the same lineage as table rows."""
    walked = list(_walk(root))
    local = is_local_map(store, {n.iri for _l, _p, n in walked if n.kind == "instrument"})
    anchors = evidence_anchors(store, [e for _l, _p, n in walked for e in n.evidence])
    view = GraphView()
    seen_nodes: set[str] = set()
    seen_edges: set[tuple[str, str, str]] = set()
    for level, parent, node in walked:
        kind = _node_kind(node, local)
        if node.iri not in seen_nodes:
            seen_nodes.add(node.iri)
            view.nodes.append(
                GraphNode(node.iri, node.label, kind, page_url(node.iri),
                          _summary(kind, node.label, node.notation, node.evidence), level)
            )
        ev = node.evidence[0] if node.evidence else None
        ev_url = anchors.get((ev.document, ev.start, ev.end)) if ev and ev.document else None
        view.rows.append(
            LineageRow(level, node.relation, kind, node.label, page_url(node.iri),
                       ev.quote if ev else None, ev_url, ev.document if ev else None)
        )
        if parent is None or node.relation is None:
            continue
        source, target = _edge_ends(parent.iri, node, direction)
        key = (source, target, node.relation)
        if key not in seen_edges:
            seen_edges.add(key)
            view.edges.append(GraphEdge(source, target, node.relation, node.relation))
    return view


# --------------------------------------------------------------------------- documents


@dataclass
class Fact:
    """One highlighted span and what was extracted from it."""

    evidence: str
    anchor: str
    start: int
    end: int
    kind: str  # link | activity | observation | mention
    title: str
    url: str | None = None  # the fact's own page
    links: list[tuple[str, str | None]] = field(default_factory=list)  # (text, url)


@dataclass
class DocumentView:
    iri: str
    name: str
    text: str
    label: str | None
    subject: str | None
    alias: str | None
    facts: list[Fact]


_FACT_KIND_ORDER = {"observation": 0, "activity": 1, "link": 2, "mention": 3}


def document_view(store: Store, doc_hash: str) -> DocumentView | None:
    """A document's text and every fact whose evidence points into it."""
    doc = document_iri(doc_hash)
    if not re.fullmatch(r"[0-9a-f]{4,64}", doc_hash):
        return None
    head = _q(
        store,
        f"""SELECT ?name ?text (SAMPLE(?l) AS ?label) (SAMPLE(?sub) AS ?subject)
                 (SAMPLE(?al) AS ?alias) WHERE {{
          VALUES ?d {{ {values([doc])} }} ?d kgo:fileName ?name ; kgo:text ?text .
          OPTIONAL {{ ?d rdfs:label ?l }} OPTIONAL {{ ?d kgo:subject ?sub }}
          OPTIONAL {{ ?d prov:alternateOf ?al }}
        }} GROUP BY ?name ?text""",
    )
    if not head:
        return None
    h = head[0]
    text = str(h["text"])
    facts = _link_facts(store, doc) + _activity_facts(store, doc) + _observation_facts(store, doc)
    facts += _mention_facts(store, doc)
    facts = [f for f in facts if 0 <= f.start < f.end <= len(text)]
    facts.sort(key=lambda f: (f.start, -f.end, _FACT_KIND_ORDER.get(f.kind, 9)))
    return DocumentView(doc, str(h["name"]), text, _s(h["label"]), _s(h["subject"]),
                        _s(h["alias"]), facts)


def _evidence_pattern(doc: str) -> str:
    return f"""VALUES ?d {{ {values([doc])} }}
          ?f kgo:evidence ?ev . ?ev kgo:inDocument ?d ; kgo:start ?start ; kgo:end ?end ."""


def _label_of(var: str) -> str:
    return (f"OPTIONAL {{ ?{var} rdfs:label ?{var}L0 }} OPTIONAL {{ ?{var} skos:prefLabel ?{var}L1 }}"
            f" OPTIONAL {{ ?{var} eli:id_local ?{var}L2 }}")


def _pick_label(r: dict[str, Node | None], var: str) -> str:
    for suffix in ("L0", "L1", "L2"):
        if r.get(var + suffix) is not None:
            return str(r[var + suffix])
    return str(r[var])


def _link_facts(store: Store, doc: str) -> list[Fact]:
    rows = _q(
        store,
        f"""SELECT ?ev ?start ?end ?f ?rel ?src ?tgt (SAMPLE(?srcL0) AS ?srcL0)
                 (SAMPLE(?srcL2) AS ?srcL2) (SAMPLE(?tgtL0) AS ?tgtL0) (SAMPLE(?tgtL2) AS ?tgtL2)
           WHERE {{ {_evidence_pattern(doc)}
          ?f a kgo:Link ; kgo:source ?src ; kgo:target ?tgt ; kgo:relation ?rel .
          OPTIONAL {{ ?src rdfs:label ?srcL0 }} OPTIONAL {{ ?src eli:id_local ?srcL2 }}
          OPTIONAL {{ ?tgt rdfs:label ?tgtL0 }} OPTIONAL {{ ?tgt eli:id_local ?tgtL2 }}
        }} GROUP BY ?ev ?start ?end ?f ?rel ?src ?tgt""",
    )
    out = []
    for r in rows:
        rel = str(r["rel"]).rsplit("#", 1)[-1]  # kgo:implements, eli:based_on …
        src, tgt = _pick_label(r, "src"), _pick_label(r, "tgt")
        out.append(
            Fact(str(r["ev"]), fact_anchor(str(r["ev"])), _int(r["start"]) or 0,
                 _int(r["end"]) or 0, "link", f"{src} — {LINK_LABELS.get(rel, rel)} → {tgt}",
                 None, [(src, page_url(str(r["src"]))), (tgt, page_url(str(r["tgt"])))])
        )
    return out


def _activity_facts(store: Store, doc: str) -> list[Fact]:
    rows = _q(
        store,
        f"""SELECT ?ev ?start ?end ?f (SAMPLE(?desc) AS ?description)
                 (GROUP_CONCAT(DISTINCT STR(?drv); separator=" ") AS ?drivers)
                 (GROUP_CONCAT(DISTINCT STR(?ag); separator=" ") AS ?agents) WHERE {{
          {_evidence_pattern(doc)} ?f a prov:Activity .
          OPTIONAL {{ ?f dcterms:description ?desc }}
          OPTIONAL {{ ?f prov:wasInfluencedBy ?drv }} OPTIONAL {{ ?f prov:wasAssociatedWith ?ag }}
        }} GROUP BY ?ev ?start ?end ?f""",
    )
    labels = labels_of(store, [i for r in rows for k in ("drivers", "agents")
                                for i in (_s(r[k]) or "").split()])
    out = []
    for r in rows:
        f = str(r["f"])
        links = [(labels.get(i, i), page_url(i)) for k in ("agents", "drivers")
                 for i in (_s(r[k]) or "").split()]
        out.append(Fact(str(r["ev"]), fact_anchor(str(r["ev"])), _int(r["start"]) or 0,
                        _int(r["end"]) or 0, "activity",
                        "Hoạt động: " + shorten(_s(r["description"]) or f, 200), page_url(f), links))
    return out


def _observation_facts(store: Store, doc: str) -> list[Fact]:
    rows = _q(
        store,
        f"""SELECT ?ev ?start ?end ?f (SAMPLE(?v) AS ?value) (SAMPLE(?u) AS ?unit)
                 (SAMPLE(?m) AS ?measure) (SAMPLE(?a) AS ?activity) WHERE {{
          {_evidence_pattern(doc)} ?f a qb:Observation .
          OPTIONAL {{ ?f kgo:value ?v }} OPTIONAL {{ ?f kgo:unit ?u }}
          OPTIONAL {{ ?f kgo:measure/skos:prefLabel ?m }} OPTIONAL {{ ?f prov:wasGeneratedBy ?a }}
        }} GROUP BY ?ev ?start ?end ?f""",
    )
    out = []
    for r in rows:
        text = " ".join(x for x in (_s(r["value"]), _s(r["unit"]), _s(r["measure"])) if x)
        links = [("hoạt động (activity)", page_url(str(r["activity"])))] if r["activity"] else []
        out.append(Fact(str(r["ev"]), fact_anchor(str(r["ev"])), _int(r["start"]) or 0,
                        _int(r["end"]) or 0, "observation", "Số liệu: " + text, None, links))
    return out


def _mention_facts(store: Store, doc: str) -> list[Fact]:
    rows = _q(
        store,
        f"""SELECT ?ev ?start ?end ?f (SAMPLE(?l) AS ?label) (SAMPLE(?n) AS ?notation) WHERE {{
          {_evidence_pattern(doc)} ?f a kgo:Instrument .
          OPTIONAL {{ ?f rdfs:label ?l }} OPTIONAL {{ ?f eli:id_local ?n }}
        }} GROUP BY ?ev ?start ?end ?f""",
    )
    return [
        Fact(str(r["ev"]), fact_anchor(str(r["ev"])), _int(r["start"]) or 0, _int(r["end"]) or 0,
             "mention", "Văn bản được nhắc: " + (_s(r["label"]) or _s(r["notation"]) or str(r["f"])),
             page_url(str(r["f"])), [])
        for r in rows
    ]


def labels_of(store: Store, iris: Iterable[str]) -> dict[str, str]:
    iris = [i for i in set(iris) if i]
    if not iris:
        return {}
    rows = _q(
        store,
        f"""SELECT ?i (SAMPLE(?a) AS ?l0) (SAMPLE(?b) AS ?l1) (SAMPLE(?c) AS ?l2) WHERE {{
          VALUES ?i {{ {values(iris)} }}
          OPTIONAL {{ ?i rdfs:label ?a }} OPTIONAL {{ ?i skos:prefLabel ?b }}
          OPTIONAL {{ ?i eli:id_local ?c }} }} GROUP BY ?i""",
    )
    return {str(r["i"]): _s(r["l0"]) or _s(r["l1"]) or _s(r["l2"]) or str(r["i"]) for r in rows}


@dataclass
class Segment:
    """A run of text covered by the same set of facts (possibly none)."""

    text: str
    facts: list[Fact]
    anchors: list[str]  # ids of facts that start here

    @property
    def kinds(self) -> list[str]:
        return sorted({f.kind for f in self.facts}, key=lambda k: _FACT_KIND_ORDER.get(k, 9))


def segments(text: str, facts: list[Fact]) -> list[Segment]:
    """Cut the text at every span boundary so overlapping facts need no nested markup."""
    cuts = sorted({0, len(text), *(f.start for f in facts), *(f.end for f in facts)})
    starts: dict[int, list[str]] = {}
    for f in facts:
        starts.setdefault(f.start, []).append(f.anchor)
    out = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        if a >= b:
            continue
        covering = [f for f in facts if f.start <= a and b <= f.end]
        out.append(Segment(text[a:b], covering, list(dict.fromkeys(starts.get(a, [])))))
    return out


# --------------------------------------------------------------------------- activities


@dataclass
class ActivityView:
    iri: str
    description: str
    kind: str | None
    period: str | None
    place: str | None
    document: tuple[str, str] | None  # (file name, url)
    agents: list[tuple[str, str | None]]
    drivers: list[tuple[str, str | None, str]]  # (label, url, iri)
    observations: list[tuple[str, str | None]]  # (text, evidence url)
    evidence: list[tuple[str, str]]  # (quote, url)


def fact_iri(doc_hash: str, kind: str, n: str) -> str:
    return kiri.fact(document_iri(doc_hash), kind, n)


def activity_view(store: Store, iri: str) -> ActivityView | None:
    if iri_n3(iri) is None:
        return None
    head = _q(
        store,
        f"""SELECT (SAMPLE(?desc) AS ?d) (SAMPLE(?k) AS ?kind) (SAMPLE(?p) AS ?period)
                 (SAMPLE(?pl) AS ?place) (SAMPLE(?doc) AS ?document) (SAMPLE(?fn) AS ?file) WHERE {{
          VALUES ?a {{ {values([iri])} }} ?a a prov:Activity .
          OPTIONAL {{ ?a dcterms:description ?desc }} OPTIONAL {{ ?a kgo:activityKind/skos:prefLabel ?k }}
          OPTIONAL {{ ?a kgo:period ?p }} OPTIONAL {{ ?a prov:atLocation/skos:prefLabel ?pl }}
          OPTIONAL {{ ?a kgo:reportedIn ?doc OPTIONAL {{ ?doc kgo:fileName ?fn }} }}
        }}""",
    )
    if not head or all(v is None for v in head[0].values()):
        return None
    h = head[0]
    related = _q(
        store,
        f"""SELECT DISTINCT ?role ?x WHERE {{ VALUES ?a {{ {values([iri])} }}
          {{ ?a prov:wasAssociatedWith ?x BIND("agent" AS ?role) }}
          UNION {{ ?a prov:wasInfluencedBy ?x BIND("driver" AS ?role) }}
          UNION {{ ?a prov:qualifiedAssociation/prov:hadPlan ?x BIND("driver" AS ?role) }}
        }}""",
    )
    canonical = canonical_map(store, [str(r["x"]) for r in related if str(r["role"]) == "driver"])
    related = [{**r, "x": URIRef(canonical.get(str(r["x"]), str(r["x"])))} for r in related]
    labels = labels_of(store, [str(r["x"]) for r in related])
    agents = sorted({(labels.get(str(r["x"]), str(r["x"])), page_url(str(r["x"])))
                     for r in related if str(r["role"]) == "agent"}, key=lambda t: t[0])
    drivers = sorted({(labels.get(str(r["x"]), str(r["x"])), page_url(str(r["x"])), str(r["x"]))
                      for r in related if str(r["role"]) == "driver"}, key=lambda t: t[0])
    obs = _q(
        store,
        f"""SELECT ?o (SAMPLE(?v) AS ?value) (SAMPLE(?u) AS ?unit) (SAMPLE(?m) AS ?measure)
                 (SAMPLE(?ev) AS ?evidence) WHERE {{ VALUES ?a {{ {values([iri])} }}
          ?o prov:wasGeneratedBy ?a . OPTIONAL {{ ?o kgo:value ?v }} OPTIONAL {{ ?o kgo:unit ?u }}
          OPTIONAL {{ ?o kgo:measure/skos:prefLabel ?m }} OPTIONAL {{ ?o kgo:evidence ?ev }}
        }} GROUP BY ?o ORDER BY ?o""",
    )
    observations = [
        (" ".join(x for x in (_s(r["value"]), _s(r["unit"]), _s(r["measure"])) if x),
         page_url(str(r["evidence"])) if r["evidence"] else None)
        for r in obs
    ]
    doc = _s(h["document"])
    return ActivityView(
        iri,
        _s(h["d"]) or iri,
        _s(h["kind"]),
        _s(h["period"]),
        _s(h["place"]),
        (_s(h["file"]) or doc or "", page_url(doc) or "#") if doc else None,
        agents,
        drivers,
        observations,
        evidence_of(store, iri),
    )


def evidence_of(store: Store, iri: str) -> list[tuple[str, str]]:
    """(quote, highlight URL) for each piece of evidence behind one fact."""
    rows = _q(
        store,
        f"""SELECT ?ev ?quote WHERE {{ VALUES ?f {{ {values([iri])} }}
          ?f kgo:evidence ?ev . ?ev kgo:quote ?quote . OPTIONAL {{ ?ev kgo:start ?s }} }}
          ORDER BY ?s""",
    )
    return [(str(r["quote"]), page_url(str(r["ev"])) or "#") for r in rows]


def activity_graph(store: Store, view: ActivityView) -> GraphView:
    """The activity, who carried it out, what it produced and the chain above its drivers."""
    from kg.lineage import _expand  # one walk for every page; see the report on making it public

    root = LineageNode(view.iri, view.description, "activity")
    for label, _url, driver in view.drivers:
        node = LineageNode(driver, label, "instrument", "drives_up")
        _expand(store, node, "up", 3, {view.iri})
        root.children.append(node)
    for label, url in view.agents:
        iri = _iri_of_url(url)
        if iri:
            root.children.append(LineageNode(iri, label, "body", "carried_out_by"))
    graph = graph_view(store, root, "up")
    for edge in graph.edges:  # an activity is driven by its plan: the arrow points at it
        if edge.relation == "drives_up":
            edge.source, edge.target, edge.relation = edge.target, edge.source, "drives"
    return graph


def _iri_of_url(url: str | None) -> str | None:
    return BASE + url[1:] if url and url.startswith("/body/") else None


# --------------------------------------------------------------------------- bodies


@dataclass
class BodyView:
    iri: str
    label: str
    alt_labels: list[str]
    province: str | None
    parents: list[tuple[str, str | None]]
    children: list[tuple[str, str | None]]
    issued: list[tuple[str, str | None]]
    activities: list[tuple[str, str | None, list[tuple[str, str | None]], list[tuple[str, str]]]]
    observations: list[tuple[str, str | None]]


def body_view(store: Store, iri: str) -> BodyView | None:
    if iri_n3(iri) is None:
        return None
    head = _q(
        store,
        f"""SELECT ?l ?alt ?prov WHERE {{ VALUES ?b {{ {values([iri])} }} ?b a org:Organization .
          OPTIONAL {{ ?b skos:prefLabel ?l }} OPTIONAL {{ ?b skos:altLabel ?alt }}
          OPTIONAL {{ ?b kgo:province/skos:prefLabel ?prov }} }}""",
    )
    if not head:
        return None
    labels = sorted({str(r["l"]) for r in head if r["l"] is not None})
    rel = _q(
        store,
        f"""SELECT DISTINCT ?role ?x WHERE {{ VALUES ?b {{ {values([iri])} }}
          {{ ?b org:subOrganizationOf ?x BIND("parent" AS ?role) }}
          UNION {{ ?x org:subOrganizationOf ?b BIND("child" AS ?role) }}
          UNION {{ ?x eli:passed_by ?b BIND("issued" AS ?role) }}
          UNION {{ ?x prov:wasAssociatedWith ?b ; a prov:Activity BIND("activity" AS ?role) }}
          UNION {{ ?x prov:wasAttributedTo ?b BIND("observation" AS ?role) }} }}""",
    )
    names = labels_of(store, [str(r["x"]) for r in rel])

    def of(role: str) -> list[tuple[str, str | None]]:
        return sorted({(names.get(str(r["x"]), str(r["x"])), page_url(str(r["x"])))
                       for r in rel if str(r["role"]) == role}, key=lambda t: t[0])

    acts = []
    for r in rel:
        if str(r["role"]) != "activity":
            continue
        a = activity_view(store, str(r["x"]))
        if a is not None:
            acts.append((a.description, page_url(a.iri), [(d[0], d[1]) for d in a.drivers],
                         a.evidence))
    acts.sort(key=lambda t: t[0])
    obs = observations_by(store, iri)
    return BodyView(
        iri, labels[0] if labels else iri,
        sorted({str(r["alt"]) for r in head if r["alt"] is not None}),
        next((str(r["prov"]) for r in head if r["prov"] is not None), None),
        of("parent"), of("child"), of("issued"), acts, obs,
    )


def observations_by(store: Store, body: str) -> list[tuple[str, str | None]]:
    """(value unit measure, highlight URL) of the observations attributed to a body."""
    rows = _q(
        store,
        f"""SELECT ?o (SAMPLE(?v) AS ?value) (SAMPLE(?u) AS ?unit) (SAMPLE(?m) AS ?measure)
                 (SAMPLE(?ev) AS ?evidence) WHERE {{ VALUES ?b {{ {values([body])} }}
          ?o prov:wasAttributedTo ?b . OPTIONAL {{ ?o kgo:value ?v }} OPTIONAL {{ ?o kgo:unit ?u }}
          OPTIONAL {{ ?o kgo:measure/skos:prefLabel ?m }} OPTIONAL {{ ?o kgo:evidence ?ev }}
        }} GROUP BY ?o ORDER BY ?o""",
    )
    return [
        (" ".join(x for x in (_s(r["value"]), _s(r["unit"]), _s(r["measure"])) if x),
         page_url(str(r["evidence"])) if r["evidence"] else None)
        for r in rows
    ]


def observation_evidence_url(store: Store, iri: str) -> str | None:
    """Where an observation's sentence is highlighted (its page is its evidence)."""
    found = evidence_of(store, iri)
    return found[0][1] if found else None
