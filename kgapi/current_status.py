"""The current status of a fact, chosen among the claims that state it, with the rule that chose.

Documents disagree and go out of date: one article says an agreement is "in process", a later
report says it was signed. kgapi keeps both claims and chooses which one is current by a rule a
reader can check, never by merging them and never by promoting a plan on its own:

1. Only claims that hold on the date asked (`as_of`) count: not retracted, effective on or
   before it, and not ended (`valid_to`) on or before it. A claim whose date is unknown holds
   from an unknown time: it counts for every `as_of`.
2. The highest rank wins (preferred, then normal, then deprecated).
3. Among equal ranks, the latest effective date wins; an unknown date is earlier than any known
   one (a dated report of the same rank is newer than an undated one).
4. Among equal ranks and dates, the most realised status a source gives wins (kgapi.model.Status
   order), then the smallest claim id, so that the answer never depends on read order.

A claim's effective date is the date its text gives (`valid_from`), else the earliest
publication date of its evidence documents, else unknown (`claim_time`). Both read engines and
the write API use this module, so that a status reads the same however it is reached; the
entity filter on a status (kgapi.queries.entities) evaluates the same order in Cypher through
`rule_key`'s layout.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kgapi import model

__all__ = [
    "ClaimTime",
    "Period",
    "StatusChoice",
    "choose",
    "claim_time",
    "history",
    "rule_key",
    "today",
]

_STRENGTH = {status: index for index, status in enumerate(reversed(list(model.Status)))}
_RANK = {rank: index for index, rank in enumerate(model.RANK_ORDER)}


def today() -> dt.date:
    """The date `asOf` means when a client gives none: today in UTC, on every server alike."""
    return dt.datetime.now(dt.UTC).date()


def claim_time(
    valid_from: str | None, documents: Iterable[tuple[str, str | None]]
) -> dict[str, str | None]:
    """The stored time of a claim: `effective`, `dated_by` (the document that gives the date
    or, when none does, the first evidence document) and `date_source`. `documents` are the
    (slug, published) pairs of its evidence."""
    pairs = sorted(set(documents), key=lambda d: (d[1] is None, d[1] or "", d[0]))
    first = pairs[0][0] if pairs else None
    if valid_from is not None:
        return {
            "effective": valid_from,
            "dated_by": first,
            "date_source": model.DateSource.TEXT.value,
        }
    if pairs and pairs[0][1] is not None:
        return {
            "effective": pairs[0][1],
            "dated_by": pairs[0][0],
            "date_source": model.DateSource.DOCUMENT.value,
        }
    return {"effective": None, "dated_by": first, "date_source": model.DateSource.UNKNOWN.value}


@dataclass(frozen=True, slots=True)
class ClaimTime:
    """What the rule reads of one claim."""

    claim_id: str
    status: model.Status
    rank: model.Rank
    effective: dt.date | None
    valid_to: dt.date | None

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> ClaimTime:
        """From a claim's map as both read engines fetch it (`id`, `status`, `rank`,
        `effective`, `valid_to`)."""
        effective, valid_to = row.get("effective"), row.get("valid_to")
        return cls(
            claim_id=row["id"],
            status=model.Status(row["status"]),
            rank=model.Rank(row.get("rank") or model.Rank.NORMAL.value),
            effective=dt.date.fromisoformat(effective) if effective else None,
            valid_to=dt.date.fromisoformat(valid_to) if valid_to else None,
        )

    def holds(self, as_of: dt.date) -> bool:
        if self.status is model.Status.RETRACTED:
            return False
        started = self.effective is None or self.effective <= as_of
        return started and (self.valid_to is None or as_of < self.valid_to)

    def order(self) -> tuple[int, int, dt.date, int]:
        """Larger is chosen first (the rule's steps 2-4, bar the claim id)."""
        return (
            _RANK[self.rank],
            self.effective is not None,
            self.effective or dt.date.min,
            _STRENGTH[self.status],
        )


def rule_key(rank: str, effective: str | None, status: str) -> str:
    """`ClaimTime.order` as one string that compares the same way (for Cypher, which compares
    strings but not tuples): rank digit, then `1` + date or `0`, then strength digit."""
    dated = "1" + effective if effective else "0" + "0" * 10
    return f"{_RANK[model.Rank(rank)]}{dated}{_STRENGTH[model.Status(status)]}"


@dataclass(frozen=True, slots=True)
class StatusChoice:
    """The current status on `as_of`: the claim it comes from, the rule, the disagreeing claims
    (best first)."""

    as_of: dt.date
    chosen: ClaimTime
    rule: model.StatusRule
    conflicting: tuple[ClaimTime, ...]

    @property
    def status(self) -> model.Status:
        return self.chosen.status


def _ranked(claims: Iterable[ClaimTime]) -> list[ClaimTime]:
    by_id = sorted(claims, key=lambda c: c.claim_id)
    return sorted(by_id, key=ClaimTime.order, reverse=True)  # stable: smallest id first on ties


def choose(claims: Iterable[ClaimTime], as_of: dt.date) -> StatusChoice | None:
    """The current status on `as_of`, or None when no claim holds then."""
    ranked = _ranked(c for c in claims if c.holds(as_of))
    if not ranked:
        return None
    chosen = ranked[0]
    conflicting = tuple(c for c in ranked if c.status is not chosen.status)
    if not conflicting:
        rule = model.StatusRule.UNANIMOUS
    else:
        rival = conflicting[0]
        if rival.rank is not chosen.rank:
            rule = model.StatusRule.RANK
        elif rival.effective != chosen.effective:
            rule = model.StatusRule.LATEST_DATE
        else:
            rule = model.StatusRule.STRONGEST_STATUS
    return StatusChoice(as_of, chosen, rule, conflicting)


@dataclass(frozen=True, slots=True)
class Period:
    """While the current status came from one claim: from `start` (None: an unknown time) to
    `end` (None: still current), exclusive."""

    start: dt.date | None
    end: dt.date | None
    choice: StatusChoice


def history(claims: Sequence[ClaimTime]) -> list[Period]:
    """The current status through time: it can change only on a date some claim starts or
    ends, so the rule is asked on each such date (and once before all of them, where only
    undated claims hold); consecutive answers from the same claim with the same rule make one
    period. A date on which no claim holds ends the period before it."""
    dates = sorted(
        {c.effective for c in claims if c.effective is not None}
        | {c.valid_to for c in claims if c.valid_to is not None}
    )
    starts: list[dt.date | None] = [None, *dates]
    periods: list[Period] = []
    open_choice: StatusChoice | None = None
    open_start: dt.date | None = None
    for start in starts:
        as_of = dt.date.min if start is None else start
        choice = choose(claims, as_of)
        same = (
            open_choice is not None
            and choice is not None
            and choice.chosen.claim_id == open_choice.chosen.claim_id
            and choice.rule is open_choice.rule
        )
        if same:
            continue
        if open_choice is not None:
            periods.append(Period(open_start, start, open_choice))
        open_choice, open_start = choice, start
    if open_choice is not None:
        periods.append(Period(open_start, None, open_choice))
    return periods
