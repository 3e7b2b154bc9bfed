"""HTTP interface of pctp-kg: SPARQL 1.1 Protocol (read-only), lineage API, pages."""

from api.app import create_app

__all__ = ["create_app"]
