import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runAdmin } from "../../local/cli/admin.js";
import type { RunningHost } from "../../local/host/host.js";
import { sha256Hex } from "../../shared/auth/secrets.js";
import { startTestHost } from "../helpers/host.js";
import { ANN, Browser, signIn } from "../helpers/portal.js";

/** `npm run admin -- admin invite`: a one-time link with the code in its fragment, only its hash stored. */

let host: RunningHost;
beforeAll(async () => {
  ({ host } = await startTestHost());
});
afterAll(async () => host?.close());

async function admin(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runAdmin(argv, {
    env: {},
    services: host.services,
    out: (t) => out.push(t),
    err: (t) => err.push(t),
  });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("admin invite", () => {
  it("prints <PUBLIC_BASE_URL>/auth/invite#<code>, valid 24 hours, stored as its hash; the link signs the first Admin in", async () => {
    const tenant = host.defaultTenant!.id;
    const res = await admin([
      "admin",
      "invite",
      "--tenant",
      tenant,
      "--user-name",
      ANN.preferredUsername,
      "--base-url",
      host.url,
      "--json",
    ]);
    expect(res.code).toBe(0);
    const data = JSON.parse(res.out);
    expect(data).toMatchObject({ userName: ANN.preferredUsername, validForHours: 24 });
    const [base, code] = data.url.split("#");
    expect(base).toBe(`${host.url}/auth/invite`);
    const stored = await host.services.sessions.readInvite(sha256Hex(code));
    expect(stored).toMatchObject({ tenantId: tenant, userName: ANN.preferredUsername, kind: "invite" });
    expect(JSON.stringify(stored)).not.toContain(code);
    expect(Date.parse(stored!.expiresAt) - Date.parse(stored!.createdAt)).toBe(24 * 3600_000);
    const browser = new Browser(host);
    expect((await signIn(browser, ANN, { inviteCode: code })).status).toBe(302);
    expect((await browser.me()).json.isAdmin).toBe(true);
  });

  it("prints the link for people, and refuses an unknown tenant", async () => {
    const res = await admin(["admin", "invite", "--tenant", host.defaultTenant!.id]);
    expect(res.out).toMatch(
      /^Invite link \(works once, until .+\):\n {2}http:\/\/localhost:7071\/auth\/invite#scimfinv_[A-Za-z0-9_-]{43}\n/,
    );
    expect(
      (await admin(["admin", "invite", "--tenant", host.defaultTenant!.id, "--base-url", "https://x.example/path"]))
        .code,
    ).toBe(2);
    const unknown = await admin(["admin", "invite", "--tenant", "nope"]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("no tenant with id nope");
  });
});
