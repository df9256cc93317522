"""All of kgapi's Cypher, one module per concern, every value a parameter.

Labels and relationship types never come from user input: where a query needs one, it comes from
`kgapi.model`'s enums, validated before the query runs.
"""
