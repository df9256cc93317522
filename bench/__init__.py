"""kgapi's benchmark harness: a synthetic graph generator, the query mix, the peers and a load
driver. Nothing in kgapi imports it; it imports kgapi only to reuse the seed's write statements,
the schema and the private-Neo4j provisioning, so the benchmark runs the same model and code."""
