import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
}

/**
 * A real SMTP server on loopback that keeps what it receives: tests and benchmarks
 * read one-time codes from it. Not used by the service itself.
 */
export class SmtpInbox {
  readonly received: ReceivedMail[] = [];
  /** The users that logged in with SMTP AUTH (any password is accepted), for tests of SMTP_URL's credentials. */
  readonly logins: string[] = [];
  private readonly waiters = new Set<() => void>();
  private readonly server: SMTPServer;

  private constructor() {
    this.server = new SMTPServer({
      authOptional: true,
      // Loopback only: credentials in the clear hurt nobody, and a client with an SMTP_URL password can log in.
      allowInsecureAuth: true,
      onAuth: (auth, _session, callback) => {
        this.logins.push(auth.username ?? "");
        callback(null, { user: auth.username });
      },
      disabledCommands: ["STARTTLS"],
      logger: false,
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.on("end", () => {
          this.received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks).toString("utf8"),
          });
          for (const wake of this.waiters) wake();
          callback();
        });
      },
    });
  }

  static async start(): Promise<SmtpInbox> {
    const inbox = new SmtpInbox();
    inbox.server.listen(0, "127.0.0.1");
    await once(inbox.server.server, "listening");
    return inbox;
  }

  get url(): string {
    const { port } = this.server.server.address() as AddressInfo;
    return `smtp://127.0.0.1:${port}`;
  }

  /** Mails to this address received so far. */
  mailsTo(address: string): ReceivedMail[] {
    return this.received.filter((mail) => mail.to.includes(address));
  }

  /** Waits for the next mail to `address` after the `seen` first ones and returns its code. */
  async nextCode(address: string, seen = this.mailsTo(address).length, timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.mailsTo(address).length <= seen) {
      if (Date.now() > deadline) throw new Error(`No mail to ${address} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          resolve();
        };
        this.waiters.add(wake);
        setTimeout(wake, 50);
      });
    }
    const mail = this.mailsTo(address)[seen] as ReceivedMail;
    return codeIn(mail.raw);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The 6-digit code in a mail the service sent (its text says "code is: NNNNNN"). */
export function codeIn(raw: string): string {
  const match = /code is: (\d{6})/.exec(raw.replace(/=\r?\n/g, ""));
  if (!match?.[1]) throw new Error("No code in the mail");
  return match[1];
}
