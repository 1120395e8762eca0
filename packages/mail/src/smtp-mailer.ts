import type { Mail, Mailer } from "@authsvc/core";
import nodemailer, { type Transporter } from "nodemailer";

/** Bounds every SMTP step, so that a stalled server fails a send instead of hanging a request. */
const SMTP_TIMEOUT_MS = 10_000;

export class SmtpMailer implements Mailer {
  private readonly transport: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
  ) {
    this.transport = nodemailer.createTransport({
      url: smtpUrl,
      connectionTimeout: SMTP_TIMEOUT_MS,
      greetingTimeout: SMTP_TIMEOUT_MS,
      socketTimeout: SMTP_TIMEOUT_MS,
      // A local relay without a certificate (MailHog, a test server) must work in development.
      tls: { rejectUnauthorized: false },
    });
  }

  async send(mail: Mail): Promise<void> {
    await this.transport.sendMail({
      from: this.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
    });
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}
