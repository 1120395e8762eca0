import { isIPv4 } from "node:net";
import type { Mail, Mailer } from "@authsvc/core";
import nodemailer, { type SMTPTransportOptions, type Transporter } from "nodemailer";

/** Bounds every SMTP step, so that a stalled server fails a send instead of hanging a request. */
const SMTP_TIMEOUT_MS = 10_000;

export interface SmtpTlsOptions {
  /** PEM certificates of a private CA, trusted instead of the public ones (SMTP_TLS_CA). */
  ca?: string;
  /** Accepts any certificate (SMTP_TLS_INSECURE): for development only, refused in production. */
  insecure?: boolean;
}

export class SmtpMailer implements Mailer {
  private readonly transport: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
    tls: SmtpTlsOptions = {},
  ) {
    this.transport = nodemailer.createTransport(smtpTransportOptions(smtpUrl, tls));
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

  /** Connects and greets the server (and logs in, with credentials): the service's health probe. */
  async ping(): Promise<void> {
    await this.transport.verify();
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}

/**
 * Nodemailer's options for an SMTP URL. The URL is read here rather than handed to nodemailer,
 * which would let its query string (`?tls.rejectUnauthorized=false`, `?ignoreTLS=true`) undo
 * what follows:
 * - a certificate is always verified, against `tls.ca` when given, unless `tls.insecure`;
 * - credentials sent over the network (smtp:// to a host that is not loopback) need STARTTLS
 *   first, so that a server, or a man in the middle, that offers none gets no AUTH in clear;
 * - smtp:// to loopback stays plain: the traffic never leaves the machine, and a local relay's
 *   own certificate (Debian's postfix offers STARTTLS with a self-signed one) would not verify.
 */
export function smtpTransportOptions(smtpUrl: string, tls: SmtpTlsOptions = {}): SMTPTransportOptions {
  const url = new URL(smtpUrl);
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const secure = url.protocol === "smtps:";
  const hasCredentials = url.username !== "" || url.password !== "";
  const plainLoopback = !secure && isLoopback(host);
  return {
    host,
    ...(url.port ? { port: Number(url.port) } : {}),
    secure,
    ...(hasCredentials
      ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }
      : {}),
    requireTLS: !secure && !plainLoopback && hasCredentials,
    ignoreTLS: plainLoopback,
    connectionTimeout: SMTP_TIMEOUT_MS,
    greetingTimeout: SMTP_TIMEOUT_MS,
    socketTimeout: SMTP_TIMEOUT_MS,
    tls: { rejectUnauthorized: !tls.insecure, ...(tls.ca ? { ca: tls.ca } : {}) },
  };
}

/** localhost, 127.0.0.0/8 and ::1: addresses whose traffic never leaves the machine. */
export function isLoopback(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, "");
  if (name === "localhost" || name === "::1") return true;
  return isIPv4(name) && name.startsWith("127.");
}
