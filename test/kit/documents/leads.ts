// Incoming leads, duplicates and merging contacts.
import { graphql } from '../../gql/index.js';

export const LeadFields = graphql(`
  fragment LeadFields on IncomingLead {
    id source status rating channel name emails companyName message receivedAt declineReason decidedAt version
    phones { e164 }
    fields { name value }
    responsible { id name }
    possibleDuplicates { id name }
    contact { id name phones { e164 } emails company { id name } }
    company { id name }
    deal { id name stage { id name } contacts { id name } }
  }
`);

export const CreateIncomingLead = graphql(`
  mutation CreateIncomingLead($input: CreateIncomingLeadInput!) {
    createIncomingLead(input: $input) { __typename ... on CreateIncomingLeadSuccess { lead { ...LeadFields } } ...ErrorFields }
  }
`);

export const UpdateIncomingLead = graphql(`
  mutation UpdateIncomingLead($input: UpdateIncomingLeadInput!) {
    updateIncomingLead(input: $input) { __typename ... on UpdateIncomingLeadSuccess { lead { ...LeadFields } } ...ErrorFields }
  }
`);

export const DeclineLead = graphql(`
  mutation DeclineLead($id: ID!, $version: Int!, $reason: String!) {
    declineLead(id: $id, version: $version, reason: $reason) { __typename ... on DeclineLeadSuccess { lead { ...LeadFields } } ...ErrorFields }
  }
`);

export const ConvertLead = graphql(`
  mutation ConvertLead($input: ConvertLeadInput!) {
    convertLead(input: $input) { __typename ... on ConvertLeadSuccess { lead { ...LeadFields } } ...ErrorFields }
  }
`);

export const IncomingLeads = graphql(`
  query IncomingLeads($filter: IncomingLeadFilter, $first: Int, $after: String) {
    incomingLeads(filter: $filter, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { ...LeadFields } }
    }
  }
`);

export const IncomingLeadReceived = graphql(`
  subscription IncomingLeadReceived {
    incomingLeadReceived { occurredAt lead { id name source responsible { id } } }
  }
`);

export const Duplicates = graphql(`
  query Duplicates($entityType: DuplicateEntityType!, $cardId: ID!) {
    duplicates(entityType: $entityType, cardId: $cardId) { reasons score contact { id name } company { id name } }
  }
`);

export const MergeContacts = graphql(`
  mutation MergeContacts($keepId: ID!, $version: Int!, $mergeId: ID!) {
    mergeContacts(keepId: $keepId, version: $version, mergeId: $mergeId) {
      __typename
      ... on MergeContactsSuccess { contact { id name position version phones { e164 } emails company { id name } deals { id name } } }
      ...ErrorFields
    }
  }
`);

export const CreateContactWithDuplicates = graphql(`
  mutation CreateContactWithDuplicates($input: CreateContactInput!) {
    createContact(input: $input) {
      __typename
      ... on CreateContactSuccess { contact { id possibleDuplicates { reasons score contact { id name } } } }
      ...ErrorFields
    }
  }
`);

export const MergePreview = graphql(`
  query MergePreview($entityType: DuplicateEntityType!, $keepId: ID!, $mergeIds: [ID!]!, $choices: [MergeChoiceInput!]) {
    mergePreview(entityType: $entityType, keepId: $keepId, mergeIds: $mergeIds, choices: $choices) {
      entityType keepId cardIds
      fields {
        field customField { id name } joined editable chosenCardId result
        resultValue { ...CustomFieldValueFields }
        candidates { cardId value customValue { ...CustomFieldValueFields } }
      }
    }
  }
`);

export const Merge = graphql(`
  mutation Merge($input: MergeInput!) {
    merge(input: $input) {
      __typename
      ... on MergeSuccess { kept { contact { ...ContactFields } company { ...CompanyFields } } }
      ...ErrorFields
    }
  }
`);

/** A contact or company with the card a merge put it into. */
export const MergedInto = graphql(`
  query MergedInto($id: ID!) {
    node(id: $id) {
      __typename
      ... on Contact { id deletedAt version mergedInto { id name } }
      ... on Company { id deletedAt version mergedInto { id name } }
    }
  }
`);

/** The MERGED entries of a card's timeline. */
export const MergedEntries = graphql(`
  query MergedEntries($cardId: ID!) {
    timeline(cardId: $cardId, filter: { kinds: [MERGED] }, first: 10) {
      edges { node { kind author { id } merged { id name } } }
    }
  }
`);
