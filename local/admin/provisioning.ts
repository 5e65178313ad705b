import type { RoleSource } from "../../shared/product/roles.js";
import { parseLoginTypes } from "../../shared/product/settings.js";
import { listAudit } from "../../shared/operations/audit.js";
import { setLoginTypes } from "../../shared/operations/login-types.js";
import { listRoles, mapRole, unmapRole } from "../../shared/operations/roles.js";
import { createTeam, listTeams, mapTeam, unmapTeam } from "../../shared/operations/teams.js";
import { setRetention } from "../../shared/operations/tenants.js";
import { createUser, setObjectId, showUser } from "../../shared/operations/users.js";
import type { Command, OptionTable } from "./command.js";
import { UsageError, optional, required, tenantContext } from "./command.js";

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

const jobsNote = (tenantId: string, jobs: { id: string; groupId: string }[]) =>
  jobs.length ? `\nLarge group(s): recomputing in the background, job(s) ${jobs.map((j) => j.id).join(", ")} (progress: npm run admin -- jobs list --tenant ${tenantId}).` : "";

export const provisioningCommands: Record<string, Command> = {
  "tenant set": async (args, svc, now) => {
    const ctx = await tenantContext(args, svc, now);
    const s = await setRetention(ctx, { deletedUserRetentionDays: positive(args, "retention-days", undefined, 3650), auditRetentionDays: positive(args, "audit-retention-days", undefined, 3650) });
    return { data: s, text: `Deleted users are kept ${s.deletedUserRetentionDays} days; provisioning log events ${s.auditRetentionDays} days.` };
  },

  "login-types set": async (args, svc, now) => {
    const ctx = await tenantContext(args, svc, now);
    const s = await setLoginTypes(ctx, usage(() => parseLoginTypes(required(args, "types"))));
    return { data: s, text: `Login types of tenant ${ctx.tenantId}: ${s.loginTypes.join(", ")}` };
  },

  "role list": async (args, svc, now) => {
    const data = await listRoles(await tenantContext(args, svc, now));
    const lines = [`Roles (lowest first): ${data.roles.join(" < ")}; default ${data.defaultRole}`, ...data.mappings.map((m) => `  group ${m.group} -> ${m.role}`)];
    return { data, text: lines.join("\n") };
  },

  "role map": async (args, svc, now) => {
    const ctx = await tenantContext(args, svc, now);
    const group = required(args, "group");
    const { mappings, recomputedUsers, jobs, role } = await mapRole(ctx, group, required(args, "role"));
    return { data: { mappings, recomputedUsers, jobs }, text: `Group ${group} now grants ${role}; recomputed the role of ${recomputedUsers} member(s).${jobsNote(ctx.tenantId, jobs)}` };
  },

  "role unmap": async (args, svc, now) => {
    const ctx = await tenantContext(args, svc, now);
    const group = required(args, "group");
    const data = await unmapRole(ctx, group);
    return { data, text: `Removed the role mapping of group ${group}; recomputed ${data.recomputedUsers} member(s).${jobsNote(ctx.tenantId, data.jobs)}` };
  },

  "team create": async (args, svc, now) => {
    const team = await createTeam(await tenantContext(args, svc, now), required(args, "name"));
    return { data: team, text: `Created team ${team.id} (${team.name})` };
  },

  "team map": async (args, svc, now) => {
    const data = await mapTeam(await tenantContext(args, svc, now), required(args, "group"), required(args, "team"));
    return { data, text: `Members of group ${data.group} are in team ${data.team.name}.` };
  },

  "team unmap": async (args, svc, now) => {
    const data = await unmapTeam(await tenantContext(args, svc, now), required(args, "group"));
    return { data, text: `Group ${data.group} is its own team again.` };
  },

  "team list": async (args, svc, now) => {
    const data = await listTeams(await tenantContext(args, svc, now));
    const lines = [
      ...data.teams.map((t) => `${t.id}  ${t.name}${t.groups.length ? `  <- groups ${t.groups.join(", ")}` : ""}`),
      ...data.provisionedTeams.map((t) => `${t.id}  ${String(t.name)}  (provisioned group)`),
    ];
    return { data, text: lines.join("\n") || "No teams." };
  },

  "user create": async (args, svc, now) => {
    const ctx = await tenantContext(args, svc, now);
    const userName = required(args, "user-name");
    const loginTypes = usage(() => parseLoginTypes(optional(args, "login-types") ?? "password"));
    const data = await createUser(ctx, { userName, loginTypes, objectId: optional(args, "object-id") });
    return { data, text: `Created user ${data.id} (${userName})` };
  },

  "user show": async (args, svc, now) => {
    const data = await showUser(await tenantContext(args, svc, now), required(args, "user"));
    const text = [
      `${String(data.userName)} (${data.id}): ${data.status}`,
      `  login types: ${data.loginTypes.join(", ") || "none"}${data.objectId ? `; Entra object ID ${data.objectId}` : ""}`,
      `  role: ${data.role}, from ${describeSource(data.roleSource)}`,
      `  teams: ${data.teams.map((t) => t.name).join(", ") || "none"}`,
    ].join("\n");
    return { data, text };
  },

  "user set-object-id": async (args, svc, now) => {
    const data = await setObjectId(await tenantContext(args, svc, now), required(args, "user"), required(args, "object-id"));
    return { data, text: `User ${data.id} signs in with Entra object ID ${data.objectId}.` };
  },

  "audit list": async (args, svc, now) => {
    const ctx = await tenantContext(args, svc, now);
    const limit = positive(args, "limit", 50, 1000)!;
    const page = positive(args, "page", 1, 1_000_000)!;
    const { total, events } = await listAudit(ctx, { resourceId: optional(args, "resource"), operation: optional(args, "operation"), limit, page });
    const text =
      events
        .map((e) => `${e.time}  ${e.status}  ${e.operation} ${e.resourceType} ${e.resourceId ?? ""}  [${e.changedAttributes.join(", ")}]  by ${e.tokenName}${e.detail ? `  ${e.detail}` : ""}`)
        .join("\n") || "No events.";
    return { data: events, text: total > page * limit ? `${text}\n(${total} events; next: --page ${page + 1})` : text };
  },
};
