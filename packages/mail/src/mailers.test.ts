import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { codeMail } from "@authsvc/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OutboxMailer } from "./outbox-mailer.js";
import { nonLoopbackAddress, SmtpInbox } from "./smtp-inbox.js";
import { SmtpMailer, smtpTransportOptions } from "./smtp-mailer.js";

describe("SmtpMailer", () => {
  let inbox: SmtpInbox;
  beforeAll(async () => {
    inbox = await SmtpInbox.start();
  });
  afterAll(async () => {
    await inbox.close();
  });

  it("delivers a code mail with text and HTML parts over SMTP", async () => {
    const mailer = new SmtpMailer(inbox.url, "Auth <no-reply@auth.test>");
    await mailer.send(codeMail("Auth", "ada@example.com", "042917", "activation", 300));
    await mailer.close();

    expect(await inbox.nextCode("ada@example.com", 0)).toBe("042917");
    const [mail] = inbox.mailsTo("ada@example.com");
    expect(mail?.from).toBe("no-reply@auth.test");
    expect(mail?.raw).toMatch(/Content-Type: text\/plain/);
    expect(mail?.raw).toMatch(/Content-Type: text\/html/);
    expect(mail?.raw).toMatch(/confirm your email address/);
    expect(mail?.raw).toMatch(/expires in 5 minutes/);
  });

  it("fails the send, instead of hanging, when nothing listens", async () => {
    const mailer = new SmtpMailer("smtp://127.0.0.1:1", "no-reply@auth.test");
    await expect(
      mailer.send(codeMail("Auth", "x@example.com", "123456", "verification", 300)),
    ).rejects.toThrow();
  });
});

describe("SmtpMailer over TLS", () => {
  const mail = codeMail("Auth", "tls@example.com", "123456", "verification", 300);
  let inbox: SmtpInbox;
  beforeAll(async () => {
    inbox = await SmtpInbox.start({ tls: true });
  });
  afterAll(async () => {
    await inbox.close();
  });
  const withCredentials = (url: string) => url.replace("://", "://mailer:secret-password@");

  it("sends neither credentials nor the code to a server whose certificate it cannot verify", async () => {
    const mailer = new SmtpMailer(withCredentials(inbox.url), "no-reply@auth.test");
    await expect(mailer.send(mail)).rejects.toThrow(/self[- ]signed certificate/);
    await mailer.close();
    expect(inbox.logins).toEqual([]);
    expect(inbox.received).toEqual([]);
  });

  it("trusts the private CA it is given", async () => {
    const mailer = new SmtpMailer(withCredentials(inbox.url), "no-reply@auth.test", {
      ca: inbox.certificate,
    });
    await mailer.send(mail);
    await mailer.close();
    expect(await inbox.nextCode("tls@example.com", 0)).toBe("123456");
    expect(inbox.logins).toEqual(["mailer"]);
  });
});

describe("SmtpMailer's transport", () => {
  const tlsOptions = (url: string) => {
    const { requireTLS, ignoreTLS, secure, tls } = smtpTransportOptions(url);
    return { requireTLS, ignoreTLS, secure, rejectUnauthorized: tls?.rejectUnauthorized };
  };

  it.each([
    "smtp://user:pass@mail.example.com:587",
    "smtp://user@10.0.0.25",
    "smtp://user:pass@[fd00::25]:25",
    "smtp://user:pass@localhost.example.com",
    "smtp://user:pass@128.0.0.1",
  ])("requires STARTTLS before sending the credentials of %s", (url) => {
    expect(tlsOptions(url)).toEqual({
      requireTLS: true,
      ignoreTLS: false,
      secure: false,
      rejectUnauthorized: true,
    });
  });

  it.each([
    "smtp://user:pass@127.0.0.1:2525",
    "smtp://user:pass@127.8.9.10",
    "smtp://user:pass@[::1]:25",
    "smtp://user:pass@LocalHost.",
  ])("talks plainly to loopback, %s, whose traffic never leaves the machine", (url) => {
    expect(tlsOptions(url)).toMatchObject({ requireTLS: false, ignoreTLS: true, secure: false });
  });

  it("verifies certificates always unless told insecure, whatever the URL's query says", () => {
    expect(tlsOptions("smtps://user:pass@mail.example.com?tls.rejectUnauthorized=false")).toEqual({
      requireTLS: false,
      ignoreTLS: false,
      secure: true,
      rejectUnauthorized: true,
    });
    expect(tlsOptions("smtp://relay.internal?ignoreTLS=true&requireTLS=false")).toMatchObject({
      ignoreTLS: false,
      rejectUnauthorized: true,
    });
    expect(smtpTransportOptions("smtps://mail.example.com", { insecure: true }).tls).toEqual({
      rejectUnauthorized: false,
    });
  });

  it("reads percent-encoded credentials as nodemailer does", () => {
    expect(smtpTransportOptions("smtp://us%40er:p%3Ass%2Fword@mail.example.com").auth).toEqual({
      user: "us@er",
      pass: "p:ss/word",
    });
  });

  const externalAddress = nonLoopbackAddress();

  it.runIf(externalAddress)(
    "gives up, before AUTH, when a server that is not loopback offers no STARTTLS",
    async () => {
      const plain = await SmtpInbox.start({ host: externalAddress as string });
      try {
        const mailer = new SmtpMailer(plain.url.replace("://", "://mailer:secret@"), "no-reply@auth.test");
        await expect(
          mailer.send(codeMail("Auth", "plain@example.com", "123456", "verification", 300)),
        ).rejects.toThrow(/STARTTLS/);
        await mailer.close();
        expect(plain.logins).toEqual([]);
        expect(plain.received).toEqual([]);
      } finally {
        await plain.close();
      }
    },
  );
});

describe("OutboxMailer", () => {
  it("writes each mail to a private file and says where, not what", async () => {
    const directory = join(mkdtempSync(join(tmpdir(), "outbox-")), "outbox");
    const told: string[] = [];
    const mailer = new OutboxMailer({ directory, onWritten: (file) => told.push(file) });
    await mailer.send(codeMail("Auth", "bob@example.com", "314159", "verification", 120));
    await mailer.send(codeMail("Auth", "bob@example.com", "271828", "verification", 120));

    const files = readdirSync(directory).sort();
    expect(files).toHaveLength(2);
    expect(told).toEqual(files.map((f) => join(directory, f)));
    const text = readFileSync(join(directory, files[0] as string), "utf8");
    expect(text).toContain("To: bob@example.com");
    expect(text).toContain("code is: 314159");
    expect(text).toContain("expires in 2 minutes");
    expect(statSync(join(directory, files[0] as string)).mode & 0o077).toBe(0);
  });
});
