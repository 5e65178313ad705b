import { startHost, type HostOptions, type RunningHost } from "../../local/host/host.js";
import { seedGroupMembers } from "../../local/tools/bulk-seed.js";
import { ADMIN_CLI, type OperationContext } from "../../shared/operations/context.js";
import { openCosmos } from "../../shared/store/cosmos.js";
import { withDefaults } from "../../shared/product/settings.js";
import { userProduct } from "../../shared/operations/views.js";
import { GROUP, client, type Client } from "../helpers/host.js";

/** A local host whose jobs are small: more than 10 members go to the background, 25 members per step, retries at once. */
export async function startJobsHost(env: Record<string, string> = {}, storePlugins?: HostOptions["storePlugins"]) {
  const host = await startHost({
    port: 0,
    storePort: 0,
    queuePort: 0,
    env: { JOBS_INLINE_MEMBERS: "10", JOBS_STEP_SIZE: "25", ...env },
    queueSettings: { visibilityTimeoutSeconds: 0 },
    log: () => {},
    ...(storePlugins ? { storePlugins } : {}),
  });
  const scim = client(host, host.defaultTenant!.token);
  const tenantId = host.defaultTenant!.id;
  const ctx = (): OperationContext => ({
    tenantId,
    actor: ADMIN_CLI,
    now: host.services.now(),
    services: host.services,
    baseUrl: "",
  });
  const container = openCosmos(host.services.config.cosmos).resources;
  return { host, scim, tenantId, ctx, container };
}

/** A group created through SCIM, with `count` members written in bulk straight into the store. */
export async function groupWithMembers(
  host: RunningHost,
  scim: Client,
  container: ReturnType<typeof openCosmos>["resources"],
  name: string,
  count: number,
  role?: string,
) {
  const created = await scim.post("/Groups", { schemas: [GROUP], displayName: name, externalId: `ext-${name}` });
  if (created.status !== 201) throw new Error(`group create answered ${created.status}`);
  // With `role`: the members already hold the role the group's mapping gives them.
  const product = role
    ? {
        password: false,
        role,
        roleSource: {
          kind: "group",
          groupId: created.body.id,
          groupName: name,
          mapping: { group: { id: created.body.id }, role },
        },
      }
    : undefined;
  const members = await seedGroupMembers(container, host.defaultTenant!.id, created.body.id, count, {
    prefix: name.replace(/\W/g, ""),
    product,
  });
  return { id: created.body.id as string, members };
}

/** Each user's role, as the product sees it. */
export async function rolesOf(host: RunningHost, userIds: string[]): Promise<Map<string, string>> {
  const tenantId = host.defaultTenant!.id;
  const settings = withDefaults((await host.services.settings.get(tenantId, new Date(), { fresh: true })) as never);
  const users = await host.services.resources.getMany(tenantId, "User", userIds);
  return new Map(users.map((u) => [u.id, userProduct(u, settings).role]));
}

/** How many of the users have each role, e.g. {Manager: 120}. */
export async function roleCounts(host: RunningHost, userIds: string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const role of (await rolesOf(host, userIds)).values()) out[role] = (out[role] ?? 0) + 1;
  return out;
}

/** Store round trips made while `run` ran (requests are sequential). */
export async function storeCalls<T>(host: RunningHost, run: () => Promise<T>): Promise<{ result: T; calls: number }> {
  const before = host.storeRequests();
  const result = await run();
  return { result, calls: host.storeRequests() - before };
}
