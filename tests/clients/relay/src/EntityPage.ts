// Relay: the page queries that spread the fragments, and the live-update subscription.
import { graphql } from "relay-runtime";

export const entityPageQuery = graphql`
  query EntityPageQuery($slug: String!) {
    entity(slug: $slug) {
      ...EntityHeader_entity
      ...EntityRelations_entity
    }
  }
`;

export const listPageQuery = graphql`
  query EntityPageListQuery($kind: EntityKind) {
    ...EntityList_query @arguments(kind: $kind)
  }
`;

export const graphChangedSubscription = graphql`
  subscription EntityPageGraphChangedSubscription($kinds: [EntityKind!]) {
    graphChanged(kinds: $kinds) {
      id
      seq
      operation
      targetType
      targetId
    }
  }
`;
