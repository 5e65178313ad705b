import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runAdmin } from "../../local/cli/admin.js";
import type { RunningHost } from "../../local/host/host.js";
import { ANN, BOB, Browser, signIn, startWithAdmin } from "../helpers/portal.js";

/** `npm run admin -- admin list|demote` and `invite list|revoke`, against a local host's store. */

let host: RunningHost;
let tenantId: string;

beforeAll(async () => {
  ({ host, tenantId } = await startWithAdmin());
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

describe("admin list and demote", () => {
  it("lists the Admins and why, as text and as JSON", async () => {
    const text = await admin("admin", "list");
    expect(text.code).toBe(0);
    expect(text.out).toMatch(
      new RegExp(
        `^1 Admin:\\n${ANN.preferredUsername} \\(${ANN.name}\\)  id \\S+  active\\n  why: Admin by an invite \\(invite:${ANN.preferredUsername}\\)`,
      ),
    );
    const json = await admin("admin", "list", "--json");
    expect(json.json()).toMatchObject({
      role: "Admin",
      admins: [
        {
          userName: ANN.preferredUsername,
          reason: { kind: "invite" },
          demotable: false,
          refusal: expect.stringMatching(/last Admin/),
        },
      ],
    });
  });

  it("refuses to demote the last Admin who can sign in: exit 2 and the reason", async () => {
    const res = await admin("admin", "demote", "--user", ANN.preferredUsername);
    expect(res.code).toBe(2);
    expect(res.err).toMatch(/^error: ann@contoso.dev is the last Admin who can sign in to the portal/);
    expect((await admin("admin", "list", "--json")).json().admins).toHaveLength(1);
  });

  it("demotes an Admin made by an invite, by userName, and the log names the CLI", async () => {
    const created = await admin(
      "admin",
      "invite",
      "--user-name",
      BOB.preferredUsername,
      "--base-url",
      host.url,
      "--json",
    );
    expect(created.code).toBe(0);
    const bob = new Browser(host);
    expect((await signIn(bob, BOB, { inviteCode: created.json().url.split("#")[1] })).status).toBe(302);
    expect((await admin("admin", "list", "--json")).json().admins).toHaveLength(2);
    const res = await admin("admin", "demote", "--user", BOB.preferredUsername);
    expect(res.code, res.err).toBe(0);
    expect(res.out).toBe(`Demoted ${BOB.preferredUsername}: now User, the tenant's default role.`);
    expect((await bob.me()).json.isAdmin).toBe(false);
    const log = await admin("audit", "list", "--operation", "admin-demote", "--json");
    expect(JSON.stringify(log.json())).toContain("admin-cli");
  });

  it("needs --user, and says so for an unknown one", async () => {
    expect((await admin("admin", "demote")).err).toBe("error: --user is required");
    const unknown = await admin("admin", "demote", "--user", "nobody@contoso.dev");
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/No user with id or userName nobody@contoso.dev/);
  });
});

describe("invite list and revoke", () => {
  it("lists an open invite without its link, revokes it by the listed id, and refuses it twice", async () => {
    const created = await admin("admin", "invite", "--base-url", host.url, "--json");
    const { id, url } = created.json();
    expect(created.code).toBe(0);
    const list = await admin("invite", "list");
    expect(list.out).toMatch(
      new RegExp(`^\\d+ open invites?:\\n(.*\\n)*  ${id}  anyone  created \\S+ by admin-cli  expires \\S+`),
    );
    expect(list.out).not.toContain(url.split("#")[1]);
    expect((await admin("invite", "list", "--json")).json().invites.map((i: { id: string }) => i.id)).toContain(id);
    const revoked = await admin("invite", "revoke", "--invite", id);
    expect(revoked.code, revoked.err).toBe(0);
    expect(revoked.out).toBe(`Revoked invite ${id}: its link no longer signs anyone in.`);
    expect((await admin("invite", "list", "--json")).json().invites.map((i: { id: string }) => i.id)).not.toContain(id);
    const again = await admin("invite", "revoke", "--invite", id);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/No invite/);
    expect((await admin("invite", "revoke", "--invite", "nope")).err).toMatch(/12 characters/);
  });
});
