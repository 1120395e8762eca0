import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, newPerson, type ServiceProcess, spawnService } from "./harness.js";

/**
 * The service as the Dockerfile's image runs it: a copy of the built tree pruned to production
 * dependencies by scripts/production-tree.mjs (the image's own step). A devDependency that the
 * service needs at run time is missing there, and fails these tests.
 */
const REPO = fileURLToPath(new URL("../../..", import.meta.url));
let scratch: string;
let tree: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "authsvc-production-"));
  tree = join(scratch, "tree");
  execFileSync(process.execPath, [join(REPO, "scripts/production-tree.mjs"), tree], {
    stdio: ["ignore", "ignore", "pipe"],
  });
}, 120_000);
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe("the production tree", () => {
  it("holds none of the development tools and test-only packages", () => {
    for (const name of ["vitest", "@biomejs/biome", "vite", "smtp-server", "@authsvc/okta-emulator"]) {
      expect(existsSync(join(tree, "node_modules", name)), name).toBe(false);
    }
  });

  describe("started with its embedded defaults", () => {
    let service: ServiceProcess;
    let url: string;
    let dataDir: string;
    beforeAll(async () => {
      dataDir = join(scratch, "data");
      service = spawnService({ PORT: "0", DATA_DIR: dataDir }, { tree });
      url = await service.listening();
    }, 30_000);
    afterAll(async () => {
      service?.child.kill("SIGTERM");
      await service?.exited;
    });

    it("answers /healthz", async () => {
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    });

    it("registers a person and writes their code to the outbox", async () => {
      const person = newPerson();
      const answer = await call(url, "POST", "/api/register", person);
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ userId: expect.any(String) });
      const outbox = join(dataDir, "outbox");
      const mails = readdirSync(outbox).map((file) => readFileSync(join(outbox, file), "utf8"));
      expect(mails).toEqual([expect.stringContaining(`To: ${person.email}\n`)]);
      expect(mails[0]).toMatch(/\b\d{6}\b/);
    });

    it("serves the web app at / with its script", async () => {
      const page = await fetch(`${url}/`);
      expect(page.status).toBe(200);
      const html = await page.text();
      const script = /<script type="module" crossorigin src="([^"]+)"/.exec(html)?.[1];
      expect(script).toMatch(/^\/assets\/.+\.js$/);
      const asset = await fetch(`${url}${script}`);
      expect([asset.status, asset.headers.get("content-type")]).toEqual([
        200,
        expect.stringMatching(/javascript/),
      ]);
    });
  });

  // What the server imports only when configured (PostgreSQL, Redis, Okta) is not loaded by the
  // start above: every module the server can reach is listed from its import statements, and loaded.
  describe("every module the server can load, on demand too", () => {
    let modules: string[];
    beforeAll(() => {
      modules = reachableModules(join(tree, "apps/server/dist/main.js"));
    });

    it("includes the adapters loaded on demand", () => {
      const packages = new Set(modules.flatMap((file) => bareImports(file)));
      expect([...packages]).toEqual(
        expect.arrayContaining([
          "@authsvc/redis-store",
          "ioredis",
          "@authsvc/okta",
          "@okta/okta-sdk-nodejs",
          "pg",
        ]),
      );
    });

    it("imports only packages listed in the dependencies of the package it belongs to", () => {
      const unlisted = modules.flatMap((file) => {
        const manifest = owningManifest(file);
        const listed = { ...manifest.dependencies, ...manifest.peerDependencies };
        return bareImports(file)
          .filter((name) => !(name in listed))
          .map((name) => `${relative(tree, file)} imports ${name}, not in ${manifest.name}'s dependencies`);
      });
      expect(unlisted).toEqual([]);
    });

    it("loads every one of them from the production tree", () => {
      const urls = modules
        .filter((file) => !file.endsWith("apps/server/dist/main.js"))
        .map((file) => pathToFileURL(file).href);
      const loading = spawnSync(
        process.execPath,
        ["--input-type=module", "-e", "for (const url of process.argv.slice(1)) await import(url);", ...urls],
        { cwd: tree, env: { PATH: process.env.PATH }, encoding: "utf8" },
      );
      expect({ status: loading.status, stderr: loading.stderr }).toEqual({ status: 0, stderr: "" });
    }, 30_000);
  });
});

/** Import statements and `import("...")` with a literal specifier, as tsc writes them. */
const IMPORTS = [
  /^\s*(?:import|export)\b[^;"'`]*?\bfrom\s*["']([^"']+)["']/gm,
  /^\s*import\s*["']([^"']+)["']/gm,
];
const DYNAMIC_IMPORT = /\bimport\(\s*["']([^"']+)["']\s*\)/g;

function specifiers(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...IMPORTS, DYNAMIC_IMPORT].flatMap((pattern) =>
    [...text.matchAll(pattern)].map((match) => match[1] ?? ""),
  );
}

/** Package names a module imports by name (node's own modules aside). */
function bareImports(file: string): string[] {
  return specifiers(file)
    .filter((specifier) => !specifier.startsWith(".") && !specifier.startsWith("node:"))
    .map((specifier) =>
      specifier
        .split("/")
        .slice(0, specifier.startsWith("@") ? 2 : 1)
        .join("/"),
    )
    .filter((name) => !builtinModules.includes(name));
}

/** The service's own modules reachable from `entry`, through relative imports and workspace packages. */
function reachableModules(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const specifier of specifiers(file)) {
      if (specifier.startsWith(".")) visit(resolve(dirname(file), specifier));
      else if (specifier.startsWith("@authsvc/")) visit(workspaceEntry(specifier));
    }
  };
  visit(entry);
  return [...seen];
}

/** The file a workspace package's `exports` give for a specifier such as @authsvc/core/errors. */
function workspaceEntry(specifier: string): string {
  const [scope, name, ...subpath] = specifier.split("/");
  const folder = realpathSync(join(tree, "node_modules", `${scope}/${name}`));
  const manifest = JSON.parse(readFileSync(join(folder, "package.json"), "utf8"));
  const exported = manifest.exports[subpath.length ? `./${subpath.join("/")}` : "."];
  return join(folder, exported.default);
}

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/** The package.json of the package a module belongs to. */
function owningManifest(file: string): Manifest {
  let folder = dirname(file);
  while (!existsSync(join(folder, "package.json"))) folder = dirname(folder);
  return JSON.parse(readFileSync(join(folder, "package.json"), "utf8"));
}
