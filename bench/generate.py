"""A deterministic synthetic graph with the seed graph's model, at any size, and its loader.

Why synthetic: the seed graph is one article (a few hundred relationships); the benchmark needs
10k, 100k and 1M relationships with the same shape. Why the same model: a benchmark of another
shape would say nothing about kgapi's queries. So the rows built here are exactly the parameter
rows of kgapi's own seed statements (`kgapi.queries.graph_writes.SEED_STEPS`), loaded with them
in batched `UNWIND` transactions: Document and Sentence nodes (PART_OF), Entity nodes with their
kind label, MENTIONS with code-point offsets, Claim nodes with SUBJECT/OBJECT/SUPPORTED_BY and the
`(:Entity)-[:PREDICATE {claim_ids}]->(:Entity)` traversal shortcuts.

Deterministic: everything comes from one `random.Random(seed)`, so the same seed and size give
the same rows (tests/bench checks it). "Relationships" counts every relationship the rows create
(PART_OF, MENTIONS, SUBJECT, OBJECT, SUPPORTED_BY and the shortcuts); the loader checks the count
Neo4j reports against it.

    python -m bench.generate --relationships 100000 --seed 1     # rows only, prints a summary
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import time
from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from kgapi.db import Database
from kgapi.model import PREDICATES, EntityKind, Predicate, Status
from kgapi.queries.graph_writes import SEED_STEPS
from kgapi.queries.revision import bump_revision_if_changed
from kgapi.queries.schema import apply_schema

__all__ = [
    "GENERATOR_VERSION",
    "GeneratedGraph",
    "LoadReport",
    "generate",
    "graph_on_disk",
    "load_graph",
    "parse_size",
]

GENERATOR_VERSION = 2
ENTITIES_PER_RELATIONSHIP = 1 / 14  # 100k relationships -> ~7,100 entities (Q2 pages past 5,000)
SENTENCES_PER_DOCUMENT = 30
HUB_SKEW = 1.5  # >1 favours low indices: a few hubs per kind, as countries are in real news
SECOND_EVIDENCE = 0.2  # share of claims stated again in a document of the other language
BENGALI_SHARE = 0.6

Row = dict[str, Any]

# How many entities of each kind, relative to each other (every kind gets at least two).
KIND_WEIGHTS: dict[EntityKind, int] = {
    EntityKind.PERSON: 22,
    EntityKind.ASSOCIATION: 12,
    EntityKind.EVENT: 10,
    EntityKind.CITY: 8,
    EntityKind.COMMODITY: 8,
    EntityKind.AGREEMENT: 7,
    EntityKind.OFFICE: 6,
    EntityKind.MINISTRY: 5,
    EntityKind.INITIATIVE: 5,
    EntityKind.SECTOR: 4,
    EntityKind.CAPABILITY: 3,
    EntityKind.GOAL: 3,
    EntityKind.COUNTRY: 3,
    EntityKind.REGION: 2,
    EntityKind.CORRIDOR: 2,
}

K = EntityKind
# Relative frequency of each predicate; its subject and object kinds come from kgapi.model.
PREDICATE_WEIGHTS: dict[Predicate, int] = {
    Predicate.HOLDS_OFFICE: 8,
    Predicate.HEADS: 3,
    Predicate.OFFICE_OF: 2,
    Predicate.MINISTRY_OF: 3,
    Predicate.ASSOCIATION_OF: 5,
    Predicate.PARTY_TO: 6,
    Predicate.AIMS_AT: 3,
    Predicate.COMMITTED_TO: 2,
    Predicate.EMPHASIZES: 3,
    Predicate.COOPERATES_IN: 3,
    Predicate.EXPORTS: 6,
    Predicate.OFFERS: 2,
    Predicate.WILL_CONTACT: 6,
    Predicate.ROUTE_INCLUDES: 3,
    Predicate.DEVELOPS: 2,
    Predicate.FACILITATES_TRADE_WITH: 2,
    Predicate.PLANS: 2,
    Predicate.AGREED_TO_HOLD: 2,
    Predicate.HELD_IN: 6,
    Predicate.PARTICIPATED_IN: 12,
    Predicate.VISITS: 4,
    Predicate.EXPECTED_AT: 3,
    Predicate.STRENGTHENS: 4,
    Predicate.MAY_MEET_DEMAND_OF: 3,
    Predicate.CONCERNS: 6,
}

STATUS_WEIGHTS: dict[Status, int] = {
    Status.STATED: 38,
    Status.SIGNED: 18,
    Status.PLANNED: 18,
    Status.IN_PROGRESS: 12,
    Status.EXPECTED: 12,
    Status.RETRACTED: 2,  # kept as claims with evidence, but no traversal shortcut
}
RANK_WEIGHTS: dict[str, int] = {"normal": 93, "preferred": 5, "deprecated": 2}

# Latin syllables and their Bengali spelling (consonant letter + vowel sign), so that every name
# exists in both scripts and the Bengali one reads as Bengali to the full-text analyzer.
_CONSONANTS = {
    "k": "ক",
    "g": "গ",
    "ch": "চ",
    "j": "জ",
    "t": "ত",
    "d": "দ",
    "n": "ন",
    "p": "প",
    "b": "ব",
    "m": "ম",
    "r": "র",
    "l": "ল",
    "sh": "শ",
    "s": "স",
    "h": "হ",
}
_VOWELS = {"a": "", "aa": "া", "i": "ি", "u": "ু", "e": "ে", "o": "ো"}
_FINALS = {"": "", "n": "ন", "r": "র", "l": "ল", "m": "ম"}

# Per kind: how an English and a Bengali name are built around a generated word. Every English
# word is capitalised, so that a case-sensitive sort (the peer's) and a case-insensitive one
# (kgapi's NAME order) agree and the systems' Q2 pages can be compared item by item.
_NAME_PATTERNS: dict[EntityKind, tuple[str, str]] = {
    K.PERSON: ("{a} {b}", "{a} {b}"),
    K.COUNTRY: ("{a}stan", "{a}স্তান"),
    K.CITY: ("{a}abad", "{a}াবাদ"),
    K.REGION: ("{a} Region", "{a} অঞ্চল"),
    K.OFFICE: ("Minister of {a}", "{a} মন্ত্রী"),
    K.MINISTRY: ("Ministry of {a}", "{a} মন্ত্রণালয়"),
    K.ASSOCIATION: ("{a} {b} Association", "{a} {b} সমিতি"),
    K.AGREEMENT: ("{a} Trade Agreement", "{a} বাণিজ্য চুক্তি"),
    K.CORRIDOR: ("{a}-{b} Corridor", "{a}-{b} করিডোর"),
    K.COMMODITY: ("{a} Grain", "{a} শস্য"),
    K.SECTOR: ("{a} Sector", "{a} খাত"),
    K.CAPABILITY: ("{a} Technology", "{a} প্রযুক্তি"),
    K.EVENT: ("{a} Business Forum", "{a} ব্যবসায়িক ফোরাম"),
    K.INITIATIVE: ("{a} Joint Ventures", "{a} যৌথ উদ্যোগ"),
    K.GOAL: ("{a} Trade Target", "{a} বাণিজ্য লক্ষ্য"),
}

_FILLER = {
    "en": [
        "and",
        "officials",
        "said",
        "that",
        "the",
        "talks",
        "on",
        "trade",
        "cooperation",
        "between",
        "with",
        "during",
        "the",
        "visit",
        "economic",
        "ties",
        "ministers",
        "confirmed",
    ],
    "bn": [
        "এবং",
        "কর্মকর্তারা",
        "বলেছেন",
        "যে",
        "বাণিজ্য",
        "সহযোগিতা",
        "আলোচনা",
        "সফরের",
        "সময়",
        "অর্থনৈতিক",
        "সম্পর্ক",
        "মন্ত্রীরা",
        "নিশ্চিত",
        "করেছেন",
        "দুই",
        "দেশের",
    ],
}
_STATUS_PHRASES: dict[Status, tuple[str, str]] = {
    Status.STATED: ("is linked to", "সম্পর্কিত"),
    Status.SIGNED: ("signed with", "স্বাক্ষর করেছে"),
    Status.PLANNED: ("plans to work with", "পরিকল্পনা করছে"),
    Status.IN_PROGRESS: ("is working with", "কাজ চলছে"),
    Status.EXPECTED: ("is expected to join", "প্রত্যাশিত"),
    Status.RETRACTED: ("was said to join", "বলা হয়েছিল"),
}


@dataclass
class GeneratedGraph:
    """Rows for kgapi's seed statements, their exact relationship count, and the probes: the
    slugs and texts the query mix asks for, chosen so that results keep a similar size at
    every graph size (the point of Q1's scaling target)."""

    seed: int
    target: int
    rows: dict[str, list[Row]]
    relationships: int
    nodes: int
    probes: dict[str, Any] = field(default_factory=dict)

    def digest(self) -> str:
        """A fingerprint of every row, to prove that a seed gives the same graph."""
        blob = json.dumps(self.rows, sort_keys=True, ensure_ascii=False).encode()
        return hashlib.sha256(blob).hexdigest()

    def summary(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "target_relationships": self.target,
            "relationships": self.relationships,
            "nodes": self.nodes,
            **{name: len(rows) for name, rows in self.rows.items()},
            "digest": self.digest()[:16],
        }


def parse_size(text: str) -> int:
    """`10k`, `100k`, `1M` or a plain number."""
    value = text.strip().lower().replace("_", "")
    scale = {"k": 1_000, "m": 1_000_000}.get(value[-1:], 1)
    number = value[:-1] if scale != 1 else value
    return int(float(number) * scale)


def size_label(relationships: int) -> str:
    if relationships >= 1_000_000 and relationships % 1_000_000 == 0:
        return f"{relationships // 1_000_000}M"
    if relationships >= 1_000 and relationships % 1_000 == 0:
        return f"{relationships // 1_000}k"
    return str(relationships)


def _hash(value: Any) -> str:
    return hashlib.sha256(
        json.dumps(value, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


def _weighted(rng: random.Random, weights: dict[Any, int]) -> Any:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys], k=1)[0]


class _Words:
    """Pseudo-words in Latin and Bengali script, drawn uniformly from a vocabulary that grows
    with the graph, so that a word names about the same number of entities at every size."""

    def __init__(self, rng: random.Random, size: int) -> None:
        seen: set[str] = set()
        self.latin: list[str] = []
        self.bengali: list[str] = []
        consonants = list(_CONSONANTS)
        vowels = list(_VOWELS)
        finals = list(_FINALS)
        while len(self.latin) < size:
            syllables = [
                (rng.choice(consonants), rng.choice(vowels)) for _ in range(rng.randint(2, 3))
            ]
            final = rng.choice(finals)
            latin = "".join(c + v for c, v in syllables) + final
            if latin in seen:
                continue
            seen.add(latin)
            self.latin.append(latin.capitalize())
            self.bengali.append(
                "".join(_CONSONANTS[c] + _VOWELS[v] for c, v in syllables) + _FINALS[final]
            )

    def pick(self, rng: random.Random) -> tuple[str, str]:
        i = rng.randrange(len(self.latin))
        return self.latin[i], self.bengali[i]


def _slugify(text: str) -> str:
    out = "".join(ch.lower() if ch.isalnum() and ch.isascii() else "-" for ch in text)
    return "-".join(part for part in out.split("-") if part)


def _entities(rng: random.Random, count: int, words: _Words) -> list[Row]:
    total_weight = sum(KIND_WEIGHTS.values())
    per_kind = {k: max(2, round(count * w / total_weight)) for k, w in KIND_WEIGHTS.items()}
    rows: list[Row] = []
    for kind in EntityKind:  # every kind, in the model's order
        english_pattern, bengali_pattern = _NAME_PATTERNS[kind]
        for _ in range(per_kind[kind]):
            (a_en, a_bn), (b_en, b_bn) = words.pick(rng), words.pick(rng)
            name_en = english_pattern.format(a=a_en, b=b_en)
            name_bn = bengali_pattern.format(a=a_bn, b=b_bn)
            slug = f"{_slugify(name_en)}-{len(rows):x}"
            variant = a_en.replace("k", "q").replace("sh", "s")
            aliases = sorted({english_pattern.format(a=variant, b=b_en), name_bn + "ের"})
            description = (
                f"Synthetic {kind.value.lower()} {a_en} for kgapi's benchmark; "
                f"{rng.choice(_FILLER['en'])} {rng.choice(_FILLER['en'])} {b_en.lower()}."
            )
            props: Row = {
                "kind": kind.value,
                "name_en": name_en,
                "name_bn": name_bn,
                "aliases": aliases,
                "description": description,
            }
            rows.append({"slug": slug, "kind": kind.value, "props": props, "hash": _hash(props)})
    return rows


@dataclass
class _Document:
    slug: str
    language: str
    sentences: list[Row] = field(default_factory=list)
    length: int = 0  # code points of the text so far


class _Corpus:
    """Documents filled sentence by sentence; offsets are code points of the final text."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.documents: list[_Document] = []
        self.current: dict[str, _Document] = {}

    def _document(self, language: str) -> _Document:
        doc = self.current.get(language)
        if doc is None or len(doc.sentences) >= SENTENCES_PER_DOCUMENT:
            doc = _Document(f"bench-doc-{len(self.documents):06d}-{language}", language)
            self.documents.append(doc)
            self.current[language] = doc
        return doc

    def sentence(
        self, language: str, parts: Sequence[str], mentioned: dict[int, str]
    ) -> tuple[_Document, Row, list[Row], tuple[int, int]]:
        """Append a sentence made of `parts`; `mentioned` maps a part index to an entity slug.

        Returns the document, the sentence row, the mention rows and the (start, end) of the
        quote: from the first part to the last before the final punctuation.
        """
        doc = self._document(language)
        start = doc.length + (1 if doc.sentences else 0)
        text = " ".join(parts) + ("।" if language == "bn" else ".")
        index = len(doc.sentences)
        key = f"{doc.slug}#{index}"
        mentions: list[Row] = []
        offset = start
        for i, part in enumerate(parts):
            if i in mentioned:
                mentions.append(
                    {
                        "entity": mentioned[i],
                        "sentence_key": key,
                        "start": offset,
                        "end": offset + len(part),
                        "quote": part,
                    }
                )
            offset += len(part) + 1
        end = start + len(text)
        props: Row = {"document": doc.slug, "index": index, "start": start, "end": end}
        props["text"] = text
        row: Row = {"key": key, "document": doc.slug, "props": props, "hash": _hash(props)}
        doc.sentences.append(row)
        doc.length = end
        return doc, row, mentions, (start, end - 1)

    def document_rows(self) -> list[Row]:
        rows = []
        for n, doc in enumerate(self.documents):
            text = " ".join(s["props"]["text"] for s in doc.sentences)
            title_words = [self.rng.choice(_FILLER[doc.language]) for _ in range(4)]
            props: Row = {
                "title": " ".join(title_words).capitalize(),
                "title_en": f"Synthetic news report {n}",
                "language": doc.language,
                "text": text,
                "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
                "url": f"https://example.org/bench/{doc.slug}",
                "published": f"2025-{1 + n % 12:02d}-{1 + n % 28:02d}",
                "retrieved": None,
                "listed_only": False,
                "sentence_count": len(doc.sentences),
            }
            rows.append({"slug": doc.slug, "props": props, "hash": _hash(props)})
        return rows


def _pick_entity(rng: random.Random, pool: list[Row]) -> Row:
    return pool[int(len(pool) * rng.random() ** HUB_SKEW)]


def generate(target_relationships: int, seed: int = 1) -> GeneratedGraph:
    """Rows for a graph of about `target_relationships` relationships (a few over, never under,
    unless the target is below the smallest graph with every kind)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data, not security
    n_entities = max(2 * len(EntityKind), round(target_relationships * ENTITIES_PER_RELATIONSHIP))
    words = _Words(rng, max(40, n_entities // 2))
    entities = _entities(rng, n_entities, words)
    by_kind: dict[str, list[Row]] = defaultdict(list)
    for row in entities:
        by_kind[row["kind"]].append(row)
    corpus = _Corpus(rng)
    claims: list[Row] = []
    mentions: list[Row] = []
    shortcuts: set[tuple[str, str, str]] = set()
    claim_ids: set[str] = set()
    predicate_weights = PREDICATE_WEIGHTS
    relationships = 0
    while relationships < target_relationships:
        predicate = _weighted(rng, predicate_weights)
        subject_kinds, object_kinds = PREDICATES[predicate].subjects, PREDICATES[predicate].objects
        subject = _pick_entity(rng, by_kind[rng.choice(subject_kinds).value])
        obj = _pick_entity(rng, by_kind[rng.choice(object_kinds).value])
        if subject["slug"] == obj["slug"]:
            continue
        status: Status = _weighted(rng, STATUS_WEIGHTS)
        languages = ["bn" if rng.random() < BENGALI_SHARE else "en"]
        if rng.random() < SECOND_EVIDENCE:
            languages.append("en" if languages[0] == "bn" else "bn")
        evidence: list[Row] = []
        for n, language in enumerate(languages):
            column = 1 if language == "bn" else 0
            name = "name_bn" if language == "bn" else "name_en"
            filler = [rng.choice(_FILLER[language]) for _ in range(rng.randint(1, 4))]
            phrase = _STATUS_PHRASES[status][column]
            parts = [subject["props"][name], *filler, obj["props"][name], phrase]
            mentioned = {0: subject["slug"], len(parts) - 2: obj["slug"]} if n == 0 else {}
            doc, sentence, found, (start, end) = corpus.sentence(language, parts, mentioned)
            mentions += found
            relationships += 1 + len(found)  # PART_OF and MENTIONS
            quote = " ".join(parts)  # the sentence without its final punctuation
            span: Row = {
                "document": doc.slug,
                "sentence_index": sentence["props"]["index"],
                "start": start,
                "end": end,
                "quote": quote,
            }
            if language == "bn":
                english = [subject["props"]["name_en"], obj["props"]["name_en"]]
                span["translation_en"] = " ".join([*english, _STATUS_PHRASES[status][0]])
            else:  # as the validator requires of every claim's evidence: an English quote is
                span["translation_en"] = quote  # its own English rendering
            evidence.append({"sentence_key": sentence["key"], "props": span})
        qualifiers: Row = {}
        if predicate == Predicate.EXPORTS:
            qualifiers["destination"] = _pick_entity(rng, by_kind[K.COUNTRY.value])["slug"]
        elif predicate == Predicate.ROUTE_INCLUDES:
            qualifiers["position"] = rng.randint(1, 6)
        elif rng.random() < 0.1:
            qualifiers["amount_usd"] = rng.randint(1, 500) * 1_000_000
        basis = [subject["slug"], predicate.value, obj["slug"], status.value, len(claims)]
        digest = hashlib.sha256(json.dumps(basis).encode()).hexdigest()[:12]
        claim_id = (
            f"{subject['slug']}-{predicate.value.lower().replace('_', '-')}-{obj['slug']}-{digest}"
        )[:120]
        if claim_id in claim_ids:  # pragma: no cover - 48 bits of digest over a counter
            continue
        claim_ids.add(claim_id)
        props = {
            "predicate": predicate.value,
            "status": status.value,
            "rank": _weighted(rng, RANK_WEIGHTS),
            "subject_slug": subject["slug"],
            "object_slug": obj["slug"],
            "qualifiers_json": json.dumps(qualifiers, ensure_ascii=False, sort_keys=True),
        }
        traversable = status != Status.RETRACTED
        claims.append(
            {
                "id": claim_id,
                "subject": subject["slug"],
                "object": obj["slug"],
                "predicate": predicate.value,
                "traversable": traversable,
                "props": props,
                "evidence": evidence,
                "hash": _hash([props, evidence]),
            }
        )
        relationships += 2 + len(evidence)  # SUBJECT, OBJECT, SUPPORTED_BY
        shortcut = (subject["slug"], predicate.value, obj["slug"])
        if traversable and shortcut not in shortcuts:
            shortcuts.add(shortcut)
            relationships += 1
    documents = corpus.document_rows()
    sentences = [s for doc in corpus.documents for s in doc.sentences]
    rows: dict[str, list[Row]] = {
        "documents": documents,
        "sentences": sentences,
        "entities": entities,
        "mentions": mentions,
        "claims": claims,
    }
    graph = GeneratedGraph(
        seed=seed,
        target=target_relationships,
        rows=rows,
        relationships=relationships,
        nodes=len(documents) + len(sentences) + len(entities) + len(claims),
    )
    graph.probes = choose_probes(graph)
    return graph


# -- probes: what the query mix asks for -----------------------------------------------------


def _adjacency(claims: Iterable[Row]) -> tuple[dict[str, list[str]], dict[str, set[str]]]:
    """OUT claims' objects per subject (non-retracted, in claim-id order, as the APIs page them)
    and the undirected neighbours over the traversal shortcuts."""
    out: dict[str, list[tuple[str, str]]] = defaultdict(list)
    undirected: dict[str, set[str]] = defaultdict(set)
    for claim in claims:
        if not claim["traversable"]:
            continue
        out[claim["subject"]].append((claim["id"], claim["object"]))
        undirected[claim["subject"]].add(claim["object"])
        undirected[claim["object"]].add(claim["subject"])
    ordered = {slug: [o for _, o in sorted(pairs)] for slug, pairs in out.items()}
    return ordered, undirected


def _within(
    undirected: dict[str, set[str]], start: str, hops: int, cap: int | None = None
) -> dict[str, int]:
    """Distances from `start` up to `hops`; stops early once more than `cap` nodes are found."""
    distance = {start: 0}
    queue = deque([start])
    while queue and (cap is None or len(distance) <= cap):
        node = queue.popleft()
        if distance[node] == hops:
            continue
        for other in sorted(undirected.get(node, ())):
            if other not in distance:
                distance[other] = distance[node] + 1
                queue.append(other)
    return distance


Q1_FIRST = 10
Q1_SHAPE = (6, 18)  # relations of the Q1 entity, and of its targets together
Q2_KINDS = [
    K.PERSON,
    K.ASSOCIATION,
    K.EVENT,
    K.CITY,
    K.COMMODITY,
    K.AGREEMENT,
    K.OFFICE,
    K.MINISTRY,
]
Q2_DEEP_OFFSET = 5_000
Q5_NODES = (60, 120)  # the 2-hop neighbourhood's size, at every graph size
Q2_PAGE = 20
Q8_RELATIONS = 15  # the detail page's entity: about this many claims, at every graph size
Q9_AGREEMENTS = 20  # the per-kind where's country: party to about this many agreements


def choose_probes(graph: GeneratedGraph) -> dict[str, Any]:
    """Slugs and texts for Q1-Q9, chosen by fixed rules so that each result has a similar size
    at every graph size: Q1 an entity with 6-10 outgoing relations whose targets have at most
    10 each; Q4 a target 4 hops away; Q5 a centre whose 2-hop neighbourhood has 60-120 nodes;
    Q8 an agreement with about 15 claims and a party; Q9 a country party to about 20 agreements
    (more than a page of 10, so the filter, not the kind's size, decides the page)."""
    entities = graph.rows["entities"]
    out, undirected = _adjacency(graph.rows["claims"])

    def q1_shape(slug: str) -> tuple[int, int]:
        first = out.get(slug, [])[:Q1_FIRST]
        return len(first), sum(min(Q1_FIRST, len(out.get(t, []))) for t in first)

    # The entity whose two-level result is closest to 6 relations and 18 below them, among
    # those whose targets have at most 10 relations each (no hub under Q1, at any size).
    q1 = entities[0]
    best_score: float | None = None
    for row in entities:
        targets = out.get(row["slug"], [])[:Q1_FIRST]
        if not targets or any(len(out.get(t, [])) > Q1_FIRST for t in targets):
            continue
        level1, level2 = q1_shape(row["slug"])
        score = 3 * abs(level1 - Q1_SHAPE[0]) + abs(level2 - Q1_SHAPE[1])
        if best_score is None or score < best_score:
            q1, best_score = row, score
            if score == 0:
                break
    level1, level2 = q1_shape(q1["slug"])

    distances = _within(undirected, q1["slug"], 6)
    far = sorted((d, s) for s, d in distances.items() if d >= 1)
    at_four = [s for d, s in far if d == 4]
    q4_target = at_four[0] if at_four else (far[-1][1] if far else q1["slug"])

    q5 = None
    best: tuple[int, str] | None = None
    for row in entities:
        size = len(_within(undirected, row["slug"], 2, cap=Q5_NODES[1]))
        if Q5_NODES[0] <= size <= Q5_NODES[1]:
            q5 = row["slug"]
            break
        if size > 1 and (best is None or abs(size - Q5_NODES[0]) < abs(best[0] - Q5_NODES[0])):
            best = (size, row["slug"])
    if q5 is None:
        q5 = best[1] if best else q1["slug"]

    # Search: one Bengali word of the Q1 entity's name (the analyzer keeps Bengali words whole).
    q3_text = q1["props"]["name_bn"].split()[0]
    q2_kinds = {k.value for k in Q2_KINDS}
    q2_total = sum(1 for row in entities if row["kind"] in q2_kinds)
    return {
        "q1_slug": q1["slug"],
        "q1_shape": {"relations": level1, "second_level_relations": level2},
        "q2_kinds": [k.name for k in Q2_KINDS],
        "q2_matching": q2_total,
        "q2_deep_offset": max(0, min(Q2_DEEP_OFFSET, q2_total - Q2_PAGE)),
        "q3_text": q3_text,
        "q4_from": q1["slug"],
        "q4_to": q4_target,
        "q4_hops": distances.get(q4_target, 0),
        "q5_slug": q5,
        "q5_nodes": len(_within(undirected, q5, 2)),
        **_agreement_probes(graph),
    }


def _agreement_probes(graph: GeneratedGraph) -> dict[str, Any]:
    """Q8's agreement and Q9's country (slug order breaks ties, so the choice is stable)."""
    claims_of: dict[str, int] = defaultdict(int)
    agreements_of: dict[str, set[str]] = defaultdict(set)
    with_party: set[str] = set()
    for claim in graph.rows["claims"]:
        if not claim["traversable"]:  # not retracted
            continue
        claims_of[claim["subject"]] += 1
        claims_of[claim["object"]] += 1
        if claim["predicate"] == Predicate.PARTY_TO.value:
            agreements_of[claim["subject"]].add(claim["object"])
            with_party.add(claim["object"])
    agreements = sorted(
        row["slug"] for row in graph.rows["entities"] if row["kind"] == K.AGREEMENT.value
    )
    q8 = min(
        agreements,
        key=lambda slug: (slug not in with_party, abs(claims_of[slug] - Q8_RELATIONS), slug),
    )
    countries = sorted(agreements_of) or sorted(
        row["slug"] for row in graph.rows["entities"] if row["kind"] == K.COUNTRY.value
    )
    q9 = min(
        countries,
        key=lambda slug: (abs(len(agreements_of[slug]) - Q9_AGREEMENTS), slug),
    )
    return {
        "q7_agreements": len(agreements),
        "q8_slug": q8,
        "q8_relations": claims_of[q8],
        "q9_country": q9,
        "q9_agreements": len(agreements_of[q9]),
    }


# -- loading ---------------------------------------------------------------------------------

LOAD_STEPS = ("documents", "sentences", "entities", "mentions", "claims")
META_LABEL = "BenchMeta"  # one node recording which graph a private database holds


@dataclass(frozen=True, slots=True)
class LoadReport:
    relationships: int
    nodes: int
    seconds: float
    batches: int

    @property
    def rate(self) -> float:
        """Relationships per second."""
        return self.relationships / self.seconds if self.seconds > 0 else 0.0


class _RateColumn(ProgressColumn):
    """Relationships per second so far (rich's own speed column is for bytes)."""

    def render(self, task: Task) -> Text:
        elapsed = task.elapsed or 0.0
        rate = task.completed / elapsed if elapsed > 0 else 0.0
        return Text(f"{rate:,.0f} rel/s", style="progress.data.speed")


async def graph_on_disk(db: Database) -> dict[str, Any] | None:
    """The BenchMeta of the graph this database holds, or None."""
    records = await db.read(
        "MATCH (m:BenchMeta) RETURN m {.*} AS meta LIMIT 1",
    )
    return dict(records[0]["meta"]) if records else None


async def load_graph(
    db: Database,
    graph: GeneratedGraph,
    *,
    batch_size: int = 1000,
    console: Console | None = None,
) -> LoadReport:
    """Apply the schema, then write the rows with kgapi's seed statements in batched UNWIND
    transactions (one transaction per batch), showing relationships loaded and the rate.

    The database must be empty (or hold this very graph: the statements are idempotent). The
    relationship count Neo4j reports afterwards must equal the one the rows promise.
    """
    console = console or Console(stderr=True)
    await apply_schema(db)
    statements = dict(SEED_STEPS)
    began = time.perf_counter()
    batches = 0
    with Progress(
        TextColumn("[bold]{task.description:<10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("relationships"),
        _RateColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        task = progress.add_task("loading", total=graph.relationships)
        for step in LOAD_STEPS:
            rows = graph.rows[step]
            progress.update(task, description=step)
            for i in range(0, len(rows), batch_size):
                counters = await db.write_in_one_transaction(
                    [(statements[step], {"rows": rows[i : i + batch_size]})],
                    finish=bump_revision_if_changed,  # like every graph write (read cache)
                )
                batches += 1
                progress.advance(task, counters.get("relationships_created", 0))
        progress.update(task, description="loaded")
    seconds = time.perf_counter() - began
    records = await db.read(
        "CALL () { MATCH ()-[r]->() RETURN count(r) AS relationships } "
        "CALL () { MATCH (n) RETURN count(n) AS nodes } RETURN relationships, nodes"
    )
    found = int(records[0]["relationships"])
    if found != graph.relationships:
        raise RuntimeError(
            f"the graph should have {graph.relationships} relationships, Neo4j has {found}"
        )
    await db.write(
        "MERGE (m:BenchMeta {key: 'graph'}) SET m += $meta",
        {
            "meta": {
                "seed": graph.seed,
                "target": graph.target,
                "relationships": graph.relationships,
                "digest": graph.digest(),
                "generator_version": GENERATOR_VERSION,
                "load_seconds": seconds,
            }
        },
    )
    return LoadReport(found, int(records[0]["nodes"]), seconds, batches)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--relationships", default="10k", help="e.g. 10k, 100k, 1M")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    began = time.perf_counter()
    graph = generate(parse_size(args.relationships), args.seed)
    summary = graph.summary() | {"seconds": round(time.perf_counter() - began, 2)}
    print(json.dumps({"graph": summary, "probes": graph.probes}, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
