// Web forms.
import { graphql } from '../../gql/index.js';

export const WebFormFields = graphql(`
  fragment WebFormFields on WebForm {
    id name key path target allowedOrigins honeypot pipelineId stageId responsibleId teamId
    fields { name target customFieldId required }
  }
`);

export const CreateWebForm = graphql(`
  mutation CreateWebForm($input: CreateWebFormInput!) {
    createWebForm(input: $input) { __typename ... on CreateWebFormSuccess { form { ...WebFormFields } } ...ErrorFields }
  }
`);

export const WebForms = graphql(`
  query WebForms { webForms { ...WebFormFields } }
`);
