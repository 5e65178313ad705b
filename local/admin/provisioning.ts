import { randomUUID } from "node:crypto";
import type { Services } from "../../shared/http/services.js";
import { canonicalRole, parseLoginTypes, type TenantSettings } from "../../shared/product/settings.js";
import { canSignIn, groupMatches, loginTypesOf, newProductUser, userStatus, teamsOf, type RoleSource } from "../../shared/product/provisioning.js";
import { groupFacts, productOf, recomputeRoles, type Actor } from "../../shared/service/provisioning.js";
import { parseResource } from "../../shared/scim/resource.js";
import { URN } from "../../shared/scim/urns.js";
import { ScimError } from "../../shared/scim/errors.js";
import type { Command, OptionTable } from "./command.js";
import { UsageError, required, requireTenant } from "./command.js";

/** Admin commands for what provisioning means in the product: login types, roles, teams, users, the log. */

export const provisioningOptions: OptionTable = {
  types: { type: "string" },
  group: { type: "string" },
  role: { type: "string" },
  team: { type: "string" },
  user: { type: "string" },
  "user-name": { type: "string" },
  "object-id": { type: "string" },
  "login-types": { type: "string" },
  resource: { type: "string" },
  operation: { type: "string" },
  limit: { type: "string" },
  page: { type: "string" },
  "retention-days": { type: "string" },
  "audit-retention-days": { type: "string" },
};

const ADMIN_CLI: Actor = { tokenName: "admin-cli", tokenId: "admin-cli" };

function positive(args: Record<string, unknown>, name: string, fallback?: number, max = 10_000): number | undefined {
  const v = args[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (typeof v !== "string" || !/^\d+$/.test(v) || n < 1 || n > max) throw new UsageError(`--${name} must be a whole number from 1 to ${max} (got "${v}")`);
  return n;
}

function usage<T>(f: () => T): T {
  try {
    return f();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Existing groups a selector (id, displayName or externalId) names. */
async function groupsNamed(svc: Services, tenantId: string, selector: string) {
  const found = [
    await svc.resources.get(tenantId, "Group", selector),
    await svc.resources.findBy(tenantId, "Group", "displayName", selector),
    await svc.resources.findBy(tenantId, "Group", "externalId", selector),
  ].filter((g) => g !== undefined);
  return [...new Map(found.map((g) => [g.id, g])).values()];
}

/** Recomputes the roles of every member of the groups a selector names (after a mapping changed). */
async function recomputeGroupMembers(svc: Services, tenantId: string, selector: string, now: Date): Promise<number> {
  const groups = await groupsNamed(svc, tenantId, selector);
  const members = await svc.resources.membersOf(tenantId, groups.map((g) => g.id));
  const users = [...new Set([...members.values()].flat())];
  await recomputeRoles(svc, tenantId, users, now, ADMIN_CLI);
  return users.length;
}

function describeSource(source: RoleSource): string {
  switch (source.kind) {
    case "default":
      return "the tenant's default role";
    case "group":
      return `group '${source.groupName ?? source.groupId}' (mapping ${source.mapping.group} -> ${source.mapping.role})`;
    case "kept":
      return `kept as the last admin since ${source.since} (its groups would give ${source.computed})`;
  }
}

function findTeam(settings: TenantSettings, team: string) {
  return settings.teams.find((t) => t.id === team || t.name.toLowerCase() === team.toLowerCase());
}

export const provisioningCommands: Record<string, Command> = {
  "tenant set": async (args, svc) => {
    const tenantId = await requireTenant(args, svc);
    const retention = positive(args, "retention-days", undefined, 3650);
    const auditRetention = positive(args, "audit-retention-days", undefined, 3650);
    if (retention === undefined && auditRetention === undefined) throw new UsageError("name a setting: --retention-days or --audit-retention-days");
    const s = await svc.settings.update(tenantId, (cur) => ({
      ...cur,
      ...(retention ? { deletedUserRetentionDays: retention } : {}),
      ...(auditRetention ? { auditRetentionDays: auditRetention } : {}),
    }));
    const data = { deletedUserRetentionDays: s.deletedUserRetentionDays, auditRetentionDays: s.auditRetentionDays };
    return { data, text: `Deleted users are kept ${s.deletedUserRetentionDays} days; provisioning log events ${s.auditRetentionDays} days.` };
  },

  "login-types set": async (args, svc) => {
    const tenantId = await requireTenant(args, svc);
    const types = usage(() => parseLoginTypes(required(args, "types")));
    const s = await svc.settings.update(tenantId, (cur) => ({ ...cur, loginTypes: types }));
    return { data: { loginTypes: s.loginTypes }, text: `Login types of tenant ${tenantId}: ${s.loginTypes.join(", ")}` };
  },

  "role list": async (args, svc, now) => {
    const s = await svc.settings.get(await requireTenant(args, svc), now);
    const data = { roles: s.roles, defaultRole: s.defaultRole, mappings: s.roleMappings };
    const lines = [`Roles (lowest first): ${s.roles.join(" < ")}; default ${s.defaultRole}`, ...s.roleMappings.map((m) => `  group ${m.group} -> ${m.role}`)];
    return { data, text: lines.join("\n") };
  },

  "role map": async (args, svc, now) => {
    const tenantId = await requireTenant(args, svc);
    const group = required(args, "group");
    const current = await svc.settings.get(tenantId, now);
    const role = usage(() => canonicalRole(current, required(args, "role")));
    const s = await svc.settings.update(tenantId, (cur) => ({
      ...cur,
      roleMappings: [...cur.roleMappings.filter((m) => m.group !== group), { group, role }],
    }));
    const recomputed = await recomputeGroupMembers(svc, tenantId, group, now);
    return {
      data: { mappings: s.roleMappings, recomputedUsers: recomputed },
      text: `Group ${group} now grants ${role}; recomputed the role of ${recomputed} member(s).`,
    };
  },

  "role unmap": async (args, svc, now) => {
    const tenantId = await requireTenant(args, svc);
    const group = required(args, "group");
    const before = await svc.settings.get(tenantId, now);
    if (!before.roleMappings.some((m) => m.group === group)) throw new UsageError(`group ${group} has no role mapping (see: role list)`);
    const s = await svc.settings.update(tenantId, (cur) => ({ ...cur, roleMappings: cur.roleMappings.filter((m) => m.group !== group) }));
    const recomputed = await recomputeGroupMembers(svc, tenantId, group, now);
    return { data: { mappings: s.roleMappings, recomputedUsers: recomputed }, text: `Removed the role mapping of group ${group}; recomputed ${recomputed} member(s).` };
  },

  "team create": async (args, svc, now) => {
    const tenantId = await requireTenant(args, svc);
    const name = required(args, "name");
    const team = { id: randomUUID(), name, createdAt: now.toISOString() };
    await svc.settings.update(tenantId, (cur) => {
      if (findTeam(cur, name)) throw new UsageError(`a team named "${name}" exists already`);
      return { ...cur, teams: [...cur.teams, team] };
    });
    return { data: team, text: `Created team ${team.id} (${name})` };
  },

  "team map": async (args, svc, now) => {
    const tenantId = await requireTenant(args, svc);
    const group = required(args, "group");
    const teamName = required(args, "team");
    const team = findTeam(await svc.settings.get(tenantId, now), teamName);
    if (!team) throw new UsageError(`no team "${teamName}" (see: team list; create one with: team create)`);
    await svc.settings.update(tenantId, (cur) => ({ ...cur, teamMappings: [...cur.teamMappings.filter((m) => m.group !== group), { group, team: team.id }] }));
    return { data: { group, team }, text: `Members of group ${group} are in team ${team.name}.` };
  },

  "team unmap": async (args, svc, now) => {
    const tenantId = await requireTenant(args, svc);
    const group = required(args, "group");
    if (!(await svc.settings.get(tenantId, now)).teamMappings.some((m) => m.group === group)) throw new UsageError(`group ${group} is not mapped to a team`);
    await svc.settings.update(tenantId, (cur) => ({ ...cur, teamMappings: cur.teamMappings.filter((m) => m.group !== group) }));
    return { data: { group }, text: `Group ${group} is its own team again.` };
  },

  "team list": async (args, svc, now) => {
    const tenantId = await requireTenant(args, svc);
    const s = await svc.settings.get(tenantId, now);
    const { docs } = await svc.resources.query(tenantId, "Group", { startIndex: 1, count: 10_000 });
    const provisioned = docs.filter((g) => !s.teamMappings.some((m) => groupMatches(m.group, groupFacts(g))));
    const data = {
      teams: s.teams.map((t) => ({ ...t, groups: s.teamMappings.filter((m) => m.team === t.id).map((m) => m.group) })),
      provisionedTeams: provisioned.map((g) => ({ id: g.id, name: g.resource.displayName })),
    };
    const lines = [
      ...data.teams.map((t) => `${t.id}  ${t.name}${t.groups.length ? `  <- groups ${t.groups.join(", ")}` : ""}`),
      ...data.provisionedTeams.map((t) => `${t.id}  ${String(t.name)}  (provisioned group)`),
    ];
    return { data, text: lines.join("\n") || "No teams." };
  },

  "user create": async (args, svc, now) => {
    const tenantId = await requireTenant(args, svc);
    const settings = await svc.settings.get(tenantId, now);
    const userName = required(args, "user-name");
    const types = usage(() => parseLoginTypes(typeof args["login-types"] === "string" ? args["login-types"] : "password"));
    const objectId = typeof args["object-id"] === "string" ? args["object-id"] : undefined;
    if (types.includes("entra") && !objectId) throw new UsageError("--login-types entra needs --object-id (the user's Entra object ID)");
    const { resource } = usage(() => parseResource({ schemas: [URN.user], userName, active: true }, "User"));
    try {
      const doc = await svc.resources.create(tenantId, "User", resource, {
        now,
        product: () => newProductUser(settings, { password: types.includes("password"), objectId, source: "admin" }),
      });
      return { data: { id: doc.id, userName }, text: `Created user ${doc.id} (${userName})` };
    } catch (error) {
      if (error instanceof ScimError) throw new UsageError(error.detail);
      throw error;
    }
  },

  "user show": async (args, svc, now) => {
    const tenantId = await requireTenant(args, svc);
    const id = required(args, "user");
    const settings = await svc.settings.get(tenantId, now);
    const doc = await svc.resources.get(tenantId, "User", id);
    if (!doc) throw new UsageError(`no user ${id} in tenant ${tenantId}`);
    const product = productOf(doc, settings);
    const groups = (await svc.resources.getMany(tenantId, "Group", await svc.resources.groupsOf(tenantId, id))).map(groupFacts);
    const data = {
      id,
      userName: doc.resource.userName,
      status: userStatus(doc.resource),
      loginTypes: loginTypesOf(product, settings),
      objectId: product.objectId ?? null,
      teams: teamsOf(groups, settings),
      role: product.role,
      roleSource: product.roleSource,
      canSignIn: { password: canSignIn(product, doc.resource, settings, "password"), entra: canSignIn(product, doc.resource, settings, "entra") },
    };
    const text = [
      `${String(doc.resource.userName)} (${id}): ${data.status}`,
      `  login types: ${data.loginTypes.join(", ") || "none"}${data.objectId ? `; Entra object ID ${data.objectId}` : ""}`,
      `  role: ${product.role}, from ${describeSource(product.roleSource)}`,
      `  teams: ${data.teams.map((t) => t.name).join(", ") || "none"}`,
    ].join("\n");
    return { data, text };
  },

  "user set-object-id": async (args, svc, now) => {
    const tenantId = await requireTenant(args, svc);
    const id = required(args, "user");
    const objectId = required(args, "object-id");
    const settings = await svc.settings.get(tenantId, now);
    const doc = await svc.resources.get(tenantId, "User", id);
    if (!doc) throw new UsageError(`no user ${id} in tenant ${tenantId}`);
    await svc.resources.setProductFields(tenantId, doc, { ...productOf(doc, settings), objectId, objectIdSource: "admin" }, ["objectId", "objectIdSource"]);
    return { data: { id, objectId }, text: `User ${id} signs in with Entra object ID ${objectId}.` };
  },

  "audit list": async (args, svc) => {
    const tenantId = await requireTenant(args, svc);
    const limit = positive(args, "limit", 50, 1000)!;
    const page = positive(args, "page", 1, 1_000_000)!;
    const { total, events } = await svc.resources.listAudit(tenantId, {
      resourceId: typeof args.resource === "string" ? args.resource : undefined,
      operation: typeof args.operation === "string" ? args.operation : undefined,
      limit,
      page,
    });
    const text =
      events
        .map((e) => `${e.time}  ${e.status}  ${e.operation} ${e.resourceType} ${e.resourceId ?? ""}  [${e.changedAttributes.join(", ")}]  by ${e.tokenName}${e.detail ? `  ${e.detail}` : ""}`)
        .join("\n") || "No events.";
    return { data: events, text: total > page * limit ? `${text}\n(${total} events; next: --page ${page + 1})` : text };
  },
};
