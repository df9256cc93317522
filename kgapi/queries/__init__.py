"""All of kgapi's Cypher, one module per concern, every value a parameter.

Labels and relationship types never come from user input: where a query needs one, it comes from
`kgapi.model`'s enums, validated before the query runs.
"""

from typing import LiteralString


def trusted(text: str) -> LiteralString:
    """Mark text built only from kgapi's own literals and whitelists as query text.

    Use it for Cypher assembled from `kgapi.model` enum values or fixed tables, never for text
    that holds user input (that goes in parameters).
    """
    return text  # mypy treats LiteralString as str; stricter checkers flag this line on purpose
