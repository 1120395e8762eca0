import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nonLoopbackAddress, SmtpInbox } from "@authsvc/mail/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newPerson, post, type RunningService, SMTP_TEST_PASSWORD, startService } from "../harness.js";

/** SMTP_URL for `inbox` with credentials in it, as production has them. */
function withCredentials(inbox: SmtpInbox): string {
  return inbox.url.replace("://", `://mailer:${SMTP_TEST_PASSWORD}@`);
}

/** Registers someone through the service mailing over `env`'s SMTP settings; the answer and the log. */
async function registerWith(env: Record<string, string>) {
  const svc: RunningService = await startService({ LOG_LEVEL: "trace", ...env });
  try {
    const person = newPerson();
    const answer = await post(svc.url, "/api/register", person);
    return { answer, person, logs: svc.logs.join("") };
  } finally {
    await svc.stop();
  }
}

describe("mail to an SMTP server over TLS", () => {
  /** A server with a certificate no public CA signed: a forged one, as far as the service can tell. */
  let sink: SmtpInbox;
  let caDirectory: string;
  let caFile: string;
  beforeAll(async () => {
    sink = await SmtpInbox.start({ tls: true });
    caDirectory = mkdtempSync(join(tmpdir(), "smtp-ca-"));
    caFile = join(caDirectory, "ca.pem");
    writeFileSync(caFile, sink.certificate as string);
  });
  afterAll(async () => {
    await sink.close();
    rmSync(caDirectory, { recursive: true, force: true });
  });

  it("answers 503 to a registration, and sends the server neither AUTH nor the code, when its certificate does not verify", async () => {
    const { answer, logs } = await registerWith({ SMTP_URL: withCredentials(sink) });
    expect(answer).toMatchObject({ status: 503, body: { error: "SERVICE_UNAVAILABLE" } });
    expect(sink.logins).toEqual([]);
    expect(sink.received).toEqual([]);
    expect(logs).not.toContain(SMTP_TEST_PASSWORD);
  });

  it("mails the code to the server once SMTP_TLS_CA names the CA that signed its certificate", async () => {
    const { answer, person } = await registerWith({ SMTP_URL: withCredentials(sink), SMTP_TLS_CA: caFile });
    expect(answer.status).toBe(200);
    expect(await sink.nextCode(person.email, 0)).toMatch(/^\d{6}$/);
    expect(sink.logins).toEqual(["mailer"]);
  });

  it("accepts any certificate with SMTP_TLS_INSECURE=true outside production, and warns once at start", async () => {
    const { answer, person, logs } = await registerWith({
      SMTP_URL: withCredentials(sink),
      SMTP_TLS_INSECURE: "true",
    });
    expect(answer.status).toBe(200);
    expect(await sink.nextCode(person.email, 0)).toMatch(/^\d{6}$/);
    expect(logs.match(/SMTP_TLS_INSECURE=true/g)).toHaveLength(1);
  });
});

const externalAddress = nonLoopbackAddress();

describe.runIf(externalAddress)("mail to an SMTP server that is not loopback, over smtp://", () => {
  it("answers 503, and sends no AUTH in clear, when the server offers no STARTTLS", async () => {
    const plain = await SmtpInbox.start({ host: externalAddress as string });
    try {
      const { answer } = await registerWith({ SMTP_URL: withCredentials(plain) });
      expect(answer).toMatchObject({ status: 503, body: { error: "SERVICE_UNAVAILABLE" } });
      expect(plain.logins).toEqual([]);
      expect(plain.received).toEqual([]);
    } finally {
      await plain.close();
    }
  });
});
