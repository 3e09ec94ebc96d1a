// A card's timeline: entries, what adds them, note templates, mailboxes and the live feed.
import { graphql } from '../../gql/index.js';

export const TimelineEntryFields = graphql(`
  fragment TimelineEntryFields on TimelineEntry {
    id kind cardId createdAt text
    author { id name }
    call { direction number durationSeconds recordingUrl result }
    email { direction subject body mailbox }
    meeting { subject startsAt endsAt place notes }
    chat { direction channel }
    stageChange { from { id name } to { id name } }
    responsibleChange { from { id name } to { id name } }
    fieldChange { field customFieldId oldValue newValue }
    attachment { id name }
  }
`);

export const Timeline = graphql(`
  query Timeline($cardId: ID!, $filter: TimelineFilter, $first: Int, $after: String) {
    timeline(cardId: $cardId, filter: $filter, first: $first, after: $after) {
      edges { cursor node { ...TimelineEntryFields } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

export const TimelineUpdated = graphql(`
  subscription TimelineUpdated($cardId: ID!) { timelineUpdated(cardId: $cardId) { ...TimelineEntryFields } }
`);

export const AddNote = graphql(`
  mutation AddNote($input: AddNoteInput!) {
    addNote(input: $input) { __typename ... on AddNoteSuccess { entry { ...TimelineEntryFields } } ...ErrorFields }
  }
`);

export const LogCall = graphql(`
  mutation LogCall($input: LogCallInput!) {
    logCall(input: $input) { __typename ... on LogCallSuccess { entry { ...TimelineEntryFields } } ...ErrorFields }
  }
`);

export const LogEmail = graphql(`
  mutation LogEmail($input: LogEmailInput!) {
    logEmail(input: $input) { __typename ... on LogEmailSuccess { entry { ...TimelineEntryFields } } ...ErrorFields }
  }
`);

export const LogMeeting = graphql(`
  mutation LogMeeting($input: LogMeetingInput!) {
    logMeeting(input: $input) { __typename ... on LogMeetingSuccess { entry { ...TimelineEntryFields } } ...ErrorFields }
  }
`);

export const LogChatMessage = graphql(`
  mutation LogChatMessage($input: LogChatMessageInput!) {
    logChatMessage(input: $input) { __typename ... on LogChatMessageSuccess { entry { ...TimelineEntryFields } } ...ErrorFields }
  }
`);

export const NoteTemplates = graphql(`
  query NoteTemplates { noteTemplates { id name text placeholders } }
`);

export const CreateNoteTemplate = graphql(`
  mutation CreateNoteTemplate($name: String!, $text: String!) {
    createNoteTemplate(name: $name, text: $text) {
      __typename
      ... on CreateNoteTemplateSuccess { template { id name text placeholders } }
      ...ErrorFields
    }
  }
`);

export const DeleteNoteTemplate = graphql(`
  mutation DeleteNoteTemplate($id: ID!) {
    deleteNoteTemplate(id: $id) { __typename ... on DeleteNoteTemplateSuccess { template { id } } ...ErrorFields }
  }
`);

export const Mailboxes = graphql(`
  query Mailboxes { mailboxes { id address personal owner { id } } }
`);

export const CreateMailbox = graphql(`
  mutation CreateMailbox($input: CreateMailboxInput!) {
    createMailbox(input: $input) {
      __typename
      ... on CreateMailboxSuccess { mailbox { id address personal owner { id } } }
      ...ErrorFields
    }
  }
`);
