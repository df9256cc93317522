// Relay: an entity's facts as a paginated connection (`@connection`), paged through `node(id:)`.
import { graphql } from "relay-runtime";

export const fragment = graphql`
  fragment EntityRelations_entity on Entity
  @refetchable(queryName: "EntityRelationsPaginationQuery")
  @argumentDefinitions(count: { type: "Int", defaultValue: 3 }, cursor: { type: "String" }) {
    claims(first: $count, after: $cursor) @connection(key: "EntityRelations_claims") {
      totalCount
      edges {
        node {
          id
          claimId
          predicate
          status
          subject {
            id
            slug
          }
          object {
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
