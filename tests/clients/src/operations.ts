// The operations a UI sends, as the explorer and partners' front ends ask them. graphql-codegen
// types each one from schema/schema.graphql; tsc then checks src/views.ts and the Apollo script
// against those types, so a schema change that breaks a client breaks `make test`.
import { graphql } from "./gql/index.js";

/** What a list row, a graph node or a link needs of any entity. */
export const EntityCard = graphql(`
  fragment EntityCard on Entity {
    __typename
    id
    slug
    kind
    name
    bn: name(lang: "bn")
  }
`);

/** A fact as an entity page shows it: who, what, how certain, and the sentences that say so. */
export const ClaimWithEvidence = graphql(`
  fragment ClaimWithEvidence on Claim {
    id
    claimId
    predicate
    status
    rank
    qualifiers {
      key
      value
    }
    subject {
      ...EntityCard
    }
    object {
      ...EntityCard
    }
    evidence {
      quote
      translation
      sentenceIndex
      start
      end
      document {
        id
        slug
        title
        language
      }
    }
  }
`);

/** An entity page: the entity, its kind's own fields, and its facts with their evidence. */
export const EntityPage = graphql(`
  query EntityPage($slug: String!, $relationsFirst: Int!, $relationsAfter: String) {
    entity(slug: $slug) {
      ...EntityCard
      description
      aliases
      names {
        lang
        value
      }
      ... on Agreement {
        status
        parties {
          ...EntityCard
        }
      }
      ... on Corridor {
        route {
          ...EntityCard
        }
      }
      ... on Person {
        offices {
          ...EntityCard
        }
      }
      ... on Event {
        place {
          ...EntityCard
        }
        participants {
          ...EntityCard
        }
      }
      claims(first: $relationsFirst, after: $relationsAfter) {
        totalCount
        edges {
          cursor
          node {
            ...ClaimWithEvidence
          }
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
`);

/** A list of one kind with that kind's own fields: agreements, their status and parties. */
export const AgreementList = graphql(`
  query AgreementList($first: Int!, $after: String) {
    agreements(first: $first, after: $after) {
      totalCount
      edges {
        cursor
        node {
          ...EntityCard
          status
          parties {
            ...EntityCard
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

/** The search box: ranked hits as a connection, with how many there are in all. */
export const SearchBox = graphql(`
  query SearchBox($text: String!, $kinds: [EntityKind!], $first: Int!) {
    entitySearch(text: $text, kinds: $kinds, first: $first) {
      totalCount
      edges {
        cursor
        score
        node {
          ...EntityCard
        }
      }
    }
  }
`);

/** A paginated list ("load more"), keyset cursors. */
export const EntityList = graphql(`
  query EntityList($first: Int!, $after: String, $kind: EntityKind, $orderBy: EntityOrder) {
    entities(first: $first, after: $after, kind: $kind, orderBy: $orderBy) {
      totalCount
      edges {
        cursor
        node {
          ...EntityCard
        }
      }
      pageInfo {
        hasNextPage
        hasPreviousPage
        startCursor
        endCursor
      }
    }
  }
`);

/** The path finder. */
export const ShortestPath = graphql(`
  query ShortestPath($from: String!, $to: String!, $maxHops: Int!) {
    shortestPath(from: $from, to: $to, maxHops: $maxHops) {
      length
      nodes {
        ...EntityCard
      }
      claims {
        ...ClaimWithEvidence
      }
    }
  }
`);

/** A neighbourhood for a graph view: nodes and the facts among them. */
export const Neighbourhood = graphql(`
  query Neighbourhood($slug: String!, $hops: Int!, $types: [Predicate!]) {
    neighborhood(slug: $slug, hops: $hops, types: $types) {
      nodes {
        ...EntityCard
      }
      claims {
        id
        claimId
        predicate
        status
        subject {
          __typename
          id
          slug
        }
        object {
          __typename
          id
          slug
        }
      }
    }
  }
`);

/** Relay's refetch path, as Apollo users meet it too: any object by its global id. */
export const NodeById = graphql(`
  query NodeById($id: ID!) {
    node(id: $id) {
      __typename
      id
      ... on Entity {
        slug
        name
      }
      ... on Document {
        slug
        title
      }
    }
  }
`);

/** Live updates for an open page. */
export const GraphChanged = graphql(`
  subscription GraphChanged($kinds: [EntityKind!], $predicates: [Predicate!]) {
    graphChanged(kinds: $kinds, predicates: $predicates) {
      id
      seq
      at
      actor
      operation
      targetType
      targetId
      kinds
      predicates
    }
  }
`);
