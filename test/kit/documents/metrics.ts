// Operations the metrics test counts on /metrics: names of their own, so that what other tests
// of the worker send is never counted with them.
import { graphql } from '../../gql/index.js';

export const MetricsProbeDeals = graphql(`
  query MetricsProbeDeals {
    deals(first: 1) { totalCount }
  }
`);

export const MetricsProbeMe = graphql(`
  query MetricsProbeMe {
    me { id }
  }
`);

export const MetricsProbeCreateDeal = graphql(`
  mutation MetricsProbeCreateDeal($input: CreateDealInput!) {
    createDeal(input: $input) {
      __typename
      ... on CreateDealSuccess { deal { id } }
      ... on Error { message }
    }
  }
`);
