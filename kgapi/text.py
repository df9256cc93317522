"""Sentence segmentation shared by the seed loader and document ingestion.

Evidence offsets are Unicode code points into the verbatim text, and a sentence index is only
useful if every part of kgapi cuts a document the same way; so there is exactly one splitter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Span", "sentence_containing", "split_sentences"]

# A sentence ends at a danda (Bengali, Hindi), ?, ! (and the Arabic-script ؟ and Urdu ۔), the
# CJK full stops, or a full stop followed by space, and never crosses a line break (titles,
# bylines and list items are sentences of their own).
_TERMINATOR = re.compile(r"[।॥?!؟۔。！？]+|\.(?=\s)|\.$")
_LEADING_NOISE = " \t\u00a0•*-–—"
_TRAILING_NOISE = " \t\u00a0"


@dataclass(frozen=True, slots=True)
class Span:
    """A sentence: its position in the document and its [start, end) code-point offsets."""

    index: int
    start: int
    end: int
    text: str


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in _LEADING_NOISE:
        start += 1
    while end > start and text[end - 1] in _TRAILING_NOISE:
        end -= 1
    return start, end


def split_sentences(text: str) -> list[Span]:
    """Cut text into sentences; offsets index into the original string, untouched."""
    spans: list[Span] = []
    line_start = 0
    for line in text.split("\n"):
        line_end = line_start + len(line)
        cursor = line_start
        for match in _TERMINATOR.finditer(text, line_start, line_end):
            start, end = _trimmed(text, cursor, match.end())
            if end > start:
                spans.append(Span(len(spans), start, end, text[start:end]))
            cursor = match.end()
        start, end = _trimmed(text, cursor, line_end)
        if end > start:
            spans.append(Span(len(spans), start, end, text[start:end]))
        line_start = line_end + 1
    return spans


def sentence_containing(spans: list[Span], start: int, end: int) -> Span | None:
    """The sentence that wholly contains [start, end), if any."""
    for span in spans:
        if span.start <= start and end <= span.end:
            return span
    return None
