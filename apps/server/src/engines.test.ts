import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import Fastify from "fastify";
import semver from "semver";
import { afterAll, describe, expect, it } from "vitest";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

interface Manifest {
  name: string;
  private?: boolean;
  engines?: { node?: string };
  workspaces?: string[];
}
interface LockEntry {
  version?: string;
  engines?: { node?: string } | string[];
  os?: string[];
  cpu?: string[];
  optional?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(join(repoRoot, file), "utf8")) as T;
const root = readJson<Manifest>("package.json");
const lock = readJson<{ packages: Record<string, LockEntry> }>("package-lock.json");
const nodeRange = root.engines?.node ?? "";

/** The workspaces' folders: "packages/*" read from disk, other entries as they are. */
const workspaceDirs = (root.workspaces ?? []).flatMap((pattern) =>
  pattern.endsWith("/*")
    ? readdirSync(join(repoRoot, pattern.slice(0, -2))).map((name) => `${pattern.slice(0, -2)}/${name}`)
    : [pattern],
);

/** The lowest Node of each line the range allows: "^20.19.0 || >=24.0.0" gives 20.19.0 and 24.0.0. */
function lowestOfEachLine(range: string): string[] {
  return new semver.Range(range).set.map(
    (comparators) =>
      semver.minVersion(comparators.map((comparator) => comparator.value).join(" "))?.version ?? "",
  );
}

/** The last release before `version` on its line, or of the line before it. */
function justBelow(version: string): string {
  const { major, minor } = semver.parse(version) as semver.SemVer;
  return minor > 0 ? `${major}.${minor - 1}.99` : `${major - 1}.99.99`;
}

/** Whether a package's `os` or `cpu` list admits this machine's (npm skips those it does not). */
function admits(list: string[] | undefined, value: string): boolean {
  if (!list) return true;
  if (list.includes(`!${value}`)) return false;
  return list.includes(value) || list.every((entry) => entry.startsWith("!"));
}

const nameOf = (path: string) => path.replace(/.*node_modules\//, "");

/**
 * The lock's entries that npm installs on this machine: not those whose `os` or `cpu` it
 * skips, nor optional ones that only skipped packages depend on.
 */
function installedHere(): [string, LockEntry][] {
  let entries = Object.entries(lock.packages).filter(
    ([path, entry]) => path && admits(entry.os, process.platform) && admits(entry.cpu, process.arch),
  );
  for (;;) {
    const wanted = new Set(
      entries.flatMap(([, entry]) => Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })),
    );
    const kept = entries.filter(([path, entry]) => !entry.optional || wanted.has(nameOf(path)));
    if (kept.length === entries.length) return entries;
    entries = kept;
  }
}

/** The packages npm installs on this machine that refuse `node`, by their `engines`. */
function refusing(node: string): string[] {
  return installedHere().flatMap(([path, entry]) => {
    const wanted = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
    if (!wanted || semver.satisfies(node, wanted)) return [];
    return [`${nameOf(path)}@${entry.version} wants node ${wanted}`];
  });
}

describe("the Node versions this repository states", () => {
  const scratch = mkdtempSync(join(tmpdir(), "authsvc-engines-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("are accepted by every installed package, at the lowest of each line", () => {
    expect(lowestOfEachLine(nodeRange).length).toBeGreaterThan(0);
    for (const lowest of lowestOfEachLine(nodeRange)) expect(refusing(lowest), `Node ${lowest}`).toEqual([]);
  });

  it("are no lower than the installed packages need: the release before each line's first is refused", () => {
    for (const lowest of lowestOfEachLine(nodeRange))
      expect(refusing(justBelow(lowest)), `Node ${justBelow(lowest)}`).not.toEqual([]);
  });

  it("are stated by every workspace alike, but the published client, which states its users' floor", () => {
    for (const dir of workspaceDirs) {
      const manifest = readJson<Manifest>(`${dir}/package.json`);
      if (manifest.private) expect(manifest.engines?.node, manifest.name).toBe(nodeRange);
      else expect(manifest.engines?.node, manifest.name).toBeDefined();
    }
  });

  it("let a clean install from the lock print no EBADENGINE on this machine's Node", () => {
    // The manifests and the lock alone: what `npm ci` reads on a clean checkout.
    for (const file of [
      "package.json",
      "package-lock.json",
      ...workspaceDirs.map((dir) => `${dir}/package.json`),
    ]) {
      if (!existsSync(join(repoRoot, file))) continue;
      mkdirSync(dirname(join(scratch, file)), { recursive: true });
      copyFileSync(join(repoRoot, file), join(scratch, file));
    }
    const install = spawnSync("npm", ["ci", "--dry-run", "--ignore-scripts", "--no-audit", "--no-fund"], {
      cwd: scratch,
      encoding: "utf8",
    });
    expect(install.status).toBe(0);
    expect(install.stdout).toContain("added");
    expect(`${install.stdout}${install.stderr}`).not.toContain("EBADENGINE");
  }, 120_000);

  it("keep fastify's inject working with the cookie release light-my-request is held to (1.x, for Node 20)", async () => {
    const app = Fastify();
    app.get("/", async (request) => ({ cookie: request.headers.cookie }));
    const answer = await app.inject({ method: "GET", url: "/", cookies: { theme: "dark", note: "a b" } });
    expect(answer.json()).toEqual({ cookie: "theme=dark; note=a%20b" });
    await app.close();
  });
});
