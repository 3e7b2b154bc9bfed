"""Check one document's graph against the SHACL shapes before it is stored.

Validation is per document graph, never the whole store: a document is accepted or rejected
on its own facts, and the cost stays proportional to one document. The shapes are parsed
once per process; no ontology graph is mixed in because the builder writes every rdf:type
the shapes test, so RDFS inference would only cost time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pyoxigraph
import pyshacl
from pyshacl.graph_abstraction import DataGraph
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from kg.vocab import PREFIXES, RDF, SH

SHAPES_PATH = Path(__file__).resolve().parent.parent / "shapes" / "pctp-shapes.ttl"


@dataclass
class Violation:
    focus_node: str
    path: str | None
    rule: str  # the named shape or SPARQL constraint, and the constraint component
    message: str  # English
    message_vi: str
    value: str | None


@dataclass
class ValidationReport:
    conforms: bool
    violations: list[Violation] = field(default_factory=list)

    def format(self, document: str) -> str:
        """A report a person can act on: the document, then each node, rule and reason."""
        if self.conforms:
            return f"{document}: conforms to the shapes (hợp lệ)."
        lines = [f"{document}: {len(self.violations)} violation(s) of the shapes — not stored."]
        for v in self.violations:
            lines.append(f"- node {v.focus_node}")
            lines.append(f"    rule:  {v.rule}")
            if v.path:
                lines.append(f"    path:  {v.path}")
            if v.value is not None:
                lines.append(f"    value: {_shorten(v.value)}")
            lines.append(f"    en:    {v.message}")
            lines.append(f"    vi:    {v.message_vi}")
        return "\n".join(lines)


def validate(graph: Graph) -> ValidationReport:
    """Validate one document graph; the graph is read, never modified.

    The graph is copied into an in-memory Oxigraph store first: pyshacl then runs the
    SHACL-SPARQL constraints in Oxigraph instead of rdflib's pure-Python engine, which cuts
    validation of a real document from about a second to a few tenths.
    """
    conforms, results, _ = pyshacl.validate(
        _oxigraph_data_graph(graph),
        shacl_graph=shapes_graph(),
        inference="none",
        advanced=False,
        inplace=True,  # no inference runs, so nothing is written; skips a full copy
        allow_warnings=False,
    )
    violations = sorted(
        (_violation(results, r) for r in results.subjects(RDF.type, SH.ValidationResult)),
        key=lambda v: (v.focus_node, v.rule, v.path or "", v.value or ""),
    )
    return ValidationReport(conforms=bool(conforms), violations=violations)


def _oxigraph_data_graph(graph: Graph) -> DataGraph:
    store = pyoxigraph.Store()
    store.load(
        graph.serialize(format="nt", encoding="utf-8"), format=pyoxigraph.RdfFormat.N_TRIPLES
    )
    return DataGraph.from_oxigraph_store(store)


@lru_cache(maxsize=1)
def shapes_graph() -> Graph:
    """The shapes, parsed once per process."""
    return Graph().parse(SHAPES_PATH, format="turtle")


# ------------------------------------------------------------------ result decoding


def _violation(results: Graph, result: Node) -> Violation:
    source_shape = results.value(result, SH.sourceShape)
    constraint = results.value(result, SH.sourceConstraint)
    component = results.value(result, SH.sourceConstraintComponent)
    rule_node = constraint if isinstance(constraint, URIRef) else source_shape
    # The shapes' own messages, looked up by rule: pyshacl drops the language tags of
    # SPARQL-constraint messages, so the result's copies cannot tell vi from en.
    messages = list(shapes_graph().objects(rule_node, SH.message)) if rule_node else []
    messages = messages or list(results.objects(result, SH.resultMessage))
    en, vi = _message(messages, "en"), _message(messages, "vi")
    path = results.value(result, SH.resultPath)
    value = results.value(result, SH.value)
    return Violation(
        focus_node=str(results.value(result, SH.focusNode)),
        path=compact(path) if isinstance(path, URIRef) else None,
        rule=_rule_name(rule_node, component),
        message=en or vi or "constraint violated",
        message_vi=vi or en or "vi phạm ràng buộc",
        value=str(value) if value is not None else None,
    )


def _message(messages: list[Node], lang: str) -> str:
    """The message in one language; untagged messages (pyshacl's defaults) count as English."""
    for m in messages:
        if isinstance(m, Literal) and m.language == lang:
            return str(m)
    if lang == "en":
        return next((str(m) for m in messages if isinstance(m, Literal) and not m.language), "")
    return ""


def _rule_name(shape: Node | None, component: Node | None) -> str:
    name = _local_name(shape) if isinstance(shape, URIRef) else "anonymous shape"
    if isinstance(component, URIRef):
        short = _local_name(component).removesuffix("ConstraintComponent")
        short = short[:1].lower() + short[1:]
        if short and short.lower() != "sparql":
            return f"{name} ({short})"
    return name


def _local_name(term: URIRef) -> str:
    text = str(term)
    for sep in ("#", "/"):
        if sep in text:
            text = text.rsplit(sep, 1)[1] or text
    return text


def compact(term: URIRef) -> str:
    """``kgo:start`` rather than the full IRI, for reports people read."""
    text = str(term)
    for prefix, namespace in PREFIXES.items():
        if text.startswith(str(namespace)):
            return f"{prefix}:{text[len(str(namespace)) :]}"
    return text


def _shorten(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
