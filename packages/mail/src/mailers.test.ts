import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { codeMail } from "@authsvc/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OutboxMailer } from "./outbox-mailer.js";
import { SmtpInbox } from "./smtp-inbox.js";
import { SmtpMailer } from "./smtp-mailer.js";

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
