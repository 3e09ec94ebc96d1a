// Tasks on cards and the notifications they raise.
import { graphql } from '../../gql/index.js';

export const TaskFields = graphql(`
  fragment TaskFields on Task {
    id type text dueAt cardId completedAt result overdue version createdAt
    responsible { id name }
    createdBy { id }
  }
`);

export const CreateTask = graphql(`
  mutation CreateTask($input: CreateTaskInput!) {
    createTask(input: $input) { __typename ... on CreateTaskSuccess { task { ...TaskFields } } ...ErrorFields }
  }
`);

export const UpdateTask = graphql(`
  mutation UpdateTask($input: UpdateTaskInput!) {
    updateTask(input: $input) { __typename ... on UpdateTaskSuccess { task { ...TaskFields } } ...ErrorFields }
  }
`);

export const CompleteTask = graphql(`
  mutation CompleteTask($id: ID!, $version: Int!, $result: String) {
    completeTask(id: $id, version: $version, result: $result) {
      __typename
      ... on CompleteTaskSuccess { task { ...TaskFields } }
      ...ErrorFields
    }
  }
`);

export const ReopenTask = graphql(`
  mutation ReopenTask($id: ID!, $version: Int!) {
    reopenTask(id: $id, version: $version) { __typename ... on ReopenTaskSuccess { task { ...TaskFields } } ...ErrorFields }
  }
`);

export const TaskNode = graphql(`
  query TaskNode($id: ID!) { node(id: $id) { __typename ... on Task { ...TaskFields } } }
`);

export const Tasks = graphql(`
  query Tasks($filter: TaskFilter, $first: Int) {
    tasks(filter: $filter, first: $first) { totalCount edges { node { ...TaskFields } } }
  }
`);

export const Notifications = graphql(`
  subscription Notifications { notifications { kind occurredAt task { ...TaskFields } } }
`);
