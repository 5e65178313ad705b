import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpServer } from "@vercel/cosmosdb-server";
import type { AddressInfo } from "node:net";
import { loadConfig, type Config } from "../../shared/config.js";
import { createServices } from "../../shared/services.js";
import { ensureContainers, openCosmos } from "../../shared/store/cosmos.js";
import { ConflictError } from "../../shared/store/errors.js";
import { ReplicaLedger, faultLayer, type FaultLayer } from "../../local/host/faults.js";
import { ADMIN_CLI, type OperationContext, type Services } from "../../shared/operations/context.js";
import { create as createOp, patch as patchOp, remove as removeOp } from "../helpers/operations.js";
import { mapRole } from "../../shared/operations/roles.js";
import { showUser } from "../../shared/operations/users.js";
import { GROUP, entraUser, patch } from "../helpers/host.js";
import { addMembers, disableDefault, removeMemberRfc, retried } from "./entra.js";

/**
 * Two service instances on one store, as two Function App instances on one Cosmos DB account:
 * one of them reads from a replica that lags behind every write by a few writes (for reads below
 * Strong consistency, which the account runs with; see README "Consistency"), and both fail a
 * fifth of their store requests. Every decision that rests on another instance's write (a member
 * just created there, a membership checked after the write) must still come out right.
 */

let server: ReturnType<typeof createHttpServer>;
let config: Config;
const ledger = new ReplicaLedger();
let a: Services;
let b: Services;
let faultsA: FaultLayer;
let faultsB: FaultLayer;
let tenantId: string;

const ctx = (services: Services): OperationContext => ({
  tenantId,
  actor: ADMIN_CLI,
  now: services.now(),
  services,
  baseUrl: "",
});

beforeAll(async () => {
  server = createHttpServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  config = loadConfig({
    COSMOS_ENDPOINT: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    COSMOS_KEY: "a2V5",
  });
  await ensureContainers(openCosmos(config.cosmos).client, config.cosmos.database);
  faultsA = faultLayer({ rate: 0.2, seed: 11, retryAfterMs: 1, ledger });
  faultsB = faultLayer({ rate: 0.2, seed: 12, retryAfterMs: 1, lag: { ledger, behind: 5 } });
  a = createServices(config, () => new Date(), { plugins: [faultsA.plugin] });
  b = createServices(config, () => new Date(), { plugins: [faultsB.plugin] });
  faultsA.enabled = faultsB.enabled = false;
  tenantId = (await a.tenants.create("Two instances", new Date())).id;
  faultsA.enabled = faultsB.enabled = true;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

describe("two instances on one store, one behind a lagging replica", () => {
  it("the lagging replica really lags: a read below Strong misses a document the other instance just wrote", async () => {
    faultsA.enabled = faultsB.enabled = false;
    const created = await createOp(ctx(a), "User", entraUser("lag-probe@contoso.com"));
    const id = created.id;
    const lagged = openCosmos(config.cosmos, { plugins: [faultLayer({ rate: 0, lag: { ledger, behind: 5 } }).plugin] });
    const weak = await lagged.resources
      .item(id, tenantId)
      .read({ consistencyLevel: "Session" })
      .catch((e: { code: number }) => ({ statusCode: e.code }));
    expect(weak.statusCode).toBe(404);
    expect((await b.resources.get(tenantId, "User", id))?.id).toBe(id);
    faultsA.enabled = faultsB.enabled = true;
  });

  it("adds a member created a moment ago on the other instance, keeps it through the post-check, and gives the mapped role", async () => {
    await retried(() => mapRole(ctx(a), "Lag Admins", "Admin", { pending: true }));
    const admins = await retried(
      async () => await createOp(ctx(a), "Group", { schemas: [GROUP], displayName: "Lag Admins" }),
    );
    const users: string[] = [];
    for (let i = 0; i < 4; i++)
      users.push(await retried(async () => (await createOp(ctx(a), "User", entraUser(`lag${i}@contoso.com`))).id));
    // Instance B adds the users instance A has just created.
    await retried(() => patchOp(ctx(b), "Group", admins.id, addMembers(users)));
    await retried(() => patchOp(ctx(a), "Group", admins.id, removeMemberRfc(users[3]!)));
    await retried(() => patchOp(ctx(b), "User", users[1]!, disableDefault()));
    await retried(async () => {
      await removeOp(ctx(b), "User", users[2]!).catch((e: { status?: number }) => {
        if ((e as Error).name !== "NotFoundError") throw e;
      });
    });

    faultsA.enabled = faultsB.enabled = false;
    const members = (await b.memberships.membersOf(tenantId, [admins.id])).get(admins.id)!.sort();
    expect(members).toEqual([users[0]!, users[1]!].sort());
    expect((await showUser(ctx(b), users[0]!)).role).toBe("Admin");
    expect((await showUser(ctx(b), users[1]!)).role).toBe("Admin");
    expect((await showUser(ctx(b), users[3]!)).role).toBe("User");
    expect((await b.resources.get(tenantId, "User", users[1]!))?.resource.active).toBe(false);
    expect(await b.resources.get(tenantId, "User", users[2]!)).toBeUndefined();
    faultsA.enabled = faultsB.enabled = true;
  });

  it("lets concurrent member changes on both instances all land", async () => {
    const group = await retried(async () => await createOp(ctx(b), "Group", { schemas: [GROUP], displayName: "Both" }));
    const users: string[] = [];
    // A create whose reply was lost answers 409 when retried: the first attempt landed (Entra then finds the user by userName).
    const create = (services: Services, userName: string) =>
      retried(async () => {
        try {
          return (await createOp(ctx(services), "User", entraUser(userName))).id;
        } catch (error) {
          if (error instanceof ConflictError)
            return (await services.resources.findBy(tenantId, "User", "userName", userName))!.id;
          throw error;
        }
      });
    for (let i = 0; i < 6; i++) users.push(await create(i % 2 ? a : b, `both${i}@contoso.com`));
    await Promise.all(
      users.map((id, i) =>
        retried(() =>
          patchOp(ctx(i % 2 ? a : b), "Group", group.id, patch({ op: "Add", path: "members", value: [{ value: id }] })),
        ),
      ),
    );
    faultsA.enabled = faultsB.enabled = false;
    expect((await a.memberships.membersOf(tenantId, [group.id])).get(group.id)!.sort()).toEqual([...users].sort());
    faultsA.enabled = faultsB.enabled = true;
  });
});
