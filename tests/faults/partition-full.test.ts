import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHost, type RunningHost } from "../../local/host/host.js";
import { faultLayer, type FaultLayer } from "../../local/host/faults.js";
import { ERROR, GROUP, client, entraUser, patch, type Client } from "../helpers/host.js";
import { addMembers } from "./entra.js";

/**
 * A tenant's logical partition reaches Cosmos DB's 20 GB cap: every write answers 403 substatus
 * 1014. Each write path answers a clear 507 (never 500), writes nothing, and reads keep working.
 */

let host: RunningHost;
let faults: FaultLayer;
let scim: Client;
let userId: string;
let groupId: string;
const errors: unknown[][] = [];
const consoleError = console.error;

beforeAll(async () => {
  faults = faultLayer({ rate: 0 });
  host = await startHost({ port: 0, storePort: 0, env: {}, log: () => {}, storePlugins: [faults.plugin] });
  scim = client(host, host.defaultTenant!.token);
  userId = (await scim.post("/Users", entraUser("full@contoso.com"))).body.id;
  groupId = (await scim.post("/Groups", { schemas: [GROUP], displayName: "Full" })).body.id;
  faults.partitionFull = true;
  console.error = (...args: unknown[]) => errors.push(args);
});
afterAll(async () => {
  console.error = consoleError;
  await host?.close();
});

const FULL = {
  schemas: [ERROR],
  status: "507",
  detail:
    "Insufficient storage: this tenant's data has reached the store's limit; nothing was written. The service's operators have been alerted.",
};

describe("a full partition (403/1014)", () => {
  it.each([
    ["POST /Users (transactional batch)", () => scim.post("/Users", entraUser("more@contoso.com"))],
    [
      "PATCH /Users (read-modify-write batch)",
      () => scim.patch(`/Users/${userId}`, patch({ op: "Replace", path: "displayName", value: "X" })),
    ],
    ["PUT /Users", () => scim.put(`/Users/${userId}`, entraUser("full@contoso.com", { displayName: "Y" }))],
    ["PATCH /Groups members (touch and bulk)", () => scim.patch(`/Groups/${groupId}`, addMembers([userId]))],
    [
      "POST /Groups with members",
      () => scim.post("/Groups", { schemas: [GROUP], displayName: "Another", members: [{ value: userId }] }),
    ],
    ["DELETE /Users (batch)", () => scim.delete(`/Users/${userId}`)],
    ["DELETE /Groups (batch)", () => scim.delete(`/Groups/${groupId}`)],
  ])("answers %s with 507 and a detail, and logs it", async (_, run) => {
    const before = errors.length;
    const res = await run();
    expect({ status: res.status, body: res.body }).toEqual({ status: 507, body: FULL });
    expect(errors.length).toBeGreaterThan(before);
  });

  it("wrote nothing, and reads still answer", async () => {
    faults.partitionFull = false;
    expect((await scim.get(`/Users/${userId}`)).body).toMatchObject({ userName: "full@contoso.com", active: true });
    expect((await scim.get(`/Users/${userId}`)).body.displayName).toBeUndefined();
    expect((await scim.get(`/Groups/${groupId}`)).body.members ?? []).toEqual([]);
    expect(
      (await scim.get(`/Users?filter=${encodeURIComponent('userName eq "more@contoso.com"')}`)).body.totalResults,
    ).toBe(0);
  });
});
