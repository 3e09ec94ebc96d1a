// Pipelines, their stages and loss reasons.
import { graphql } from '../../gql/index.js';

export const PipelineFields = graphql(`
  fragment PipelineFields on Pipeline {
    id name archived sortOrder
    stages { id name kind color sortOrder pipeline { id } }
    lossReasons { id name }
  }
`);

export const Pipelines = graphql(`
  query Pipelines($includeArchived: Boolean) {
    pipelines(includeArchived: $includeArchived) { ...PipelineFields }
  }
`);

export const CreatePipeline = graphql(`
  mutation CreatePipeline($input: CreatePipelineInput!) {
    createPipeline(input: $input) {
      __typename
      ... on CreatePipelineSuccess { pipeline { ...PipelineFields } }
      ...ErrorFields
    }
  }
`);

export const UpdatePipeline = graphql(`
  mutation UpdatePipeline($input: UpdatePipelineInput!) {
    updatePipeline(input: $input) {
      __typename
      ... on UpdatePipelineSuccess { pipeline { ...PipelineFields } }
      ...ErrorFields
    }
  }
`);

export const DeletePipeline = graphql(`
  mutation DeletePipeline($id: ID!) {
    deletePipeline(id: $id) { __typename ... on DeletePipelineSuccess { data } ...ErrorFields }
  }
`);

export const ReorderStages = graphql(`
  mutation ReorderStages($pipelineId: ID!, $stageIds: [ID!]!) {
    reorderStages(pipelineId: $pipelineId, stageIds: $stageIds) {
      __typename
      ... on ReorderStagesSuccess { pipeline { ...PipelineFields } }
      ...ErrorFields
    }
  }
`);

export const StageFields = graphql(`
  fragment StageFields on Stage { id name kind color sortOrder pipeline { id } }
`);

export const CreateStage = graphql(`
  mutation CreateStage($input: CreateStageInput!) {
    createStage(input: $input) { __typename ... on CreateStageSuccess { stage { ...StageFields } } ...ErrorFields }
  }
`);

export const UpdateStage = graphql(`
  mutation UpdateStage($input: UpdateStageInput!) {
    updateStage(input: $input) { __typename ... on UpdateStageSuccess { stage { ...StageFields } } ...ErrorFields }
  }
`);

export const DeleteStage = graphql(`
  mutation DeleteStage($id: ID!) {
    deleteStage(id: $id) { __typename ... on DeleteStageSuccess { stage { id name kind color sortOrder pipeline { id name } } } ...ErrorFields }
  }
`);

export const CreateLossReason = graphql(`
  mutation CreateLossReason($pipelineId: ID!, $name: String!) {
    createLossReason(pipelineId: $pipelineId, name: $name) {
      __typename
      ... on CreateLossReasonSuccess { lossReason { id name pipeline { id } } }
      ...ErrorFields
    }
  }
`);

export const DeleteLossReason = graphql(`
  mutation DeleteLossReason($id: ID!) {
    deleteLossReason(id: $id) { __typename ... on DeleteLossReasonSuccess { lossReason { id name pipeline { id name } } } ...ErrorFields }
  }
`);
