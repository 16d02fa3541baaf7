import nodemailer from 'nodemailer';
import type { Mail } from './messages.ts';

/** Sends one mail; resolves with the server's message id, rejects with its refusal. */
export interface Mailer {
  send(to: string, mail: Mail): Promise<string>;
  close(): void;
}

/**
 * SMTP through nodemailer: `url` is an SMTP connection URL (`smtp://user:pass@host:587`,
 * `smtps://…:465`); `from` the sender address. Text only (messages.ts). A send that the server
 * refuses or that cannot connect rejects; the outbox retries it (deliver.ts).
 */
export function createSmtpMailer(o: { url: string; from: string; timeoutMs?: number }): Mailer {
  const timeout = o.timeoutMs ?? 10_000;
  const transport = nodemailer.createTransport({
    url: o.url,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  });
  return {
    async send(to, mail) {
      const info = await transport.sendMail({
        from: o.from,
        to,
        subject: mail.subject,
        text: mail.text,
      });
      return String(info.messageId);
    },
    close: () => transport.close(),
  };
}
