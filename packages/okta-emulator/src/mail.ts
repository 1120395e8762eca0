import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Mailer } from "@authsvc/core";
import { OutboxMailer, SmtpMailer } from "@authsvc/mail";

export interface MailOptions {
  smtpUrl?: string | undefined;
  outboxDir?: string | undefined;
  mailFrom?: string | undefined;
}

/** Told where each code mail went (an SMTP server, an outbox file), never what it says. */
export type MailSent = (to: string, where: string) => void;

const DEFAULT_FROM = "Okta <noreply@okta-emulator.localhost>";

export function createMailer(options: MailOptions, onSent: MailSent = () => {}): Mailer {
  const { smtpUrl } = options;
  if (!smtpUrl) {
    return new OutboxMailer({
      directory: options.outboxDir ?? join(tmpdir(), "okta-emulator-outbox"),
      onWritten: (file, to) => onSent(to, file),
    });
  }
  const smtp = new SmtpMailer(smtpUrl, options.mailFrom ?? DEFAULT_FROM);
  const { protocol, host } = new URL(smtpUrl);
  return {
    async send(mail) {
      await smtp.send(mail);
      // Said without the URL's credentials.
      onSent(mail.to, `${protocol}//${host}`);
    },
    close: () => smtp.close(),
  };
}
