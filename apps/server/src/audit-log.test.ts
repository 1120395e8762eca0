import { readFileSync } from "node:fs";
import { SECURITY_EVENT_OUTCOMES } from "@authsvc/core";
import { describe, expect, it } from "vitest";

describe("docs/AUDIT.md", () => {
  it("lists every security event with its outcome, and no other", () => {
    const doc = readFileSync(new URL("../../../docs/AUDIT.md", import.meta.url), "utf8");
    const rows = [...doc.matchAll(/^\| `([a-z.]+)` +\| (success|failure) +\|/gm)].map(
      ([, event, outcome]) => [event, outcome],
    );
    expect(Object.fromEntries(rows)).toEqual(SECURITY_EVENT_OUTCOMES);
  });
});
