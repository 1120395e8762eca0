import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // The consumer check packs the package, which rebuilds dist/ that the other tests import.
    fileParallelism: false,
  },
});
