"""The vocabularies the graph is written in, as rdflib namespaces.

One module names them all so that the builder, the shapes, the ontology page and the queries
agree on every namespace IRI, and so that every serialised graph uses the same prefixes.
"""

from __future__ import annotations

from rdflib import Graph, Namespace
from rdflib.namespace import DCTERMS, ORG, OWL, PROV, QB, RDF, RDFS, SH, SKOS, SOSA, XSD

from kg import iri

ELI = Namespace("http://data.europa.eu/eli/ontology#")
DC = Namespace("http://purl.org/dc/elements/1.1/")
OA = Namespace("http://www.w3.org/ns/oa#")
SDMX_MEASURE = Namespace("http://purl.org/linked-data/sdmx/2009/measure#")
SDMX_ATTRIBUTE = Namespace("http://purl.org/linked-data/sdmx/2009/attribute#")
KGO = Namespace(iri.ONTOLOGY)
SHAPES = Namespace(iri.BASE + "shapes#")

PREFIXES: dict[str, Namespace] = {
    "kgo": KGO,
    "eli": ELI,
    "prov": PROV,
    "org": ORG,
    "qb": QB,
    "sosa": SOSA,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "dc": DC,
    "oa": OA,
    "sdmx-measure": SDMX_MEASURE,
    "sdmx-attribute": SDMX_ATTRIBUTE,
    "xsd": XSD,
    "owl": OWL,
    "rdf": RDF,
    "rdfs": RDFS,
    "sh": SH,
}

__all__ = [
    "DC",
    "DCTERMS",
    "ELI",
    "KGO",
    "OA",
    "ORG",
    "OWL",
    "PREFIXES",
    "PROV",
    "QB",
    "RDF",
    "RDFS",
    "SDMX_ATTRIBUTE",
    "SDMX_MEASURE",
    "SH",
    "SHAPES",
    "SKOS",
    "SOSA",
    "XSD",
    "bind_prefixes",
]


def bind_prefixes(graph: Graph) -> Graph:
    """Bind the project's prefixes so serialisations read the same everywhere."""
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph
