// Relay: an entity's header, refetchable by its global id (Relay generates `node(id:)` for it,
// which needs Entity to implement Node and Query.node to exist: the schema has both).
import { graphql } from "relay-runtime";

export const fragment = graphql`
  fragment EntityHeader_entity on Entity @refetchable(queryName: "EntityHeaderRefetchQuery") {
    __typename
    id
    slug
    kind
    name
    bn: name(lang: "bn")
    ... on Agreement {
      status
      parties {
        id
        slug
        name
      }
    }
  }
`;
