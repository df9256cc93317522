"""Hypothesis strategies for kgapi's own scalars (hypothesis-graphql knows only the built-in
ones): well-formed values and values the scalar must refuse, so that generated queries try
both."""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis_graphql import nodes

CUSTOM_SCALARS = {
    "LanguageTag": st.sampled_from(["en", "bn", "fr", "EN-us", "kk-Cyrl", "xx-nope", ""]).map(
        nodes.String
    ),
    "Date": st.one_of(st.dates().map(lambda d: d.isoformat()), st.text(max_size=12)).map(
        nodes.String
    ),
    "DateTime": st.one_of(st.datetimes().map(lambda d: d.isoformat()), st.text(max_size=12)).map(
        nodes.String
    ),
}
