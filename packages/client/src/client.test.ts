import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { createAuthClient, ERROR_CODES, isAuthClientError } from "@authsvc/client";
import { ERROR_STATUS } from "@authsvc/core/errors";
import { TRPCClientError } from "@trpc/client";
import { build } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The budget for what a frontend pays to make calls and tell the service's errors apart. */
const BUDGET_GZIPPED_BYTES = 10 * 1024;

/** A frontend's production bundle of the client, as esbuild makes it: minified, everything inlined. */
async function frontendBundle() {
  const result = await build({
    stdin: {
      contents: 'export { createAuthClient, isAuthClientError } from "@authsvc/client";',
      resolveDir: packageDir,
    },
    absWorkingDir: packageDir,
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const code = result.outputFiles[0]?.contents ?? new Uint8Array();
  return { gzipped: gzipSync(code).length, inputs: Object.keys(result.metafile.inputs) };
}

/** A second copy of @trpc/client, as an app that bundles its own (React Query's bindings) holds one. */
async function anotherTrpcClientCopy(directory: string): Promise<typeof import("@trpc/client")> {
  const file = join(directory, "trpc-client-copy.mjs");
  const result = await build({
    stdin: { contents: 'export * from "@trpc/client";', resolveDir: packageDir },
    bundle: true,
    format: "esm",
    platform: "neutral",
    write: false,
    logLevel: "silent",
  });
  writeFileSync(file, result.outputFiles[0]?.contents ?? "");
  return import(/* @vite-ignore */ pathToFileURL(file).href);
}

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await new Promise((ready) => server.once("listening", ready));
  const { port } = server.address() as { port: number };
  await new Promise((closed) => server.close(closed));
  return port;
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (error: unknown) => error,
  );
}

/** An error answer as the service sends it in tRPC's envelope. */
const grantRefused = {
  error: {
    message: "The authorization code is invalid or expired",
    code: -32600,
    data: {
      error: "INVALID_GRANT",
      message: "The authorization code is invalid or expired",
      httpStatus: 400,
      path: "sso.token",
      code: "BAD_REQUEST",
    },
  },
};

describe("@authsvc/client", () => {
  const scratch = mkdtempSync(join(tmpdir(), "authsvc-client-test-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it(`costs a frontend at most ${BUDGET_GZIPPED_BYTES / 1024} KB gzipped, with no zod and no code of ours but the package`, async () => {
    const { gzipped, inputs } = await frontendBundle();
    console.info(`createAuthClient + isAuthClientError: ${(gzipped / 1024).toFixed(1)} KB gzipped`);
    expect(gzipped).toBeLessThanOrEqual(BUDGET_GZIPPED_BYTES);
    expect(inputs.filter((input) => !input.includes("node_modules/@trpc/")).sort()).toEqual([
      "<stdin>",
      "dist/index.js",
    ]);
  });

  it("exports the service's error codes: the same list as the server's table", () => {
    expect(ERROR_CODES).toEqual(Object.keys(ERROR_STATUS));
  });

  describe("isAuthClientError", () => {
    it("recognises the service's error thrown by another copy of @trpc/client", async () => {
      const copy = await anotherTrpcClientCopy(scratch);
      const error = copy.TRPCClientError.from(grantRefused);
      expect(error).not.toBeInstanceOf(TRPCClientError);
      expect(isAuthClientError(error)).toBe(true);
      if (isAuthClientError(error)) expect(error.data.error).toBe("INVALID_GRANT");
    });

    it("is false when the request never got an answer: a network failure, an abort", async () => {
      const client = createAuthClient({ url: `http://127.0.0.1:${await closedPort()}` });
      const unreachable = await rejectionOf(client.sso.token.mutate({ code: "abc" }));
      expect(unreachable).toBeInstanceOf(TRPCClientError);
      expect(isAuthClientError(unreachable)).toBe(false);

      const aborted = await rejectionOf(
        client.sso.token.mutate({ code: "abc" }, { signal: AbortSignal.abort() }),
      );
      expect(aborted).toBeInstanceOf(TRPCClientError);
      expect(isAuthClientError(aborted)).toBe(false);
    });

    it("is false for another tRPC service's error, whose data carries none of our codes", () => {
      const foreign = TRPCClientError.from({
        error: { message: "Bad", code: -32600, data: { code: "BAD_REQUEST", httpStatus: 400 } },
      });
      expect(isAuthClientError(foreign)).toBe(false);
      expect(isAuthClientError(new Error("TRPCClientError"))).toBe(false);
      expect(isAuthClientError(null)).toBe(false);
    });
  });
});
