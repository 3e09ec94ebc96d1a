// E-mail: mailboxes with their inbound key and SMTP settings, sendEmail, and EMAIL entries with their headers and files.
import { graphql } from '../../gql/index.js';

export const MailboxFields = graphql(`
  fragment MailboxFields on Mailbox { id address personal key smtpConfigured smtpServer fromName owner { id } }
`);

export const EmailEntryFields = graphql(`
  fragment EmailEntryFields on TimelineEntry {
    id kind cardId
    author { id }
    email { direction subject body mailbox messageId from to cc attachments { id name size contentType } }
  }
`);

export const CreateMailboxWithSmtp = graphql(`
  mutation CreateMailboxWithSmtp($input: CreateMailboxInput!) {
    createMailbox(input: $input) { __typename ... on CreateMailboxSuccess { mailbox { ...MailboxFields } } ...ErrorFields }
  }
`);

export const UpdateMailbox = graphql(`
  mutation UpdateMailbox($id: ID!, $input: UpdateMailboxInput!) {
    updateMailbox(id: $id, input: $input) { __typename ... on UpdateMailboxSuccess { mailbox { ...MailboxFields } } ...ErrorFields }
  }
`);

export const MailboxList = graphql(`
  query MailboxList { mailboxes { ...MailboxFields } }
`);

export const SendEmail = graphql(`
  mutation SendEmail($input: SendEmailInput!) {
    sendEmail(input: $input) { __typename ... on SendEmailSuccess { entry { ...EmailEntryFields } } ...ErrorFields }
  }
`);

export const EmailTimeline = graphql(`
  query EmailTimeline($cardId: ID!) {
    timeline(cardId: $cardId, first: 50, filter: { kinds: [EMAIL] }) { edges { node { ...EmailEntryFields } } }
  }
`);
