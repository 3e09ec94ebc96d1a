// A real SMTP server process-side for tests (the `smtp-server` package): it takes every message
// without authentication and keeps what arrived, so a test asserts what a recipient would get.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export type Mail = { from: string; to: string[]; data: string };

/**
 * Listens on 127.0.0.1 (`port` 0: any free one); `mails` fills as messages arrive. With
 * `refuse`, every recipient is refused with that reply (550), as a server bouncing the mail.
 * With `hold`, a message is kept in `mails` but answered only once `release()` is called, as a
 * slow server would (the sender waits for the answer).
 */
export async function startSmtp(port = 0, opts: { refuse?: string; hold?: boolean } = {}) {
  const mails: Mail[] = [];
  let release = () => {};
  const released = opts.hold ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    ...(opts.refuse ? { onRcptTo: (_a, _s, done) => done(Object.assign(new Error(opts.refuse), { responseCode: 550 })) } : {}),
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          data: Buffer.concat(chunks).toString('utf8'),
        });
        void released.then(() => done());
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(port, '127.0.0.1', resolve));
  return {
    url: `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`,
    mails,
    release: () => release(),
    close: () => new Promise<void>((resolve) => smtp.close(() => resolve())),
  };
}
