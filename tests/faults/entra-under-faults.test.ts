import { afterEach, describe, expect, it } from "vitest";
import { startHost, type RunningHost } from "../../local/host/host.js";
import { faultLayer, type FaultLayer } from "../../local/host/faults.js";
import { mapRole } from "../../shared/operations/roles.js";
import { showUser } from "../../shared/operations/users.js";
import {
  addMembers,
  adminCtx,
  disableDefault,
  disableRfc,
  entraClient,
  expectOnlyHonestAnswers,
  removeMemberRfc,
  removeMembersDefault,
  retried,
} from "./entra.js";

/**
 * Entra-like provisioning through the real HTTP host while a fifth of the store's requests fail
 * the way Cosmos DB fails under load (local/host/faults.ts: 429 on requests and on bulk operations,
 * 503, timeouts, lost replies; seeded). The client retries 429/503 after Retry-After, as Entra
 * does. The final state is read with faults off and must be exactly what the sequence means.
 */

let host: RunningHost | undefined;
afterEach(async () => {
  await host?.close();
  host = undefined;
});

async function faultyHost(rate: number, seed: number): Promise<{ host: RunningHost; faults: FaultLayer }> {
  const faults = faultLayer({ rate, seed, retryAfterMs: 1 });
  faults.enabled = false;
  host = await startHost({ port: 0, storePort: 0, env: {}, log: () => {}, storePlugins: [faults.plugin] });
  faults.enabled = true;
  return { host, faults };
}

describe("an Entra provisioning cycle with 20% of store requests failing", () => {
  it.each([1, 2, 3, 4])(
    "ends in exactly the state Entra asked for, and answers only 2xx, clear 4xx, or 429/503 with Retry-After (seed %i)",
    async (seed) => {
      const { host, faults } = await faultyHost(0.2, seed);
      const tenant = host.defaultTenant!.id;
      const entra = entraClient(host, host.defaultTenant!.token);
      const admin = () => adminCtx(host.services, tenant);

      await retried(() => mapRole(admin(), "Admins", "Admin", { pending: true }));
      await retried(() => mapRole(admin(), "Managers", "Manager", { pending: true }));

      const users: string[] = [];
      for (let i = 0; i < 10; i++)
        users.push(await entra.ensure("Users", "userName", `u${i}@contoso.com`, entra.user(`u${i}@contoso.com`)));
      const [admins, managers, staff, leads] = [
        await entra.ensure("Groups", "displayName", "Admins", entra.group("Admins")),
        await entra.ensure("Groups", "displayName", "Managers", entra.group("Managers")),
        await entra.ensure("Groups", "displayName", "Staff", entra.group("Staff")),
        await entra.ensure("Groups", "displayName", "Leads", entra.group("Leads")),
      ];
      const u = (i: number) => users[i]!;
      await entra.expectStatus("PATCH", `/Groups/${admins}`, addMembers([u(0), u(1), u(2)]), [204]);
      await entra.expectStatus("PATCH", `/Groups/${managers}`, addMembers([u(3), u(4), u(5), u(6), u(7)]), [204]);
      await entra.expectStatus("PATCH", `/Groups/${staff}`, addMembers(users.slice(0, 5)), [204]);
      await entra.expectStatus("PATCH", `/Groups/${staff}`, addMembers(users.slice(5)), [204]);
      await entra.expectStatus("PATCH", `/Groups/${leads}`, addMembers([u(8)]), [204]);
      await entra.expectStatus("PATCH", `/Groups/${admins}`, removeMemberRfc(u(1)), [204]);
      await entra.expectStatus("PATCH", `/Groups/${managers}`, removeMembersDefault([u(4)]), [204]);
      await entra.expectStatus("PATCH", `/Users/${u(2)}`, disableDefault(), [200]);
      await entra.expectStatus("PATCH", `/Users/${u(5)}`, disableRfc(), [200]);
      // A DELETE whose reply was lost is retried by Entra and finds nothing: 404 is done.
      await entra.expectStatus("DELETE", `/Users/${u(6)}`, undefined, [204, 404]);
      await entra.expectStatus("DELETE", `/Groups/${staff}`, undefined, [204, 404]);
      await retried(() => mapRole(admin(), "Leads", "Manager"));

      faults.enabled = false;
      expect(faults.stats.requests).toBeGreaterThan(100);
      expect(Object.values(faults.stats.injected).reduce((a, b) => a + b, 0)).toBeGreaterThan(10);
      expectOnlyHonestAnswers(entra.seen);

      const members = async (group: string) =>
        ((await entra.expectStatus("GET", `/Groups/${group}`, undefined, [200])).body.members ?? [])
          .map((m: { value: string }) => m.value)
          .sort();
      expect(await members(admins)).toEqual([u(0), u(2)].sort());
      expect(await members(managers)).toEqual([u(3), u(5), u(7)].sort());
      expect(await members(leads)).toEqual([u(8)]);
      expect((await entra.request("GET", `/Groups/${staff}`)).status).toBe(404);
      expect((await entra.request("GET", `/Users/${u(6)}`)).status).toBe(404);

      const roles: Record<number, string> = {
        0: "Admin",
        1: "User",
        2: "Admin",
        3: "Manager",
        4: "User",
        5: "Manager",
        7: "Manager",
        8: "Manager",
        9: "User",
      };
      for (const [i, role] of Object.entries(roles)) {
        const shown = await showUser(admin(), u(Number(i)));
        expect({ user: i, role: shown.role }).toEqual({ user: i, role });
      }
      for (let i = 0; i < 10; i++) {
        if (i === 6) continue;
        const res = await entra.expectStatus("GET", `/Users/${u(i)}`, undefined, [200]);
        expect({ user: i, active: res.body.active }).toEqual({ user: i, active: i !== 2 && i !== 5 });
      }
      // Each user exists once: no retried create made a duplicate.
      const all = await entra.expectStatus(
        "GET",
        `/Users?filter=${encodeURIComponent('userName sw "u"')}&count=100`,
        undefined,
        [200],
      );
      expect(all.body.totalResults).toBe(9);
    },
  );
});
