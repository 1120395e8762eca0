import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { type AddressInfo, isIP, isIPv6 } from "node:net";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { SMTPServer } from "smtp-server";

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
}

export interface SmtpInboxOptions {
  /** The address to listen on: 127.0.0.1 unless a test needs the service to see a host that is not loopback. */
  host?: string;
  /** Serves implicit TLS (smtps://) with a self-signed certificate for `host`, made at start. */
  tls?: boolean;
}

/**
 * A real SMTP server on this machine that keeps what it receives: tests and benchmarks
 * read one-time codes from it. Not used by the service itself.
 */
export class SmtpInbox {
  readonly received: ReceivedMail[] = [];
  /** The users that logged in with SMTP AUTH (any password is accepted), for tests of SMTP_URL's credentials. */
  readonly logins: string[] = [];
  private readonly waiters = new Set<() => void>();
  private readonly server: SMTPServer;

  private constructor(
    private readonly host: string,
    /** The PEM certificate it presents over TLS, to be trusted as a private CA; undefined without TLS. */
    readonly certificate: string | undefined,
    key: string | undefined,
  ) {
    this.server = new SMTPServer({
      ...(certificate && key ? { secure: true, cert: certificate, key } : {}),
      authOptional: true,
      // A test server on this machine: it takes AUTH in clear, so that tests can see whether a client sends it.
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

  static async start(options: SmtpInboxOptions = {}): Promise<SmtpInbox> {
    const host = options.host ?? "127.0.0.1";
    const credentials = options.tls ? selfSignedCertificate(host) : undefined;
    const inbox = new SmtpInbox(host, credentials?.certificate, credentials?.key);
    // A client that gives up (a refused certificate, a timeout) is what some tests are about, not a fault.
    inbox.server.on("error", () => {});
    inbox.server.listen(0, host);
    await once(inbox.server.server, "listening");
    return inbox;
  }

  get url(): string {
    const { port } = this.server.server.address() as AddressInfo;
    const host = isIPv6(this.host) ? `[${this.host}]` : this.host;
    return `${this.certificate ? "smtps" : "smtp"}://${host}:${port}`;
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

/** An IPv4 address of this machine that is not loopback, if it has one: a mail client takes it for a remote server. */
export function nonLoopbackAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((address) => address?.family === "IPv4" && !address.internal)?.address;
}

/** A key and a certificate for one host, valid for a day, made by openssl (no CA signed it). */
function selfSignedCertificate(host: string): { certificate: string; key: string } {
  const directory = mkdtempSync(join(tmpdir(), "smtp-inbox-tls-"));
  try {
    const keyFile = join(directory, "key.pem");
    const certificateFile = join(directory, "certificate.pem");
    execFileSync(
      "openssl",
      [
        ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
        ...[
          "-days",
          "1",
          "-subj",
          "/CN=SmtpInbox",
          "-addext",
          `subjectAltName=${isIP(host) ? "IP" : "DNS"}:${host}`,
        ],
        ...["-keyout", keyFile, "-out", certificateFile],
      ],
      { stdio: "pipe" },
    );
    return { certificate: readFileSync(certificateFile, "utf8"), key: readFileSync(keyFile, "utf8") };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** The 6-digit code in a mail the service sent (its text says "code is: NNNNNN"). */
export function codeIn(raw: string): string {
  const match = /code is: (\d{6})/.exec(raw.replace(/=\r?\n/g, ""));
  if (!match?.[1]) throw new Error("No code in the mail");
  return match[1];
}
