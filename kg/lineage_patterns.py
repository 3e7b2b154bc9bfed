"""The lineage's look-ups answered from an in-memory store's indexes, without SPARQL.

Why: on pyoxigraph a SPARQL query costs 40–190 µs before it reads a single row (parsing,
planning, setting up the solutions), and one plan's lineage asks about eighteen of them,
each anchored on a handful of IRIs. A triple pattern on the in-memory store costs about
3 µs. On the RocksDB files it is the other way round: a pattern decodes whole quads
(35–50 µs each), where a query decodes only the variables it returns. So these functions
are used only when the store serves from an in-memory copy
(:meth:`kg.store.OxigraphStore.pattern_reader`).

Each function returns the rows of the query it stands for in :mod:`kg.lineage` (quoted in
its docstring): the same variables, lexical values, ``None`` for an unbound OPTIONAL, and
DISTINCT where the query says so. Row order is not part of the contract: the lineage code
orders what it reads. ``tests/test_lineage_patterns.py`` compares every function with its
query on a synthetic corpus, and whole lineage answers both ways.

"Union" look-ups read every named graph (the query's default graph is their union);
``GRAPH ?g`` look-ups keep the graph of the first pattern for the rest, as the query does.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import product

import pyoxigraph as ox

from kg.vocab import DCTERMS, ELI, KGO, PROV, RDF, SKOS

Row = dict[str, str | None]


def _node(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


_PREF_LABEL = _node(str(SKOS.prefLabel))
_ID_LOCAL = _node(str(ELI.id_local))
_YEAR = _node(str(KGO.year))
_JURISDICTION = _node(str(KGO.jurisdiction))
_ALTERNATE_OF = _node(str(PROV.alternateOf))
_EVIDENCE = _node(str(KGO.evidence))
_QUOTE = _node(str(KGO.quote))
_START = _node(str(KGO.start))
_END = _node(str(KGO.end))
_FILE_NAME = _node(str(KGO.fileName))
_SOURCE = _node(str(KGO.source))
_TARGET = _node(str(KGO.target))
_RELATION = _node(str(KGO.relation))
_INFLUENCED_BY = _node(str(PROV.wasInfluencedBy))
_TYPE = _node(str(RDF.type))
_ACTIVITY = _node(str(PROV.Activity))
_DESCRIPTION = _node(str(DCTERMS.description))
_REPORTED_IN = _node(str(KGO.reportedIn))
_ASSOCIATED_WITH = _node(str(PROV.wasAssociatedWith))
_GENERATED_BY = _node(str(PROV.wasGeneratedBy))
_VALUE = _node(str(KGO.value))
_UNIT = _node(str(KGO.unit))
_MEASURE = _node(str(KGO.measure))


def _quads(
    store: ox.Store,
    s: ox.NamedNode | None,
    p: ox.NamedNode,
    o: ox.NamedNode | ox.Literal | None,
    g: ox.NamedNode | None = None,
) -> Iterator[ox.Quad]:
    """Quads of the named graphs (the default graph is never part of a lineage answer:
    queries see the union of the named graphs, or name theirs)."""
    if g is not None:
        return store.quads_for_pattern(s, p, o, g)
    return (q for q in store.quads_for_pattern(s, p, o, None) if not isinstance(q.graph_name, ox.DefaultGraph))


def _objects(store: ox.Store, s: ox.NamedNode, p: ox.NamedNode, g: ox.NamedNode | None = None) -> set[str]:
    return {q.object.value for q in _quads(store, s, p, None, g)}


def _optional(values: set[str]) -> Iterable[str | None]:
    """An OPTIONAL pattern's bindings: each value, or one unbound row when there is none."""
    return values if values else (None,)


def _rows(names: tuple[str, ...], tuples: Iterable[tuple[str | None, ...]]) -> list[Row]:
    return [dict(zip(names, t, strict=True)) for t in tuples]


# --------------------------------------------------------------------------- facts


def labels(store: ox.Store, iris: Iterable[str]) -> list[Row]:
    """``SELECT DISTINCT ?x ?l WHERE { VALUES ?x {…} ?x skos:prefLabel ?l }``"""
    return _rows(("x", "l"), {(x, label) for x in iris for label in _objects(store, _node(x), _PREF_LABEL)})


def document_facts(store: ox.Store, docs: Iterable[str]) -> list[Row]:
    """``SELECT DISTINCT ?doc ?k ?o`` with k = 0 for each kgo:jurisdiction, 1 for each
    kgo:year of the document."""
    out: set[tuple[str | None, ...]] = set()
    for doc in docs:
        node = _node(doc)
        out |= {(doc, "0", o) for o in _objects(store, node, _JURISDICTION)}
        out |= {(doc, "1", o) for o in _objects(store, node, _YEAR)}
    return _rows(("doc", "k", "o"), out)


def facts(store: ox.Store, iris: Iterable[str], properties: tuple[str, ...]) -> list[Row]:
    """``SELECT DISTINCT ?n ?k ?o`` with k the index in ``properties`` of each property
    ``?n`` has a value of."""
    props = [(str(k), _node(p)) for k, p in enumerate(properties)]
    out: set[tuple[str | None, ...]] = set()
    for n in iris:
        node = _node(n)
        for k, prop in props:
            out |= {(n, k, o) for o in _objects(store, node, prop)}
    return _rows(("n", "k", "o"), out)


def with_notation(store: ox.Store, notations: Iterable[str]) -> list[Row]:
    """``SELECT DISTINCT ?i ?n WHERE { VALUES ?n {…} ?i eli:id_local ?n }``"""
    return _rows(
        ("i", "n"),
        {(q.subject.value, n) for n in notations for q in _quads(store, None, _ID_LOCAL, ox.Literal(n))},
    )


def alternates(store: ox.Store, iris: Iterable[str]) -> list[Row]:
    """``SELECT DISTINCT ?i ?d ?c``: ``?i prov:alternateOf ?c`` (d = i), or
    ``?d prov:alternateOf ?i`` (c = i)."""
    out: set[tuple[str | None, ...]] = set()
    for i in iris:
        node = _node(i)
        out |= {(i, i, q.object.value) for q in _quads(store, node, _ALTERNATE_OF, None)}
        out |= {(i, q.subject.value, i) for q in _quads(store, None, _ALTERNATE_OF, node)}
    return _rows(("i", "d", "c"), out)


def file_names(store: ox.Store, docs: Iterable[str]) -> list[Row]:
    """``SELECT DISTINCT ?d ?name WHERE { VALUES ?d {…} ?d kgo:fileName ?name }``"""
    return _rows(("d", "name"), {(d, n) for d in docs for n in _objects(store, _node(d), _FILE_NAME)})


# --------------------------------------------------------------------------- evidence


def fact_evidence(store: ox.Store, facts: Iterable[str]) -> list[Row]:
    """``SELECT DISTINCT ?f ?fact ?ev ?quote ?start ?end ?doc WHERE { GRAPH ?doc {
    VALUES ?f {…} ?f kgo:evidence ?ev . BIND(?f AS ?fact)
    ?ev kgo:quote ?quote ; kgo:start ?start ; kgo:end ?end } }``"""
    out: set[tuple[str | None, ...]] = set()
    for f in facts:
        for q in _quads(store, _node(f), _EVIDENCE, None):
            ev, g = q.object, q.graph_name
            if not isinstance(ev, ox.NamedNode | ox.BlankNode):
                continue
            found: dict[str, set[str]] = {_QUOTE.value: set(), _START.value: set(), _END.value: set()}
            for t in store.quads_for_pattern(ev, None, None, g):  # one read for the three
                values = found.get(t.predicate.value)
                if values is not None:
                    values.add(t.object.value)
            quotes, starts, ends = found.values()
            out |= {
                (f, f, ev.value, quote, start, end, g.value)
                for quote, start, end in product(quotes, starts, ends)
            }
    return _rows(("f", "fact", "ev", "quote", "start", "end", "doc"), out)


def link_facts(store: ox.Store, sources: Iterable[str]) -> list[Row]:
    """``SELECT DISTINCT ?src ?tgt ?rel ?fact WHERE { VALUES ?src {…}
    ?fact kgo:source ?src ; kgo:target ?tgt ; kgo:relation ?rel }``"""
    out: set[tuple[str | None, ...]] = set()
    for src in sources:
        for fact in {q.subject for q in _quads(store, None, _SOURCE, _node(src))}:
            targets, relations = _objects(store, fact, _TARGET), _objects(store, fact, _RELATION)
            out |= {(src, t, r, fact.value) for t, r in product(targets, relations)}
    return _rows(("src", "tgt", "rel", "fact"), out)


# --------------------------------------------------------------------------- the walk


def neighbours(store: ox.Store, iris: Iterable[str], relations: Iterable[str], down: bool) -> list[Row]:
    """``SELECT DISTINCT ?x ?n ?rel``: ``?n ?rel ?x`` (down) or ``?x ?rel ?n`` (up), one
    branch per relation."""
    out: set[tuple[str | None, ...]] = set()
    rels = [(r, _node(r)) for r in relations]
    for x in iris:
        node = _node(x)
        for rel, prop in rels:
            if down:
                out |= {(x, q.subject.value, rel) for q in _quads(store, None, prop, node)}
            else:
                out |= {(x, q.object.value, rel) for q in _quads(store, node, prop, None)}
    return _rows(("x", "n", "rel"), out)


def activities(store: ox.Store, drivers: Iterable[str]) -> list[Row]:
    """``SELECT DISTINCT ?x ?a ?desc ?doc WHERE { GRAPH ?g { VALUES ?x {…}
    ?a prov:wasInfluencedBy ?x ; a prov:Activity .
    OPTIONAL { ?a dcterms:description ?desc } OPTIONAL { ?a kgo:reportedIn ?doc } } }``"""
    out: set[tuple[str | None, ...]] = set()
    for x in drivers:
        for q in _quads(store, None, _INFLUENCED_BY, _node(x)):
            a, g = q.subject, q.graph_name
            if not any(_quads(store, a, _TYPE, _ACTIVITY, g)):
                continue
            descs = _optional(_objects(store, a, _DESCRIPTION, g))
            docs = _optional(_objects(store, a, _REPORTED_IN, g))
            out |= {(x, a.value, desc, doc) for desc, doc in product(descs, docs)}
    return _rows(("x", "a", "desc", "doc"), out)


def bodies(store: ox.Store, activities: Iterable[str]) -> list[Row]:
    """``SELECT DISTINCT ?a ?b WHERE { GRAPH ?g { VALUES ?a {…} ?a prov:wasAssociatedWith
    ?b } }``"""
    return _rows(
        ("a", "b"),
        {(a, q.object.value) for a in activities for q in _quads(store, _node(a), _ASSOCIATED_WITH, None)},
    )


def observations(store: ox.Store, activities: Iterable[str]) -> list[Row]:
    """``SELECT DISTINCT ?a ?o ?value ?unit ?m WHERE { GRAPH ?g { VALUES ?a {…}
    ?o prov:wasGeneratedBy ?a . OPTIONAL value, unit, measure } }``"""
    out: set[tuple[str | None, ...]] = set()
    for a in activities:
        for q in _quads(store, None, _GENERATED_BY, _node(a)):
            o, g = q.subject, q.graph_name
            values, units, measures = (
                _optional(_objects(store, o, p, g)) for p in (_VALUE, _UNIT, _MEASURE)
            )
            out |= {(a, o.value, v, u, m) for v, u, m in product(values, units, measures)}
    return _rows(("a", "o", "value", "unit", "m"), out)
