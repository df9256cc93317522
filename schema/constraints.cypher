// kgapi's Neo4j schema. Idempotent: every statement uses IF NOT EXISTS, so `kgapi seed`
// (and `kgapi schema apply`) run it on every start. Statements end with a semicolon at the end
// of a line; `//` comments are ignored. /ready reports 503 until every name below is ONLINE.

// Natural keys: MERGE on these is what makes seeding and writes idempotent.
CREATE CONSTRAINT document_slug IF NOT EXISTS FOR (d:Document) REQUIRE d.slug IS UNIQUE;
CREATE CONSTRAINT entity_slug IF NOT EXISTS FOR (e:Entity) REQUIRE e.slug IS UNIQUE;
CREATE CONSTRAINT claim_id IF NOT EXISTS FOR (c:Claim) REQUIRE c.id IS UNIQUE;
CREATE CONSTRAINT sentence_key IF NOT EXISTS FOR (s:Sentence) REQUIRE s.key IS UNIQUE;

// Filters and sorts the read API offers.
CREATE INDEX entity_kind_slug IF NOT EXISTS FOR (e:Entity) ON (e.kind, e.slug);
CREATE INDEX entity_name_en IF NOT EXISTS FOR (e:Entity) ON (e.name_en);
CREATE INDEX claim_predicate IF NOT EXISTS FOR (c:Claim) ON (c.predicate);
CREATE INDEX claim_status IF NOT EXISTS FOR (c:Claim) ON (c.status);

// Search in Bengali or English over names and aliases. The standard analyzer keeps Bengali
// words whole (Unicode word boundaries) and folds case for Latin script.
CREATE FULLTEXT INDEX entity_search IF NOT EXISTS
FOR (e:Entity) ON EACH [e.name_en, e.name_bn, e.aliases, e.description]
OPTIONS {indexConfig: {`fulltext.analyzer`: 'standard-no-stop-words', `fulltext.eventually_consistent`: false}};

// The write API: keys, idempotency records, the audit trail and its sequence.
CREATE CONSTRAINT api_key_id IF NOT EXISTS FOR (k:ApiKey) REQUIRE k.id IS UNIQUE;
CREATE CONSTRAINT idempotency_scoped_key IF NOT EXISTS FOR (r:IdempotencyRecord) REQUIRE r.scoped_key IS UNIQUE;
CREATE CONSTRAINT change_event_id IF NOT EXISTS FOR (e:ChangeEvent) REQUIRE e.id IS UNIQUE;
CREATE CONSTRAINT change_event_seq IF NOT EXISTS FOR (e:ChangeEvent) REQUIRE e.seq IS UNIQUE;
CREATE CONSTRAINT sequence_name IF NOT EXISTS FOR (s:Sequence) REQUIRE s.name IS UNIQUE;
CREATE INDEX change_event_actor IF NOT EXISTS FOR (e:ChangeEvent) ON (e.actor);
CREATE INDEX document_sha256 IF NOT EXISTS FOR (d:Document) ON (d.sha256);
