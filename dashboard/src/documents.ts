// Every operation the dashboard runs, typed by graphql-codegen from schema/schema.graphql
// (`npm run codegen` writes ./gql); each document is a typed string sent as is.
import { graphql } from './gql/index.js';

export const Login = graphql(`
  mutation DashLogin($input: LoginInput!) {
    login(input: $input) { token user { id name } workspace { id name currency } }
  }
`);

export const Logout = graphql(`
  mutation DashLogout { logout }
`);

export const Me = graphql(`
  query DashMe { me { id name } workspace { id name currency } }
`);

export const Pipelines = graphql(`
  query DashPipelines {
    pipelines { id name stages { id name kind color } lossReasons { id name } }
  }
`);

export const BoardDeal = graphql(`
  fragment BoardDeal on Deal {
    id name amount currency version
    stage { id }
    pipeline { id }
    responsible { id name }
    openTask { id text dueAt overdue }
  }
`);

export const StageDeals = graphql(`
  query DashStageDeals($stageId: ID!, $first: Int!) {
    deals(first: $first, filter: { stageIds: [$stageId] }, orderBy: [{ field: UPDATED_AT, direction: DESC }]) {
      totalCount
      edges { node { ...BoardDeal } }
    }
  }
`);

export const DealCard = graphql(`
  query DashDeal($id: ID!) { node(id: $id) { __typename ... on Deal { ...BoardDeal } } }
`);

const Figure = graphql(`
  fragment Figure on MoneyFigure { count sum otherCurrencies { currency sum } }
`);
void Figure;

export const Report = graphql(`
  query DashReport($pipelineId: ID!, $all: ReportPeriod!, $period: ReportPeriod!) {
    board: pipelineReport(pipelineId: $pipelineId, period: $all) {
      __typename
      ... on PipelineReportSuccess { report { amountHidden currency stages { stage { id } deals { ...Figure } } } }
    }
    panel: pipelineReport(pipelineId: $pipelineId, period: $period) {
      __typename
      ... on PipelineReportSuccess {
        report {
          amountHidden currency won lost winRate
          stages { stage { id name kind } entered averageSeconds conversions { stage { id } rate } }
          byResponsible { responsible { id name } won { ...Figure } lost open { ...Figure } }
        }
      }
      ... on Error { message }
    }
  }
`);

export const DealChanged = graphql(`
  subscription DashDealChanged($pipelineId: ID!) {
    dealChanged(pipelineId: $pipelineId) { kind dealId deal { ...BoardDeal } }
  }
`);

export const Entry = graphql(`
  fragment Entry on TimelineEntry {
    id kind createdAt text byAutomation
    author { id name }
    stageChange { from { name } to { name } }
    fieldChange { field oldValue newValue }
    responsibleChange { from { name } to { name } }
    call { direction durationSeconds result }
    email { subject direction }
    meeting { subject }
    attachment { name }
  }
`);

export const Timeline = graphql(`
  query DashTimeline($cardId: ID!, $first: Int!) {
    timeline(cardId: $cardId, first: $first) { edges { node { ...Entry } } }
  }
`);

export const TimelineUpdated = graphql(`
  subscription DashTimelineUpdated($cardId: ID!) { timelineUpdated(cardId: $cardId) { ...Entry } }
`);

const Problem = graphql(`
  fragment Problem on Error {
    __typename code message
    ... on ValidationError { fields { field message } }
    ... on ConflictError { currentVersion }
    ... on StageRequirementsError {
      stageId lossReasonRequired hiddenMissingCount
      missingFields { id name type options { id label } }
    }
  }
`);
void Problem;

export const MoveDeal = graphql(`
  mutation DashMoveDeal($input: MoveDealInput!) {
    moveDeal(input: $input) { __typename ... on MoveDealSuccess { deal { ...BoardDeal } } ...Problem }
  }
`);

export const FillAndMove = graphql(`
  mutation DashFillAndMove($input: UpdateDealInput!) {
    updateDeal(input: $input) { __typename ... on UpdateDealSuccess { deal { ...BoardDeal } } ...Problem }
  }
`);

export const UploadFile = graphql(`
  mutation DashUploadFile($cardId: ID, $file: Upload!) {
    uploadFile(cardId: $cardId, file: $file) { __typename ... on UploadFileSuccess { attachment { id } } ... on Error { message } }
  }
`);
