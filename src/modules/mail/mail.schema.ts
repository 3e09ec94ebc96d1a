// sendEmail: an e-mail from a deal, contact or company through a mailbox's SMTP server, recorded
// on the card's timeline. (Inbound e-mail arrives over HTTP: mail.http.ts.)
import { builder } from '../../builder.js';
import { authed } from '../../context.js';
import { IdParser } from '../../lib/ids.js';
import { withId } from '../../lib/prisma-query.js';
import { WRITE_ERRORS } from '../common/common.schema.js';
import { cardRef } from '../timeline/timeline.schema.js';
import * as mail from './mail.service.js';

const SendEmailInput = builder.inputType('SendEmailInput', {
  fields: (t) => ({
    cardId: t.id({ required: true, description: 'The deal, contact or company it is sent from.' }),
    mailboxId: t.id({ required: true, description: 'A shared mailbox, or your own personal one, with its SMTP server set up.' }),
    to: t.stringList({ description: "Left out: the card's e-mail (a deal's: its contacts' first e-mails)." }),
    cc: t.stringList(),
    subject: t.string({ required: true }),
    text: t.string({ required: true, description: 'The body, plain text.' }),
    replyToId: t.id({ description: 'An EMAIL timeline entry of this card that this answers: the e-mail joins its thread (In-Reply-To, References).' }),
  }),
});

builder.mutationField('sendEmail', (t) =>
  t.prismaField({
    type: 'TimelineEntry',
    authScopes: { writer: true },
    description: "Sends an e-mail and records it on the card's timeline (OUTBOUND, with its Message-ID, so replies thread back).",
    errors: { types: WRITE_ERRORS, dataField: { name: 'entry' } },
    args: { input: t.arg({ type: SendEmailInput, required: true }) },
    resolve: async (query, _r, { input }, ctx) => {
      const ids = new IdParser();
      const mailboxId = ids.one('mailboxId', 'Mailbox', input.mailboxId);
      const replyToId = input.replyToId ? ids.one('replyToId', 'TimelineEntry', input.replyToId) : null;
      ids.done();
      const id = await mail.sendEmail(authed(ctx), cardRef(input.cardId), { ...input, mailboxId: mailboxId!, replyToId });
      return ctx.db.timelineEntry.findUniqueOrThrow({ ...withId(query), where: { id } });
    },
  }),
);
