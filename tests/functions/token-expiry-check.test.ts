import { devToken } from "../helpers/host.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import azureFunctions from "@azure/functions";
import type { Timer } from "@azure/functions";
import { startEmbeddedStore, type EmbeddedStore } from "../helpers/store.js";
import { createServices, useServices } from "../../shared/services.js";
import type { Services } from "../../shared/operations/context.js";
import { UnavailableError } from "../../shared/store/errors.js";
import { hashToken } from "../../shared/store/tokens.js";
import { ADMIN_CLI } from "../../shared/operations/context.js";
import { createOAuthClient, revokeOAuthClient } from "../../shared/operations/oauth.js";

/** The daily timer function that warns about tokens about to expire, called as the Functions host calls it. */

const { InvocationContext } = azureFunctions;
const register = vi.spyOn(azureFunctions.app, "timer").mockImplementation(() => {});
const { checkTokenExpiry, TOKEN_EXPIRY_SCHEDULE } = await import("../../functions/token-expiry-check.js");

let embedded: EmbeddedStore;
let services: Services;
const DAY = 24 * 3600 * 1000;
const T0 = new Date("2026-11-23T06:00:00.000Z");
let clock = T0;
const secrets: string[] = [];

const timer: Timer = {
  isPastDue: false,
  schedule: { adjustForDST: false },
  scheduleStatus: {
    last: "2026-11-22T06:00:00.000Z",
    next: "2026-11-24T06:00:00.000Z",
    lastUpdated: "2026-11-22T06:00:00.000Z",
  },
};

/** Runs the handler with a real InvocationContext and returns what it logged, as [level, line]. */
async function run(t: Timer = timer) {
  const lines: [string, string][] = [];
  const context = new InvocationContext({
    invocationId: "inv-timer",
    functionName: "token-expiry-check",
    logHandler: (level, ...args) => lines.push([level, args.map(String).join(" ")]),
  });
  await checkTokenExpiry(t, context);
  return lines;
}

beforeAll(async () => {
  embedded = await startEmbeddedStore();
  services = createServices(embedded.config, () => clock);
  useServices(services);
});
afterAll(async () => {
  useServices(undefined);
  await embedded.close();
});
beforeEach(() => {
  clock = T0;
});

describe("registration", () => {
  it("registers a daily timer function under the file's own name, with retries", () => {
    expect(register).toHaveBeenCalledTimes(1);
    expect(register).toHaveBeenCalledWith("token-expiry-check", {
      schedule: "0 0 6 * * *",
      runOnStartup: false,
      retry: expect.objectContaining({ strategy: "exponentialBackoff", maxRetryCount: 3 }),
      handler: checkTokenExpiry,
    });
    expect(TOKEN_EXPIRY_SCHEDULE).toBe("0 0 6 * * *");
  });
});

describe("checkTokenExpiry", () => {
  it("logs one info line when no token expires within 30 days", async () => {
    const tenant = await services.tenants.create("Calm", T0);
    secrets.push((await devToken(services, tenant.id, "fresh", T0)).secret);
    expect(await run()).toEqual([["information", "No SCIM token or OAuth client secret expires within 30 days."]]);
  });

  it("warns once per active token expiring within 30 days, naming tenant, token, expiry and days left", async () => {
    const a = await services.tenants.create("A", T0);
    const b = await services.tenants.create("B", T0);
    const make = async (tenantId: string, name: string, days: number) => {
      const { token, secret } = await devToken(services, tenantId, name, T0, {
        expiresAt: new Date(T0.getTime() + days * DAY),
      });
      secrets.push(secret);
      return token;
    };
    const entra = await make(a.id, "entra", 3);
    const backup = await make(b.id, "backup", 30);
    await make(b.id, "later", 31);
    const revoked = await make(a.id, "revoked", 2);
    await services.tokens.revoke(a.id, revoked.id, T0);
    await make(a.id, "expired", 0.5);
    clock = new Date(T0.getTime() + DAY);

    const lines = await run();
    expect(lines).toEqual([
      [
        "warning",
        `SCIM token 'entra' (${entra.id}) of tenant ${a.id} expires at ${entra.expiresAt} (2 days left). ` +
          `Create a new token (npm run admin -- token create --tenant ${a.id} --name NAME), paste it into the Entra provisioning job, ` +
          `then revoke this one (token revoke --tenant ${a.id} --id ${entra.id}): an expired token puts the job into quarantine.`,
      ],
      [
        "warning",
        expect.stringMatching(
          new RegExp(
            `^SCIM token 'backup' \\(${backup.id}\\) of tenant ${b.id} expires at ${backup.expiresAt} \\(29 days left\\)\\. `,
          ),
        ),
      ],
      ["warning", expect.stringMatching(/^SCIM token 'later' .* \(30 days left\)\. /)],
    ]);
  });

  it("warns about an OAuth client secret expiring within 30 days, not about a revoked client's", async () => {
    const tenant = await services.tenants.create("OAuth", T0);
    const ctx = { tenantId: tenant.id, actor: ADMIN_CLI, now: T0, services, baseUrl: "" };
    const { client, clientSecret } = await createOAuthClient(ctx, { name: "entra-oauth", lifetimeYears: 1 });
    const gone = await createOAuthClient(ctx, { name: "gone", lifetimeYears: 1 });
    await revokeOAuthClient(ctx, gone.client.clientId);
    secrets.push(clientSecret, gone.clientSecret);
    clock = new Date(Date.parse(client.secrets[0]!.expiresAt) - 10 * DAY);
    const lines = (await run()).filter(([, line]) => line.startsWith("OAuth"));
    expect(lines).toEqual([
      [
        "warning",
        `OAuth client secret ${client.secrets[0]!.id} of client 'entra-oauth' (${client.clientId}) of tenant ${tenant.id} expires at ${client.secrets[0]!.expiresAt} (10 days left). ` +
          `Add a new secret (npm run admin -- oauth secret add --tenant ${tenant.id} --client ${client.clientId}), paste it into the Entra provisioning job, ` +
          `then revoke this one (oauth secret revoke --tenant ${tenant.id} --client ${client.clientId} --secret ${client.secrets[0]!.id}): an expired secret puts the job into quarantine.`,
      ],
    ]);
  });

  it("notes a run that is late", async () => {
    clock = new Date("2040-01-01T00:00:00.000Z");
    expect(await run({ ...timer, isPastDue: true })).toEqual([
      ["information", "The token expiry check is running late (a schedule occurrence was missed)."],
      ["information", "No SCIM token or OAuth client secret expires within 30 days."],
    ]);
  });

  it("throws on a store failure, without secrets, so the host logs and retries it", async () => {
    const broken = {
      ...services,
      tokens: { expiring: async () => Promise.reject(new UnavailableError("the store answered 503")) },
    };
    useServices(broken as unknown as Services);
    try {
      await expect(run()).rejects.toThrow(/the store answered 503/);
    } finally {
      useServices(services);
    }
  });

  it("never logs a secret or its hash", async () => {
    const logged: unknown[] = [];
    for (const days of [1, 300]) {
      clock = new Date(T0.getTime() + days * DAY);
      logged.push(await run());
    }
    const all = JSON.stringify(logged);
    expect(all).toMatch(/warning/);
    expect(secrets.length).toBeGreaterThan(3);
    for (const secret of secrets) {
      expect(all).not.toContain(secret);
      expect(all).not.toContain(hashToken(secret));
    }
    expect(all).not.toMatch(/[0-9a-f]{64}/);
  });
});
