// Signing up and in, sessions and passwords; the workspace and its settings.
import { graphql } from '../../gql/index.js';

export const WorkspaceFields = graphql(`
  fragment WorkspaceFields on Workspace { id name locale timeZone currency phoneRegion }
`);

export const SignUp = graphql(`
  mutation SignUp($input: SignUpInput!) {
    signUp(input: $input) {
      __typename
      ... on SignUpSuccess { session { token expiresAt user { ...UserFields } workspace { ...WorkspaceFields } } }
      ...ErrorFields
    }
  }
`);

export const Login = graphql(`
  mutation Login($input: LoginInput!) {
    login(input: $input) { token expiresAt user { ...UserFields } workspace { ...WorkspaceFields } }
  }
`);

export const Logout = graphql(`
  mutation Logout { logout }
`);

export const ChangePassword = graphql(`
  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {
    changePassword(currentPassword: $currentPassword, newPassword: $newPassword) {
      __typename
      ... on ChangePasswordSuccess { data }
      ...ErrorFields
    }
  }
`);

export const WorkspaceQuery = graphql(`
  query Workspace { workspace { ...WorkspaceFields } }
`);

export const UpdateWorkspace = graphql(`
  mutation UpdateWorkspace($input: UpdateWorkspaceInput!) {
    updateWorkspace(input: $input) {
      __typename
      ... on UpdateWorkspaceSuccess { workspace { ...WorkspaceFields } }
      ...ErrorFields
    }
  }
`);
