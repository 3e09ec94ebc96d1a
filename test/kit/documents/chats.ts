// Chat channels and replies.
import { graphql } from '../../gql/index.js';

export const CreateChatChannel = graphql(`
  mutation CreateChatChannel($input: CreateChatChannelInput!) {
    createChatChannel(input: $input) {
      __typename
      ... on CreateChatChannelSuccess { channel { id name kind key path secretToken target stageId responsibleId webhookId } }
      ...ErrorFields
    }
  }
`);

export const ChatChannels = graphql(`
  query ChatChannels { chatChannels { id name kind } }
`);

export const DeleteChatChannel = graphql(`
  mutation DeleteChatChannel($id: ID!) {
    deleteChatChannel(id: $id) { __typename ... on DeleteChatChannelSuccess { channel { id } } ...ErrorFields }
  }
`);

export const SendChatMessage = graphql(`
  mutation SendChatMessage($input: SendChatMessageInput!) {
    sendChatMessage(input: $input) { __typename ... on SendChatMessageSuccess { entry { id kind text chat { direction channel } } } ...ErrorFields }
  }
`);
