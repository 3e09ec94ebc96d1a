// Imports and exports of cards.
import { graphql } from '../../gql/index.js';

export const ImportFields = graphql(`
  fragment ImportFields on Import {
    id
    entityType
    fileName
    format
    status
    dryRun
    policy
    columns { column field }
    rowsRead
    created
    updated
    skipped
    failed
    error
    issues(first: 20) { row column value message duplicates { reasons score contact { id name } company { id name } } }
    report { id name url size }
  }
`);

export const StartImport = graphql(`
  mutation StartImport($file: Upload!, $entityType: EntityType!, $options: ImportOptionsInput) {
    startImport(file: $file, entityType: $entityType, options: $options) {
      __typename
      ... on StartImportSuccess { import { ...ImportFields } }
      ...ErrorFields
    }
  }
`);

export const ImportProgress = graphql(`
  query ImportProgress($id: ID!) { importProgress(id: $id) { ...ImportFields } }
`);

export const Imports = graphql(`
  query Imports { imports { id fileName status } }
`);

export const CancelImport = graphql(`
  mutation CancelImport($id: ID!) {
    cancelImport(id: $id) {
      __typename
      ... on CancelImportSuccess { import { id status } }
      ...ErrorFields
    }
  }
`);

/** The contacts an import wrote, oldest first, with what the tests check. */
export const AllContacts = graphql(`
  query AllContacts {
    contacts(first: 10, orderBy: [{ field: CREATED_AT, direction: ASC }]) {
      totalCount
      edges { node { id name position emails company { name } responsible { name } } }
    }
  }
`);

export const AllCompanies = graphql(`
  query AllCompanies {
    companies(first: 10, orderBy: [{ field: CREATED_AT, direction: ASC }]) {
      totalCount
      edges { node { id name website } }
    }
  }
`);

export const AllDeals = graphql(`
  query AllDeals {
    deals(first: 10, orderBy: [{ field: CREATED_AT, direction: ASC }]) {
      totalCount
      edges { node { id name amount currency stage { name } company { name } } }
    }
  }
`);

export const ExportCards = graphql(`
  mutation ExportCards($entityType: EntityType!, $format: ExportFormat!, $filter: ExportFilter) {
    exportCards(entityType: $entityType, format: $format, filter: $filter) {
      __typename
      ... on ExportCardsSuccess { file { id name url size contentType } }
      ...ErrorFields
    }
  }
`);

export const ImportProgressLive = graphql(`
  subscription ImportProgressLive($importId: ID!) {
    importProgress(importId: $importId) { id status rowsRead created failed }
  }
`);

export const ImportedEntries = graphql(`
  query ImportedEntries($cardId: ID!) {
    timeline(cardId: $cardId, first: 20) {
      edges { node { kind imported { importId fileName outcome } fieldChange { field newValue } } }
    }
  }
`);
