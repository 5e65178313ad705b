import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningHost } from "../../local/host/host.js";
import { ADMIN_CLI } from "../../shared/operations/context.js";
import { createUser } from "../../shared/operations/users.js";
import { patch, type Client } from "../helpers/host.js";
import { ANN, type Browser, startWithAdmin } from "../helpers/portal.js";

/** GET /api/admin/login-types counts who each login type signs in, for the confirmation of switching one off. */

let host: RunningHost;
let scim: Client;
let tenantId: string;
let admin: Browser;

beforeAll(async () => {
  ({ host, scim, tenantId, admin } = await startWithAdmin());
});
afterAll(async () => {
  await host?.close();
});

const ctx = () => ({ tenantId, actor: ADMIN_CLI, now: new Date(), services: host.services, baseUrl: "" });
const oid = (n: number) => `0000000${n}-0000-4000-8000-000000000000`;

describe("login type counts", () => {
  it("counts the active users with a password, with an Object ID, and those with only that one", async () => {
    // Ann (the invite's Admin) has an Object ID only.
    expect((await admin.get("/api/admin/login-types")).json).toEqual({
      loginTypes: ["password", "entra"],
      available: ["password", "entra"],
      users: { password: { users: 0, onlyThisType: 0 }, entra: { users: 1, onlyThisType: 1 } },
    });
    await createUser(ctx(), { userName: "pat@contoso.dev", loginTypes: ["password"] });
    await createUser(ctx(), { userName: "pia@contoso.dev", loginTypes: ["password"] });
    await createUser(ctx(), { userName: "bo@contoso.dev", loginTypes: ["password", "entra"], objectId: oid(1) });
    const gone = await createUser(ctx(), { userName: "dee@contoso.dev", loginTypes: ["password"] });
    // A disconnected user signs in with nothing: not counted.
    expect((await scim.patch(`/Users/${gone.id}`, patch({ op: "replace", path: "active", value: false }))).status).toBe(
      200,
    );

    expect((await admin.get("/api/admin/login-types")).json.users).toEqual({
      password: { users: 3, onlyThisType: 2 },
      entra: { users: 2, onlyThisType: 1 },
    });
    expect((await admin.me()).json.user.objectId).toBe(ANN.oid);
  });
});
