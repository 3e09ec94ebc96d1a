// Small operations the hardening tests send beside heavier ones.
import { graphql } from '../../gql/index.js';

/** The cheapest signed-in question: who am I. */
export const Ping = graphql(`
  query Ping {
    me { id }
  }
`);
