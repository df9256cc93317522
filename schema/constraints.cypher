// kgapi's Neo4j schema. Idempotent: every statement uses IF NOT EXISTS, so `kgapi seed`
// (and `kgapi schema apply`) run it on every start. Statements end with a semicolon at the end
// of a line; `//` comments are ignored. /ready reports 503 until every name below is ONLINE.

// Natural keys: MERGE on these is what makes seeding and writes idempotent.
CREATE CONSTRAINT document_slug IF NOT EXISTS FOR (d:Document) REQUIRE d.slug IS UNIQUE;
CREATE CONSTRAINT entity_slug IF NOT EXISTS FOR (e:Entity) REQUIRE e.slug IS UNIQUE;
CREATE CONSTRAINT claim_id IF NOT EXISTS FOR (c:Claim) REQUIRE c.id IS UNIQUE;
CREATE CONSTRAINT sentence_key IF NOT EXISTS FOR (s:Sentence) REQUIRE s.key IS UNIQUE;
// A merged entity's slug resolves to the kept one (mergeEntities); one redirect per slug.
CREATE CONSTRAINT entity_redirect_slug IF NOT EXISTS FOR (r:EntityRedirect) REQUIRE r.slug IS UNIQUE;
// A machine reading's proposals (kgapi.candidates): one per reading of a span; listed per document.
CREATE CONSTRAINT candidate_id IF NOT EXISTS FOR (c:Candidate) REQUIRE c.id IS UNIQUE;

// Filters and sorts the read API offers. Each sort order of an entity list (SLUG, NAME, KIND,
// RELATION_COUNT) is served in order by an index, ending in the slug (the keyset's tie-break), so
// a page stops reading at its end at any graph size: SLUG by entity_slug; KIND, and SLUG within
// one kind, by entity_kind_slug; NAME by the stored `sort_name` (lower-cased name_en, else slug)
// and RELATION_COUNT by the stored `claim_count` (non-retracted claims of which the entity is
// subject or object), both kept by every write (kgapi.queries.entities) and backfilled by
// apply_schema; a kind's own list of either by its kind label's index.
CREATE INDEX entity_kind_slug IF NOT EXISTS FOR (e:Entity) ON (e.kind, e.slug);
CREATE INDEX entity_name_en IF NOT EXISTS FOR (e:Entity) ON (e.name_en);
CREATE INDEX entity_sort_name IF NOT EXISTS FOR (e:Entity) ON (e.sort_name, e.slug);
CREATE INDEX entity_claim_count IF NOT EXISTS FOR (e:Entity) ON (e.claim_count, e.slug);
CREATE INDEX country_sort_name IF NOT EXISTS FOR (e:Country) ON (e.sort_name, e.slug);
CREATE INDEX country_claim_count IF NOT EXISTS FOR (e:Country) ON (e.claim_count, e.slug);
CREATE INDEX city_sort_name IF NOT EXISTS FOR (e:City) ON (e.sort_name, e.slug);
CREATE INDEX city_claim_count IF NOT EXISTS FOR (e:City) ON (e.claim_count, e.slug);
CREATE INDEX region_sort_name IF NOT EXISTS FOR (e:Region) ON (e.sort_name, e.slug);
CREATE INDEX region_claim_count IF NOT EXISTS FOR (e:Region) ON (e.claim_count, e.slug);
CREATE INDEX person_sort_name IF NOT EXISTS FOR (e:Person) ON (e.sort_name, e.slug);
CREATE INDEX person_claim_count IF NOT EXISTS FOR (e:Person) ON (e.claim_count, e.slug);
CREATE INDEX office_sort_name IF NOT EXISTS FOR (e:Office) ON (e.sort_name, e.slug);
CREATE INDEX office_claim_count IF NOT EXISTS FOR (e:Office) ON (e.claim_count, e.slug);
CREATE INDEX ministry_sort_name IF NOT EXISTS FOR (e:Ministry) ON (e.sort_name, e.slug);
CREATE INDEX ministry_claim_count IF NOT EXISTS FOR (e:Ministry) ON (e.claim_count, e.slug);
CREATE INDEX association_sort_name IF NOT EXISTS FOR (e:Association) ON (e.sort_name, e.slug);
CREATE INDEX association_claim_count IF NOT EXISTS FOR (e:Association) ON (e.claim_count, e.slug);
CREATE INDEX agreement_sort_name IF NOT EXISTS FOR (e:Agreement) ON (e.sort_name, e.slug);
CREATE INDEX agreement_claim_count IF NOT EXISTS FOR (e:Agreement) ON (e.claim_count, e.slug);
CREATE INDEX corridor_sort_name IF NOT EXISTS FOR (e:Corridor) ON (e.sort_name, e.slug);
CREATE INDEX corridor_claim_count IF NOT EXISTS FOR (e:Corridor) ON (e.claim_count, e.slug);
CREATE INDEX commodity_sort_name IF NOT EXISTS FOR (e:Commodity) ON (e.sort_name, e.slug);
CREATE INDEX commodity_claim_count IF NOT EXISTS FOR (e:Commodity) ON (e.claim_count, e.slug);
CREATE INDEX sector_sort_name IF NOT EXISTS FOR (e:Sector) ON (e.sort_name, e.slug);
CREATE INDEX sector_claim_count IF NOT EXISTS FOR (e:Sector) ON (e.claim_count, e.slug);
CREATE INDEX capability_sort_name IF NOT EXISTS FOR (e:Capability) ON (e.sort_name, e.slug);
CREATE INDEX capability_claim_count IF NOT EXISTS FOR (e:Capability) ON (e.claim_count, e.slug);
CREATE INDEX event_sort_name IF NOT EXISTS FOR (e:Event) ON (e.sort_name, e.slug);
CREATE INDEX event_claim_count IF NOT EXISTS FOR (e:Event) ON (e.claim_count, e.slug);
CREATE INDEX initiative_sort_name IF NOT EXISTS FOR (e:Initiative) ON (e.sort_name, e.slug);
CREATE INDEX initiative_claim_count IF NOT EXISTS FOR (e:Initiative) ON (e.claim_count, e.slug);
CREATE INDEX goal_sort_name IF NOT EXISTS FOR (e:Goal) ON (e.sort_name, e.slug);
CREATE INDEX goal_claim_count IF NOT EXISTS FOR (e:Goal) ON (e.claim_count, e.slug);
CREATE INDEX claim_predicate IF NOT EXISTS FOR (c:Claim) ON (c.predicate);
CREATE INDEX claim_status IF NOT EXISTS FOR (c:Claim) ON (c.status);

// Search in any language over names and aliases: Bengali and English names have columns of
// their own, the other languages' are `names_other_text` (issue 13). The standard analyzer
// keeps words whole at Unicode word boundaries in any script (Bengali, Cyrillic, Arabic) and
// folds case. It replaces `entity_search` (bn and en only), which apply_schema drops.
CREATE FULLTEXT INDEX entity_names_search IF NOT EXISTS
FOR (e:Entity) ON EACH [e.name_en, e.name_bn, e.names_other_text, e.aliases, e.description]
OPTIONS {indexConfig: {`fulltext.analyzer`: 'standard-no-stop-words', `fulltext.eventually_consistent`: false}};

// The write API: keys, idempotency records, the audit trail and its sequence.
CREATE CONSTRAINT api_key_id IF NOT EXISTS FOR (k:ApiKey) REQUIRE k.id IS UNIQUE;
CREATE CONSTRAINT idempotency_scoped_key IF NOT EXISTS FOR (r:IdempotencyRecord) REQUIRE r.scoped_key IS UNIQUE;
CREATE CONSTRAINT change_event_id IF NOT EXISTS FOR (e:ChangeEvent) REQUIRE e.id IS UNIQUE;
CREATE CONSTRAINT change_event_seq IF NOT EXISTS FOR (e:ChangeEvent) REQUIRE e.seq IS UNIQUE;
CREATE CONSTRAINT sequence_name IF NOT EXISTS FOR (s:Sequence) REQUIRE s.name IS UNIQUE;
CREATE INDEX change_event_actor IF NOT EXISTS FOR (e:ChangeEvent) ON (e.actor);
CREATE INDEX document_sha256 IF NOT EXISTS FOR (d:Document) ON (d.sha256);
CREATE INDEX candidate_review IF NOT EXISTS FOR (c:Candidate) ON (c.document, c.state, c.id);
