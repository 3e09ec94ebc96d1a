// The failure members of every result union, selected the same way everywhere.
import { graphql } from '../../gql/index.js';

export const ErrorFields = graphql(`
  fragment ErrorFields on Error {
    __typename code message
    ... on ValidationError { fields { field message } }
    ... on NotFoundError { entity id }
    ... on ConflictError { currentVersion }
    ... on StageRequirementsError { stageId lossReasonRequired hiddenMissingCount missingFields { id name code } }
  }
`);
