import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestHost } from "../helpers/host.js";
import type { RunningHost } from "../../local/host.js";
import type { Client } from "../helpers/host.js";
import { ERROR, entraUser } from "../helpers/host.js";

let host: RunningHost;
let scim: Client;

beforeAll(async () => {
  ({ host, scim } = await startTestHost());
  for (let i = 0; i < 7; i++) await scim.post("/Users", entraUser(`page${i}@contoso.com`));
});
afterAll(async () => host?.close());

describe("paging", () => {
  it("refuses a startIndex beyond 10,000 with 400 invalidValue that names the limit and says to narrow the filter", async () => {
    const res = await scim.get("/Users?startIndex=10001&count=10");
    expect({ status: res.status, body: res.body }).toEqual({
      status: 400,
      body: {
        schemas: [ERROR],
        status: "400",
        scimType: "invalidValue",
        detail: "startIndex 10001 is beyond the deepest page this service serves (startIndex up to 10000); narrow the filter instead of paging further.",
      },
    });
    expect((await scim.get("/Users?startIndex=10000&count=1")).status).toBe(200);
  });

  it.each([
    [1, 3, 7, 3],
    [6, 5, 7, 2],
    [1, 50, 7, 7],
    [8, 5, 7, 0],
    [1, 0, 7, 0],
  ])("startIndex %i count %i: totalResults %i exactly, %i on the page", async (startIndex, count, total, page) => {
    const res = await scim.get(`/Users?filter=${encodeURIComponent('userName sw "page"')}&startIndex=${startIndex}&count=${count}`);
    expect({ total: res.body.totalResults, page: res.body.Resources.length }).toEqual({ total, page });
  });
});
