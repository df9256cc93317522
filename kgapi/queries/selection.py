"""One Cypher statement for a whole read request (issue 6: one round trip per request).

Why: answered field by field, a GraphQL request costs a round trip per nesting level and a
Python object per value, and the profile showed that to be where kgapi's time went. The GraphQL
layer (kgapi.graphql.compiler) turns a query's selection set into the fetch tree below — what
to read, never how — and this module turns the tree into one parameterised statement whose
result already has the request's nesting. Nothing the request did not select is read: no
evidence, no totals, no document text unless asked for.

Filters, sorts, keysets, search and traversals are the very fragments the per-field queries use
(kgapi.queries.entities, .search, .relations, .documents), so both paths give the same answers;
tests/integration/test_compiled_reads.py runs every query both ways and compares.

Every value is a parameter; every variable name is generated here from a counter; labels and
relationship types come from kgapi.model. Nothing the client sends is spliced into the text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, LiteralString

from kgapi import model
from kgapi.queries import trusted
from kgapi.queries.documents import (
    DocumentFilter,
    DocumentSort,
    document_fields,
    document_list_parts,
    document_total,
)
from kgapi.queries.entities import (
    STATS_BODY,
    EntityFilter,
    Params,
    SortField,
    entity_kind_counts,
    entity_list_parts,
    entity_map,
    entity_sorted_page,
    entity_total,
    resolved_slug,
)
from kgapi.queries.relations import (
    CLAIM_TIME,
    MAX_NEIGHBORHOOD_NODES,
    ClaimFilter,
    ClaimSort,
    claim_aggregate_expression,
    claim_conditions,
    claim_count_expression,
    claim_list_page,
    claim_scan,
    neighborhood_body,
    path_body,
)
from kgapi.queries.search import search_hits, search_params, search_total
from kgapi.queries.sentences import (
    document_mention_count,
    document_mention_page_clauses,
    mention_map,
    mention_page_clauses,
    sentence_map,
    sentence_page_clauses,
)
from kgapi.queries.writes import CHANGE_MAP

__all__ = [
    "ChangesRoot",
    "ClaimCountFetch",
    "ClaimFetch",
    "ClaimListRoot",
    "ClaimRoot",
    "DocumentFetch",
    "DocumentListRoot",
    "DocumentRoot",
    "EntityFetch",
    "EntityListRoot",
    "EntityRoot",
    "EvidenceFetch",
    "KindFieldFetch",
    "MentionFetch",
    "MentionsFetch",
    "NeighborhoodRoot",
    "ParameterClash",
    "PathRoot",
    "RelationsFetch",
    "RootFetch",
    "SearchRoot",
    "SentenceFetch",
    "SentencesFetch",
    "StatsRoot",
    "read_statement",
]


# -- the fetch tree: what a request reads ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MentionFetch:
    """A mention's own values (document, sentence_index, start, end, surface), plus the
    entity it names under `entity` and its document under `doc`, when selected."""

    entity: EntityFetch | None = None
    document: DocumentFetch | None = None


@dataclass(frozen=True, slots=True)
class SentenceFetch:
    """A sentence's map (kgapi.queries.sentences.sentence_map), with its mentions under
    `mentions` when selected."""

    mentions: MentionFetch | None = None


@dataclass(frozen=True, slots=True)
class SentencesFetch:
    """A document's `sentences(...)` connection under key `s<i>`: `{rows, total}` by index."""

    first: int
    after: int | None
    descending: bool
    sentence: SentenceFetch | None  # None: no rows are selected
    total: bool


@dataclass(frozen=True, slots=True)
class MentionsFetch:
    """An entity's `mentions(...)` connection under key `m<i>`: `{rows, total}` by
    (document, start, end)."""

    first: int
    after: list[Any] | None
    descending: bool
    mention: MentionFetch | None
    total: bool


@dataclass(frozen=True, slots=True)
class DocumentFetch:
    """A document's metadata; its text only when selected (texts can be large); its
    sentence connections in selection order."""

    text: bool = False
    sentences: tuple[SentencesFetch, ...] = ()
    mentions: tuple[MentionsFetch, ...] = ()  # `mentions(...)` connections, under `n<i>`


@dataclass(frozen=True, slots=True)
class EvidenceFetch:
    """Every span supporting a claim: `{document, start, end}` (always: they order the spans)
    and those of `sentence_index`, `quote`, `translation` in `properties`, plus `doc` (the
    document's map) when `document` is set."""

    properties: frozenset[str] = frozenset()
    document: DocumentFetch | None = None
    sentence: SentenceFetch | None = None  # the whole sentence, under `sentence`


@dataclass(slots=True)
class ClaimFetch:
    """A claim's `id` (always: it orders and pages claims) and those of `predicate`, `status`,
    `rank`, `qualifiers_json` in `properties`, plus its ends and evidence when selected, under
    `subject`, `object` and `evidence`."""

    properties: set[str] = field(default_factory=set)
    source: EntityFetch | None = None
    target: EntityFetch | None = None
    evidence: EvidenceFetch | None = None
    history: bool = False  # its change events, in commit order, under `history`
    dated: DocumentFetch | None = None  # the document its date comes from, under `dated`


@dataclass(frozen=True, slots=True)
class RelationsFetch:
    """One `relations(type, direction, first, after)` of an entity: under key `r<i>` of the
    entity's map, `{rows: [claim maps, first + 1 of them], total}`, ordered by claim id."""

    type: str | None
    direction: str  # OUT, IN or BOTH
    first: int
    after: str | None  # claim id
    claim: ClaimFetch | None  # None: no rows are selected
    total: bool
    aggregate: bool = False  # `{count, byStatus, byPredicate}` under `aggregate`
    descending: bool = False  # rows from the last claim id down, before `after` (backward)
    where: ClaimFilter | None = None  # `claims(where:)`: its conditions (its anchor is here)


@dataclass(frozen=True, slots=True)
class KindFieldFetch:
    """A field one kind derives from its claims (kgapi.model.KIND_FIELDS), under key `k<i>`.

    STATUS, CURRENT and HISTORY: a list per fetch of `claims`, each of the field's
    non-retracted claims as that fetch maps it (the first, for the rule: id, status, rank,
    time; the others, one per claim selection below the field).
    ONE and MANY: `[{id, q (qualifiers, when the field orders by one), node}]` by claim id, the
    node being the entity at the other end; when the path's range is one kind, only entities of
    that kind (as the GraphQL type says). `guarded`: the entity may be of another kind (an
    interface position), so the claims are read only when it is of the field's kind.
    """

    spec: model.KindField
    end: EntityFetch | None
    guarded: bool
    claims: tuple[ClaimFetch, ...] = ()


@dataclass(frozen=True, slots=True)
class ClaimCountFetch:
    """`claimCount(predicate, direction, status)` of an entity, under key `c<i>`."""

    predicate: model.Predicate | None
    direction: str  # OUT, IN or BOTH
    status: model.Status | None


@dataclass(slots=True)
class EntityFetch:
    """An entity's `slug` (always: ids and cursors need it), those of ENTITY_PROPERTIES in
    `properties` (`kind` too, for `kind` and `__typename`), its `relations` fields and its kind
    fields in selection order."""

    properties: set[str] = field(default_factory=set)
    relations: list[RelationsFetch] = field(default_factory=list)
    kind_fields: list[KindFieldFetch] = field(default_factory=list)
    counts: list[ClaimCountFetch] = field(default_factory=list)
    mentions: list[MentionsFetch] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class EntityRoot:
    """`entity(slug)`: the entity's map, or null."""

    slug: str
    entity: EntityFetch


@dataclass(frozen=True, slots=True)
class EntityListRoot:
    """A filtered, sorted keyset list: `{rows: [{sort_value, node}], total}` (first + 1 rows)."""

    kind: model.EntityKind | None
    where: EntityFilter | None
    sort: SortField
    descending: bool
    first: int
    after: list[Any] | None
    entity: EntityFetch | None  # None: no rows are selected
    total: bool
    aggregate: bool = False  # `[{key: kind label, count}]` under `aggregate`


@dataclass(frozen=True, slots=True)
class SearchRoot:
    """Ranked hits: `[{score, entity}]`; as a connection, `{rows: [{score, node}], total}`,
    `first` rows beyond the (score, slug) keyset `after`, read in the page's direction."""

    lucene: str
    text: str
    kinds: list[model.EntityKind] | None
    first: int
    entity: EntityFetch
    after: tuple[float, str] | None = None
    backward: bool = False
    total: bool = False
    connection: bool = False


@dataclass(frozen=True, slots=True)
class PathRoot:
    """The shortest path: `{nodes, claims}` (claims in hop order), or null."""

    source: str
    target: str
    max_hops: int
    entity: EntityFetch
    claim: ClaimFetch


@dataclass(frozen=True, slots=True)
class NeighborhoodRoot:
    """`{nodes (the centre first), claims (unordered)}`, or null when the centre is unknown."""

    slug: str
    hops: int
    types: list[model.Predicate] | None
    entity: EntityFetch
    claim: ClaimFetch


@dataclass(frozen=True, slots=True)
class DocumentRoot:
    """`document(slug)`, or `node(id)` of a document: the document's map, or null."""

    slug: str
    document: DocumentFetch


@dataclass(frozen=True, slots=True)
class DocumentListRoot:
    """Documents filtered and sorted, keyset-paged: `{rows: [{sort_value, node}], total}`
    (first + 1 rows, read in the page's direction)."""

    first: int
    after: list[Any] | None  # (sort value, slug)
    document: DocumentFetch | None  # None: no rows are selected
    total: bool
    descending: bool = False  # read in descending order (the list's, or backward)
    where: DocumentFilter | None = None
    sort: DocumentSort = DocumentSort.SLUG


@dataclass(frozen=True, slots=True)
class ClaimListRoot:
    """The graph's claims, filtered, by claim id: `{rows: [claim maps], total, aggregate}`
    (first + 1 rows, read in the page's direction; `aggregate` the [status, predicate] pairs)."""

    where: ClaimFilter | None
    descending: bool  # read downward (a DESC order, or a backward page of an ASC one)
    first: int
    after: list[Any] | None  # the cursor's key: [claim id], or [sort value, claim id]
    claim: ClaimFetch | None  # None: no rows are selected
    total: bool
    aggregate: bool
    sort: ClaimSort = ClaimSort.ID


@dataclass(frozen=True, slots=True)
class ClaimRoot:
    """`claim(id)`: the claim's map, retracted or not, or null."""

    id: str
    claim: ClaimFetch


@dataclass(frozen=True, slots=True)
class ChangesRoot:
    """The audit trail in commit order, keyset on seq: `{rows: [event maps], total}`."""

    since: str | None  # ISO 8601
    actor: str | None
    after: int | None  # seq
    first: int
    rows: bool
    total: bool
    descending: bool = False  # from the latest down, before `after` (backward)


@dataclass(frozen=True, slots=True)
class StatsRoot:
    """Counts from Neo4j's count store: `{kinds, predicates, entities, claims, documents,
    sentences}`."""


RootFetch = (
    EntityRoot
    | EntityListRoot
    | SearchRoot
    | PathRoot
    | NeighborhoodRoot
    | DocumentRoot
    | DocumentListRoot
    | ClaimRoot
    | ClaimListRoot
    | ChangesRoot
    | StatsRoot
)


class ParameterClash(ValueError):
    """Two root fields need the same fixed parameter name with different values (e.g. two
    searches); the caller answers such a request field by field instead."""


# -- the builder -------------------------------------------------------------------------------


_ROLE_PATTERNS: dict[str, LiteralString] = {
    "OUT": "SUBJECT",
    "IN": "OBJECT",
    "BOTH": "SUBJECT|OBJECT",
}


# A kind field's path: the entity's role in the claim, and the other end's.
_ENDS: dict[model.Direction, tuple[LiteralString, LiteralString]] = {
    model.Direction.OUT: ("SUBJECT", "OBJECT"),
    model.Direction.IN: ("OBJECT", "SUBJECT"),
}


# Optional properties, by name: `{v}` the claim; `{s}` the sentence and `{ev}` the span.
_CLAIM_PROPERTIES: dict[str, LiteralString] = {
    "predicate": "predicate: {v}.predicate",
    "status": "status: {v}.status",
    "rank": "rank: {v}.rank",
    "revision": "revision: coalesce({v}.revision, 0)",
    "qualifiers_json": "qualifiers_json: {v}.qualifiers_json",
    "time": CLAIM_TIME,
}
_EVIDENCE_PROPERTIES: dict[str, LiteralString] = {
    "sentence_index": "sentence_index: {s}.index",
    "quote": "quote: {ev}.quote",
    "translation": "translation: {ev}.translation_en",
    "sentence_start": "sentence_start: {s}.start",
}


class _Builder:
    def __init__(self) -> None:
        self.params = Params()
        self.fixed: dict[str, Any] = {}
        self._count = 0

    def var(self, prefix: LiteralString) -> LiteralString:
        # `q` + a counter: never a name the shared fragments use (e, c, o, n, m, r, p, ...).
        self._count += 1
        return prefix + trusted(str(self._count))

    def fix(self, values: dict[str, Any]) -> None:
        for name, value in values.items():
            if name in self.fixed and self.fixed[name] != value:
                raise ParameterClash(name)
            self.fixed[name] = value

    # entities, claims, evidence, documents ----------------------------------------------------

    def entity(self, var: LiteralString, fetch: EntityFetch | None) -> LiteralString:
        """`var {…}`: null when var is null, like every map projection."""
        extra: LiteralString = ""
        for index, relations in enumerate(fetch.relations if fetch else []):
            extra += ", r" + trusted(str(index)) + ": " + self.relations(var, relations)
        for index, kind_field in enumerate(fetch.kind_fields if fetch else []):
            extra += ", k" + trusted(str(index)) + ": " + self.kind_field(var, kind_field)
        for index, mentions in enumerate(fetch.mentions if fetch else []):
            extra += ", m" + trusted(str(index)) + ": " + self.mentions(var, mentions)
        for index, count in enumerate(fetch.counts if fetch else []):
            predicate = self.params.add(count.predicate.value if count.predicate else None)
            status = self.params.add(count.status.value if count.status else None)
            expression = claim_count_expression(var, predicate, count.direction, status)
            extra += ", c" + trusted(str(index)) + ": " + expression
        wanted = {"slug", *(fetch.properties if fetch else ())}
        return var + " " + entity_map(var, extra, wanted)

    def kind_field(self, entity: LiteralString, fetch: KindFieldFetch) -> LiteralString:
        spec = fetch.spec
        if spec.of_status:
            lists: list[LiteralString] = []
            for claims in fetch.claims:
                parts = [self.kind_claims(entity, path, None, claims) for path in spec.claims]
                lists.append(" + ".join(parts))
            value: LiteralString = "[" + ", ".join(lists) + "]"
        else:
            value = self.kind_claims(entity, spec.path, fetch)
        if not fetch.guarded:
            return value
        label = trusted(spec.kind.value)  # a label of the model
        return "CASE WHEN " + entity + ":" + label + " THEN " + value + " ELSE [] END"

    def kind_claims(
        self,
        entity: LiteralString,
        path: model.ClaimPath,
        fetch: KindFieldFetch | None,
        claims: ClaimFetch | None = None,
    ) -> LiteralString:
        """`COLLECT {}` of one claim path: the claims as `claims` maps them (fetch None) or
        the other ends."""
        claim, other = self.var("qc"), self.var("qo")
        mine, theirs = _ENDS[path.direction]
        match: LiteralString = (
            "MATCH (" + claim + ":Claim)-[:" + mine + "]->(" + entity + ") "
            "WHERE " + claim + ".predicate = " + self.params.add(path.predicate.value) + " "
            "AND " + claim + ".status <> 'retracted' "
        )
        if fetch is None:
            assert claims is not None
            return "COLLECT { " + match + "RETURN " + self.claim(claim, claims) + " }"
        kinds = path.other_kinds()
        only: LiteralString = ""
        if len(kinds) == 1:
            only = " WHERE " + other + ":" + trusted(kinds[0].value)
        qualifiers: LiteralString = ""
        if fetch.spec.order_by is not None:
            qualifiers = ", q: " + claim + ".qualifiers_json"
        return (
            "COLLECT { "
            + match
            + "MATCH ("
            + claim
            + ")-[:"
            + theirs
            + "]->("
            + other
            + ":Entity)"
            + only
            + " WITH "
            + claim
            + ", "
            + other
            + " ORDER BY "
            + claim
            + ".id RETURN {id: "
            + claim
            + ".id"
            + qualifiers
            + ", node: "
            + self.entity(other, fetch.end)
            + "} }"
        )

    def relations(self, entity: LiteralString, fetch: RelationsFetch) -> LiteralString:
        claim = self.var("qc")
        pattern = (
            "(" + claim + ":Claim)-[:" + _ROLE_PATTERNS[fetch.direction] + "]->(" + entity + ")"
        )
        if fetch.where is not None:
            condition = " AND ".join(claim_conditions(self.params, fetch.where, claim))
        else:
            condition = claim + ".status <> 'retracted'"
            if fetch.type is not None:
                condition += " AND " + claim + ".predicate = " + self.params.add(fetch.type)
        parts: list[LiteralString] = []
        if fetch.claim is not None:
            keyset: LiteralString = ""
            compare, order = _direction(fetch.descending)
            if fetch.after is not None:
                keyset = " AND " + claim + ".id " + compare + " " + self.params.add(fetch.after)
            parts.append(
                "rows: COLLECT { MATCH " + pattern + " WHERE " + condition + keyset + " "
                "WITH DISTINCT " + claim + " ORDER BY " + claim + ".id " + order + " "
                "LIMIT " + self.params.add(fetch.first + 1) + " "
                "RETURN " + self.claim(claim, fetch.claim) + " }"
            )
        if fetch.total:
            parts.append(
                "total: COUNT { MATCH " + pattern + " WHERE " + condition + " "
                "RETURN DISTINCT " + claim + " }"
            )
        if fetch.aggregate and fetch.where is not None:
            parts.append(
                "aggregate: COLLECT { MATCH " + pattern + " WHERE " + condition + " "
                "WITH DISTINCT "
                + claim
                + " RETURN ["
                + claim
                + ".status, "
                + claim
                + ".predicate] }"
            )
        elif fetch.aggregate:
            predicate = self.params.add(fetch.type)
            parts.append(
                "aggregate: " + claim_aggregate_expression(entity, predicate, fetch.direction)
            )
        return "{" + ", ".join(parts) + "}"

    def claim(
        self,
        var: LiteralString,
        fetch: ClaimFetch,
        ends: tuple[LiteralString, LiteralString] | None = None,
    ) -> LiteralString:
        """A claim's map; `ends`: variables already bound to its subject and object (walks
        that arrive over a shortcut have them, and need not look them up again)."""
        entries: LiteralString = "id: " + var + ".id"
        for name in sorted(fetch.properties & _CLAIM_PROPERTIES.keys()):
            entries += ", " + trusted(_CLAIM_PROPERTIES[name].format(v=var))
        if ends is not None:
            if fetch.source is not None:
                entries += ", subject: " + self.entity(ends[0], fetch.source)
            if fetch.target is not None:
                entries += ", object: " + self.entity(ends[1], fetch.target)
        else:
            entries += self.end(var, "subject", "SUBJECT", fetch.source)
            entries += self.end(var, "object", "OBJECT", fetch.target)
        if fetch.evidence is not None:
            entries += ", evidence: " + self.evidence(var, fetch.evidence)
        if fetch.dated is not None:
            doc, span = self.var("qd"), self.var("qt")
            first: LiteralString = (
                "[("
                + var
                + ")-[:SUPPORTED_BY]->("
                + span
                + ":Sentence) | "
                + span
                + ".document][0]"
            )
            entries += (
                ", dated: COLLECT { MATCH ("
                + doc
                + ":Document {slug: coalesce("
                + var
                + ".dated_by, "
                + first
                + ")}) RETURN "
                + self.document(doc, fetch.dated)
                + " }[0]"
            )
        if fetch.history:
            entries += (
                ", history: COLLECT { MATCH (ev:ChangeEvent)-[:CHANGED]->(" + var + ") "
                "WITH ev ORDER BY ev.seq RETURN ev " + CHANGE_MAP + " }"
            )
        return "{" + entries + "}"

    def end(
        self,
        claim: LiteralString,
        key: LiteralString,
        role: LiteralString,
        fetch: EntityFetch | None,
    ) -> LiteralString:
        """`, key: <the entity at one end of the claim>`, or nothing when it is not selected."""
        if fetch is None:
            return ""
        entity = self.var("qn")
        return (
            ", "
            + key
            + ": [("
            + claim
            + ")-[:"
            + role
            + "]->("
            + entity
            + ":Entity) | "
            + self.entity(entity, fetch)
            + "][0]"
        )

    def document(self, var: LiteralString, fetch: DocumentFetch) -> LiteralString:
        text: LiteralString = ", text: " + var + ".text" if fetch.text else ""
        for index, sentences in enumerate(fetch.sentences):
            text += ", s" + trusted(str(index)) + ": " + self.sentences(var, sentences)
        for index, mentions in enumerate(fetch.mentions):
            text += ", n" + trusted(str(index)) + ": " + self.document_mentions(var, mentions)
        return var + " {" + document_fields(var) + text + "}"

    def document_mentions(self, document: LiteralString, fetch: MentionsFetch) -> LiteralString:
        sentence, mention, entity = self.var("qs"), self.var("qm"), self.var("qn")
        parts: list[LiteralString] = []
        if fetch.mention is not None:
            after = self.params.add(fetch.after) if fetch.after is not None else None
            parts.append(
                "rows: COLLECT { "
                + document_mention_page_clauses(
                    document,
                    sentence,
                    mention,
                    entity,
                    after,
                    fetch.descending,
                    self.params.add(fetch.first + 1),
                )
                + "RETURN "
                + self.mention(sentence, mention, entity, fetch.mention, slug=True)
                + " }"
            )
        if fetch.total:
            parts.append("total: " + document_mention_count(document))
        return "{" + ", ".join(parts) + "}"

    def sentences(self, document: LiteralString, fetch: SentencesFetch) -> LiteralString:
        sentence = self.var("qs")
        parts: list[LiteralString] = []
        if fetch.sentence is not None:
            after = self.params.add(fetch.after) if fetch.after is not None else None
            parts.append(
                "rows: COLLECT { "
                + sentence_page_clauses(
                    document, sentence, after, fetch.descending, self.params.add(fetch.first + 1)
                )
                + "RETURN "
                + self.sentence(sentence, fetch.sentence)
                + " }"
            )
        if fetch.total:
            parts.append("total: COUNT { (:Sentence)-[:PART_OF]->(" + document + ") }")
        return "{" + ", ".join(parts) + "}"

    def sentence(self, var: LiteralString, fetch: SentenceFetch) -> LiteralString:
        extra: LiteralString = ""
        if fetch.mentions is not None:
            mention, entity = self.var("qm"), self.var("qn")
            extra = (
                ", mentions: COLLECT { MATCH ("
                + var
                + ")-["
                + mention
                + ":MENTIONS]->("
                + entity
                + ":Entity) WITH "
                + mention
                + ", "
                + entity
                + " ORDER BY "
                + mention
                + ".start, "
                + mention
                + ".end, "
                + entity
                + ".slug RETURN "
                + self.mention(var, mention, entity, fetch.mentions)
                + " }"
            )
        return sentence_map(var, extra)

    def mention(
        self,
        sentence: LiteralString,
        mention: LiteralString,
        entity: LiteralString,
        fetch: MentionFetch,
        slug: bool = False,
    ) -> LiteralString:
        """A mention's map; `slug`: its entity's slug at least (a cursor holds it)."""
        entries: LiteralString = mention_map(sentence, mention, entity)
        if fetch.entity is not None:
            entries += ", entity: " + self.entity(entity, fetch.entity)
        elif slug:
            entries += ", entity: {slug: " + entity + ".slug}"
        if fetch.document is not None:
            doc = self.var("qd")
            entries += (
                ", doc: COLLECT { MATCH (" + doc + ":Document {slug: " + sentence + ".document}) "
                "RETURN " + self.document(doc, fetch.document) + " }[0]"
            )
        return "{" + entries + "}"

    def mentions(self, entity: LiteralString, fetch: MentionsFetch) -> LiteralString:
        sentence, mention = self.var("qs"), self.var("qm")
        parts: list[LiteralString] = []
        if fetch.mention is not None:
            after = self.params.add(fetch.after) if fetch.after is not None else None
            parts.append(
                "rows: COLLECT { "
                + mention_page_clauses(
                    entity,
                    sentence,
                    mention,
                    after,
                    fetch.descending,
                    self.params.add(fetch.first + 1),
                )
                + "RETURN "
                + self.mention(sentence, mention, entity, fetch.mention)
                + " }"
            )
        if fetch.total:
            parts.append("total: COUNT { (:Sentence)-[:MENTIONS]->(" + entity + ") }")
        return "{" + ", ".join(parts) + "}"

    def evidence(self, claim: LiteralString, fetch: EvidenceFetch) -> LiteralString:
        span, sentence = self.var("qv"), self.var("qt")
        entries: LiteralString = (
            "document: " + sentence + ".document, start: " + span + ".start, end: " + span + ".end"
        )
        for name in sorted(fetch.properties & _EVIDENCE_PROPERTIES.keys()):
            entries += ", " + trusted(_EVIDENCE_PROPERTIES[name].format(s=sentence, ev=span))
        if fetch.document is not None:
            doc = self.var("qd")
            entries += (
                ", doc: COLLECT { MATCH (" + doc + ":Document {slug: " + sentence + ".document}) "
                "RETURN " + self.document(doc, fetch.document) + " }[0]"
            )
        if fetch.sentence is not None:
            entries += ", sentence: " + self.sentence(sentence, fetch.sentence)
        return (
            "[(" + claim + ")-[" + span + ":SUPPORTED_BY]->(" + sentence + ":Sentence) | "
            "{" + entries + "}]"
        )

    # root fields ------------------------------------------------------------------------------

    def root(self, column: LiteralString, root: RootFetch) -> LiteralString:
        if isinstance(root, EntityRoot):
            var, slug = self.var("qe"), self.var("qs")
            return (
                "CALL () { "
                + resolved_slug(self.params.add(root.slug), slug)
                + "OPTIONAL MATCH ("
                + var
                + ":Entity {slug: "
                + slug
                + "}) RETURN "
                + self.entity(var, root.entity)
                + " AS "
                + column
                + " }"
            )
        if isinstance(root, EntityListRoot):
            return self.entity_list(column, root)
        if isinstance(root, DocumentRoot):
            var = self.var("qd")
            return (
                "CALL () { OPTIONAL MATCH ("
                + var
                + ":Document {slug: "
                + self.params.add(root.slug)
                + "}) RETURN "
                + self.document(var, root.document)
                + " AS "
                + column
                + " }"
            )
        if isinstance(root, DocumentListRoot):
            return self.document_list(column, root)
        if isinstance(root, ClaimListRoot):
            return self.claim_list(column, root)
        if isinstance(root, ClaimRoot):
            var = self.var("qc")
            return (
                "CALL () { OPTIONAL MATCH ("
                + var
                + ":Claim {id: "
                + self.params.add(root.id)
                + "}) RETURN CASE WHEN "
                + var
                + " IS NULL THEN null ELSE "
                + self.claim(var, root.claim)
                + " END AS "
                + column
                + " }"
            )
        if isinstance(root, ChangesRoot):
            return self.changes(column, root)
        if isinstance(root, StatsRoot):
            return (
                "CALL () { " + STATS_BODY + "RETURN {kinds: kinds, predicates: predicates, "
                "entities: entities, claims: claims, documents: documents, "
                "sentences: sentences} AS " + column + " }"
            )
        if isinstance(root, SearchRoot):
            prefix = self.var("search")  # its own parameters: two searches never clash
            self.fix(
                search_params(root.lucene, root.text, root.kinds, root.first, prefix, root.after)
            )
            if root.connection:
                counted: LiteralString = ""
                entries: list[LiteralString] = ["rows: rows"]
                if root.total:
                    counted = "CALL () { " + search_total(prefix) + " AS total } "
                    entries.append("total: total")
                return (
                    "CALL () { "
                    + counted
                    + "CALL () { "
                    + search_hits(prefix, backward=root.backward)
                    + " RETURN collect({score: score, node: "
                    + self.entity("e", root.entity)
                    + "}) AS rows } RETURN {"
                    + ", ".join(entries)
                    + "} AS "
                    + column
                    + " }"
                )
            return (
                "CALL () { "
                + search_hits(prefix)
                + " RETURN collect({score: score, entity: "
                + self.entity("e", root.entity)
                + "}) AS "
                + column
                + " }"
            )
        if isinstance(root, PathRoot):
            # Their own parameters: two paths in one request never clash.
            source, target = self.params.add(root.source), self.params.add(root.target)
            return (
                "OPTIONAL CALL () { "
                + path_body(root.max_hops, self.claim("c", root.claim, ("m", "o")), source, target)
                + " RETURN {nodes: [e IN nodes(p) | "
                + self.entity("e", root.entity)
                + "], claims: claims} AS "
                + column
                + " }"
            )
        self.fix({"max_nodes": MAX_NEIGHBORHOOD_NODES})
        centre = self.params.add(root.slug)
        return (
            "OPTIONAL CALL () { "
            + neighborhood_body(
                root.hops, root.types, self.claim("c", root.claim, ("m", "o")), centre
            )
            + " RETURN {nodes: [e IN members | "
            + self.entity("e", root.entity)
            + "], claims: claims} AS "
            + column
            + " }"
        )

    def entity_list(self, column: LiteralString, root: EntityListRoot) -> LiteralString:
        parts = entity_list_parts(
            self.params,
            kind=root.kind,
            where=root.where,
            sort=root.sort,
            descending=root.descending,
            after=root.after,
        )
        calls: LiteralString = ""
        entries: list[LiteralString] = []
        if root.total:
            calls += "CALL () { " + entity_total(parts) + " AS total } "
            entries.append("total: total")
        if root.aggregate:
            calls += "CALL () { " + entity_kind_counts(parts) + " AS aggregate } "
            entries.append("aggregate: aggregate")
        if root.entity is not None:
            calls += (
                "CALL () { "
                + entity_sorted_page(parts, self.params.add(root.first + 1))
                + "RETURN collect({sort_value: sort_value, node: "
                + self.entity("e", root.entity)
                + "}) AS rows } "
            )
            entries.append("rows: rows")
        return "CALL () { " + calls + "RETURN {" + ", ".join(entries) + "} AS " + column + " }"

    def document_list(self, column: LiteralString, root: DocumentListRoot) -> LiteralString:
        """As kgapi.queries.documents.document_page (the same parts): the total, from the count
        store when unfiltered, and the keyset page."""
        parts = document_list_parts(
            self.params,
            where=root.where,
            sort=root.sort,
            descending=root.descending,
            after=root.after,
            limit=root.first + 1,
        )
        calls: LiteralString = ""
        entries: list[LiteralString] = []
        if root.total:
            calls += "CALL () { " + document_total(parts) + " AS total } "
            entries.append("total: total")
        if root.document is not None:
            calls += (
                "CALL () { "
                + parts.page
                + "RETURN collect({sort_value: sort_value, node: "
                + self.document("d", root.document)
                + "}) AS rows } "
            )
            entries.append("rows: rows")
        return "CALL () { " + calls + "RETURN {" + ", ".join(entries) + "} AS " + column + " }"

    def claim_list(self, column: LiteralString, root: ClaimListRoot) -> LiteralString:
        """As kgapi.queries.relations.claim_list (the same scan and page)."""
        calls: LiteralString = ""
        entries: list[LiteralString] = []
        if root.total:
            calls += "CALL () { " + claim_scan(self.params, root.where) + "RETURN count(c) AS t } "
            entries.append("total: t")
        if root.aggregate:
            calls += (
                "CALL () { "
                + claim_scan(self.params, root.where)
                + "RETURN collect([c.status, c.predicate]) AS a } "
            )
            entries.append("aggregate: a")
        if root.claim is not None:
            page = claim_list_page(
                self.params, root.where, root.descending, root.after, root.first + 1, root.sort
            )
            calls += (
                "CALL () { " + page + "RETURN collect(" + self.claim("c", root.claim) + ") AS r } "
            )
            entries.append("rows: r")
        return "CALL () { " + calls + "RETURN {" + ", ".join(entries) + "} AS " + column + " }"

    def changes(self, column: LiteralString, root: ChangesRoot) -> LiteralString:
        """As kgapi.queries.writes.change_page."""
        since, actor = self.params.add(root.since), self.params.add(root.actor)
        where: LiteralString = (
            "(" + since + " IS NULL OR ev.at >= datetime(" + since + ")) "
            "AND (" + actor + " IS NULL OR ev.actor = " + actor + ")"
        )
        calls: LiteralString = ""
        entries: list[LiteralString] = []
        if root.total:
            calls += (
                "CALL () { MATCH (ev:ChangeEvent) WHERE " + where + " RETURN count(ev) AS total } "
            )
            entries.append("total: total")
        if root.rows:
            keyset: LiteralString = ""
            compare, order = _direction(root.descending)
            if root.after is not None:
                keyset = " AND ev.seq " + compare + " " + self.params.add(root.after)
            calls += (
                "CALL () { MATCH (ev:ChangeEvent) WHERE " + where + keyset + " "
                "WITH ev ORDER BY ev.seq " + order + " "
                "LIMIT " + self.params.add(root.first + 1) + " "
                "RETURN collect(ev " + CHANGE_MAP + ") AS rows } "
            )
            entries.append("rows: rows")
        return "CALL () { " + calls + "RETURN {" + ", ".join(entries) + "} AS " + column + " }"


def _direction(descending: bool) -> tuple[LiteralString, LiteralString]:
    """The keyset comparison and the ORDER BY direction of a page read ascending or not."""
    return ("<", "DESC") if descending else (">", "ASC")


def read_statement(roots: list[RootFetch]) -> tuple[LiteralString, dict[str, Any]]:
    """The statement answering every root field, one column `r<i>` per root, in one row.

    Raises ParameterClash when two roots need the same fixed parameter with different values.
    """
    builder = _Builder()
    columns = [trusted(f"r{index}") for index in range(len(roots))]
    calls = [builder.root(column, root) for column, root in zip(columns, roots, strict=True)]
    clash = set(builder.fixed) & set(builder.params.values)
    if clash:  # pragma: no cover - generated names are p<n>, fixed ones are words
        raise ParameterClash(", ".join(sorted(clash)))
    statement: LiteralString = " ".join(calls) + " RETURN " + ", ".join(columns)
    return statement, {**builder.params.values, **builder.fixed}
