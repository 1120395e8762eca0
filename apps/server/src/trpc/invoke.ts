import { TRPCError } from "@trpc/server";
// tRPC's own choice of parse function per validator (zod's sync parse first, its async parse once
// a schema turns out to need it): the one place tRPC exports it.
import { getParseFn, type Parser } from "@trpc/server/unstable-core-do-not-import";

/**
 * Calls a procedure the way tRPC's middleware chain would, without the chain.
 *
 * tRPC 11's published build spreads the call options into new objects at every
 * middleware step through a transpiled `_objectSpread2` helper; on Node 20 that
 * helper is most of a call's cost (about 16 µs of the 17 µs a `sso.verify` takes
 * in-process, measured with --cpu-prof). A procedure built only from `.input()`,
 * `.output()` and a resolver is run here as: parse the input, resolve, parse the
 * output, with tRPC's own parse functions and error codes. Any procedure with
 * another middleware goes through tRPC unchanged. http.test.ts holds both paths
 * equal to tRPC's own adapter.
 */
export type ProcedureType = "query" | "mutation" | "subscription";

export interface ProcedureCall {
  path: string;
  getRawInput: () => Promise<unknown>;
  ctx: unknown;
  type: ProcedureType;
  signal: AbortSignal | undefined;
  batchIndex: number;
}

export type Procedure = ((call: ProcedureCall) => Promise<unknown>) & {
  _def: {
    type: ProcedureType;
    meta?: unknown;
    inputs?: unknown[];
    output?: unknown;
    middlewares?: { _type?: string; name?: string }[];
    resolver?: (opts: ProcedureCall & { input: unknown; meta: unknown }) => Promise<unknown>;
  };
};

export function createInvoker(procedure: Procedure): (call: ProcedureCall) => Promise<unknown> {
  const { middlewares = [], inputs = [], output, resolver, meta } = procedure._def;
  const onlyBuiltIns = middlewares.every(
    (middleware) =>
      middleware._type === "input" ||
      middleware._type === "output" ||
      middleware.name === "resolveMiddleware",
  );
  const [input] = inputs;
  if (!onlyBuiltIns || !resolver || inputs.length > 1) return procedure;
  const parseInput = input === undefined ? undefined : getParseFn(input as Parser);
  const parseOutput = output === undefined ? undefined : getParseFn(output as Parser);

  return async (call) => {
    let parsed: unknown;
    if (parseInput) {
      const raw = await call.getRawInput();
      try {
        // tRPC's parse functions are sync until a schema needs zod's async parse: awaited only then,
        // as every await costs a turn of the microtask queue.
        parsed = parseInput(raw);
        if (parsed instanceof Promise) parsed = await parsed;
      } catch (cause) {
        throw new TRPCError({ code: "BAD_REQUEST", cause });
      }
    }
    // Written out, not spread: a spread into a new literal takes V8's slow generic copy (1.6 µs a call here).
    const { path, getRawInput, ctx, type, signal, batchIndex } = call;
    const data = await resolver({ path, getRawInput, ctx, type, signal, batchIndex, input: parsed, meta });
    if (!parseOutput) return data;
    try {
      const checked = parseOutput(data);
      return checked instanceof Promise ? await checked : checked;
    } catch (cause) {
      throw new TRPCError({ message: "Output validation failed", code: "INTERNAL_SERVER_ERROR", cause });
    }
  };
}
