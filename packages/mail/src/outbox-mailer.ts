import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Mail, Mailer } from "@authsvc/core";

export interface OutboxOptions {
  directory: string;
  /** Told where each mail went (one log line per mail), never what it says. */
  onWritten: (file: string, to: string) => void;
}

/** Development mail: each message becomes a file, so the code can be read without an SMTP server. */
export class OutboxMailer implements Mailer {
  private sequence = 0;

  constructor(private readonly options: OutboxOptions) {}

  async send(mail: Mail): Promise<void> {
    await mkdir(this.options.directory, { recursive: true, mode: 0o700 });
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    const file = join(this.options.directory, `${stamp}-${++this.sequence}.eml`);
    const message = [
      `To: ${mail.to}`,
      `Subject: ${mail.subject}`,
      `Date: ${new Date().toUTCString()}`,
      "",
      mail.text,
      "",
    ];
    await writeFile(file, message.join("\n"), { mode: 0o600 });
    this.options.onWritten(file, mail.to);
  }

  async close(): Promise<void> {}
}
