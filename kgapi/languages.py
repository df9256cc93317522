"""Language tags: names, documents and evidence are in any language, named by BCP 47 tags.

One canonical form everywhere (`EN-us` is `en-US`, `iw` is `he`), so that a name stored under
one spelling of a tag is found under another; the GraphQL scalar, the validator and the seed all
read tags through `canonical_tag`.
"""

from __future__ import annotations

import langcodes

__all__ = ["BENGALI", "ENGLISH", "MAX_LANGUAGE_TAG_LENGTH", "canonical_tag"]

MAX_LANGUAGE_TAG_LENGTH = 64  # RFC 5646 §4.4.1 asks for 35; anything far longer is not a tag
ENGLISH = "en"  # the language of kgapi's own renderings (every non-English quote gets one)
BENGALI = "bn"  # the first document's: names in it have a column (and an index) of their own


def canonical_tag(value: str) -> str:
    """A well-formed, registered BCP 47 tag in its canonical form, or ValueError saying why."""
    if len(value) > MAX_LANGUAGE_TAG_LENGTH or not langcodes.tag_is_valid(value):
        shown = value if len(value) <= MAX_LANGUAGE_TAG_LENGTH else value[:20] + "…"
        raise ValueError(
            f"{shown!r} is not a BCP 47 language tag (RFC 5646), e.g. `bn`, `en`, `ru`, `kk-Cyrl`"
        )
    return str(langcodes.standardize_tag(value))
