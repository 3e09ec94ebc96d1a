// Files: uploads, a card's attachments, and files by id.
import { graphql } from '../../gql/index.js';

export const AttachmentFields = graphql(`
  fragment AttachmentFields on Attachment { id name contentType size url cardId createdAt uploadedBy { id name } }
`);

export const UploadFile = graphql(`
  mutation UploadFile($file: Upload!, $cardId: ID) {
    uploadFile(file: $file, cardId: $cardId) {
      __typename
      ... on UploadFileSuccess { attachment { ...AttachmentFields } }
      ...ErrorFields
    }
  }
`);

export const Attachments = graphql(`
  query Attachments($cardId: ID!) { attachments(cardId: $cardId) { ...AttachmentFields } }
`);

export const AttachmentNode = graphql(`
  query AttachmentNode($id: ID!) { node(id: $id) { __typename ... on Attachment { ...AttachmentFields } } }
`);
