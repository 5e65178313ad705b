import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runAdmin } from "../../local/cli/admin.js";
import type { RunningHost } from "../../local/host/host.js";
import { entraUser, patch, startTestHost, type Client } from "../helpers/host.js";

/** `npm run admin -- audit list|export` with the admin API's filters (resource by id or name, operation, status, time). */

let host: RunningHost;
let scim: Client;
let tenantId: string;
const dir = mkdtempSync(join(tmpdir(), "audit-cli-"));

beforeAll(async () => {
  ({ host, scim } = await startTestHost());
  tenantId = host.defaultTenant!.id;
});
afterAll(async () => {
  await host?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function admin(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runAdmin([...argv, "--tenant", tenantId], {
    env: {},
    services: host.services,
    out: (t) => out.push(t),
    err: (t) => err.push(t),
  });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("audit list and export", () => {
  it("lists by userName with old and new values, and filters by status", async () => {
    const created = await scim.post("/Users", entraUser("cli-log@contoso.dev", { title: "Engineer" }));
    await scim.patch(
      `/Users/${(created.body as { id: string }).id}`,
      patch({ op: "Replace", path: "title", value: "Lead" }),
    );
    expect((await scim.post("/Users", entraUser("cli-log@contoso.dev"))).status).toBe(409);
    const list = await admin("audit", "list", "--resource", "cli-log@contoso.dev", "--status", "success");
    expect(list.code).toBe(0);
    const lines = list.out.split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      / 200 {2}patch User \S+ \(cli-log@contoso\.dev\) {2}\[Job title: Engineer → Lead\] {2}by local$/,
    );
    const failed = await admin("audit", "list", "--resource", "cli-log@contoso.dev", "--status", "failure");
    expect(failed.out).toMatch(/ 409 {2}create User {2}\(cli-log@contoso\.dev\) {2}\[\] {2}by local {2}.*already/);
  });

  it("refuses a filter the admin API refuses, with the same message", async () => {
    const res = await admin("audit", "list", "--status", "maybe");
    expect(res.code).toBe(2);
    expect(res.err).toMatch(/status must be success or failure \(got "maybe"\)/);
  });

  it("exports the filtered events as CSV to a file", async () => {
    const file = join(dir, "log.csv");
    const res = await admin(
      "audit",
      "export",
      "--resource",
      "cli-log@contoso.dev",
      "--operation",
      "patch",
      "--out",
      file,
    );
    expect(res.code, res.err).toBe(0);
    expect(res.out).toBe(`Wrote 1 event(s) to ${file}.`);
    const csv = readFileSync(file, "utf8").split("\r\n");
    expect(csv[0]).toMatch(/^time,operation,status,/);
    expect(csv[1]).toContain(",patch,200,User,");
    expect(csv[1]).toContain("Job title: Engineer → Lead");
  });
});
