// Automations and their run log.
import { graphql } from '../../gql/index.js';

export const AutomationFields = graphql(`
  fragment AutomationFields on Automation {
    id name enabled paused runs failures failureStreak lastError lastRunAt conditions actionTypes
    owner { id name }
    trigger { type cardKind stageId field customFieldId toValue }
  }
`);

export const CreateAutomation = graphql(`
  mutation CreateAutomation($input: AutomationInput!) {
    createAutomation(input: $input) {
      __typename
      ... on CreateAutomationSuccess { automation { ...AutomationFields } }
      ...ErrorFields
    }
  }
`);

export const UpdateAutomation = graphql(`
  mutation UpdateAutomation($id: ID!, $input: AutomationInput!) {
    updateAutomation(id: $id, input: $input) {
      __typename
      ... on UpdateAutomationSuccess { automation { ...AutomationFields } }
      ...ErrorFields
    }
  }
`);

export const SetAutomationEnabled = graphql(`
  mutation SetAutomationEnabled($id: ID!, $enabled: Boolean!) {
    setAutomationEnabled(id: $id, enabled: $enabled) {
      __typename
      ... on SetAutomationEnabledSuccess { automation { ...AutomationFields } }
      ...ErrorFields
    }
  }
`);

export const DeleteAutomation = graphql(`
  mutation DeleteAutomation($id: ID!) {
    deleteAutomation(id: $id) { __typename ... on DeleteAutomationSuccess { deletedId } ...ErrorFields }
  }
`);

export const Automations = graphql(`
  query Automations { automations { ...AutomationFields } }
`);

export const AutomationRuns = graphql(`
  query AutomationRuns($automationId: ID!, $first: Int) {
    automationRuns(automationId: $automationId, first: $first) {
      id trigger cardId status conditionsHeld depth error startedAt finishedAt
      actions { index type ok error durationMs }
    }
  }
`);

export const TimelineAuthors = graphql(`
  query TimelineAuthors($cardId: ID!) {
    timeline(cardId: $cardId, first: 50) { edges { node { kind byAutomation author { id name } } } }
  }
`);

export const AutomationNotifications = graphql(`
  subscription AutomationNotifications { notifications { kind text cardId } }
`);

export const AutomationRunLogged = graphql(`
  subscription AutomationRunLogged($automationId: ID!) {
    automationRunLogged(automationId: $automationId) { id trigger status cardId actions { type ok } }
  }
`);
