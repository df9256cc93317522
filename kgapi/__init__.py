"""kgapi: a document-grounded knowledge-graph API (GraphQL over Neo4j)."""

__version__ = "0.1.0"
