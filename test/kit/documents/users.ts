// Users, teams, roles and their rights, field access, API keys and the audit log.
import { graphql } from '../../gql/index.js';

export const UserFields = graphql(`
  fragment UserFields on User {
    id email name active deactivatedAt isAdmin createdAt
    role { id name isAdmin }
    teams { id name }
  }
`);

export const Me = graphql(`
  query Me { me { ...UserFields } }
`);

export const Users = graphql(`
  query Users($filter: UserFilter, $first: Int, $after: String) {
    users(filter: $filter, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { ...UserFields } }
    }
  }
`);

export const CreateUser = graphql(`
  mutation CreateUser($input: CreateUserInput!) {
    createUser(input: $input) { __typename ... on CreateUserSuccess { user { ...UserFields } } ...ErrorFields }
  }
`);

export const UpdateUser = graphql(`
  mutation UpdateUser($input: UpdateUserInput!) {
    updateUser(input: $input) { __typename ... on UpdateUserSuccess { user { ...UserFields } } ...ErrorFields }
  }
`);

export const DeactivateUser = graphql(`
  mutation DeactivateUser($id: ID!) {
    deactivateUser(id: $id) { __typename ... on DeactivateUserSuccess { user { ...UserFields } } ...ErrorFields }
  }
`);

export const ReactivateUser = graphql(`
  mutation ReactivateUser($id: ID!) {
    reactivateUser(id: $id) { __typename ... on ReactivateUserSuccess { user { ...UserFields } } ...ErrorFields }
  }
`);

export const TeamFields = graphql(`
  fragment TeamFields on Team { id name members { id name } }
`);

export const Teams = graphql(`
  query Teams { teams { ...TeamFields } }
`);

export const CreateTeam = graphql(`
  mutation CreateTeam($input: CreateTeamInput!) {
    createTeam(input: $input) { __typename ... on CreateTeamSuccess { team { ...TeamFields } } ...ErrorFields }
  }
`);

export const UpdateTeam = graphql(`
  mutation UpdateTeam($input: UpdateTeamInput!) {
    updateTeam(input: $input) { __typename ... on UpdateTeamSuccess { team { ...TeamFields } } ...ErrorFields }
  }
`);

export const DeleteTeam = graphql(`
  mutation DeleteTeam($id: ID!) {
    deleteTeam(id: $id) { __typename ... on DeleteTeamSuccess { data } ...ErrorFields }
  }
`);

export const RoleFields = graphql(`
  fragment RoleFields on Role {
    id name isAdmin
    rights { entityType action scope }
    fieldAccess { entityType systemField customField { id name } access }
  }
`);

export const Roles = graphql(`
  query Roles { roles { ...RoleFields } }
`);

export const CreateRole = graphql(`
  mutation CreateRole($name: String!, $rights: [RoleRightInput!]!) {
    createRole(name: $name, rights: $rights) { __typename ... on CreateRoleSuccess { role { ...RoleFields } } ...ErrorFields }
  }
`);

export const UpdateRole = graphql(`
  mutation UpdateRole($id: ID!, $name: String, $rights: [RoleRightInput!]) {
    updateRole(id: $id, name: $name, rights: $rights) { __typename ... on UpdateRoleSuccess { role { ...RoleFields } } ...ErrorFields }
  }
`);

export const DeleteRole = graphql(`
  mutation DeleteRole($id: ID!) {
    deleteRole(id: $id) { __typename ... on DeleteRoleSuccess { role { id name } } ...ErrorFields }
  }
`);

export const AssignRole = graphql(`
  mutation AssignRole($userId: ID!, $roleId: ID!) {
    assignRole(userId: $userId, roleId: $roleId) { __typename ... on AssignRoleSuccess { user { ...UserFields } } ...ErrorFields }
  }
`);

export const SetFieldAccess = graphql(`
  mutation SetFieldAccess($input: SetFieldAccessInput!) {
    setFieldAccess(input: $input) { __typename ... on SetFieldAccessSuccess { role { ...RoleFields } } ...ErrorFields }
  }
`);

export const AuditLog = graphql(`
  query AuditLog($first: Int) {
    auditLog(first: $first) { edges { node { id action actorId subjectId before after createdAt } } }
  }
`);

export const ApiKeyFields = graphql(`
  fragment ApiKeyFields on ApiKey { id name prefix scopes revokedAt lastUsedAt createdAt user { id } }
`);

export const ApiKeys = graphql(`
  query ApiKeys { apiKeys { ...ApiKeyFields } }
`);

export const CreateApiKey = graphql(`
  mutation CreateApiKey($name: String!, $scopes: [ApiKeyScope!]!) {
    createApiKey(name: $name, scopes: $scopes) {
      __typename
      ... on CreateApiKeySuccess { created { key apiKey { ...ApiKeyFields } } }
      ...ErrorFields
    }
  }
`);

export const RevokeApiKey = graphql(`
  mutation RevokeApiKey($id: ID!) {
    revokeApiKey(id: $id) { __typename ... on RevokeApiKeySuccess { apiKey { ...ApiKeyFields } } ...ErrorFields }
  }
`);
