// Custom field definitions, their options and groups, and the values cards carry.
import { graphql } from '../../gql/index.js';

export const CustomFieldValueFields = graphql(`
  fragment CustomFieldValueFields on CustomFieldValue {
    __typename
    ... on TextFieldValue { field { id code } text }
    ... on TextareaFieldValue { field { id code } text }
    ... on NumberFieldValue { field { id code } number }
    ... on MoneyFieldValue { field { id code } amount currency }
    ... on DateFieldValue { field { id code } date }
    ... on DateTimeFieldValue { field { id code } dateTime }
    ... on BooleanFieldValue { field { id code } boolean }
    ... on SelectFieldValue { field { id code } option { id label } }
    ... on MultiSelectFieldValue { field { id code } options { id label } }
    ... on UrlFieldValue { field { id code } url }
    ... on EmailFieldValue { field { id code } email }
    ... on PhoneFieldValue { field { id code } phone { e164 international national country } }
    ... on FileFieldValue { field { id code } fileId file { id name size } }
    ... on FormulaFieldValue { field { id code } number }
  }
`);

/** A value without its field: a definition's default, or the values its condition names. */
export const ValueFields = graphql(`
  fragment ValueFields on CustomFieldValue {
    __typename
    ... on TextFieldValue { text }
    ... on NumberFieldValue { number }
    ... on MoneyFieldValue { amount currency }
    ... on BooleanFieldValue { boolean }
    ... on SelectFieldValue { option { id label } }
    ... on MultiSelectFieldValue { options { id label } }
  }
`);

export const CustomFieldFields = graphql(`
  fragment CustomFieldFields on CustomField {
    id entityType name code type description sortOrder archived required requiredStageIds
    pattern min max maxLength formula lastWrittenAt filterable sortable operators access
    group { id name }
    options { id label sortOrder }
    defaultValue { ...ValueFields }
    condition { field { id code } values { ...ValueFields } }
  }
`);

export const CreateCustomField = graphql(`
  mutation CreateCustomField($input: CreateCustomFieldInput!) {
    createCustomField(input: $input) {
      __typename
      ... on CreateCustomFieldSuccess { field { ...CustomFieldFields } }
      ...ErrorFields
    }
  }
`);

export const UpdateCustomField = graphql(`
  mutation UpdateCustomField($input: UpdateCustomFieldInput!) {
    updateCustomField(input: $input) {
      __typename
      ... on UpdateCustomFieldSuccess { field { ...CustomFieldFields } }
      ...ErrorFields
    }
  }
`);

export const ArchiveCustomField = graphql(`
  mutation ArchiveCustomField($id: ID!) {
    archiveCustomField(id: $id) {
      __typename
      ... on ArchiveCustomFieldSuccess { field { ...CustomFieldFields } }
      ...ErrorFields
    }
  }
`);

export const UnarchiveCustomField = graphql(`
  mutation UnarchiveCustomField($id: ID!) {
    unarchiveCustomField(id: $id) {
      __typename
      ... on UnarchiveCustomFieldSuccess { field { ...CustomFieldFields } }
      ...ErrorFields
    }
  }
`);

export const CustomFields = graphql(`
  query CustomFields($entityType: EntityType!, $includeArchived: Boolean) {
    customFields(entityType: $entityType, includeArchived: $includeArchived) { ...CustomFieldFields }
  }
`);

export const FieldUsage = graphql(`
  query FieldUsage($entityType: EntityType!) {
    fieldUsage(entityType: $entityType) { field { id code lastWrittenAt } filled total fillRate }
  }
`);

export const AddFieldOption = graphql(`
  mutation AddFieldOption($fieldId: ID!, $label: String!, $position: Int) {
    addFieldOption(fieldId: $fieldId, label: $label, position: $position) {
      __typename
      ... on AddFieldOptionSuccess { option { id label sortOrder } }
      ...ErrorFields
    }
  }
`);

export const UpdateFieldOption = graphql(`
  mutation UpdateFieldOption($id: ID!, $label: String, $position: Int) {
    updateFieldOption(id: $id, label: $label, position: $position) {
      __typename
      ... on UpdateFieldOptionSuccess { option { id label sortOrder } }
      ...ErrorFields
    }
  }
`);

export const DeleteFieldOption = graphql(`
  mutation DeleteFieldOption($id: ID!, $moveToOptionId: ID) {
    deleteFieldOption(id: $id, moveToOptionId: $moveToOptionId) {
      __typename
      ... on DeleteFieldOptionSuccess { option { id label sortOrder } }
      ...ErrorFields
    }
  }
`);

export const FieldGroupFields = graphql(`
  fragment FieldGroupFields on FieldGroup { id name sortOrder entityType fields { id code } }
`);

export const CreateFieldGroup = graphql(`
  mutation CreateFieldGroup($entityType: EntityType!, $name: String!) {
    createFieldGroup(entityType: $entityType, name: $name) {
      __typename
      ... on CreateFieldGroupSuccess { group { ...FieldGroupFields } }
      ...ErrorFields
    }
  }
`);

export const UpdateFieldGroup = graphql(`
  mutation UpdateFieldGroup($id: ID!, $name: String, $sortOrder: Int) {
    updateFieldGroup(id: $id, name: $name, sortOrder: $sortOrder) {
      __typename
      ... on UpdateFieldGroupSuccess { group { ...FieldGroupFields } }
      ...ErrorFields
    }
  }
`);

export const DeleteFieldGroup = graphql(`
  mutation DeleteFieldGroup($id: ID!) {
    deleteFieldGroup(id: $id) {
      __typename
      ... on DeleteFieldGroupSuccess { group { id name sortOrder entityType } }
      ...ErrorFields
    }
  }
`);

export const FieldGroups = graphql(`
  query FieldGroups($entityType: EntityType!) {
    fieldGroups(entityType: $entityType) { ...FieldGroupFields }
  }
`);

/** A custom field, one of its options or a group, by id. */
export const CustomFieldNode = graphql(`
  query CustomFieldNode($id: ID!) {
    node(id: $id) {
      __typename
      ... on CustomField { ...CustomFieldFields }
      ... on CustomFieldOption { id label sortOrder }
      ... on FieldGroup { ...FieldGroupFields }
    }
  }
`);
