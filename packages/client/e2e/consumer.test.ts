/**
 * The consumer check: the client as a frontend team gets it. Packs the package, installs the
 * tarball into a new project outside the workspace (public registry packages only), type-checks
 * a consumer's file under TypeScript strict with each module resolution and skipLibCheck
 * setting, and runs that file's flow against the built service.
 */
import { type ChildProcess, execFileSync, fork, spawn } from "node:child_process";
import { once } from "node:events";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { SmtpInbox } from "@authsvc/mail/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FlowResult, Person } from "../consumer/app.js";

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const repoRoot = resolve(packageDir, "../..");
const rootManifest = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
  devDependencies: Record<string, string>;
};
/** The consumer compiles with the TypeScript this repository builds with. */
const TYPESCRIPT_VERSION = rootManifest.devDependencies.typescript as string;
/** Packing builds, and installing may reach the registry: generous, for a loaded machine. */
const SETUP_TIMEOUT_MS = 10 * 60_000;

/** Module resolution x skipLibCheck: the settings of Vite, Next and Node projects. */
const MATRIX = [
  { resolution: "bundler", skipLibCheck: true },
  { resolution: "bundler", skipLibCheck: false },
  { resolution: "nodenext", skipLibCheck: true },
  { resolution: "nodenext", skipLibCheck: false },
] as const;

/** Runs a command, and answers its exit status with everything it printed. */
function run(command: string, args: string[], cwd: string): { status: number; output: string } {
  try {
    const output = execFileSync(command, args, { cwd, encoding: "utf8", stdio: "pipe" });
    return { status: 0, output };
  } catch (error) {
    const failed = error as { status: number | null; stdout?: string; stderr?: string };
    return { status: failed.status ?? 1, output: `${failed.stdout ?? ""}${failed.stderr ?? ""}` };
  }
}

function tsconfigFor(resolution: "bundler" | "nodenext", skipLibCheck: boolean, outDir?: string) {
  return {
    compilerOptions: {
      target: "ES2022",
      // tRPC's declarations name Disposable: with skipLibCheck false they need its lib (Next's ESNext has it).
      lib: ["ES2023", "DOM", "DOM.Iterable", "ESNext.Disposable"],
      module: resolution === "bundler" ? "ESNext" : "NodeNext",
      moduleResolution: resolution === "bundler" ? "Bundler" : "NodeNext",
      strict: true,
      skipLibCheck,
      types: [],
      ...(outDir ? { outDir } : { noEmit: true }),
    },
    files: ["app.ts"],
  };
}

/** The consumer project's own TypeScript. */
function tsc(project: string, ...args: string[]) {
  return run(process.execPath, [join(project, "node_modules/typescript/bin/tsc"), "-p", ...args], project);
}

/** The built service, started as `npm start` starts it, on a free port; its mail goes to `inbox`. */
async function startService(
  inbox: SmtpInbox,
  dataDir: string,
): Promise<{ url: string; process: ChildProcess }> {
  const service = spawn(process.execPath, [join(repoRoot, "apps/server/dist/main.js")], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: "test",
      HOST: "127.0.0.1",
      PORT: "0",
      DATA_DIR: dataDir,
      SMTP_URL: inbox.url,
      JWT_SECRET: "consumer-check-secret-of-more-than-32-bytes",
      OTP_RESEND_SECONDS: "0",
      LOG_LEVEL: "info",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let printed = "";
  const url = await new Promise<string>((found, failed) => {
    const look = (chunk: Buffer) => {
      printed += chunk;
      const listening = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(printed);
      if (listening?.[1]) found(listening[1]);
    };
    service.stdout.on("data", look);
    service.stderr.on("data", look);
    service.once("exit", (code) =>
      failed(new Error(`the service exited (${code}) before listening:\n${printed}`)),
    );
  });
  return { url, process: service };
}

/** Runs the consumer's compiled flow in its project, handing it each emailed code from the inbox. */
function runFlow(project: string, url: string, person: Person, inbox: SmtpInbox): Promise<FlowResult> {
  const child = fork(join(project, "run.mjs"), {
    cwd: project,
    env: { PATH: process.env.PATH, AUTH_URL: url, PERSON: JSON.stringify(person) },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let codesRead = 0;
  return new Promise((done, failed) => {
    child.on(
      "message",
      async (message: { type: string; id?: number; result?: FlowResult; error?: string }) => {
        if (message.type === "code") {
          const code = await inbox.nextCode(person.email, codesRead++, 30_000).catch(failed);
          child.send({ id: message.id, code });
        } else if (message.type === "done" && message.result) done(message.result);
        else failed(new Error(`the consumer's flow failed: ${message.error}`));
      },
    );
    child.once("exit", (code) => failed(new Error(`the consumer's flow exited (${code}) without an answer`)));
  });
}

describe("@authsvc/client from its tarball, in a project outside the workspace", () => {
  const project = mkdtempSync(join(tmpdir(), "authsvc-consumer-"));
  let tarball = "";
  let installOutput = "";

  beforeAll(() => {
    const packed = run("npm", ["pack", "--json", "--pack-destination", project], packageDir);
    if (packed.status !== 0) throw new Error(`npm pack failed:\n${packed.output}`);
    const [pack] = JSON.parse(packed.output.slice(packed.output.indexOf("["))) as { filename: string }[];
    tarball = join(project, pack?.filename ?? "");

    writeFileSync(
      join(project, "package.json"),
      JSON.stringify({ name: "authsvc-consumer", private: true, type: "module" }, null, 2),
    );
    for (const file of ["app.ts", "run.mjs"])
      copyFileSync(join(packageDir, "consumer", file), join(project, file));
    const installed = run(
      "npm",
      ["install", tarball, `typescript@${TYPESCRIPT_VERSION}`, "--no-audit", "--no-fund", "--prefer-offline"],
      project,
    );
    installOutput = installed.output;
    if (installed.status !== 0) throw new Error(`npm install of the tarball failed:\n${installed.output}`);
  }, SETUP_TIMEOUT_MS);

  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it("ships the built code, its declarations, a README and a publishable manifest naming no @authsvc/* package", () => {
    const files = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" }).trim().split("\n").sort();
    expect(files).toEqual([
      "package/README.md",
      "package/dist/index.d.ts",
      "package/dist/index.js",
      "package/package.json",
    ]);
    const manifest = JSON.parse(
      execFileSync("tar", ["-xzOf", tarball, "package/package.json"], { encoding: "utf8" }),
    ) as Record<string, unknown>;
    expect(manifest.private).toBeUndefined();
    expect(manifest.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(manifest.sideEffects).toBe(false);
    expect(Object.keys((manifest.exports as Record<string, Record<string, string>>)["."] ?? {})[0]).toBe(
      "types",
    );
    // Nothing the tarball says may send an installer to the registry for a package of our
    // unowned scope (dependency confusion): the only @authsvc/* name in it is its own.
    for (const file of files) {
      const text = execFileSync("tar", ["-xzOf", tarball, file], { encoding: "utf8" });
      const named = new Set(text.match(/@authsvc\/[\w.-]+/g) ?? []);
      named.delete("@authsvc/client");
      expect([...named], file).toEqual([]);
    }
  });

  it("installs with public packages only, and no engine warning", () => {
    expect(installOutput).not.toContain("EBADENGINE");
    const tree = JSON.parse(run("npm", ["ls", "--all", "--json"], project).output) as {
      dependencies: Record<string, { dependencies?: Record<string, unknown> }>;
    };
    const names = new Set<string>();
    const visit = (dependencies: Record<string, { dependencies?: Record<string, unknown> }> = {}) => {
      for (const [name, node] of Object.entries(dependencies)) {
        names.add(name);
        visit(node.dependencies as Record<string, { dependencies?: Record<string, unknown> }>);
      }
    };
    visit(tree.dependencies);
    expect([...names].filter((name) => name.startsWith("@authsvc/"))).toEqual(["@authsvc/client"]);
    expect(names).toContain("@trpc/client");
    expect(names).toContain("@trpc/server");
  });

  it.each(MATRIX)(
    "type-checks a strict consumer with moduleResolution $resolution, skipLibCheck $skipLibCheck; every misuse is an error",
    ({ resolution, skipLibCheck }) => {
      const config = `tsconfig.${resolution}.${skipLibCheck ? "skip" : "check"}-lib.json`;
      writeFileSync(join(project, config), JSON.stringify(tsconfigFor(resolution, skipLibCheck), null, 2));
      const checked = tsc(project, config, "--listFiles");
      const errors = checked.output.split("\n").filter((line) => /error TS\d+/.test(line));
      expect(errors).toEqual([]);
      expect(checked.status).toBe(0);
      // The program holds the consumer, TypeScript's libs, tRPC and the package: no server's declarations.
      const outside = checked.output
        .split("\n")
        .filter((line) => line.startsWith("/"))
        .filter(
          (file) => !/\/node_modules\/(typescript\/lib|@trpc\/(client|server)|@authsvc\/client)\//.test(file),
        )
        .filter((file) => file !== join(project, "app.ts"));
      expect(outside).toEqual([]);
    },
    120_000,
  );

  describe("against the built service", () => {
    let inbox: SmtpInbox;
    let service: { url: string; process: ChildProcess } | undefined;

    beforeAll(async () => {
      // The app as Node runs it: compiled with Node's resolution into out/, which run.mjs imports.
      writeFileSync(join(project, "tsconfig.json"), JSON.stringify(tsconfigFor("nodenext", false, "out")));
      const compiled = tsc(project, "tsconfig.json");
      if (compiled.status !== 0) throw new Error(`the consumer did not compile:\n${compiled.output}`);
      inbox = await SmtpInbox.start();
      const dataDir = join(project, "data");
      mkdirSync(dataDir);
      service = await startService(inbox, dataDir);
    }, 120_000);

    afterAll(async () => {
      if (service && service.process.exitCode === null) {
        const exited = once(service.process, "exit");
        service.process.kill("SIGTERM");
        await exited;
      }
      await inbox?.close();
    });

    it("runs sign-up, code, login, MFA for the session, grant, token and verify through the installed package", async () => {
      const person: Person = {
        firstName: "Ada",
        lastName: "Lovelace",
        email: `ada.consumer.${process.pid}@example.com`,
        password: "Correct-Horse-9",
      };
      const flow = await runFlow(project, (service as { url: string }).url, person, inbox);
      expect(flow.profile).toMatchObject({ email: person.email, firstName: "Ada", lastName: "Lovelace" });
      expect(flow.claims).toMatchObject({ email: person.email, sub: flow.userId });
      expect(flow.reusedGrant).toBe("INVALID_GRANT");
      expect(flow.abortedCall).toBe("no service error");
      expect(flow.ownClientError).toBe("INVALID_TOKEN");
      expect(flow.endedSession).toBe("OKTA_ERROR");
      expect(flow.knownCodes).toContain("INVALID_GRANT");
    }, 120_000);
  });
});
