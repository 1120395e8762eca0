import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Our own modules that a bundler would pull in from the client's entry, followed through imports. */
function ownModulesReached(entry: string): string[] {
  const seen = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, "utf8");
    const require = createRequire(file);
    for (const [, specifier] of source.matchAll(
      /^(?:import|export)\s[^;]*?from\s+"([^"]+)"|^import\s+"([^"]+)"/gm,
    )) {
      if (!specifier) continue;
      if (specifier.startsWith(".")) pending.push(join(dirname(file), specifier));
      else if (specifier.startsWith("@authsvc/")) pending.push(require.resolve(specifier));
    }
  }
  return [...seen].map((file) => file.replace(/.*\/(packages|apps)\//, "$1/"));
}

describe("@authsvc/client", () => {
  it("type-checks a frontend's use of it, and rejects misuse at compile time", () => {
    const tsc = join(packageDir, "../../node_modules/typescript/bin/tsc");
    const run = () =>
      execFileSync(process.execPath, [tsc, "-p", join(packageDir, "consumer/tsconfig.json")], {
        encoding: "utf8",
      });
    expect(run).not.toThrow();
  });

  it("brings no server code into a frontend bundle", () => {
    const reached = ownModulesReached(join(packageDir, "dist/index.js"));
    expect(reached).toContain("packages/client/dist/index.js");
    expect(reached.some((file) => file.startsWith("packages/core/dist/contract"))).toBe(true);
    // The batch limit it shares with the server comes alone: no zod, no server code.
    expect(reached).toContain("packages/core/dist/batching.js");
    expect(readFileSync(join(packageDir, "../core/dist/batching.js"), "utf8")).not.toMatch(/^import /m);
    const serverSide = reached.filter((file) => /^(apps\/|packages\/(directory|mail)\/)/.test(file));
    expect(serverSide).toEqual([]);
    expect(reached).not.toContain("packages/core/dist/index.js");
    for (const file of reached)
      expect(readFileSync(join(packageDir, "../..", file), "utf8")).not.toMatch(/from "node:/);
  });
});
