// Deals: the card, its writes, the board list and its live events.
import { graphql } from '../../gql/index.js';

export const DealFields = graphql(`
  fragment DealFields on Deal {
    id name amount currency version closedAt stageEnteredAt deletedAt createdAt updatedAt lastActivityAt
    stage { id name kind sortOrder }
    pipeline { id name }
    lossReason { id name }
    responsible { id name active }
    createdBy { id }
    updatedBy { id }
    company { id name }
    contacts { id name }
    tags { id name }
    customFields { ...CustomFieldValueFields }
  }
`);

export const CreateDeal = graphql(`
  mutation CreateDeal($input: CreateDealInput!) {
    createDeal(input: $input) {
      __typename
      ... on CreateDealSuccess { deal { ...DealFields } }
      ...ErrorFields
    }
  }
`);

export const UpdateDeal = graphql(`
  mutation UpdateDeal($input: UpdateDealInput!) {
    updateDeal(input: $input) {
      __typename
      ... on UpdateDealSuccess { deal { ...DealFields } }
      ...ErrorFields
    }
  }
`);

export const MoveDeal = graphql(`
  mutation MoveDeal($input: MoveDealInput!) {
    moveDeal(input: $input) {
      __typename
      ... on MoveDealSuccess { deal { ...DealFields } }
      ...ErrorFields
    }
  }
`);

export const DeleteDeal = graphql(`
  mutation DeleteDeal($id: ID!, $version: Int) {
    deleteDeal(id: $id, version: $version) {
      __typename
      ... on DeleteDealSuccess { deal { ...DealFields } }
      ...ErrorFields
    }
  }
`);

export const RestoreDeal = graphql(`
  mutation RestoreDeal($id: ID!) {
    restoreDeal(id: $id) {
      __typename
      ... on RestoreDealSuccess { deal { ...DealFields } }
      ...ErrorFields
    }
  }
`);

export const DealNode = graphql(`
  query DealNode($id: ID!) {
    node(id: $id) { __typename ... on Deal { ...DealFields } }
  }
`);

/**
 * The board list: a page of deals and their own fields. Linked objects are left out on purpose:
 * each costs the server a query more per page, and paging tests send hundreds of pages (read a
 * deal's links with DealNode).
 */
export const Deals = graphql(`
  query Deals(
    $filter: DealFilter, $orderBy: [DealOrder!], $inTrash: Boolean,
    $first: Int, $after: String, $last: Int, $before: String
  ) {
    deals(filter: $filter, orderBy: $orderBy, inTrash: $inTrash, first: $first, after: $after, last: $last, before: $before) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges {
        cursor
        node { id name amount currency version closedAt stageEnteredAt createdAt updatedAt deletedAt }
      }
    }
  }
`);

export const DealChangedOpenTask = graphql(`
  subscription DealChangedOpenTask($pipelineId: ID!) {
    dealChanged(pipelineId: $pipelineId) { kind dealId deal { id openTask { text } } }
  }
`);

export const DealChanged = graphql(`
  subscription DealChanged($pipelineId: ID!) {
    dealChanged(pipelineId: $pipelineId) { kind dealId deal { ...DealFields } }
  }
`);
