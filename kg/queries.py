"""Named SPARQL questions (``queries/*.rq``) and parameter binding that cannot inject.

Each ``.rq`` file is plain SPARQL that runs as-is in any SPARQL tool; its parameters are free
variables (``?directive``, ``?province`` …) declared in a comment header::

    # title: Directives with no implementing instrument in a province
    # description: Central instruments that no instrument of the province implements …
    # param: province iri The province (a place IRI, e.g. …/place/lai-chau)
    # param: type iri? Only instruments of this type (optional)

Why bind values as RDF terms and never format user text into SPARQL: a notation, a name or
an IRI typed by a user may hold quotes, ``>``, ``}``, ``#`` or newlines. Values become
pyoxigraph terms (whose constructors validate IRIs and whose serialisation escapes literals),
and every store receives them as a ``VALUES`` block built from those escaped terms, placed
first in the query's WHERE group and in each sub-SELECT that mentions the parameter, so the
engine starts from the bound values.

How the files are written, for speed on large stores (see each file's comment): the core rows
are found first, made distinct in a sub-SELECT anchored on a parameter, and only then is each
value (label, notation, quote) fetched by an OPTIONAL of one pattern on an always-bound
variable, which engines run as a look-up per row. A fact repeated in many document graphs
matches once per graph in a union default graph, so repeated values are read through ``p|p``
(a path, whose answers come back distinct) instead of multiplying the rows.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import pyoxigraph as ox

from kg.errors import KGError
from kg.store import QueryResult, Store, materialise

QUERIES_DIR = Path(__file__).resolve().parent.parent / "queries"
XSD = "http://www.w3.org/2001/XMLSchema#"
ParamKind = Literal["iri", "literal", "integer"]

_HEADER = re.compile(r"^#\s*(title|description|param)\s*:\s*(.*)$")
_PARAM = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s+(?P<kind>iri|literal|integer)(?P<opt>\??)\s*(?P<doc>.*)$")
_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
_SELECT_GROUP = re.compile(r"\bSELECT\b[^{]*\{", re.IGNORECASE)
_FORM_GROUP = re.compile(r"\b(?:SELECT|ASK)\b[^{]*\{", re.IGNORECASE)
# Strings, IRIs and comments, whose braces, keywords and "?x" are not syntax.
_OPAQUE = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|<[^<>\"{}|^`\\\s]*>"
    r"|#[^\n]*"
)
_MAX_VALUE = 2000  # longer than any notation, name or IRI a user can mean


class QueryParameterError(KGError):
    """A parameter value is missing, of the wrong kind, or not a valid RDF term."""


@dataclass(frozen=True)
class Param:
    name: str
    kind: ParamKind
    description: str
    required: bool = True


@dataclass(frozen=True)
class NamedQuery:
    name: str  # the file stem: "directives-without-plan"
    title: str
    description: str
    text: str
    params: tuple[Param, ...] = field(default_factory=tuple)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


# --------------------------------------------------------------------------- loading


def parse_named_query(name: str, text: str) -> NamedQuery:
    """Read the comment header; the rest of the file is the query itself."""
    title, description, params = name, "", []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("#"):
            if stripped:
                break
            continue
        match = _HEADER.match(stripped)
        if not match:
            continue
        key, value = match.group(1), match.group(2).strip()
        if key == "title":
            title = value
        elif key == "description":
            description = f"{description} {value}".strip()
        else:
            pm = _PARAM.match(value)
            if pm is None:
                raise KGError(f"queries/{name}.rq: bad param line {value!r}")
            params.append(
                Param(pm["name"], pm["kind"], pm["doc"].strip(), required=not pm["opt"])  # type: ignore[arg-type]
            )
    return NamedQuery(name, title, description, text, tuple(params))


@lru_cache(maxsize=4)
def _load(folder: str) -> dict[str, NamedQuery]:
    out: dict[str, NamedQuery] = {}
    for path in sorted(Path(folder).glob("*.rq")):
        out[path.stem] = parse_named_query(path.stem, path.read_text(encoding="utf-8"))
    return out


def load_queries(folder: Path | None = None) -> dict[str, NamedQuery]:
    """All named queries, by file stem."""
    return dict(_load(str(folder or QUERIES_DIR)))


def get_query(name: str, folder: Path | None = None) -> NamedQuery:
    queries = load_queries(folder)
    if name not in queries:
        raise KGError(f"no named query {name!r} (known: {', '.join(sorted(queries))})")
    return queries[name]


# --------------------------------------------------------------------------- binding


def to_term(param: Param, value: Any) -> ox.NamedNode | ox.Literal:
    """A validated RDF term for ``value``; raises :class:`QueryParameterError` otherwise."""
    if isinstance(value, ox.NamedNode | ox.Literal):
        return value
    text = str(value)
    if len(text) > _MAX_VALUE:
        raise QueryParameterError(f"parameter {param.name}: value longer than {_MAX_VALUE} characters")
    if param.kind == "integer":
        try:
            number = int(text)
        except ValueError as exc:
            raise QueryParameterError(f"parameter {param.name}: {text!r} is not an integer") from exc
        return ox.Literal(str(number), datatype=ox.NamedNode(XSD + "integer"))
    if param.kind == "iri":
        if not re.match(r"^https?://", text):
            raise QueryParameterError(f"parameter {param.name}: {text!r} is not an http(s) IRI")
        try:
            return ox.NamedNode(text)
        except ValueError as exc:
            raise QueryParameterError(f"parameter {param.name}: {text!r} is not a valid IRI") from exc
    if any(ord(c) < 0x20 and c not in "\t\n\r" for c in text):
        raise QueryParameterError(f"parameter {param.name}: control characters are not allowed")
    return ox.Literal(text)


def bind(query: NamedQuery, values: Mapping[str, Any]) -> dict[str, ox.NamedNode | ox.Literal]:
    """Terms for the declared parameters; unknown names and missing required ones are errors."""
    unknown = set(values) - {p.name for p in query.params}
    if unknown:
        raise QueryParameterError(f"{query.name}: unknown parameter(s) {', '.join(sorted(unknown))}")
    out: dict[str, ox.NamedNode | ox.Literal] = {}
    for param in query.params:
        value = values.get(param.name)
        if value is None or value == "":
            if param.required:
                raise QueryParameterError(f"{query.name}: parameter {param.name} is required")
            continue
        out[param.name] = to_term(param, value)
    return out


def inline_values(text: str, terms: Mapping[str, ox.NamedNode | ox.Literal]) -> str:
    """The query with ``VALUES`` blocks at the top of its WHERE group and of each sub-SELECT.

    For stores without out-of-band substitution. Safe because every value is a validated
    pyoxigraph term whose ``str()`` is its escaped N-Triples form. Why a block per sub-SELECT:
    a sub-SELECT is evaluated on its own, before the outer join, so a binding placed only in
    the outer group would leave it unanchored (computed for every directive, then joined).
    Each sub-SELECT gets the parameters it mentions and the outer group all of them, which is
    what substituting the value for the variable everywhere means. First in its group, a
    block is where the engine starts planning from.
    """
    if not terms:
        return text
    masked = _mask(text)
    outer = _outer_group(masked)
    if outer is None:
        raise KGError("named query has no WHERE clause to bind parameters into")
    inserts = {outer: _values_block(terms)}
    for start in _subselect_groups(masked):
        body = masked[start : _matching_brace(masked, start)]
        mentioned = {n: t for n, t in terms.items() if re.search(rf"[?$]{n}\b", body)}
        if mentioned:
            inserts[start] = _values_block(mentioned)
    out = text
    for start in sorted(inserts, reverse=True):  # from the end, so earlier offsets still hold
        out = out[: start + 1] + "\n  " + inserts[start] + out[start + 1 :]
    return out


def _values_block(terms: Mapping[str, ox.NamedNode | ox.Literal]) -> str:
    names = sorted(terms)
    return (
        "VALUES (" + " ".join(f"?{n}" for n in names) + ") { ("
        + " ".join(str(terms[n]) for n in names) + ") }\n"
    )


def _mask(text: str) -> str:
    """``text`` with strings, IRIs and comments blanked (same length, newlines kept).

    Why: braces, keywords and ``?x`` inside them are not syntax, and offsets found in the
    masked text must hold in ``text``.
    """
    return _OPAQUE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def _depths(masked: str) -> list[int]:
    """The brace depth at each character (before it)."""
    out, depth = [], 0
    for ch in masked:
        out.append(depth)
        depth += (ch == "{") - (ch == "}")
    return out


def _matching_brace(masked: str, start: int) -> int:
    depth = 0
    for i in range(start, len(masked)):
        depth += (masked[i] == "{") - (masked[i] == "}")
        if depth == 0:
            return i
    raise KGError("named query has an unbalanced '{'")


def _outer_group(masked: str) -> int | None:
    """Offset of the ``{`` opening the query's WHERE group (the keyword may be left out after
    SELECT and ASK; CONSTRUCT's template comes before it)."""
    depths = _depths(masked)
    for m in _WHERE.finditer(masked):
        if depths[m.start()] == 0:
            return m.end() - 1
    m = _FORM_GROUP.search(masked)
    return m.end() - 1 if m and depths[m.start()] == 0 else None


def _subselect_groups(masked: str) -> list[int]:
    """Offsets of the ``{`` opening each sub-SELECT's WHERE group."""
    depths = _depths(masked)
    return [m.end() - 1 for m in _SELECT_GROUP.finditer(masked) if depths[m.start()] > 0]


# --------------------------------------------------------------------------- running


def run(store: Store, query: NamedQuery, values: Mapping[str, Any] | None = None) -> QueryResult:
    """Run a named query with bound parameters over the union of the document graphs."""
    terms = bind(query, values or {})
    native = getattr(store, "ox", None)
    if isinstance(native, ox.Store):
        # A VALUES block first, not substitutions: the engine plans from the bound IRI only
        # when it sees it as data at the start of the pattern (substituted, the same query
        # ran up to a hundred times slower at 10^6 triples).
        try:
            result = native.query(inline_values(query.text, terms), use_default_graph_as_union=True)
        except SyntaxError as exc:
            raise KGError(f"queries/{query.name}.rq: {exc}") from exc
        return materialise(result)
    return store.query(inline_values(query.text, terms))


def run_named(store: Store, name: str, values: Mapping[str, Any] | None = None) -> QueryResult:
    return run(store, get_query(name), values)


def select_plain(store: Store, sparql: str, *, union: bool = True) -> list[dict[str, str | None]]:
    """SELECT rows as plain strings (lexical values), over the union of the document graphs.

    Why: building rdflib terms costs about 0.1 ms each, which dominates look-ups that return
    a few thousand cells; callers that only read values skip it on the embedded store.
    ``union=False`` is for queries that name their graphs (``GRAPH ?g``): facts of one
    document live in one graph, and skipping the union's de-duplication halves their cost.
    """
    native = getattr(store, "ox", None)
    if isinstance(native, ox.Store):
        try:
            result = native.query(sparql, use_default_graph_as_union=union)
        except SyntaxError as exc:
            raise KGError(f"SPARQL syntax error: {exc}") from exc
        if not isinstance(result, ox.QuerySolutions):
            raise KGError("select_plain needs a SELECT query")
        names = [v.value for v in result.variables]
        # A solution read as a sequence, not by name: a look-up by name costs more than the
        # term itself (14 vs 6 µs for a row of four).
        return [
            dict(zip(names, [None if t is None else t.value for t in sol], strict=True))
            for sol in result
        ]
    return [
        {k: (None if v is None else str(v)) for k, v in row.items()}
        for row in store.query(sparql, default_graph_union=union).rows
    ]


def coerce_params(store: Store, query: NamedQuery, values: Mapping[str, str]) -> dict[str, Any]:
    """Friendly values → what the query binds: a province name becomes its place IRI, a
    notation the IRI of the one instrument it names (several → an error listing them)."""
    from kg import iri as kiri
    from kg.lineage import find_instruments

    out: dict[str, Any] = {}
    for key, value in values.items():
        param = query.param(key)
        if param is None or param.kind != "iri" or re.match(r"^https?://", value):
            out[key] = value
        elif key == "province":
            out[key] = kiri.place(value)
        else:
            found = find_instruments(store, value)
            if len(found) != 1:
                names = ", ".join(f"<{c.iri}>" for c in found) or "none"
                raise QueryParameterError(f"{key}={value!r} names {len(found)} instruments: {names}")
            out[key] = found[0].iri
    return out


# --------------------------------------------------------------------------- per-version caches


_CACHE_LOCK = threading.Lock()
# Per store object (weakly: a store that is dropped takes its caches with it), per name:
# the version a value was built for, and the value.
_CACHES: weakref.WeakKeyDictionary[Any, dict[str, tuple[Hashable, Any]]] = (
    weakref.WeakKeyDictionary()
)
_BUILD_LOCKS: weakref.WeakKeyDictionary[Any, dict[str, threading.Lock]] = (
    weakref.WeakKeyDictionary()
)


def store_version(store: Store) -> Hashable | None:
    """What identifies the data ``store`` answers from, or None when it cannot be known.

    Why the files on disk: a read-only Oxigraph sees the data as of its opening (its
    fingerprint then), and a writable one changes its write-ahead log on every update, so a
    new fingerprint means an ingest happened. A remote store gives no cheap signal, so its
    answers are never cached.
    """
    native = getattr(store, "ox", None)
    if not isinstance(native, ox.Store):
        return None
    if getattr(store, "read_only", False):
        fingerprint = getattr(store, "_fingerprint", None)
    else:
        probe = getattr(store, "_disk_fingerprint", None)
        fingerprint = probe() if callable(probe) else None
    return (id(native), fingerprint) if fingerprint else None


def versioned(
    store: Store, name: str, build: Callable[[], Any], *, stale_ok: bool = False
) -> Any:
    """``build()`` once per store version (every call when the version is unknown).

    One builder at a time per (store, name); callers arriving while it runs wait for it
    rather than each rebuilding the same thing under load. With ``stale_ok`` they get the
    previous version's value instead of waiting (for an index that takes seconds to build
    while ingests keep changing the store); the caller that noticed the change still waits.
    """
    version = store_version(store)
    if version is None:
        return build()
    with _CACHE_LOCK:
        values = _CACHES.setdefault(store, {})
        hit = values.get(name)
        if hit is not None and hit[0] == version:
            return hit[1]
        lock = _BUILD_LOCKS.setdefault(store, {}).setdefault(name, threading.Lock())
    if stale_ok and hit is not None and not lock.acquire(blocking=False):
        return hit[1]
    if not (stale_ok and hit is not None):
        lock.acquire()
    try:
        with _CACHE_LOCK:
            hit = values.get(name)
            if hit is not None and hit[0] == version:
                return hit[1]
        value = build()
        with _CACHE_LOCK:
            values[name] = (version, value)
        return value
    finally:
        lock.release()


def memo(store: Store, name: str) -> dict[Any, Any]:
    """A dict of per-key facts that lives as long as the store's version (filled by callers).

    Why: labels, notations and document facts never change within a version, and the same
    few hundred of them are asked for by every look-up.
    """
    return versioned(store, "memo:" + name, dict)
