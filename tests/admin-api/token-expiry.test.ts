import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningHost } from "../../local/host/host.js";
import { runAdmin } from "../../local/cli/admin.js";
import { startWithAdmin } from "../helpers/portal.js";
import type { Browser } from "../helpers/portal.js";

/** `token create --expires` and `POST /api/admin/tokens` `expiresAt`: one rule, one wording. */

let host: RunningHost;
let tenantId: string;
let admin: Browser;

beforeAll(async () => {
  ({ host, tenantId, admin } = await startWithAdmin());
});
afterAll(async () => host?.close());

async function viaCli(expires: string) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runAdmin(
    ["token", "create", "--tenant", tenantId, "--name", "cli", "--expires", expires, "--json"],
    {
      services: host.services,
      out: (t) => out.push(t),
      err: (t) => err.push(t),
    },
  );
  return code === 0
    ? { accepted: JSON.parse(out.join("\n")).expiresAt as string }
    : { refused: err.join("\n").replace(/^error: /, ""), code };
}

async function viaApi(expires: string) {
  const reply = await admin.post("/api/admin/tokens", { name: "api", expiresAt: expires });
  if (reply.status === 201) return { accepted: reply.json.token.expiresAt as string };
  expect(reply.status).toBe(400);
  expect(reply.json.errors).toEqual([{ field: "expiresAt", detail: reply.json.detail }]);
  const detail = reply.json.detail as string;
  // The admin API starts every detail with a capital letter; the words are the CLI's.
  expect(detail[0]).toBe(detail[0]!.toUpperCase());
  return { refused: detail[0]!.toLowerCase() + detail.slice(1), code: 2 };
}

const FORM =
  "a token's expiry must be a date such as 2027-01-31 (midnight UTC) or a date-time with its time zone such as 2027-01-31T09:00:00Z";

describe("token expiry, CLI and admin API alike", () => {
  it.each([
    ["2099-01-31", { accepted: "2099-01-31T00:00:00.000Z" }],
    ["2099-01-31T09:00:00Z", { accepted: "2099-01-31T09:00:00.000Z" }],
    ["2099-01-31T09:00+02:00", { accepted: "2099-01-31T07:00:00.000Z" }],
    ["2099-01-31T09:00:00", { refused: `${FORM} (got "2099-01-31T09:00:00")`, code: 2 }],
    ["2099-02-30", { refused: `${FORM} (got "2099-02-30")`, code: 2 }],
    ["2099-02-30T00:00:00Z", { refused: `${FORM} (got "2099-02-30T00:00:00Z")`, code: 2 }],
    ["2099-01-31 10:00", { refused: `${FORM} (got "2099-01-31 10:00")`, code: 2 }],
    ["tomorrow", { refused: `${FORM} (got "tomorrow")`, code: 2 }],
    [
      "2020-01-01T00:00:00Z",
      { refused: `a token's expiry must be in the future (got "2020-01-01T00:00:00Z")`, code: 2 },
    ],
  ])("%s: both give the same answer", async (expires, expected) => {
    const before = (await host.services.tokens.list(tenantId)).length;
    const [cli, api] = [await viaCli(expires), await viaApi(expires)];
    expect(cli).toEqual(expected);
    expect(api).toEqual(expected);
    expect((await host.services.tokens.list(tenantId)).length).toBe(before + ("accepted" in expected ? 2 : 0));
  });
});
