// Contacts: the card, its writes and the list.
import { graphql } from '../../gql/index.js';

export const ContactFields = graphql(`
  fragment ContactFields on Contact {
    id name position emails version deletedAt createdAt updatedAt lastActivityAt
    phones { e164 international national country }
    company { id name }
    responsible { id name }
    createdBy { id }
    updatedBy { id }
    tags { id name }
    deals { id name }
    customFields { ...CustomFieldValueFields }
  }
`);

export const CreateContact = graphql(`
  mutation CreateContact($input: CreateContactInput!) {
    createContact(input: $input) {
      __typename
      ... on CreateContactSuccess { contact { ...ContactFields } }
      ...ErrorFields
    }
  }
`);

export const UpdateContact = graphql(`
  mutation UpdateContact($input: UpdateContactInput!) {
    updateContact(input: $input) {
      __typename
      ... on UpdateContactSuccess { contact { ...ContactFields } }
      ...ErrorFields
    }
  }
`);

export const DeleteContact = graphql(`
  mutation DeleteContact($id: ID!, $version: Int) {
    deleteContact(id: $id, version: $version) {
      __typename
      ... on DeleteContactSuccess { contact { ...ContactFields } }
      ...ErrorFields
    }
  }
`);

export const RestoreContact = graphql(`
  mutation RestoreContact($id: ID!) {
    restoreContact(id: $id) {
      __typename
      ... on RestoreContactSuccess { contact { ...ContactFields } }
      ...ErrorFields
    }
  }
`);

export const ContactNode = graphql(`
  query ContactNode($id: ID!) {
    node(id: $id) { __typename ... on Contact { ...ContactFields } }
  }
`);

/** A page of contacts and their own fields (links: ContactNode; see Deals). */
export const Contacts = graphql(`
  query Contacts(
    $filter: ContactFilter, $orderBy: [ContactOrder!], $inTrash: Boolean,
    $first: Int, $after: String, $last: Int, $before: String
  ) {
    contacts(filter: $filter, orderBy: $orderBy, inTrash: $inTrash, first: $first, after: $after, last: $last, before: $before) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges {
        cursor
        node { id name position emails version createdAt updatedAt deletedAt }
      }
    }
  }
`);
