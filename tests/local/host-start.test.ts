import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startHost, type RunningHost } from "../../local/host/host.js";
import { ANN, Browser, invite, signIn } from "../helpers/portal.js";

/** What `npm start` prints and keeps across restarts (issue 16, item 10). */
describe("the local host on restart", () => {
  const dir = mkdtempSync(join(tmpdir(), "host-start-"));
  const dataFile = join(dir, "local-store.json");
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function start(env: Record<string, string> = {}): Promise<{ host: RunningHost; lines: string[] }> {
    const lines: string[] = [];
    const host = await startHost({ port: 0, storePort: 0, env, dataFile, log: (line) => lines.push(line) });
    return { host, lines };
  }
  const localTokens = async (host: RunningHost) =>
    (await host.services.tokens.list(host.defaultTenant!.id)).filter((t) => t.name === "local" && !t.revokedAt);

  it("reuses the local token and prints the first-Admin hint only while there is no Admin", async () => {
    const first = await start();
    const token = first.host.defaultTenant!.token;
    expect(first.lines.some((l) => l.startsWith("Sign in the first Admin"))).toBe(true);
    expect(first.lines.join("\n")).not.toContain("/scim/v2/Users/{id}");
    expect(first.lines.length).toBeLessThan(15);
    expect(statSync(join(dir, "local-token")).mode & 0o077).toBe(0);
    const { code } = await invite(first.host, first.host.defaultTenant!.id);
    expect((await signIn(new Browser(first.host), ANN, { inviteCode: code })).status).toBe(302);
    await first.host.close();

    const second = await start({ LOG_ROUTES: "1" });
    try {
      expect(second.host.defaultTenant!.token).toBe(token);
      expect(await localTokens(second.host)).toHaveLength(1);
      expect(second.lines.some((l) => l.startsWith("Sign in the first Admin"))).toBe(false);
      expect(second.lines.join("\n")).toContain("/scim/v2/Users/{id}");
      const reply = await fetch(`${second.host.tenantUrl}/Users?count=0`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      expect(reply.status).toBe(200);
    } finally {
      await second.host.close();
    }
  });

  it("creates a new local token when the kept one was revoked", async () => {
    const first = await start();
    const [kept] = await localTokens(first.host);
    await first.host.services.tokens.revoke(first.host.defaultTenant!.id, kept!.id, new Date());
    await first.host.close();
    const second = await start();
    try {
      expect(second.host.defaultTenant!.token).not.toBe(first.host.defaultTenant!.token);
      expect(await localTokens(second.host)).toHaveLength(1);
    } finally {
      await second.host.close();
    }
  });
});
