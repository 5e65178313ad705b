import { describe, expect, it } from "vitest";

describe("runtime", () => {
  it("runs the tests on Node 22, the version package.json engines and the Function App use", () => {
    expect(process.version).toMatch(/^v22\./);
  });
});
