/**
 * Builds the package as it is published: one ES module and one declaration file, both
 * self-contained. Only @trpc/* stays imported (peer dependencies, shared with the app).
 *
 * - Code: esbuild bundles src/index.ts with what it uses of @authsvc/core (the error
 *   codes, the batch limit), so no @authsvc/* package is imported at run time.
 * - Types: tsc writes the declarations, with the router's type written out in full (see
 *   src/router-types.ts), then rollup-plugin-dts inlines everything they take from @authsvc/*
 *   (the procedures, inputs, outputs, error data) into dist/index.d.ts. With
 *   `respectExternal` it follows imports into other packages' declarations and keeps only
 *   what the public types reach. tsup's declaration bundling is this same plugin behind more
 *   configuration; api-extractor inlines listed packages too (`bundledPackages`), but its
 *   .d.ts rollup is marked beta and it is a larger toolchain for one file.
 */
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { rollup } from "rollup";
import { dts } from "rollup-plugin-dts";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");
// tsc writes here first; inside the package, so that its imports resolve from the workspace.
const declarationsDir = join(packageDir, "node_modules/.cache/declarations");

rmSync(join(packageDir, "dist"), { recursive: true, force: true });
rmSync(declarationsDir, { recursive: true, force: true });

await build({
  entryPoints: [join(packageDir, "src/index.ts")],
  outfile: join(packageDir, "dist/index.js"),
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  external: ["@trpc/*"],
  logLevel: "warning",
});

const require = createRequire(import.meta.url);
try {
  require.resolve("@authsvc/server");
} catch {
  throw new Error(
    "The client's types come from the built server: run `npm run build` at the repository's root first",
  );
}
execFileSync(
  process.execPath,
  [
    require.resolve("typescript/bin/tsc"),
    "-p",
    join(packageDir, "tsconfig.build.json"),
    "--outDir",
    declarationsDir,
  ],
  { stdio: "inherit" },
);

const types = await rollup({
  input: join(declarationsDir, "index.d.ts"),
  // @authsvc/* is inlined (it has no published package); every other package stays an import,
  // which tree-shaking drops unless a public type reaches it (the consumer check holds that to @trpc/*).
  external: (id) => !id.startsWith("@authsvc/") && !id.startsWith(".") && !id.startsWith("/"),
  plugins: [dts({ respectExternal: true, tsconfig: join(packageDir, "tsconfig.json") })],
});
await types.write({ file: join(packageDir, "dist/index.d.ts"), format: "es" });
await types.close();
