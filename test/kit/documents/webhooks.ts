// Outbound webhooks and their delivery log.
import { graphql } from '../../gql/index.js';

export const WebhookFields = graphql(`
  fragment WebhookFields on Webhook { id url eventTypes enabled disabledAt failureStreak secretRotatesUntil }
`);

export const CreateWebhook = graphql(`
  mutation CreateWebhook($input: CreateWebhookInput!) {
    createWebhook(input: $input) {
      __typename
      ... on CreateWebhookSuccess { result { secret webhook { ...WebhookFields } } }
      ...ErrorFields
    }
  }
`);

export const UpdateWebhook = graphql(`
  mutation UpdateWebhook($input: UpdateWebhookInput!) {
    updateWebhook(input: $input) { __typename ... on UpdateWebhookSuccess { webhook { ...WebhookFields } } ...ErrorFields }
  }
`);

export const RotateWebhookSecret = graphql(`
  mutation RotateWebhookSecret($id: ID!, $overlapHours: Float) {
    rotateWebhookSecret(id: $id, overlapHours: $overlapHours) {
      __typename
      ... on RotateWebhookSecretSuccess { result { secret webhook { ...WebhookFields } } }
      ...ErrorFields
    }
  }
`);

export const DeleteWebhook = graphql(`
  mutation DeleteWebhook($id: ID!) {
    deleteWebhook(id: $id) { __typename ... on DeleteWebhookSuccess { deletedId } ...ErrorFields }
  }
`);

export const RedeliverWebhook = graphql(`
  mutation RedeliverWebhook($deliveryId: ID!) {
    redeliverWebhook(deliveryId: $deliveryId) { __typename ... on RedeliverWebhookSuccess { delivery { id status } } ...ErrorFields }
  }
`);

export const Webhooks = graphql(`
  query Webhooks { webhooks { ...WebhookFields } }
`);

export const WebhookDeliveries = graphql(`
  query WebhookDeliveries($webhookId: ID!, $first: Int) {
    webhookDeliveries(webhookId: $webhookId, first: $first) {
      id eventType messageId payload status attempts deliveredAt
      attemptLog { attempt statusCode latencyMs response error }
    }
  }
`);
