// Companies: the card, its writes and the list.
import { graphql } from '../../gql/index.js';

export const CompanyFields = graphql(`
  fragment CompanyFields on Company {
    id name address website emails version deletedAt createdAt updatedAt lastActivityAt
    phones { e164 international national country }
    responsible { id name }
    createdBy { id }
    updatedBy { id }
    tags { id name }
    contacts { id name }
    deals { id name }
    customFields { ...CustomFieldValueFields }
  }
`);

export const CreateCompany = graphql(`
  mutation CreateCompany($input: CreateCompanyInput!) {
    createCompany(input: $input) {
      __typename
      ... on CreateCompanySuccess { company { ...CompanyFields } }
      ...ErrorFields
    }
  }
`);

export const UpdateCompany = graphql(`
  mutation UpdateCompany($input: UpdateCompanyInput!) {
    updateCompany(input: $input) {
      __typename
      ... on UpdateCompanySuccess { company { ...CompanyFields } }
      ...ErrorFields
    }
  }
`);

export const DeleteCompany = graphql(`
  mutation DeleteCompany($id: ID!, $version: Int) {
    deleteCompany(id: $id, version: $version) {
      __typename
      ... on DeleteCompanySuccess { company { ...CompanyFields } }
      ...ErrorFields
    }
  }
`);

export const RestoreCompany = graphql(`
  mutation RestoreCompany($id: ID!) {
    restoreCompany(id: $id) {
      __typename
      ... on RestoreCompanySuccess { company { ...CompanyFields } }
      ...ErrorFields
    }
  }
`);

export const CompanyNode = graphql(`
  query CompanyNode($id: ID!) {
    node(id: $id) { __typename ... on Company { ...CompanyFields } }
  }
`);

/** A page of companies and their own fields (links: CompanyNode; see Deals). */
export const Companies = graphql(`
  query Companies(
    $filter: CompanyFilter, $orderBy: [CompanyOrder!], $inTrash: Boolean,
    $first: Int, $after: String, $last: Int, $before: String
  ) {
    companies(filter: $filter, orderBy: $orderBy, inTrash: $inTrash, first: $first, after: $after, last: $last, before: $before) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { id name address website emails version createdAt updatedAt deletedAt } }
    }
  }
`);
