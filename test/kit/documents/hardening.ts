// Small operations the hardening tests send beside heavier ones.
import { graphql } from '../../gql/index.js';

/** The cheapest signed-in question: who am I. */
export const Ping = graphql(`
  query Ping {
    me { id }
  }
`);

/** Tasks paged both ways, with their cursors. */
export const TaskPages = graphql(`
  query TaskPages($first: Int, $after: String, $last: Int, $before: String) {
    tasks(first: $first, after: $after, last: $last, before: $before) {
      edges { cursor node { id text } }
    }
  }
`);

/** Users paged both ways, with their cursors. */
export const UserPages = graphql(`
  query UserPages($first: Int, $after: String, $last: Int, $before: String) {
    users(first: $first, after: $after, last: $last, before: $before) {
      edges { cursor node { id name } }
    }
  }
`);

/** A card's timeline paged both ways, with the cursors. */
export const TimelinePages = graphql(`
  query TimelinePages($cardId: ID!, $first: Int, $after: String, $last: Int, $before: String) {
    timeline(cardId: $cardId, first: $first, after: $after, last: $last, before: $before) {
      edges { cursor node { id kind text } }
    }
  }
`);
