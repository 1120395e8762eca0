import { createOperations } from "@authsvc/core";
import { describe, expect, it } from "vitest";
import { appRouter, PROCEDURE_OPERATIONS } from "./router.js";

describe("PROCEDURE_OPERATIONS", () => {
  it("names an operation for every procedure, and only operations that exist", () => {
    expect(Object.keys(PROCEDURE_OPERATIONS).sort()).toEqual(Object.keys(appRouter._def.procedures).sort());
    const operations = Object.keys(createOperations({} as Parameters<typeof createOperations>[0]));
    for (const operation of Object.values(PROCEDURE_OPERATIONS)) expect(operations).toContain(operation);
  });
});
