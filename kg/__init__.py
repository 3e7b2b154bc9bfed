"""pctp-kg: a lineage knowledge graph of Vietnamese crime-prevention policy.

The pipeline, one module per stage:

- :mod:`kg.read`      — decode files (.txt, .md, .docx, .pdf) to NFC text
- :mod:`kg.clean`     — a cleaned view of the text with an offset map back to the original
- :mod:`kg.citations` — find numbered and named instruments (the tokenizer/finder)
- :mod:`kg.notation`  — canonical notations, codes and variant keys
- :mod:`kg.links`     — implementation links between instruments
- :mod:`kg.header`    — the document's own header (type, notation, issuer, date …)
- :mod:`kg.extract`   — runs the extractors and returns a :class:`kg.model.Extraction`
- :mod:`kg.iri`       — every IRI is minted here
- :mod:`kg.build`     — facts → RDF with the ontology's terms
- :mod:`kg.validate`  — SHACL validation with readable reports
- :mod:`kg.store`     — the persistent store (one named graph per document)
- :mod:`kg.cli`       — the ``kg`` command
"""

__version__ = "0.1.0"
