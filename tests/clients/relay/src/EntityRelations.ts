// Relay: an entity's facts as a paginated connection (`@connection`), paged through `node(id:)`.
import { graphql } from "relay-runtime";

export const fragment = graphql`
  fragment EntityRelations_entity on Entity
  @refetchable(queryName: "EntityRelationsPaginationQuery")
  @argumentDefinitions(count: { type: "Int", defaultValue: 3 }, cursor: { type: "String" }) {
    relations(first: $count, after: $cursor) @connection(key: "EntityRelations_relations") {
      totalCount
      edges {
        node {
          claimId
          type
          status
          source {
            id
            slug
          }
          target {
            id
            slug
          }
          evidence {
            quote
            translation
            document {
              id
              slug
              title
            }
          }
        }
      }
    }
  }
`;
