"""Lineage look-ups: what implements an instrument (down), or what it implements (up).

The walk is breadth-first and batched: each level costs a fixed handful of queries, each
anchored on the IRIs of that level (``VALUES``), so the cost follows the size of the answer,
never the size of the graph. A document that states its own notation is both a document node
and, via ``prov:alternateOf``, the instrument other documents cite; both IRIs are one node of
the tree, so links stated on either side meet.

A local notation (KH-UBND, CTr/TU …) restarts every year in every province, so one notation
may name several instruments; then the caller gets the candidates and how to pick one
(province, year or IRI), not a guess.

IRIs put into the queries come from the store itself or are validated by pyoxigraph before
use (:func:`_values`), and the one user string (a notation) is written as an escaped literal,
so nothing a user types can change a query's shape.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib import Literal as RdfLiteral

from kg import iri as kiri
from kg import lineage_patterns as patterns
from kg.errors import KGError
from kg.store import Store
from kg.vocab import (
    DCTERMS,
    ELI,
    KGO,
    ORG,
    PROV,
    QB,
    RDF,
    RDFS,
    SKOS,
    XSD,
    bind_prefixes,
)

Direction = Literal["down", "up"]

LINK_RELATIONS = {
    str(KGO.implements): "implements",
    str(ELI.based_on): "based_on",
    str(KGO.reviews): "reviews",
}
RELATION_PROPERTY = {name: URIRef(prop) for prop, name in LINK_RELATIONS.items()}
MAX_DEPTH = 20
DEFAULT_LIMIT = 100  # children shown per node unless asked otherwise (API, CLI)
MAX_LIMIT = 5000

PREFIXES = f"""PREFIX kgo: <{KGO}>
PREFIX eli: <{ELI}>
PREFIX prov: <{PROV}>
PREFIX rdfs: <{RDFS}>
PREFIX skos: <{SKOS}>
PREFIX dcterms: <{DCTERMS}>
PREFIX org: <{ORG}>
PREFIX qb: <{QB}>
"""


class NotationNotFound(KGError):
    """No instrument (or activity) in the store answers to the reference."""


@dataclass(frozen=True)
class EvidenceRef:
    document: str | None  # file name
    quote: str | None
    start: int | None
    end: int | None
    iri: str | None = None  # the kgo:Evidence node
    fact: str | None = None  # the link, activity or observation it supports
    document_iri: str | None = None


@dataclass
class LineageNode:
    iri: str
    label: str
    kind: str  # instrument | activity | body | observation
    relation: str | None = None  # how this node hangs from its parent
    evidence: list[EvidenceRef] = field(default_factory=list)
    children: list[LineageNode] = field(default_factory=list)
    notation: str | None = None
    local: bool | None = None
    jurisdiction: str | None = None
    year: int | None = None
    truncated: int = 0  # children left out by the limit (0: every child is shown)


@dataclass
class Candidate:
    iri: str
    notation: str
    label: str
    jurisdiction: str | None
    year: int | None
    local: bool | None = None


@dataclass
class LineageTree:
    notation: str
    direction: Direction
    depth: int
    root: LineageNode | None = None
    candidates: list[Candidate] = field(default_factory=list)
    province: str | None = None
    year: int | None = None
    hint: str | None = None  # how to choose among candidates
    limit: int | None = None  # children per node (None: all)

    def to_json(self) -> dict[str, Any]:
        """The same dict as ``dataclasses.asdict``, built directly: asdict deep-copies every
        value and was a third of a large tree's answer time."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["root"] = None if self.root is None else _node_json(self.root)
        out["candidates"] = [asdict(c) for c in self.candidates]
        return out


_NODE_FIELDS = (
    "iri", "label", "kind", "relation", "notation", "local", "jurisdiction", "year", "truncated"
)
_EVIDENCE_FIELDS = ("document", "quote", "start", "end", "iri", "fact", "document_iri")


def _node_json(node: LineageNode) -> dict[str, Any]:
    out: dict[str, Any] = {
        "iri": node.iri,
        "label": node.label,
        "kind": node.kind,
        "relation": node.relation,
        "evidence": [{k: getattr(e, k) for k in _EVIDENCE_FIELDS} for e in node.evidence],
        "children": [_node_json(c) for c in node.children],
    }
    out.update({k: getattr(node, k) for k in _NODE_FIELDS[4:]})
    return out


@dataclass
class _Filter:
    """Province / year restriction on the local instruments and activities of a tree."""

    province: str | None = None  # folded place name, or None
    year: int | None = None

    def keeps(self, local: bool | None, jurisdiction: str | None, year: int | None) -> bool:
        if local is False:  # central instruments belong to every province and carry the walk
            return True
        if self.province is not None and (
            jurisdiction is None or kiri.fold(jurisdiction).strip() != self.province
        ):
            return False
        return self.year is None or year == self.year


# --------------------------------------------------------------------------- helpers


def _q(store: Store, sparql: str) -> list[dict[str, Any]]:
    from kg.queries import select_plain

    return select_plain(store, PREFIXES + sparql)


def _pattern_reader(store: Store) -> ox.Store | None:
    """The in-memory engine to read look-ups from as triple patterns (see
    :mod:`kg.lineage_patterns`), or None to ask SPARQL queries."""
    reader = getattr(store, "pattern_reader", None)
    return reader() if reader is not None else None


def _in_document_graphs(store: Store, sparql: str) -> list[dict[str, Any]]:
    """Rows of a query that names its graph (``GRAPH ?g``), over the named graphs only.

    Why: a document's activities, observations and evidence all sit in its own graph, so
    their patterns can be matched graph by graph; over the union of graphs the engine also
    de-duplicates every match across graphs, which costs about a fifth more per row.
    """
    from kg.queries import select_plain

    return select_plain(store, PREFIXES + sparql, union=False)


def _lit(value: str) -> str:
    """An escaped SPARQL string literal (pyoxigraph writes the N-Triples form)."""
    return str(ox.Literal(value))


def _values(iris: Iterable[str]) -> str:
    return " ".join(str(ox.NamedNode(i)) for i in sorted(set(iris)))


def _s(term: Any) -> str | None:
    return None if term is None else str(term)


def _int(term: Any) -> int | None:
    try:
        return None if term is None else int(str(term))
    except ValueError:
        return None


def _bool(term: Any) -> bool | None:
    return None if term is None else str(term).lower() in ("true", "1")


def _normalise(notation: str) -> str:
    """Users type "48 - CT/TW"; stored notations carry no whitespace."""
    try:
        from kg.notation import canonical
    except ImportError:  # pragma: no cover - kg.notation is part of the package
        return "".join(notation.split())
    return canonical(notation)


def is_iri(ref: str) -> bool:
    return bool(re.match(r"^https?://\S+$", ref))


# --------------------------------------------------------------------------- cached facts
#
# Facts of instruments, places, documents and measures are repeated in every document graph
# that mentions them (a central directive's label sits in hundreds of graphs), so a chain of
# OPTIONALs over them multiplies those copies. Each is read with one branch per property
# (DISTINCT, so copies collapse inside the engine) and kept for the store's version.

_FACT_PROPS = (
    ("label", RDFS.label),
    ("notation", ELI.id_local),
    ("local", KGO.isLocal),
    ("year", KGO.year),
    ("jur", KGO.jurisdiction),
)


@dataclass(frozen=True)
class _Facts:
    label: str | None = None
    notation: str | None = None
    local: bool | None = None
    year: int | None = None
    jurisdiction: str | None = None  # the place's label


def _memo_fill(
    store: Store, name: str, keys: Iterable[str], fetch: Any
) -> dict[str, Any]:
    """``{key: value}`` for ``keys``, fetching only those this store version has not seen."""
    from kg.queries import memo

    cache = memo(store, name)
    wanted = set(keys)
    # Not ``wanted - cache.keys()``: a set minus a keys view iterates the whole view, and the
    # memo holds every key the version has seen (1.3 ms per look-up at 10^6 triples).
    missing = {k for k in wanted if k not in cache}
    if missing:
        cache.update(fetch(store, missing))
    return {k: cache[k] for k in wanted}


def _least_values(rows: list[dict[str, Any]], key: str, names: dict[str, str]) -> dict[str, dict[str, str]]:
    """Per ``?{key}``: the least value of each property. Why the least: a fact repeated in
    many document graphs may be written differently in some, and the engine's row order is
    its own (and differs between the query and the pattern reads): the least value is the
    same answer from every backend and every run."""
    out: dict[str, dict[str, str]] = {}
    for r in rows:
        entry = out.setdefault(str(r[key]), {})
        prop = names[str(r["k"])]
        if r["o"] is not None and (prop not in entry or str(r["o"]) < entry[prop]):
            entry[prop] = str(r["o"])
    return out


def _fetch_facts(store: Store, iris: set[str]) -> dict[str, _Facts]:
    reader = _pattern_reader(store)
    if reader is not None:
        rows = patterns.facts(reader, iris, tuple(str(prop) for _, prop in _FACT_PROPS))
    else:
        branches = " UNION ".join(
            f"{{ ?n <{prop}> ?o BIND({n} AS ?k) }}" for n, (_, prop) in enumerate(_FACT_PROPS)
        )
        rows = _q(store, f"SELECT DISTINCT ?n ?k ?o WHERE {{ VALUES ?n {{ {_values(iris)} }} {branches} }}")
    names = {str(n): name for n, (name, _) in enumerate(_FACT_PROPS)}
    found = _least_values(rows, "n", names)
    places = _place_labels(store, {f["jur"] for f in found.values() if "jur" in f})
    out: dict[str, _Facts] = {}
    for iri in iris:
        f = found.get(iri, {})
        out[iri] = _Facts(
            f.get("label"),
            f.get("notation"),
            _bool(f.get("local")),
            _int(f.get("year")),
            places.get(f["jur"]) if "jur" in f else None,
        )
    return out


def _facts(store: Store, iris: Iterable[str]) -> dict[str, _Facts]:
    return _memo_fill(store, "lineage-facts", iris, _fetch_facts)


def _fetch_labels(store: Store, iris: set[str]) -> dict[str, str | None]:
    # DISTINCT: a place's labels are repeated in every document graph that names it, and
    # copying thousands of duplicates out of the engine cost a national look-up 0.15 s.
    reader = _pattern_reader(store)
    rows = patterns.labels(reader, iris) if reader is not None else _q(
        store, f"SELECT DISTINCT ?x ?l WHERE {{ VALUES ?x {{ {_values(iris)} }} ?x skos:prefLabel ?l }}"
    )
    out: dict[str, str | None] = dict.fromkeys(iris)
    for r in rows:
        x, label = str(r["x"]), str(r["l"])
        if out[x] is None or label < out[x]:  # type: ignore[operator]
            out[x] = label  # the least: see _least_values
    return out


def _place_labels(store: Store, iris: Iterable[str]) -> dict[str, str | None]:
    """skos:prefLabel of places, bodies or measures (the least, when there are several)."""
    return _memo_fill(store, "preflabel", iris, _fetch_labels)


def _fetch_docs(store: Store, docs: set[str]) -> dict[str, tuple[list[str | None], list[int | None]]]:
    reader = _pattern_reader(store)
    rows = patterns.document_facts(reader, docs) if reader is not None else _q(
        store,
        f"""SELECT DISTINCT ?doc ?k ?o WHERE {{ VALUES ?doc {{ {_values(docs)} }}
          {{ ?doc kgo:jurisdiction ?o BIND(0 AS ?k) }} UNION {{ ?doc kgo:year ?o BIND(1 AS ?k) }} }}""",
    )
    rows.sort(key=lambda r: (str(r["doc"]), str(r["k"]), str(r["o"])))
    places = _place_labels(store, {str(r["o"]) for r in rows if str(r["k"]) == "0"})
    jurs: dict[str, list[str | None]] = {}
    years: dict[str, list[int | None]] = {}
    for r in rows:
        if str(r["k"]) == "0":
            label = places.get(str(r["o"]))
            if label is not None and label not in jurs.setdefault(str(r["doc"]), []):
                jurs[str(r["doc"])].append(label)
        else:
            years.setdefault(str(r["doc"]), []).append(_int(r["o"]))
    return {d: (jurs.get(d) or [None], years.get(d) or [None]) for d in docs}


def _doc_facts(store: Store, docs: Iterable[str]) -> dict[str, tuple[list[str | None], list[int | None]]]:
    """Each reporting document's place labels and years (``[None]`` when it has none)."""
    return _memo_fill(store, "doc-facts", docs, _fetch_docs)


# --------------------------------------------------------------------------- identity


def _alias_map(store: Store, iris: Iterable[str]) -> dict[str, str]:
    """Every IRI of ``iris`` and its prov:alternateOf partners → one canonical key.

    The key is the cited instrument IRI (not the document node), because that is the IRI
    other documents use.
    """
    iris = set(iris)
    if not iris:
        return {}
    pairs = _memo_fill(store, "alternates", iris, _fetch_alternates)
    out = {i: i for i in iris}
    for doc, canon in sorted({p for i in sorted(iris) for p in pairs[i]}):
        out[doc] = canon
        out[canon] = canon
    for i in iris:  # an IRI given as a document resolves to its canonical partner
        out[i] = out.get(out[i], out[i])
    return out


def _fetch_alternates(store: Store, iris: set[str]) -> dict[str, list[tuple[str, str]]]:
    """(document node, cited instrument) pairs each IRI takes part in."""
    reader = _pattern_reader(store)
    rows = patterns.alternates(reader, iris) if reader is not None else _q(
        store,
        f"""SELECT DISTINCT ?i ?d ?c WHERE {{
          VALUES ?i {{ {_values(iris)} }}
          {{ ?i prov:alternateOf ?c BIND(?i AS ?d) }} UNION {{ ?d prov:alternateOf ?i BIND(?i AS ?c) }}
        }}""",
    )
    out: dict[str, list[tuple[str, str]]] = {i: [] for i in iris}
    for r in rows:
        out[str(r["i"])].append((str(r["d"]), str(r["c"])))
    return out


def find_instruments(
    store: Store, notation: str, *, province: str | None = None, year: int | None = None
) -> list[Candidate]:
    """Instruments whose eli:id_local equals ``notation`` (case-insensitively as a fallback)."""
    wanted = _normalise(notation)
    found_iris = _with_notation(store, [wanted])
    if not found_iris:
        spellings = _notation_index(store).get(wanted.lower(), ())
        found_iris = _with_notation(store, spellings)
    facts = _facts(store, {i for i, _ in found_iris})
    canon = _alias_map(store, {i for i, _ in found_iris})
    merged: dict[str, Candidate] = {}
    for i, n in found_iris:
        key = canon.get(i, i)
        f = facts[i]
        cand = merged.get(key)
        if cand is None:
            merged[key] = Candidate(key, n, f.label or n, f.jurisdiction, f.year, f.local)
        else:  # the document node may know what the citation did not
            cand.jurisdiction = cand.jurisdiction or f.jurisdiction
            cand.year = cand.year if cand.year is not None else f.year
    found = sorted(merged.values(), key=lambda c: c.iri)
    flt = _Filter(kiri.fold(province).strip() if province else None, year)
    if province or year is not None:
        found = [c for c in found if flt.keeps(c.local, c.jurisdiction, c.year)]
    return found


def _with_notation(store: Store, notations: Iterable[str]) -> list[tuple[str, str]]:
    """(IRI, notation) of every node carrying one of ``notations``: an anchored look-up."""
    notations = sorted(set(notations))
    if not notations:
        return []
    reader = _pattern_reader(store)
    if reader is not None:
        rows = patterns.with_notation(reader, notations)
    else:
        values = " ".join(_lit(n) for n in notations)
        rows = _q(store, f"SELECT DISTINCT ?i ?n WHERE {{ VALUES ?n {{ {values} }} ?i eli:id_local ?n }}")
    return sorted({(str(r["i"]), str(r["n"])) for r in rows})


def _notation_index(store: Store) -> dict[str, tuple[str, ...]]:
    """Lower-cased notation → the spellings stored, built once per store version.

    Why: the case-insensitive fallback would otherwise compare every notation in the store
    on each miss (a typo, a 404), which is what costs at national scale.
    """
    from kg.queries import versioned

    def build() -> dict[str, tuple[str, ...]]:
        index: dict[str, set[str]] = {}
        for r in _q(store, "SELECT DISTINCT ?n WHERE { ?i eli:id_local ?n }"):
            index.setdefault(str(r["n"]).lower(), set()).add(str(r["n"]))
        return {k: tuple(sorted(v)) for k, v in index.items()}

    return versioned(store, "notation-index", build)


# --------------------------------------------------------------------------- evidence


def _evidence_order(ref: EvidenceRef) -> tuple[str, int, int, str, str]:
    """Evidence in document order; the rest of the key only settles ties the same way on
    every backend (the engines' row orders differ)."""
    return (ref.document or "", ref.start or 0, ref.end or 0, ref.iri or "", ref.quote or "")


def _evidence(
    store: Store, facts_pattern: str, key_var: str = "f"
) -> dict[str, list[EvidenceRef]]:
    """Evidence of many facts in one query, grouped by ``?{key_var}``.

    The document is the graph the fact and its evidence sit in (one graph per document,
    named by the document's IRI, which kgo:inDocument repeats): reading it from the graph
    saves a look-up per evidence row.
    """
    rows = _in_document_graphs(
        store,
        f"""SELECT DISTINCT ?{key_var} ?fact ?ev ?quote ?start ?end ?doc WHERE {{
          GRAPH ?doc {{ {facts_pattern}
            ?ev kgo:quote ?quote ; kgo:start ?start ; kgo:end ?end . }}
        }}""",
    )
    return _evidence_refs(store, rows, key_var)


def _evidence_refs(
    store: Store, rows: list[dict[str, Any]], key_var: str
) -> dict[str, list[EvidenceRef]]:
    """Evidence rows (as :func:`_evidence` reads them) as references, by ``?{key_var}``."""
    names = _file_names(store, {str(r["doc"]) for r in rows})
    out: dict[str, list[EvidenceRef]] = {}
    for r in rows:
        ref = EvidenceRef(
            names[str(r["doc"])],
            _s(r["quote"]),
            _int(r["start"]),
            _int(r["end"]),
            _s(r["ev"]),
            _s(r["fact"]),
            _s(r["doc"]),
        )
        out.setdefault(str(r[key_var]), []).append(ref)
    for refs in out.values():
        refs.sort(key=_evidence_order)
    return out


def _fetch_file_names(store: Store, docs: set[str]) -> dict[str, str | None]:
    reader = _pattern_reader(store)
    rows = patterns.file_names(reader, docs) if reader is not None else _q(
        store, f"SELECT DISTINCT ?d ?name WHERE {{ VALUES ?d {{ {_values(docs)} }} ?d kgo:fileName ?name }}"
    )
    out: dict[str, str | None] = dict.fromkeys(docs)
    for r in rows:
        d, name = str(r["d"]), str(r["name"])
        if name and (not out[d] or name < out[d]):  # type: ignore[operator]
            out[d] = name  # the least: see _least_values
    return out


def _file_names(store: Store, docs: Iterable[str]) -> dict[str, str | None]:
    """File names of the documents evidence sits in: a handful per look-up, asked for again
    on every evidence row if joined into the evidence query (a sixth of its cost)."""
    return _memo_fill(store, "file-names", docs, _fetch_file_names)


def _fetch_fact_evidence(store: Store, facts: set[str]) -> dict[str, list[EvidenceRef]]:
    reader = _pattern_reader(store)
    if reader is not None:
        found = _evidence_refs(store, patterns.fact_evidence(reader, facts), "f")
    else:
        found = _evidence(store, f"VALUES ?f {{ {_values(facts)} }} ?f kgo:evidence ?ev . BIND(?f AS ?fact)")
    return {f: found.get(f, []) for f in facts}


def _fact_evidence(store: Store, facts: Iterable[str]) -> dict[str, list[EvidenceRef]]:
    """Evidence of activities or observations, kept per store version (it never changes)."""
    cached = _memo_fill(store, "fact-evidence", facts, _fetch_fact_evidence)
    return {f: list(refs) for f, refs in cached.items()}  # callers may extend their copy


# --------------------------------------------------------------------------- one level


@dataclass(frozen=True)
class _Edge:
    parent: str  # canonical key of the node already in the tree
    neighbour: str  # IRI as stored
    relation: str  # relation IRI
    label: str | None
    notation: str | None
    local: bool | None
    jurisdiction: str | None
    year: int | None


def _neighbours(store: Store, aliases: dict[str, str], direction: Direction) -> list[_Edge]:
    # One branch per relation: with the relation as a VALUES variable the engine scans a
    # relation's whole index from a central directive instead of looking the IRIs up.
    reader = _pattern_reader(store)
    if reader is not None:
        rows = patterns.neighbours(reader, aliases, LINK_RELATIONS, direction == "down")
    else:
        ends = "?n <{rel}> ?x" if direction == "down" else "?x <{rel}> ?n"
        branches = " UNION ".join(
            f"{{ {ends.format(rel=rel)} BIND(<{rel}> AS ?rel) }}" for rel in LINK_RELATIONS
        )
        rows = _q(
            store,
            f"SELECT DISTINCT ?x ?n ?rel WHERE {{ VALUES ?x {{ {_values(aliases)} }} {branches} }}",
        )
    facts = _facts(store, {str(r["n"]) for r in rows})
    edges = []
    for r in rows:
        f = facts[str(r["n"])]
        edges.append(
            _Edge(aliases[str(r["x"])], str(r["n"]), str(r["rel"]), f.label, f.notation, f.local,
                  f.jurisdiction, f.year)
        )
    return edges


def _link_evidence(
    store: Store, pairs: set[tuple[str, str, str]]
) -> dict[tuple[str, str, str], list[EvidenceRef]]:
    """Evidence of links given as (source IRI, target IRI, relation IRI) triples.

    Two small queries rather than one: the link facts of the sources first (pairs kept in
    Python), then the evidence of those facts. Joined in one query with the evidence
    patterns, Oxigraph sometimes started from the evidence side and read every evidence
    node of the store, which took minutes at 10^6 triples.
    """
    if not pairs:
        return {}
    sources = {s for s, _, _ in pairs}
    reader = _pattern_reader(store)
    rows = patterns.link_facts(reader, sources) if reader is not None else _q(
        store,
        f"""SELECT DISTINCT ?src ?tgt ?rel ?fact WHERE {{
          VALUES ?src {{ {_values(sources)} }}
          ?fact kgo:source ?src ; kgo:target ?tgt ; kgo:relation ?rel .
        }}""",
    )
    facts: dict[str, tuple[str, str, str]] = {}
    for r in rows:
        key = (str(r["src"]), str(r["tgt"]), str(r["rel"]))
        if key in pairs:
            facts[str(r["fact"])] = key
    out: dict[tuple[str, str, str], list[EvidenceRef]] = {}
    for fact, refs in _fact_evidence(store, facts).items():
        if refs:
            out.setdefault(facts[fact], []).extend(refs)
    for refs in out.values():
        refs.sort(key=_evidence_order)
    return out


def _activities(
    store: Store, aliases: dict[str, str], flt: _Filter, limit: int | None = None
) -> tuple[dict[str, list[LineageNode]], dict[str, int]]:
    """Activities driven by any of ``aliases``, with bodies and observations, by parent key;
    and how many each parent had beyond ``limit`` (those cost no further query)."""
    reader = _pattern_reader(store)
    found = patterns.activities(reader, aliases) if reader is not None else _in_document_graphs(
        store,
        f"""SELECT DISTINCT ?x ?a ?desc ?doc WHERE {{ GRAPH ?g {{
          VALUES ?x {{ {_values(aliases)} }}
          ?a prov:wasInfluencedBy ?x ; a prov:Activity .
          OPTIONAL {{ ?a dcterms:description ?desc }}
          OPTIONAL {{ ?a kgo:reportedIn ?doc }}
        }} }}""",
    )
    docs = _doc_facts(store, {str(r["doc"]) for r in found if r["doc"] is not None})
    rows = []
    for r in found:
        jurs, years = docs[str(r["doc"])] if r["doc"] is not None else ([None], [None])
        for jur in jurs:
            rows.extend({**r, "jur": jur, "year": y} for y in years)
    filtering = flt.province is not None or flt.year is not None
    kept = [r for r in rows if not filtering or flt.keeps(None, _s(r["jur"]), _int(r["year"]))]
    chosen: dict[tuple[str, str], dict[str, Any]] = {}
    # an activity's first description, the least when it has several (see _least_values)
    for r in sorted(kept, key=lambda r: (str(r["a"]), _s(r["desc"]) or "")):
        chosen.setdefault((aliases[str(r["x"])], str(r["a"])), r)
    per_parent: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for (parent, a), r in chosen.items():
        per_parent.setdefault(parent, []).append((a, r))
    cut: dict[str, int] = {}
    for parent, items in per_parent.items():
        per_parent[parent], cut[parent] = _cap(items, limit)
    acts = sorted({a for items in per_parent.values() for a, _ in items})
    if not acts:
        return {}, {p: n for p, n in cut.items() if n}
    evidence, parts = _activity_parts(store, acts)
    out: dict[str, list[LineageNode]] = {}
    for parent, items in per_parent.items():
        for a, r in items:
            node = LineageNode(a, _s(r["desc"]) or a, "activity", "drives")
            node.evidence = evidence.get(a, [])
            node.children, node.truncated = _cap(parts.get(a, []), limit)
            out.setdefault(parent, []).append(node)
    return out, {p: n for p, n in cut.items() if n}


def _cap(items: list[Any], limit: int | None) -> tuple[list[Any], int]:
    """The first ``limit`` items and how many were left out (all of them when no limit)."""
    if limit is None or len(items) <= limit:
        return items, 0
    return items[:limit], len(items) - limit


@dataclass(frozen=True)
class _Part:
    """A child of an activity as read from the store (LineageNodes are built per answer,
    since callers grow and cut them)."""

    iri: str
    label: str
    kind: str  # body | observation
    relation: str
    evidence: tuple[EvidenceRef, ...] = ()


def _activity_parts(
    store: Store, activities: list[str]
) -> tuple[dict[str, list[EvidenceRef]], dict[str, list[LineageNode]]]:
    """Evidence of each activity, and its children: the bodies that carried it out, then
    the observations it resulted in, each with its evidence (kept per store version)."""
    found = _memo_fill(store, "activity-parts", activities, _fetch_activity_parts)
    evidence = {a: list(found[a][0]) for a in activities}
    parts = {
        a: [
            LineageNode(p.iri, p.label, p.kind, p.relation, evidence=list(p.evidence))
            for p in found[a][1]
        ]
        for a in activities
        if found[a][1]
    }
    return evidence, parts


def _fetch_activity_parts(
    store: Store, activities: set[str]
) -> dict[str, tuple[tuple[EvidenceRef, ...], tuple[_Part, ...]]]:
    """Three queries (evidence, bodies, observations), each anchored on the activities.

    Not one query with a branch per part: it saved a few tenths of a millisecond per plan,
    but from a few hundred activities on Oxigraph's planner matched each branch over the
    whole store (200 IRIs: 140 s at 10^6 triples), and in batches small enough to avoid
    that, a national directive's tree took twice as long (1.35 s against 0.57 s).
    """
    ordered = sorted(activities)
    evidence = _fact_evidence(store, ordered)
    children: dict[str, list[_Part]] = {}
    for found in (_bodies(store, ordered), _observations(store, ordered)):
        for a, nodes in found.items():
            children.setdefault(a, []).extend(
                _Part(n.iri, n.label, n.kind, n.relation or "", tuple(n.evidence)) for n in nodes
            )
    return {a: (tuple(evidence.get(a, ())), tuple(children.get(a, ()))) for a in activities}


def _bodies(store: Store, activities: list[str]) -> dict[str, list[LineageNode]]:
    reader = _pattern_reader(store)
    rows = patterns.bodies(reader, activities) if reader is not None else _in_document_graphs(
        store,
        f"""SELECT DISTINCT ?a ?b WHERE {{ GRAPH ?g {{
          VALUES ?a {{ {_values(activities)} }} ?a prov:wasAssociatedWith ?b
        }} }}""",
    )
    rows.sort(key=lambda r: (str(r["a"]), str(r["b"])))
    labels = _place_labels(store, {str(r["b"]) for r in rows})
    out: dict[str, list[LineageNode]] = {}
    for r in rows:
        node = LineageNode(str(r["b"]), labels[str(r["b"])] or str(r["b"]), "body", "carried_out_by")
        out.setdefault(str(r["a"]), []).append(node)
    return out


def _observations(store: Store, activities: list[str]) -> dict[str, list[LineageNode]]:
    reader = _pattern_reader(store)
    found = patterns.observations(reader, activities) if reader is not None else _in_document_graphs(
        store,
        f"""SELECT DISTINCT ?a ?o ?value ?unit ?m WHERE {{ GRAPH ?g {{
          VALUES ?a {{ {_values(activities)} }}
          ?o prov:wasGeneratedBy ?a .
          OPTIONAL {{ ?o kgo:value ?value }} OPTIONAL {{ ?o kgo:unit ?unit }}
          OPTIONAL {{ ?o kgo:measure ?m }}
        }} }}""",
    )
    labels = _place_labels(store, {str(r["m"]) for r in found if r["m"] is not None})
    grouped: dict[tuple[str, str, str | None, str | None], str | None] = {}
    for r in found:  # one row per (activity, observation, value, unit), as GROUP BY gave
        key = (str(r["a"]), str(r["o"]), _s(r["value"]), _s(r["unit"]))
        label = labels.get(str(r["m"])) if r["m"] is not None else None
        known = grouped.get(key)
        if known is None or (label is not None and label < known):
            grouped[key] = label  # the least measure label: see _least_values
    rows = [
        {"a": a, "o": o, "value": v, "unit": u, "measure": m}
        for (a, o, v, u), m in sorted(grouped.items(), key=lambda kv: (kv[0][0], kv[0][1]))
    ]
    obs = sorted({str(r["o"]) for r in rows})
    evidence = _fact_evidence(store, obs) if obs else {}
    out: dict[str, list[LineageNode]] = {}
    for r in rows:
        o = str(r["o"])
        label = " ".join(x for x in (_s(r["value"]), _s(r["unit"]), _s(r["measure"])) if x)
        node = LineageNode(o, label or o, "observation", "resulted_in")
        node.evidence = evidence.get(o, [])
        out.setdefault(str(r["a"]), []).append(node)
    return out


# --------------------------------------------------------------------------- walking


def expand(
    store: Store,
    root: LineageNode,
    direction: Direction,
    depth: int,
    visited: set[str],
    *,
    province: str | None = None,
    year: int | None = None,
    limit: int | None = None,
) -> None:
    """Grow ``root`` in place, level by level, ``depth`` links deep (activities below each).

    With ``limit``, each node keeps at most that many children and counts the rest in
    ``truncated``; the children left out are neither looked up further nor walked below,
    so a national directive with thousands of descendants costs what its first page costs.
    """
    flt = _Filter(kiri.fold(province).strip() if province else None, year)
    aliases = _alias_map(store, {root.iri})
    root_key = aliases.get(root.iri, root.iri)
    nodes: dict[str, LineageNode] = {root_key: root}
    frontier = {root_key}
    visited |= set(aliases) | {root_key}
    for level in range(depth + 1):
        level_aliases = {a: k for a, k in aliases.items() if k in frontier}
        if direction == "down":
            acts_by_parent, cut = _activities(store, level_aliases, flt, limit)
            for key, acts in acts_by_parent.items():
                nodes[key].children.extend(acts)
            for key, n in cut.items():
                nodes[key].truncated += n
        if level == depth:
            break
        edges = _neighbours(store, level_aliases, direction)
        canon = _alias_map(store, {e.neighbour for e in edges})
        children: dict[tuple[str, str], tuple[LineageNode, _Edge]] = {}
        for edge in sorted(edges, key=lambda e: (e.parent, e.neighbour, e.relation)):
            key = canon.get(edge.neighbour, edge.neighbour)
            if key in visited or not flt.keeps(edge.local, edge.jurisdiction, edge.year):
                continue
            known = children.get((key, edge.relation))
            if known is not None:
                _merge_facts(known[0], edge)
                continue
            child = LineageNode(
                key,
                edge.label or edge.notation or key,
                "instrument",
                LINK_RELATIONS[edge.relation],
                notation=edge.notation,
                local=edge.local,
                jurisdiction=edge.jurisdiction,
                year=edge.year,
            )
            children[(key, edge.relation)] = (child, edge)
        room = {k: None if limit is None else limit - len(n.children) for k, n in nodes.items()}
        children, cut = _within_limit(children, visited, room)
        for key, n in cut.items():
            nodes[key].truncated += n
        pairs = _evidence_pairs(children.values(), aliases, canon, direction)
        evidence = _index_evidence(_link_evidence(store, pairs), aliases, canon, direction)
        frontier = set()
        for (key, rel), (child, edge) in children.items():
            if key in visited:  # reached from two parents at this level: keep the first
                continue
            visited.add(key)
            child.evidence = _collect(evidence, edge.parent, key, rel)
            nodes[edge.parent].children.append(child)
            nodes[key] = child
            frontier.add(key)
        if not frontier:
            break
        aliases = {a: k for a, k in canon.items() if k in frontier}
        visited |= set(aliases)


def _within_limit(
    children: dict[tuple[str, str], tuple[LineageNode, _Edge]],
    visited: set[str],
    room: dict[str, int | None],
) -> tuple[dict[tuple[str, str], tuple[LineageNode, _Edge]], dict[str, int]]:
    """The children that fit their parent's remaining ``room`` (None: no limit), in order,
    and how many each parent loses. A node reached twice keeps its first place only, as
    the walk does, so it is neither shown nor counted twice."""
    kept: dict[tuple[str, str], tuple[LineageNode, _Edge]] = {}
    cut: dict[str, int] = {}
    seen: set[str] = set()
    used: dict[str, int] = {}
    for (key, rel), (child, edge) in children.items():
        if key in visited or key in seen:
            continue
        seen.add(key)
        free = room.get(edge.parent)
        if free is not None and used.get(edge.parent, 0) >= free:
            cut[edge.parent] = cut.get(edge.parent, 0) + 1
            continue
        used[edge.parent] = used.get(edge.parent, 0) + 1
        kept[(key, rel)] = (child, edge)
    return kept, cut


def _merge_facts(node: LineageNode, edge: _Edge) -> None:
    node.notation = node.notation or edge.notation
    node.jurisdiction = node.jurisdiction or edge.jurisdiction
    node.year = node.year if node.year is not None else edge.year


def _by_key(mapping: dict[str, str]) -> dict[str, list[str]]:
    """Invert an alias → key map once, so each node finds its aliases without a scan."""
    out: dict[str, list[str]] = {}
    for alias, key in mapping.items():
        out.setdefault(key, []).append(alias)
    return out


def _evidence_pairs(
    children: Iterable[tuple[LineageNode, _Edge]],
    aliases: dict[str, str],
    canon: dict[str, str],
    direction: Direction,
) -> set[tuple[str, str, str]]:
    parents_of, aliases_of = _by_key(aliases), _by_key(canon)
    pairs: set[tuple[str, str, str]] = set()
    for child, edge in children:
        for p in parents_of.get(edge.parent, ()):
            for c in aliases_of.get(child.iri, ()):
                pairs.add((c, p, edge.relation) if direction == "down" else (p, c, edge.relation))
    return pairs


EvidenceIndex = dict[tuple[str, str, str], list[EvidenceRef]]


def _index_evidence(
    evidence: dict[tuple[str, str, str], list[EvidenceRef]],
    aliases: dict[str, str],
    canon: dict[str, str],
    direction: Direction,
) -> EvidenceIndex:
    """Link evidence by (child key, parent key, relation): one pass instead of one per child."""
    index: EvidenceIndex = {}
    for (src, tgt, rel), refs in evidence.items():
        lower, upper = (src, tgt) if direction == "down" else (tgt, src)
        parent = aliases.get(upper)
        if parent is not None:
            index.setdefault((canon.get(lower, lower), parent, rel), []).extend(refs)
    return index


def _collect(
    index: EvidenceIndex, parent: str, child: str, relation: str
) -> list[EvidenceRef]:
    refs = index.get((child, parent, relation), [])
    return sorted(set(refs), key=_evidence_order)


def _expand(
    store: Store,
    node: LineageNode,
    direction: Direction,
    depth: int,
    visited: set[str],
    limit: int | None = None,
) -> None:
    """Kept for callers of the earlier walk (the browser pages)."""
    expand(store, node, direction, depth, visited, limit=limit)


# --------------------------------------------------------------------------- entry points


def activity_root(store: Store, activity: str, limit: int | None = None) -> LineageNode | None:
    """An activity node with its bodies, observations and evidence (None if unknown)."""
    rows = _q(
        store,
        f"""SELECT ?desc WHERE {{ {_values([activity])} a prov:Activity .
          OPTIONAL {{ {_values([activity])} dcterms:description ?desc }} }} LIMIT 1""",
    )
    if not rows:
        return None
    node = LineageNode(activity, _s(rows[0]["desc"]) or activity, "activity")
    evidence, parts = _activity_parts(store, [activity])
    node.evidence = evidence.get(activity, [])
    node.children, node.truncated = _cap(parts.get(activity, []), limit)
    return node


def _activity_up(store: Store, root: LineageNode, depth: int, limit: int | None = None) -> None:
    """Above an activity: its driving instruments, then the chain above each."""
    rows = _q(
        store,
        f"""SELECT DISTINCT ?p ?label ?notation ?local WHERE {{
          {_values([root.iri])} prov:wasInfluencedBy ?p .
          OPTIONAL {{ ?p rdfs:label ?label }} OPTIONAL {{ ?p eli:id_local ?notation }}
          OPTIONAL {{ ?p kgo:isLocal ?local }}
        }} ORDER BY ?p""",
    )
    canon = _alias_map(store, {str(r["p"]) for r in rows})
    seen: set[str] = set()
    visited = {root.iri}
    for r in rows:
        key = canon.get(str(r["p"]), str(r["p"]))
        if key in seen:
            continue
        seen.add(key)
        label = _s(r["label"]) or _s(r["notation"]) or key
        plan = LineageNode(
            key, label, "instrument", "driven_by", notation=_s(r["notation"]), local=_bool(r["local"])
        )
        if limit is not None and len(root.children) >= limit:
            root.truncated += 1
            continue
        plan.evidence = [e for e in root.evidence]
        expand(store, plan, "up", max(depth - 1, 0), visited, limit=limit)
        root.children.append(plan)


def lineage(
    store: Store,
    notation: str,
    *,
    direction: Direction = "down",
    depth: int = 5,
    iri: str | None = None,
    province: str | None = None,
    year: int | None = None,
    limit: int | None = None,
) -> LineageTree:
    """The tree below (or above) the instrument named ``notation``.

    ``limit`` caps the children shown per node (None: all); each node's ``truncated``
    says how many it left out.

    ``notation`` may also be an IRI: an instrument's, or an activity's (whose lineage is the
    chain above it). Raises :class:`NotationNotFound` when nothing answers to it; returns the
    candidates (and no root) when a notation names several instruments, unless ``iri``,
    ``province`` or ``year`` narrow them to one.
    """
    if direction not in ("down", "up"):
        raise KGError(f"direction must be 'down' or 'up', not {direction!r}")
    depth = max(0, min(depth, MAX_DEPTH))
    limit = None if limit is None else max(0, min(limit, MAX_LIMIT))
    tree = LineageTree(
        notation=notation, direction=direction, depth=depth, province=province, year=year,
        limit=limit,
    )
    if is_iri(notation) and iri is None:
        activity = activity_root(store, notation, limit)
        if activity is not None:
            tree.root = activity
            if direction == "up":
                _activity_up(store, activity, depth, limit)
            return tree
        iri = notation
        notation = _notation_of(store, notation) or notation
    tree.notation = _normalise(notation) if not is_iri(notation) else notation
    candidates = find_instruments(store, notation, province=province, year=year)
    if iri is not None:
        canon = _alias_map(store, {iri}).get(iri, iri)
        candidates = [c for c in candidates if c.iri == canon]
    if not candidates:
        where = f" in {province}" if province else ""
        when = f" of {year}" if year is not None else ""
        raise NotationNotFound(f"no instrument {notation!r}{where}{when} in the store")
    if len(candidates) > 1:
        tree.candidates = candidates
        tree.hint = (
            f"{tree.notation} names {len(candidates)} instruments (local numbering restarts "
            "every year in every province): add province= and/or year=, or iri= with one of "
            "the candidates' IRIs"
        )
        return tree
    found = candidates[0]
    tree.notation = found.notation
    tree.root = LineageNode(
        found.iri,
        found.label,
        "instrument",
        None,
        notation=found.notation,
        jurisdiction=found.jurisdiction,
        year=found.year,
    )
    expand(store, tree.root, direction, depth, set(), province=province, year=year, limit=limit)
    return tree


def _notation_of(store: Store, iri: str) -> str | None:
    rows = _q(
        store,
        f"""SELECT ?n WHERE {{ VALUES ?i {{ {_values([iri])} }}
          {{ ?i eli:id_local ?n }} UNION {{ ?i prov:alternateOf/eli:id_local ?n }}
          UNION {{ ?d prov:alternateOf ?i . ?d eli:id_local ?n }} }} LIMIT 1""",
    )
    return _s(rows[0]["n"]) if rows else None


# --------------------------------------------------------------------------- as RDF


_EDGE_PROPERTIES = {
    "drives": PROV.wasInfluencedBy,
    "driven_by": PROV.wasInfluencedBy,
    "carried_out_by": PROV.wasAssociatedWith,
    "resulted_in": PROV.wasGeneratedBy,
}
OMITTED_CHILDREN = KGO.omittedChildren
_KIND_CLASS = {
    "instrument": KGO.Instrument,
    "activity": PROV.Activity,
    "body": ORG.Organization,
    "observation": QB.Observation,
}


def tree_graph(tree: LineageTree) -> Graph:
    """The tree as RDF in the project's own terms (for Turtle / JSON-LD answers).

    Edges are written as the statements they stand for (child kgo:implements parent going
    down, activity prov:wasInfluencedBy instrument …); evidence as kgo:Evidence nodes.
    """
    graph = bind_prefixes(Graph())
    if tree.root is None:
        for c in tree.candidates:
            node = URIRef(c.iri)
            graph.add((node, RDF.type, KGO.Instrument))
            graph.add((node, ELI.id_local, RdfLiteral(c.notation)))
            graph.add((node, RDFS.label, RdfLiteral(c.label, lang="vi")))
        return graph
    stack: list[tuple[LineageNode | None, LineageNode]] = [(None, tree.root)]
    while stack:
        parent, node = stack.pop()
        _node_triples(graph, node)
        if parent is not None and node.relation:
            _edge_triple(graph, parent, node, tree.direction)
        stack.extend((node, child) for child in node.children)
    return graph


def _node_triples(graph: Graph, node: LineageNode) -> None:
    subject = URIRef(node.iri)
    graph.add((subject, RDF.type, _KIND_CLASS.get(node.kind, PROV.Entity)))
    graph.add((subject, RDFS.label, RdfLiteral(node.label, lang="vi")))
    if node.notation:
        graph.add((subject, ELI.id_local, RdfLiteral(node.notation)))
    if node.truncated:  # a statement about this answer: how many children it left out
        graph.add((subject, OMITTED_CHILDREN, RdfLiteral(node.truncated, datatype=XSD.integer)))
    for ev in node.evidence:
        if ev.iri is None:
            continue
        evn = URIRef(ev.iri)
        graph.add((URIRef(ev.fact or node.iri), KGO.evidence, evn))
        graph.add((evn, RDF.type, KGO.Evidence))
        if ev.quote is not None:
            graph.add((evn, KGO.quote, RdfLiteral(ev.quote)))
        if ev.start is not None:
            graph.add((evn, KGO.start, RdfLiteral(ev.start, datatype=XSD.integer)))
        if ev.end is not None:
            graph.add((evn, KGO.end, RdfLiteral(ev.end, datatype=XSD.integer)))
        if ev.document_iri:
            graph.add((evn, KGO.inDocument, URIRef(ev.document_iri)))
            if ev.document:
                graph.add((URIRef(ev.document_iri), KGO.fileName, RdfLiteral(ev.document)))


def _edge_triple(graph: Graph, parent: LineageNode, child: LineageNode, direction: str) -> None:
    p, c = URIRef(parent.iri), URIRef(child.iri)
    rel = child.relation or ""
    if rel in RELATION_PROPERTY:
        lower, upper = (c, p) if direction == "down" else (p, c)
        graph.add((lower, RELATION_PROPERTY[rel], upper))
        for ev in child.evidence:
            if ev.fact:
                link = URIRef(ev.fact)
                graph.add((link, RDF.type, KGO.Link))
                graph.add((link, KGO.source, lower))
                graph.add((link, KGO.target, upper))
                graph.add((link, KGO.relation, RELATION_PROPERTY[rel]))
        return
    prop = _EDGE_PROPERTIES.get(rel)
    if prop is None:
        return
    if rel == "drives" or rel == "resulted_in":
        graph.add((c, prop, p))
    else:  # driven_by, carried_out_by: the parent (an activity) is the subject
        graph.add((p, prop, c))


# --------------------------------------------------------------------------- rendering


def render_tree(tree: LineageTree) -> str:
    """Indented text for the terminal; evidence shown as the quoted sentence and its file."""
    if tree.root is None:
        lines = [f"{tree.notation} names {len(tree.candidates)} instruments; pick one with --iri:"]
        for c in tree.candidates:
            where = ", ".join(str(x) for x in (c.jurisdiction, c.year) if x)
            lines.append(f"  {c.label}" + (f" ({where})" if where else "") + f"  <{c.iri}>")
        return "\n".join(lines)
    lines: list[str] = []
    _render(tree.root, 0, lines)
    return "\n".join(lines)


def _render(node: LineageNode, level: int, lines: list[str]) -> None:
    pad = "  " * level
    rel = f"[{node.relation}] " if node.relation else ""
    lines.append(f"{pad}{rel}{node.label}")
    for ev in node.evidence[:1]:
        quote = " ".join((ev.quote or "").split())
        if len(quote) > 160:
            quote = quote[:157] + "…"
        lines.append(f"{pad}    “{quote}” — {ev.document or '?'}")
    for child in node.children:
        _render(child, level + 1, lines)
    if node.truncated:
        lines.append(f"{pad}  … and {node.truncated} more")


# --------------------------------------------------------------------------- stats


STATS_QUERIES: dict[str, str] = {
    "instruments": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a kgo:Instrument }",
    "links": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a kgo:Link }",
    "activities": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a prov:Activity }",
    "observations": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a qb:Observation }",
    "bodies": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a org:Organization }",
}


def store_stats(store: Store) -> dict[str, int]:
    """The figures ``kg stats``, ``/healthz`` and ``/api/stats`` report.

    Counted once per store version: at 10^6 triples they take most of a second, and a
    health check polled every few seconds should not cost that.
    """
    from kg.queries import versioned

    def count() -> dict[str, int]:
        out = {"documents": len(store.document_graphs()), "triples": store.count_triples()}
        for key, sparql in STATS_QUERIES.items():
            rows = _q(store, sparql)
            out[key] = (_int(rows[0]["n"]) or 0) if rows else 0
        return out

    return dict(versioned(store, "stats", count))
