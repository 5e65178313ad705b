import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runAdmin } from "../../local/cli/admin.js";
import type { RunningHost } from "../../local/host/host.js";
import { GROUP, entraUser, patch, type Client } from "../helpers/host.js";
import { startWithAdmin } from "../helpers/portal.js";

/** `npm run admin -- team rename|delete` and `admin grant`, against a local host's store. */

let host: RunningHost;
let scim: Client;
let tenantId: string;

beforeAll(async () => {
  ({ host, scim, tenantId } = await startWithAdmin());
});
afterAll(async () => host?.close());

async function admin(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runAdmin([...argv, "--tenant", tenantId], {
    env: {},
    services: host.services,
    out: (t) => out.push(t),
    err: (t) => err.push(t),
  });
  return { code, out: out.join("\n"), err: err.join("\n"), json: () => JSON.parse(out.join("\n")) };
}

async function scimUser(userName: string): Promise<string> {
  const res = await scim.post("/Users", entraUser(userName));
  expect(res.status).toBe(201);
  return (res.body as { id: string }).id;
}

describe("team rename and delete", () => {
  it("renames a team by name, keeping its mapping; team list shows the new name", async () => {
    const kim = await scimUser("kim@contoso.dev");
    const group = await scim.post("/Groups", {
      schemas: [GROUP],
      displayName: "Sales EMEA",
      members: [{ value: kim }],
    });
    expect((await admin("team", "create", "--name", "Sales")).code).toBe(0);
    expect((await admin("team", "map", "--group", "Sales EMEA", "--team", "Sales")).code).toBe(0);
    const res = await admin("team", "rename", "--team", "sales", "--name", "Revenue");
    expect(res.code, res.err).toBe(0);
    expect(res.out).toMatch(/^Renamed team Sales to Revenue \(\S+\); its mappings and members are unchanged\.$/);
    const list = await admin("team", "list");
    expect(list.out).toMatch(/ {2}Revenue {2}\(1 member\) {2}<- groups Sales EMEA/);
    expect(list.out).not.toMatch(/\bSales {2}\(/);
    const teams = (await admin("user", "list", "--search", "kim", "--json")).json().users[0].teams;
    expect(teams.map((t: { name: string }) => t.name)).toEqual(["Revenue"]);
    expect((group.body as { id: string }).id).toBeTruthy();
  });

  it("refuses a clashing or too long name: exit 2 and the reason", async () => {
    expect((await admin("team", "create", "--name", "Marketing")).code).toBe(0);
    const clash = await admin("team", "rename", "--team", "Marketing", "--name", "REVENUE");
    expect(clash.code).toBe(2);
    expect(clash.err).toMatch(/^error: A team named "REVENUE" exists already/i);
    const long = await admin("team", "rename", "--team", "Marketing", "--name", "m".repeat(101));
    expect(long.code).toBe(2);
    expect(long.err).toMatch(/at most 100 characters/);
    expect((await admin("team", "rename", "--team", "Marketing")).err).toBe("error: --name is required");
  });

  it("deletes a team with its mappings and says what was removed; a second delete is refused", async () => {
    const res = await admin("team", "delete", "--team", "Revenue");
    expect(res.code, res.err).toBe(0);
    expect(res.out).toMatch(
      /^Deleted team Revenue \(\S+\) and its 1 team mapping \(Sales EMEA\): 1 user left the team\.$/,
    );
    expect((await admin("team", "list")).out).toMatch(/ {2}Sales EMEA {2}\(provisioned group, 1 member\)/);
    const again = await admin("team", "delete", "--team", "Revenue");
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/No team of the product has the id or name "Revenue"/);
    const log = await admin("audit", "list", "--operation", "team-delete", "--json");
    expect(JSON.stringify(log.json())).toContain("Revenue");
  });
});

describe("admin grant", () => {
  it("makes an existing user Admin by userName, says how to take it back, and admin list says why", async () => {
    const id = await scimUser("lee@contoso.dev");
    const res = await admin("admin", "grant", "--user", "lee@contoso.dev");
    expect(res.code, res.err).toBe(0);
    expect(res.out).toMatch(/^Made lee@contoso.dev Admin: Admin granted by admin-cli since \S+\./);
    expect(res.out).toContain(`Take it back with: admin demote --tenant ${tenantId} --user ${id}`);
    expect((await admin("admin", "list")).out).toMatch(/lee@contoso.dev .*\n {2}why: Admin granted by admin-cli since/);
    const again = await admin("admin", "grant", "--user", id);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/is Admin already/);
    const demoted = await admin("admin", "demote", "--user", id);
    expect(demoted.code, demoted.err).toBe(0);
    expect(demoted.out).toBe("Demoted lee@contoso.dev: now User, the tenant's default role.");
  });

  it("refuses a disconnected user with what to do", async () => {
    const id = await scimUser("max@contoso.dev");
    expect((await scim.patch(`/Users/${id}`, patch({ op: "replace", path: "active", value: false }))).status).toBe(200);
    const res = await admin("admin", "grant", "--user", id);
    expect(res.code).toBe(2);
    expect(res.err).toMatch(/max@contoso.dev is disconnected .*Assign them to the app in Entra again/i);
    expect((await admin("admin", "grant")).err).toBe("error: --user is required");
  });
});
