"""The current-status rule (kgapi.current_status), case by case, and its Cypher key's order."""

from __future__ import annotations

import datetime as dt
import itertools

from kgapi import model
from kgapi.current_status import ClaimTime, choose, claim_time, history, rule_key

S, R, Rule = model.Status, model.Rank, model.StatusRule
D = dt.date.fromisoformat


def _claim(
    claim_id: str,
    status: model.Status,
    effective: str | None = None,
    rank: model.Rank = R.NORMAL,
    valid_to: str | None = None,
) -> ClaimTime:
    return ClaimTime(
        claim_id,
        status,
        rank,
        D(effective) if effective else None,
        D(valid_to) if valid_to else None,
    )


TODAY = D("2026-12-01")


def test_no_claim_no_status() -> None:
    assert choose([], TODAY) is None
    assert choose([_claim("a", S.RETRACTED)], TODAY) is None
    assert history([]) == []


def test_claims_that_agree_are_unanimous() -> None:
    choice = choose([_claim("b", S.PLANNED), _claim("a", S.PLANNED, "2025-01-01")], TODAY)
    assert choice is not None
    assert (choice.status, choice.rule, choice.conflicting) == (S.PLANNED, Rule.UNANIMOUS, ())
    assert choice.chosen.claim_id == "a"  # the dated one is the later


def test_rank_comes_before_date() -> None:
    old = _claim("old", S.IN_PROGRESS, rank=R.PREFERRED)
    new = _claim("new", S.SIGNED, "2026-02-20")
    choice = choose([old, new], TODAY)
    assert choice is not None
    assert (choice.status, choice.rule) == (S.IN_PROGRESS, Rule.RANK)
    assert [c.claim_id for c in choice.conflicting] == ["new"]
    deprecated = _claim("new", S.SIGNED, "2026-02-20", rank=R.DEPRECATED)
    choice = choose([_claim("old", S.IN_PROGRESS), deprecated], TODAY)
    assert choice is not None and (choice.status, choice.rule) == (S.IN_PROGRESS, Rule.RANK)


def test_an_unknown_date_is_earlier_than_any_known_one_and_holds_on_every_date() -> None:
    undated = _claim("undated", S.IN_PROGRESS)
    dated = _claim("dated", S.SIGNED, "2026-02-20")
    now = choose([undated, dated], TODAY)
    assert now is not None and (now.status, now.rule) == (S.SIGNED, Rule.LATEST_DATE)
    before = choose([undated, dated], D("2026-02-19"))
    assert before is not None and (before.status, before.rule) == (S.IN_PROGRESS, Rule.UNANIMOUS)
    ancient = choose([undated, dated], D("0001-01-01"))
    assert ancient is not None and ancient.chosen.claim_id == "undated"


def test_a_tie_goes_to_the_status_a_source_gives_most_realised_then_the_claim_id() -> None:
    choice = choose([_claim("b", S.EXPECTED), _claim("a", S.IN_PROGRESS)], TODAY)
    assert choice is not None
    assert (choice.status, choice.rule) == (S.IN_PROGRESS, Rule.STRONGEST_STATUS)
    assert choice.status in {S.EXPECTED, S.IN_PROGRESS}  # never one no claim gives
    same = choose([_claim("b", S.SIGNED, "2026-01-01"), _claim("a", S.SIGNED, "2026-01-01")], TODAY)
    assert same is not None and same.chosen.claim_id == "a"


def test_valid_to_ends_a_claim() -> None:
    ended = _claim("ended", S.SIGNED, "2026-01-01", valid_to="2026-06-01")
    undated = _claim("undated", S.PLANNED)
    assert choose([ended, undated], D("2026-05-31")).status is S.SIGNED  # type: ignore[union-attr]
    assert choose([ended, undated], D("2026-06-01")).status is S.PLANNED  # type: ignore[union-attr]
    periods = [(p.start, p.end, p.choice.status) for p in history([ended, undated])]
    assert periods == [
        (None, D("2026-01-01"), S.PLANNED),
        (D("2026-01-01"), D("2026-06-01"), S.SIGNED),
        (D("2026-06-01"), None, S.PLANNED),
    ]


def test_history_leaves_a_gap_where_nothing_holds() -> None:
    only = _claim("only", S.SIGNED, "2026-01-01", valid_to="2026-03-01")
    periods = [(p.start, p.end, p.choice.status) for p in history([only])]
    assert periods == [(D("2026-01-01"), D("2026-03-01"), S.SIGNED)]


def test_a_claims_date_comes_from_its_text_else_its_earliest_dated_document() -> None:
    docs = [("b", "2026-03-01"), ("a", None), ("c", "2026-01-05")]
    assert claim_time(None, docs) == {
        "effective": "2026-01-05",
        "dated_by": "c",
        "date_source": "document",
    }
    assert claim_time("2025-12-31", docs) == {
        "effective": "2025-12-31",
        "dated_by": "c",
        "date_source": "text",
    }
    assert claim_time(None, [("z", None), ("y", None)]) == {
        "effective": None,
        "dated_by": "y",
        "date_source": "unknown",
    }


def test_the_cypher_key_orders_claims_as_the_rule_does() -> None:
    """kgapi.queries.entities compares `rule_key` strings; they must order like
    ClaimTime.order for every rank, date and status."""
    dates = [None, "2025-12-31", "2026-01-01"]
    claims = [
        _claim(f"c{i}", status, effective, rank)
        for i, (rank, effective, status) in enumerate(
            itertools.product(list(R), dates, [s for s in S if s is not S.RETRACTED])
        )
    ]
    keyed = sorted(
        claims,
        key=lambda c: rule_key(c.rank.value, c.effective and c.effective.isoformat(), c.status),
    )
    by_order = sorted(claims, key=ClaimTime.order)
    assert [c.order() for c in keyed] == [c.order() for c in by_order]
