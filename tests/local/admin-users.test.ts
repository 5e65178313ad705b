import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runAdmin } from "../../local/cli/admin.js";
import type { RunningHost } from "../../local/host/host.js";
import { client, entraUser, startTestHost, type Client } from "../helpers/host.js";

/** `npm run admin -- user list|show|set-object-id`: the same search as the portal, any reference to a user, the portal's Object ID check. */

let host: RunningHost;
let scim: Client;
let tenant: string;
let kim: string;

async function admin(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runAdmin([...argv, "--tenant", tenant], {
    env: {},
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    services: host.services,
  });
  return { code, out: out.join("\n"), err: err.join("\n"), json: () => JSON.parse(out.join("\n")) };
}

beforeAll(async () => {
  ({ host } = await startTestHost());
  tenant = host.defaultTenant!.id;
  const secret = (await runAdminJson(["token", "create", "--tenant", tenant, "--name", "t", "--json"])).token as string;
  scim = client(host, secret);
  const res = await scim.post(
    "/Users",
    entraUser("kim.novak@contoso.dev", {
      displayName: "Kim Novak",
      externalId: "bbbbbbbb-3333-4333-8333-000000000007",
    }),
  );
  expect(res.status).toBe(201);
  kim = res.body.id;
  expect((await scim.post("/Users", entraUser("lee@contoso.dev", { displayName: "Lee Park" }))).status).toBe(201);
});
afterAll(async () => host?.close());

async function runAdminJson(argv: string[]) {
  const out: string[] = [];
  expect(await runAdmin(argv, { env: {}, out: (t) => out.push(t), err: () => {}, services: host.services })).toBe(0);
  return JSON.parse(out.join("\n"));
}

describe("user list", () => {
  it("finds users by any part of a name, as text and as JSON", async () => {
    const text = await admin("user", "list", "--search", "NOVAK");
    expect(text.code).toBe(0);
    expect(text.out.split("\n")).toEqual([
      "1 user",
      expect.stringMatching(
        /^kim\.novak@contoso\.dev {2}Kim Novak {2}active {2}User {2}bbbbbbbb-3333-4333-8333-000000000007 {2}[0-9a-f-]{36}$/,
      ),
    ]);
    const json = (await admin("user", "list", "--search", "park", "--json")).json();
    expect(json).toMatchObject({ total: 1, users: [{ userName: "lee@contoso.dev", displayName: "Lee Park" }] });
  });

  it("refuses a bad filter with the API's message (exit 2)", async () => {
    const res = await admin("user", "list", "--status", "gone");
    expect(res).toMatchObject({ code: 2, err: 'error: status must be one of active, disconnected (got "gone")' });
  });
});

describe("user show", () => {
  it.each([
    ["the SCIM id", () => kim],
    ["the userName, any case", () => "KIM.NOVAK@contoso.dev"],
    ["the Object ID", () => "BBBBBBBB-3333-4333-8333-000000000007"],
  ])("finds the user by %s", async (_, ref) => {
    const res = await admin("user", "show", "--user", ref(), "--json");
    expect(res.code).toBe(0);
    expect(res.json()).toMatchObject({ id: kim, userName: "kim.novak@contoso.dev" });
  });

  it("says what it accepts when nothing matches", async () => {
    const res = await admin("user", "show", "--user", "nobody@contoso.dev");
    expect(res.code).toBe(2);
    expect(res.err).toMatch(/no user 'nobody@contoso\.dev'.*SCIM id, userName or Entra Object ID/);
  });
});

describe("user set-object-id", () => {
  it("refuses a value that is not a GUID, and changes nothing", async () => {
    const res = await admin("user", "set-object-id", "--user", "lee@contoso.dev", "--object-id", "hand-set-2");
    expect(res.code).toBe(2);
    expect(res.err).toMatch(/must be the user's Microsoft Entra object ID, a GUID/);
    expect((await admin("user", "show", "--user", "lee@contoso.dev", "--json")).json().objectId).toBe(
      "ext-lee@contoso.dev",
    );
  });

  it("refuses an Object ID another user carries, as the portal does", async () => {
    const res = await admin(
      "user",
      "set-object-id",
      "--user",
      "lee@contoso.dev",
      "--object-id",
      "bbbbbbbb-3333-4333-8333-000000000007",
    );
    expect(res.code).toBe(2);
    expect(res.err).toMatch(/already carried by kim\.novak@contoso\.dev/);
  });

  it("sets a GUID by userName, lower-cased", async () => {
    const res = await admin(
      "user",
      "set-object-id",
      "--user",
      "lee@contoso.dev",
      "--object-id",
      "DDDDDDDD-4444-4444-8444-000000000001",
      "--json",
    );
    expect(res.code).toBe(0);
    expect(res.json()).toMatchObject({ objectId: "dddddddd-4444-4444-8444-000000000001" });
  });
});
