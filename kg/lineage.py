"""Lineage look-ups: what implements an instrument (down), or what it implements (up).

Every query starts from bound instrument IRIs (``VALUES``) and walks one hop, so the cost is
proportional to the answer, never to the size of the graph. A document that states its own
notation is both a document node and, via ``prov:alternateOf``, the instrument other
documents cite; both IRIs are treated as one node so links stated on either side meet.

A local notation (KH-UBND, CTr/TU …) restarts every year in every province, so one notation
may name several instruments; then the caller gets the candidates, not a guess.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from rdflib.term import Node

from kg.errors import KGError
from kg.store import Store
from kg.vocab import DCTERMS, ELI, KGO, ORG, PROV, QB, RDFS, SKOS

Direction = Literal["down", "up"]

LINK_RELATIONS = {
    str(KGO.implements): "implements",
    str(ELI.based_on): "based_on",
    str(KGO.reviews): "reviews",
}

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
    """No instrument in the store carries the notation."""


@dataclass(frozen=True)
class EvidenceRef:
    document: str | None
    quote: str | None
    start: int | None
    end: int | None


@dataclass
class LineageNode:
    iri: str
    label: str
    kind: str  # instrument | activity | body | observation
    relation: str | None = None  # how this node hangs from its parent
    evidence: list[EvidenceRef] = field(default_factory=list)
    children: list[LineageNode] = field(default_factory=list)
    notation: str | None = None


@dataclass
class Candidate:
    iri: str
    notation: str
    label: str
    jurisdiction: str | None
    year: int | None


@dataclass
class LineageTree:
    notation: str
    direction: Direction
    depth: int
    root: LineageNode | None = None
    candidates: list[Candidate] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


# --------------------------------------------------------------------------- helpers


def _q(store: Store, sparql: str) -> list[dict[str, Node | None]]:
    return store.query(PREFIXES + sparql).rows


def _lit(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _values(iris: list[str] | set[str]) -> str:
    return " ".join(f"<{i}>" for i in sorted(iris))


def _s(term: Node | None) -> str | None:
    return None if term is None else str(term)


def _int(term: Node | None) -> int | None:
    try:
        return None if term is None else int(str(term))
    except ValueError:
        return None


def _normalise(notation: str) -> str:
    """Users type "48 - CT/TW"; stored notations carry no whitespace."""
    try:
        from kg.notation import canonical
    except ImportError:  # pragma: no cover - kg.notation is part of the package
        return "".join(notation.split())
    return canonical(notation)


# --------------------------------------------------------------------------- identity


def _aliases(store: Store, iris: set[str]) -> set[str]:
    """The IRIs linked to ``iris`` by prov:alternateOf, in either direction (one hop)."""
    rows = _q(
        store,
        f"""SELECT DISTINCT ?o WHERE {{
          VALUES ?i {{ {_values(iris)} }}
          {{ ?i prov:alternateOf ?o }} UNION {{ ?o prov:alternateOf ?i }}
        }}""",
    )
    return set(iris) | {str(r["o"]) for r in rows if r["o"] is not None}


def _canonical(store: Store, iri: str) -> str:
    """A document node stands for the instrument IRI other documents cite."""
    rows = _q(store, f"SELECT ?o WHERE {{ <{iri}> prov:alternateOf ?o }} LIMIT 1")
    return str(rows[0]["o"]) if rows and rows[0]["o"] is not None else iri


def find_instruments(store: Store, notation: str) -> list[Candidate]:
    """Instruments whose eli:id_local equals ``notation`` (case-insensitively)."""
    wanted = _normalise(notation)
    select = """SELECT DISTINCT ?i ?n ?label ?jur ?year WHERE {
          %s
          OPTIONAL { ?i rdfs:label ?label }
          OPTIONAL { ?i kgo:jurisdiction/skos:prefLabel ?jur }
          OPTIONAL { ?i kgo:year ?year }
        }"""
    rows = _q(store, select % f"BIND({_lit(wanted)} AS ?n) ?i eli:id_local ?n .")
    if not rows:
        rows = _q(
            store,
            select % f"?i eli:id_local ?n . FILTER(LCASE(STR(?n)) = LCASE({_lit(wanted)}))",
        )
    merged: dict[str, Candidate] = {}
    for r in rows:
        iri = _canonical(store, str(r["i"]))
        if iri not in merged:
            merged[iri] = Candidate(
                iri, str(r["n"]), _s(r["label"]) or str(r["n"]), _s(r["jur"]), _int(r["year"])
            )
    return sorted(merged.values(), key=lambda c: c.iri)


# --------------------------------------------------------------------------- evidence


def _evidence_rows(store: Store, subject_filter: str) -> list[EvidenceRef]:
    rows = _q(
        store,
        f"""SELECT DISTINCT ?name ?quote ?start ?end WHERE {{
          {subject_filter}
          ?ev kgo:quote ?quote .
          OPTIONAL {{ ?ev kgo:start ?start }} OPTIONAL {{ ?ev kgo:end ?end }}
          OPTIONAL {{ ?ev kgo:inDocument ?doc . OPTIONAL {{ ?doc kgo:fileName ?name }} }}
        }} ORDER BY ?name ?start""",
    )
    return [
        EvidenceRef(_s(r["name"]), _s(r["quote"]), _int(r["start"]), _int(r["end"])) for r in rows
    ]


def _link_evidence(
    store: Store, source: set[str], target: set[str], relation: str
) -> list[EvidenceRef]:
    return _evidence_rows(
        store,
        f"""VALUES ?src {{ {_values(source)} }} VALUES ?tgt {{ {_values(target)} }}
          ?link kgo:source ?src ; kgo:target ?tgt ; kgo:relation <{relation}> ;
                kgo:evidence ?ev .""",
    )


# --------------------------------------------------------------------------- walking


def _linked_instruments(
    store: Store, iris: set[str], direction: Direction
) -> list[tuple[str, str, str | None, str | None]]:
    """(neighbour IRI, relation IRI, label, notation) one hop away, anchored on ``iris``."""
    values = " ".join(f"<{r}>" for r in LINK_RELATIONS)
    pattern = "?n ?rel ?x" if direction == "down" else "?x ?rel ?n"
    rows = _q(
        store,
        f"""SELECT DISTINCT ?n ?rel ?label ?notation WHERE {{
          VALUES ?x {{ {_values(iris)} }} VALUES ?rel {{ {values} }}
          {pattern} .
          OPTIONAL {{ ?n rdfs:label ?label }} OPTIONAL {{ ?n eli:id_local ?notation }}
        }}""",
    )
    return [(str(r["n"]), str(r["rel"]), _s(r["label"]), _s(r["notation"])) for r in rows]


def _activities(store: Store, iris: set[str]) -> list[LineageNode]:
    rows = _q(
        store,
        f"""SELECT DISTINCT ?a ?desc WHERE {{
          VALUES ?x {{ {_values(iris)} }}
          {{ ?a prov:wasInfluencedBy ?x }}
          UNION {{ ?a prov:qualifiedAssociation/prov:hadPlan ?x }}
          ?a a prov:Activity .
          OPTIONAL {{ ?a dcterms:description ?desc }}
        }} ORDER BY ?a""",
    )
    out = []
    for r in rows:
        a = str(r["a"])
        node = LineageNode(a, _s(r["desc"]) or a, "activity", "drives")
        node.evidence = _evidence_rows(store, f"<{a}> kgo:evidence ?ev .")
        node.children = _bodies(store, a) + _observations(store, a)
        out.append(node)
    return out


def _bodies(store: Store, activity: str) -> list[LineageNode]:
    rows = _q(
        store,
        f"""SELECT DISTINCT ?b ?label WHERE {{
          <{activity}> prov:wasAssociatedWith ?b .
          OPTIONAL {{ ?b skos:prefLabel ?label }}
        }} ORDER BY ?b""",
    )
    return [
        LineageNode(str(r["b"]), _s(r["label"]) or str(r["b"]), "body", "carried_out_by")
        for r in rows
    ]


def _observations(store: Store, activity: str) -> list[LineageNode]:
    rows = _q(
        store,
        f"""SELECT DISTINCT ?o ?value ?unit ?measure WHERE {{
          ?o prov:wasGeneratedBy <{activity}> .
          OPTIONAL {{ ?o kgo:value ?value }} OPTIONAL {{ ?o kgo:unit ?unit }}
          OPTIONAL {{ ?o kgo:measure/skos:prefLabel ?measure }}
        }} ORDER BY ?o""",
    )
    out = []
    for r in rows:
        o = str(r["o"])
        label = " ".join(x for x in (_s(r["value"]), _s(r["unit"])) if x)
        if r["measure"] is not None:
            label = f"{label} {r['measure']}".strip()
        node = LineageNode(o, label or o, "observation", "resulted_in")
        node.evidence = _evidence_rows(store, f"<{o}> kgo:evidence ?ev .")
        out.append(node)
    return out


def _expand(
    store: Store,
    node: LineageNode,
    direction: Direction,
    depth: int,
    visited: set[str],
) -> None:
    group = _aliases(store, {node.iri})
    visited |= group
    if direction == "down":
        node.children.extend(_activities(store, group))
    if depth <= 0:
        return
    children: dict[tuple[str, str], LineageNode] = {}
    for neighbour, rel, label, notation in _linked_instruments(store, group, direction):
        iri = _canonical(store, neighbour)
        if iri in visited or (iri, rel) in children:
            continue
        src, tgt = ({neighbour}, group) if direction == "down" else (group, {neighbour})
        child = LineageNode(
            iri, label or notation or iri, "instrument", LINK_RELATIONS[rel], notation=notation
        )
        child.evidence = _link_evidence(store, src, tgt, rel)
        children[(iri, rel)] = child
    for child in children.values():
        if child.iri in visited:  # reached through an earlier sibling's subtree
            continue
        _expand(store, child, direction, depth - 1, visited)
        node.children.append(child)


def lineage(
    store: Store,
    notation: str,
    *,
    direction: Direction = "down",
    depth: int = 5,
    iri: str | None = None,
) -> LineageTree:
    """The tree below (or above) the instrument named ``notation``.

    Raises :class:`NotationNotFound` when no instrument has that notation; returns the
    candidates (and no root) when several do, unless ``iri`` picks one of them.
    """
    if direction not in ("down", "up"):
        raise KGError(f"direction must be 'down' or 'up', not {direction!r}")
    tree = LineageTree(notation=_normalise(notation), direction=direction, depth=depth)
    candidates = find_instruments(store, notation)
    if not candidates:
        raise NotationNotFound(f"no instrument with notation {notation!r} in the store")
    if iri is not None:
        candidates = [c for c in candidates if c.iri == iri]
        if not candidates:
            raise NotationNotFound(f"no instrument <{iri}> with notation {notation!r} in the store")
    if len(candidates) > 1:
        tree.candidates = candidates
        return tree
    found = candidates[0]
    tree.notation = found.notation
    tree.root = LineageNode(found.iri, found.label, "instrument", None, notation=found.notation)
    _expand(store, tree.root, direction, depth, set())
    return tree


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
        quote = (ev.quote or "").replace("\n", " ")
        if len(quote) > 160:
            quote = quote[:157] + "…"
        lines.append(f"{pad}    “{quote}” — {ev.document or '?'}")
    for child in node.children:
        _render(child, level + 1, lines)


# --------------------------------------------------------------------------- stats


STATS_QUERIES: dict[str, str] = {
    "instruments": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a kgo:Instrument }",
    "links": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a kgo:Link }",
    "activities": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a prov:Activity }",
    "observations": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a qb:Observation }",
    "bodies": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a org:Organization }",
}


def store_stats(store: Store) -> dict[str, int]:
    """The figures ``kg stats`` and ``/healthz`` report."""
    out = {"documents": len(store.document_graphs()), "triples": store.count_triples()}
    for key, sparql in STATS_QUERIES.items():
        rows = _q(store, sparql)
        out[key] = _int(rows[0]["n"]) or 0 if rows else 0
    return out
