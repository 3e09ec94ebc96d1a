// Saved views of the card lists.
import { graphql } from '../../gql/index.js';

export const SavedViewFields = graphql(`
  fragment SavedViewFields on SavedView {
    id entityType name shared builtIn filter columns sort { field customFieldId direction }
  }
`);

export const SavedViews = graphql(`
  query SavedViews($entityType: EntityType!) {
    savedViews(entityType: $entityType) { ...SavedViewFields }
  }
`);

export const CreateSavedView = graphql(`
  mutation CreateSavedView($input: CreateSavedViewInput!) {
    createSavedView(input: $input) { __typename ... on CreateSavedViewSuccess { view { ...SavedViewFields } } ...ErrorFields }
  }
`);

export const UpdateSavedView = graphql(`
  mutation UpdateSavedView($input: UpdateSavedViewInput!) {
    updateSavedView(input: $input) { __typename ... on UpdateSavedViewSuccess { view { ...SavedViewFields } } ...ErrorFields }
  }
`);

export const DeleteSavedView = graphql(`
  mutation DeleteSavedView($id: ID!) {
    deleteSavedView(id: $id) { __typename ... on DeleteSavedViewSuccess { view { id } } ...ErrorFields }
  }
`);

export const DealsInView = graphql(`
  query DealsInView($viewId: ID, $filter: DealFilter, $orderBy: [DealOrder!]) {
    deals(viewId: $viewId, filter: $filter, orderBy: $orderBy, first: 100) { totalCount edges { node { name } } }
  }
`);

export const ContactsInView = graphql(`
  query ContactsInView($viewId: ID, $filter: ContactFilter) {
    contacts(viewId: $viewId, filter: $filter, first: 100) { totalCount edges { node { name } } }
  }
`);
