"""The GraphQL layer: strawberry types, the root Query, extensions and error handling.

Types here never build Cypher: resolvers call functions of `kgapi.queries` with plain values.
"""
