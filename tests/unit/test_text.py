from kgapi.seed import DEFAULT_SEED_DIR
from kgapi.text import sentence_containing, split_sentences

ARTICLE = DEFAULT_SEED_DIR / "documents" / "000_a2bfdf3df2dbf4a8.txt"


def test_offsets_index_the_verbatim_text() -> None:
    text = ARTICLE.read_text("utf-8")
    spans = split_sentences(text)
    assert len(spans) == 31
    for span in spans:
        assert text[span.start : span.end] == span.text
        assert span.text == span.text.strip()


def test_bengali_danda_question_mark_and_lines_end_sentences() -> None:
    text = "এক। দুই?\n• Three. Four\n\nপাঁচ!"
    assert [s.text for s in split_sentences(text)] == ["এক।", "দুই?", "Three.", "Four", "পাঁচ!"]


def test_title_and_byline_are_their_own_sentences() -> None:
    spans = split_sentences(ARTICLE.read_text("utf-8"))
    assert spans[0].text.startswith("পাকিস্তান ও কাজাখস্তান:")
    assert spans[1].text == "সম্পাদনা করেছেন: S Света"


def test_sentence_containing() -> None:
    spans = split_sentences("এক। দুই।")
    assert sentence_containing(spans, 4, 7) == spans[1]
    assert sentence_containing(spans, 2, 6) is None
