import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SmtpInbox } from "@authsvc/mail/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newPerson, parseRawAnswer, type RawAnswer, spawnService, TEST_JWT_SECRET } from "./harness.js";

/** The built service in its own process (`npm start`), started and stopped as an operator would. */
let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "authsvc-start-stop-"));
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

const settings = (env: Record<string, string> = {}) => ({
  NODE_ENV: "test",
  PORT: "0",
  DATA_DIR: mkdtempSync(join(scratch, "data-")),
  JWT_SECRET: TEST_JWT_SECRET,
  LOG_LEVEL: "info",
  ...env,
});

/** Runs the service until it exits by itself; a start that succeeds is stopped and fails the test. */
async function runUntilExit(env: Record<string, string>) {
  const instance = spawnService(settings(env));
  const stop = setTimeout(() => instance.child.kill("SIGKILL"), 15_000);
  const { code } = await instance.exited;
  clearTimeout(stop);
  return { code, stderr: instance.output.stderr };
}

describe("starting", () => {
  it("creates DATA_DIR, and the folders above it, when they do not exist", async () => {
    const dataDir = join(scratch, "not", "yet", "there");
    const instance = spawnService(settings({ DATA_DIR: dataDir }));
    const url = await instance.listening();
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(existsSync(join(dataDir, "directory.sqlite"))).toBe(true);
    instance.child.kill("SIGTERM");
    expect(await instance.exited).toEqual({ code: 0, signal: null });
  });

  it("stops with one line naming DATA_DIR and exit code 78 when DATA_DIR cannot be created", async () => {
    const file = join(scratch, "a-file");
    writeFileSync(file, "");
    const { code, stderr } = await runUntilExit({ DATA_DIR: join(file, "data") });
    expect(code).toBe(78);
    expect(stderr.trim().split("\n")).toEqual([
      expect.stringMatching(/^Invalid configuration: DATA_DIR cannot be created: ENOTDIR/),
    ]);
  });

  describe("when it cannot listen", () => {
    let taken: Server;
    let takenPort = 0;
    beforeAll(async () => {
      taken = createServer();
      await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
      takenPort = (taken.address() as { port: number }).port;
    });
    afterAll(async () => {
      await new Promise((resolve) => taken.close(resolve));
    });

    it.each([
      [
        "a port in use",
        () => ({ HOST: "127.0.0.1", PORT: String(takenPort) }),
        /^Cannot listen on 127\.0\.0\.1:\d+: address in use \(PORT\)$/,
      ],
      [
        "a HOST that is no address",
        () => ({ HOST: "999.1.1.1" }),
        /^Cannot listen on 999\.1\.1\.1:0: no such host \(HOST\)$/,
      ],
      [
        "a HOST of another machine",
        () => ({ HOST: "192.0.2.1" }),
        /^Cannot listen on 192\.0\.2\.1:0: not an address of this machine \(HOST\)$/,
      ],
    ])(
      "stops on %s with one line naming the setting and exit code 69, no stack",
      async (_name, env, line) => {
        const { code, stderr } = await runUntilExit(env());
        expect(code).toBe(69);
        expect(stderr.trim().split("\n")).toEqual([expect.stringMatching(line)]);
      },
    );
  });
});

describe("stopping with SIGTERM", () => {
  let inbox: SmtpInbox;
  beforeAll(async () => {
    inbox = await SmtpInbox.start();
  });
  afterAll(async () => {
    await inbox?.close();
  });

  it("answers the requests in flight, closes every connection and the pools, and exits 0 at once", async () => {
    const dataDir = mkdtempSync(join(scratch, "data-"));
    const instance = spawnService(settings({ SMTP_URL: inbox.url, DATA_DIR: dataDir }));
    const { port } = new URL(await instance.listening());
    /** A keep-alive connection: what it reads until the server closes it. */
    const connection = async () => {
      const socket = connect(Number(port), "127.0.0.1");
      await new Promise((resolve) => socket.once("connect", resolve));
      let bytes = "";
      socket.on("data", (chunk) => {
        bytes += chunk;
      });
      const answers = new Promise<RawAnswer[]>((resolve) =>
        socket.once("close", () => resolve(bytes.split(/(?=HTTP\/1\.1 \d{3} )/).map(parseRawAnswer))),
      );
      return { socket, answers };
    };
    const halfSent = (path: string, body: string) =>
      `POST ${path} HTTP/1.1\r\nHost: auth.test\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 10)}`;

    // One connection idle after an answer; two with a request half sent when SIGTERM comes.
    const idle = await connection();
    idle.socket.write("GET /healthz HTTP/1.1\r\nHost: auth.test\r\n\r\n");
    const register = await connection();
    const person = newPerson();
    const registration = JSON.stringify(person);
    register.socket.write(halfSent("/api/register", registration));
    const verify = await connection();
    const token = JSON.stringify({ token: "not-a-token" });
    verify.socket.write(halfSent("/api/sso/verify", token));
    await new Promise((resolve) => setTimeout(resolve, 300));

    instance.child.kill("SIGTERM");
    await instance.logged(/SIGTERM: no new connections/);
    expect((await idle.answers).map((answer) => answer.status)).toEqual([200]);
    register.socket.write(registration.slice(10));
    // The rest of the other, then one more request read during the drain, on the same connection.
    verify.socket.write(`${token.slice(10)}GET /healthz HTTP/1.1\r\nHost: auth.test\r\n\r\n`);
    const answered = await Promise.all([register.answers, verify.answers]);
    const lastAnswer = performance.now();
    const exited = await instance.exited;

    expect(
      answered.map((answers) => answers.map((answer) => [answer.status, JSON.parse(answer.text)])),
    ).toEqual([
      [[200, { userId: expect.any(String) }]],
      [
        [401, expect.objectContaining({ error: "INVALID_TOKEN" })],
        [200, { status: "ok" }],
      ],
    ]);
    expect(exited).toEqual({ code: 0, signal: null });
    expect(performance.now() - lastAnswer).toBeLessThan(3000);
    // SQLite removes its write-ahead log when the last connection closes cleanly, and only then.
    expect(existsSync(join(dataDir, "directory.sqlite-wal"))).toBe(false);
    expect(await inbox.nextCode(person.email, 0)).toMatch(/^\d{6}$/);
  }, 30_000);

  it("exits even when nothing reads its log any more", async () => {
    const instance = spawnService(settings());
    expect((await fetch(`${await instance.listening()}/healthz`)).status).toBe(200);
    instance.child.stdout?.destroy();
    instance.child.kill("SIGTERM");
    const kill = setTimeout(() => instance.child.kill("SIGKILL"), 8000);
    const exited = await instance.exited;
    clearTimeout(kill);
    expect(exited).toEqual({ code: 0, signal: null });
  }, 15_000);
});
