// Reports: the pipeline report.
import { graphql } from '../../gql/index.js';

export const MoneyFigureFields = graphql(`
  fragment MoneyFigureFields on MoneyFigure {
    count sum otherCurrencies { currency count sum }
  }
`);

export const PipelineReport = graphql(`
  query PipelineReport($pipelineId: ID!, $period: ReportPeriod!, $filter: DealFilter) {
    pipelineReport(pipelineId: $pipelineId, period: $period, filter: $filter) {
      __typename
      ... on PipelineReportSuccess {
        report {
          currency amountHidden won lost winRate
          stages {
            stage { id name kind }
            deals { ...MoneyFigureFields }
            entered
            conversions { stage { id name } deals rate }
            stays averageSeconds medianSeconds
          }
          byResponsible { responsible { id name } won { ...MoneyFigureFields } lost open { ...MoneyFigureFields } }
          byTeam { team { id name } won { ...MoneyFigureFields } lost open { ...MoneyFigureFields } }
        }
      }
      ...ErrorFields
    }
  }
`);
