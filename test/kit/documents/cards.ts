// What every card type shares: lookups by id, tags and the trash.
import { graphql } from '../../gql/index.js';

/** Whether an id names something the caller may see, and what. */
export const Node = graphql(`
  query Node($id: ID!) { node(id: $id) { __typename id } }
`);

export const Nodes = graphql(`
  query Nodes($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }
`);

export const Tags = graphql(`
  query Tags { tags { id name } }
`);

export const EmptyTrash = graphql(`
  mutation EmptyTrash($entityTypes: [EntityType!]) {
    emptyTrash(entityTypes: $entityTypes) { __typename ... on EmptyTrashSuccess { data } ...ErrorFields }
  }
`);
