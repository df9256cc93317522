"""How well the extractor reads the seed: precision and recall against the curated claims.

The curated claims (seed/graph/claims.yaml) are the gold standard and are never edited to
please the extractor. The extractor is run the way ingestion runs it, with no database: the
seed's entities become the rows `kgapi.mentions.entity_name_forms` reads (what
`kgapi.queries.writes.name_rows` returns from Neo4j), `find_mentions` links the document, and
`extractor_for(document language)` reads it.

Figures, all over distinct tuples across the seed's documents:

- **strict**: (predicate, subject, object, status) proposed vs curated;
- **triples**: (predicate, subject, object), ignoring status;
- **status accuracy**: of the proposed tuples whose triple is curated, the share with the
  curated status;
- **reachable recall**: over the curated claims whose subject and object are both linked
  mentions of one of their evidence sentences. A claim about "both countries" or a ministry
  the text never names is unreachable for a pairwise reader of linked mentions, yet still
  counts against plain recall (the extractor does resolve some such references, so its plain
  recall may exceed what reachability alone allows).

    python -m kgapi.ingest.evaluate            # the table; exit status 0
    python -m kgapi.ingest.evaluate SEED_DIR
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kgapi.ingest.extract import extractor_for
from kgapi.ingest.proposals import ProposedClaim
from kgapi.languages import BENGALI, ENGLISH
from kgapi.mentions import Mention, entity_name_forms, find_mentions
from kgapi.model import Predicate, Status
from kgapi.queries.entities import EntityRow
from kgapi.seed import DEFAULT_SEED_DIR, load_bundle
from kgapi.text import sentence_containing
from kgapi.validation import EntityIn, GraphBundle

__all__ = ["Figures", "PredicateFigures", "entity_rows", "evaluate", "main", "render"]

Triple = tuple[Predicate, str, str]
Quad = tuple[Predicate, str, str, Status]


def _ratio(part: int, whole: int) -> float:
    """0 when there is nothing to divide: an empty side scores nothing rather than failing."""
    return part / whole if whole else 0.0


@dataclass(frozen=True, slots=True)
class PredicateFigures:
    curated: int
    proposed: int
    correct: int  # strict: predicate, subject, object and status


@dataclass(frozen=True, slots=True)
class Figures:
    """The counts behind every ratio, so a reader can check the arithmetic."""

    extractor: str
    version: str
    documents: int
    curated: int  # distinct (predicate, subject, object, status) curated
    proposed: int  # distinct (predicate, subject, object, status) proposed
    correct: int
    curated_triples: int
    proposed_triples: int
    correct_triples: int
    status_checked: int  # proposed tuples whose triple is curated
    status_correct: int
    reachable: int  # curated tuples both of whose ends are linked in an evidence sentence
    correct_reachable: int
    by_predicate: dict[str, PredicateFigures] = field(default_factory=dict)

    @property
    def precision(self) -> float:
        return _ratio(self.correct, self.proposed)

    @property
    def recall(self) -> float:
        return _ratio(self.correct, self.curated)

    @property
    def triple_precision(self) -> float:
        return _ratio(self.correct_triples, self.proposed_triples)

    @property
    def triple_recall(self) -> float:
        return _ratio(self.correct_triples, self.curated_triples)

    @property
    def status_accuracy(self) -> float:
        return _ratio(self.status_correct, self.status_checked)

    @property
    def reachable_recall(self) -> float:
        return _ratio(self.correct_reachable, self.reachable)


def entity_rows(entities: Iterable[EntityIn]) -> list[EntityRow]:
    """The seed's entities as the rows name_rows() reads back from the graph (the seed writer
    stores names.bn, names.en and the other languages as JSON, kgapi.seed.bundle_rows)."""
    rows = []
    for e in entities:
        others = {tag: name for tag, name in e.names.items() if tag not in (BENGALI, ENGLISH)}
        rows.append(
            EntityRow(
                slug=e.slug,
                kind=e.kind.value,
                name_en=e.names.get(ENGLISH),
                name_bn=e.names.get(BENGALI),
                aliases=list(e.aliases),
                description=e.description,
                revision=1,
                names_other=json.dumps(others, ensure_ascii=False, sort_keys=True)
                if others
                else None,
            )
        )
    return rows


def _read(bundle: GraphBundle) -> tuple[list[ProposedClaim], dict[str, list[Mention]], str, str]:
    forms = entity_name_forms(entity_rows(bundle.entities))
    kinds = {e.slug: e.kind for e in bundle.entities}
    claims: list[ProposedClaim] = []
    mentions_by_doc: dict[str, list[Mention]] = {}
    name, version = "", ""
    for doc in bundle.documents:
        mentions, unlinked = find_mentions(doc.text, forms)
        mentions_by_doc[doc.meta.slug] = mentions
        extractor = extractor_for(doc.meta.language, forms)
        reading = extractor.read(
            doc.text, doc.meta.language, doc.sentences, mentions, kinds, unlinked
        )
        claims += reading.claims
        name, version = reading.extractor, reading.version
    return claims, mentions_by_doc, name, version


def _reachable(bundle: GraphBundle, mentions: dict[str, list[Mention]]) -> set[Quad]:
    docs = {d.meta.slug: d for d in bundle.documents}
    found: set[Quad] = set()
    for claim in bundle.claims:
        for evidence in claim.evidence:
            doc = docs[evidence.document]
            span = sentence_containing(doc.sentences, evidence.start, evidence.end)
            if span is None:
                continue
            named = {m.slug for m in mentions[evidence.document] if m.sentence == span.index}
            if claim.subject in named and claim.object in named:
                found.add((claim.predicate, claim.subject, claim.object, claim.status))
    return found


def evaluate(seed_dir: Path = DEFAULT_SEED_DIR) -> Figures:
    """Run the extractor over the seed's documents and score it against the curated claims."""
    bundle = load_bundle(seed_dir)
    proposals, mentions, name, version = _read(bundle)
    gold: set[Quad] = {(c.predicate, c.subject, c.object, c.status) for c in bundle.claims}
    gold_status: dict[Triple, set[Status]] = {}
    for p, s, o, st in gold:
        gold_status.setdefault((p, s, o), set()).add(st)
    proposed: set[Quad] = {(c.predicate, c.subject, c.object, c.status) for c in proposals}
    proposed_triples = {(p, s, o) for p, s, o, _ in proposed}
    reachable = _reachable(bundle, mentions)
    checked = [q for q in proposed if q[:3] in gold_status]
    by_predicate = {
        predicate.value: PredicateFigures(
            curated=sum(1 for q in gold if q[0] is predicate),
            proposed=sum(1 for q in proposed if q[0] is predicate),
            correct=sum(1 for q in proposed & gold if q[0] is predicate),
        )
        for predicate in Predicate
        if any(q[0] is predicate for q in gold | proposed)
    }
    return Figures(
        extractor=name,
        version=version,
        documents=len(bundle.documents),
        curated=len(gold),
        proposed=len(proposed),
        correct=len(proposed & gold),
        curated_triples=len(gold_status),
        proposed_triples=len(proposed_triples),
        correct_triples=len(proposed_triples & set(gold_status)),
        status_checked=len(checked),
        status_correct=sum(1 for q in checked if q[3] in gold_status[q[:3]]),
        reachable=len(reachable),
        correct_reachable=len(proposed & reachable),
        by_predicate=by_predicate,
    )


def _rows(figures: Figures) -> list[tuple[str, str, str]]:
    f = figures
    return [
        ("precision (predicate, subject, object, status)", f"{f.precision:.3f}",
         f"{f.correct}/{f.proposed}"),
        ("recall (predicate, subject, object, status)", f"{f.recall:.3f}",
         f"{f.correct}/{f.curated}"),
        ("recall over reachable claims", f"{f.reachable_recall:.3f}",
         f"{f.correct_reachable}/{f.reachable}"),
        ("precision (predicate, subject, object)", f"{f.triple_precision:.3f}",
         f"{f.correct_triples}/{f.proposed_triples}"),
        ("recall (predicate, subject, object)", f"{f.triple_recall:.3f}",
         f"{f.correct_triples}/{f.curated_triples}"),
        ("status accuracy (of matched triples)", f"{f.status_accuracy:.3f}",
         f"{f.status_correct}/{f.status_checked}"),
    ]  # fmt: skip


def render(figures: Figures) -> str:
    """The report as plain text (the CLI prints it with rich when rich is installed)."""
    head = f"{figures.extractor} {figures.version} on {figures.documents} seed document(s)"
    rows = _rows(figures)
    width = max(len(r[0]) for r in rows)
    lines = [head, *(f"  {label:<{width}}  {ratio}  {count}" for label, ratio, count in rows)]
    lines.append("  by predicate (curated / proposed / correct, strict):")
    for predicate, p in figures.by_predicate.items():
        lines.append(f"    {predicate:<24} {p.curated:>3} {p.proposed:>3} {p.correct:>3}")
    return "\n".join(lines)


def _print_rich(figures: Figures) -> bool:
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:  # rich is a dependency, but the figures must print without it
        return False
    console = Console()
    table = Table(title=f"{figures.extractor} {figures.version} vs the curated seed claims")
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_column("count", justify="right")
    for label, ratio, count in _rows(figures):
        table.add_row(label, ratio, count)
    console.print(table)
    detail = Table(title="by predicate (strict)")
    for column in ("predicate", "curated", "proposed", "correct"):
        detail.add_column(column, justify="left" if column == "predicate" else "right")
    for predicate, p in figures.by_predicate.items():
        detail.add_row(predicate, str(p.curated), str(p.proposed), str(p.correct))
    console.print(detail)
    return True


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    figures = evaluate(Path(args[0]) if args else DEFAULT_SEED_DIR)
    if not _print_rich(figures):
        print(render(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
