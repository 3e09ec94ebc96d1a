// Telephony settings: what a call from an unknown number becomes.
import { graphql } from '../../gql/index.js';

export const TelephonySettings = graphql(`
  query TelephonySettings { telephonySettings { unknownCaller pipelineId stageId } }
`);

export const UpdateTelephonySettings = graphql(`
  mutation UpdateTelephonySettings($input: UpdateTelephonySettingsInput!) {
    updateTelephonySettings(input: $input) {
      __typename
      ... on UpdateTelephonySettingsSuccess { settings { unknownCaller pipelineId stageId } }
      ...ErrorFields
    }
  }
`);
