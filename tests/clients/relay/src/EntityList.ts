// Relay: a list of entities, paged with `@connection` over Query.entities (keyset cursors).
import { graphql } from "relay-runtime";

export const fragment = graphql`
  fragment EntityList_query on Query
  @refetchable(queryName: "EntityListPaginationQuery")
  @argumentDefinitions(
    count: { type: "Int", defaultValue: 3 }
    cursor: { type: "String" }
    kind: { type: "EntityKind" }
  ) {
    entities(first: $count, after: $cursor, kind: $kind)
      @connection(key: "EntityList_entities", filters: ["kind"]) {
      totalCount
      edges {
        node {
          id
          ...EntityHeader_entity
        }
      }
    }
  }
`;
