#!/usr/bin/env node
// Usage: node scripts/production-tree.mjs DEST   (after `npm ci` and `npm run build`)
//
// Copies what the built service runs to DEST (an empty or new folder): the server and the workspace
// packages it depends on (package.json and dist), the web app's build, the lockfile and node_modules;
// then prunes DEST's node_modules to production dependencies. The Dockerfile builds its image with
// this script and apps/server/e2e/production-install.e2e.test.ts starts the server from its output,
// so the test covers what the image runs.
//
// Pruning a copy of the installed tree, rather than a fresh `npm ci --omit=dev`, takes seconds: the
// native modules (better-sqlite3) are not compiled a second time, and nothing is downloaded.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const SERVER = "@authsvc/server";
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dest = process.argv[2];
if (!dest) {
  console.error("Usage: node scripts/production-tree.mjs DEST");
  process.exit(64);
}
if (existsSync(dest) && readdirSync(dest).length > 0) {
  console.error(`${dest} is not empty`);
  process.exit(73);
}

const readJson = (file) => JSON.parse(readFileSync(file, "utf8"));
const rootPackage = readJson(join(root, "package.json"));

/** Every workspace package by name: its folder, relative to the root. */
const workspaces = new Map();
for (const pattern of rootPackage.workspaces) {
  const folders = pattern.endsWith("/*")
    ? readdirSync(join(root, pattern.slice(0, -2)), { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => `${pattern.slice(0, -2)}/${entry.name}`)
    : [pattern];
  for (const folder of folders) {
    if (existsSync(join(root, folder, "package.json"))) {
      workspaces.set(readJson(join(root, folder, "package.json")).name, folder);
    }
  }
}

/** The server and the workspace packages in its production dependencies, transitively. */
const needed = new Set();
const visit = (name) => {
  if (needed.has(name)) return;
  needed.add(name);
  const dependencies = readJson(join(root, workspaces.get(name), "package.json")).dependencies ?? {};
  for (const dependency of Object.keys(dependencies)) if (workspaces.has(dependency)) visit(dependency);
};
visit(SERVER);
const folders = [...needed].map((name) => workspaces.get(name));

mkdirSync(dest, { recursive: true });
// Only the needed workspaces: npm then prunes every other one, and what only they depend on.
writeFileSync(join(dest, "package.json"), JSON.stringify({ ...rootPackage, workspaces: folders }, null, 2));
/** Copied by cp -a: three times as fast as fs.cpSync on node_modules' thousands of small files. */
const copy = (path) => {
  mkdirSync(dirname(join(dest, path)), { recursive: true });
  execFileSync("cp", ["-a", join(root, path), join(dest, path)]);
};
copy("package-lock.json");
copy("node_modules");
for (const folder of folders) {
  copy(`${folder}/package.json`);
  copy(`${folder}/dist`);
  if (existsSync(join(root, folder, "node_modules"))) copy(`${folder}/node_modules`);
}
// Static files the server serves at / (WEB_APP): built by Vite, they import nothing at run time.
copy(`${workspaces.get("@authsvc/web")}/dist`);

execFileSync("npm", ["prune", "--omit=dev", "--no-audit", "--no-fund", "--loglevel=error"], {
  cwd: dest,
  stdio: ["ignore", "ignore", "inherit"],
});
