import { Writable } from "node:stream";
import type { FastifyBaseLogger } from "fastify";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { lazyRequestLogger, loggerOptions } from "./logger.js";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const parent = pino({ ...loggerOptions({ logLevel: "info" }) }, stream) as unknown as FastifyBaseLogger;
  let children = 0;
  const child = parent.child.bind(parent);
  parent.child = ((...args: Parameters<typeof child>) => {
    children++;
    return child(...args);
  }) as typeof parent.child;
  return { lines, parent, children: () => children };
}

describe("a request's logger", () => {
  it("makes no pino child for a request that writes no line", () => {
    const { parent, children } = capture();
    lazyRequestLogger(parent, { requestId: "r-1" }, {});
    expect(children()).toBe(0);
  });

  it("writes each line with the request id and the parent's redaction, from one child", async () => {
    const { lines, parent, children } = capture();
    const log = lazyRequestLogger(parent, { requestId: "r-2" }, {});
    log.info({ sessionId: "secret-session" }, "first");
    log.warn("second");
    log.debug("below the level");
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map(({ msg, requestId, sessionId }) => ({ msg, requestId, sessionId }))).toEqual([
      { msg: "first", requestId: "r-2", sessionId: "[redacted]" },
      { msg: "second", requestId: "r-2", sessionId: undefined },
    ]);
    expect(children()).toBe(1);
    expect(log.level).toBe("info");
  });
});
