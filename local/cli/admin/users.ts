import type { RoleSource } from "../../../shared/product/roles.js";
import { parseLoginTypes } from "../../../shared/product/settings.js";
import { createUser, findUser, linkObjectId, listUsers, showUser } from "../../../shared/operations/users.js";
import type { Command, OptionTable } from "./command.js";
import { optional, required, tenantContext, usage } from "./command.js";

/** Users as the product sees them: created by hand, shown with login, role and teams, linked to Entra. */

export const userOptions: OptionTable = {
  user: { type: "string" },
  "user-name": { type: "string" },
  "object-id": { type: "string" },
  "login-types": { type: "string" },
  search: { type: "string" },
  sort: { type: "string" },
  order: { type: "string" },
  deleted: { type: "boolean" },
};

function describeSource(source: RoleSource): string {
  switch (source.kind) {
    case "default":
      return "the tenant's default role";
    case "group":
      return `group '${source.groupName ?? source.groupId}' (mapping ${source.mapping.group} -> ${source.mapping.role})`;
    case "kept":
      return `kept as the last admin since ${source.since} (its groups would give ${source.computed})`;
    case "admin":
      return `granted by ${source.grantedBy} since ${source.since}`;
  }
}

export const userCommands: Record<string, Command> = {
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
      ...(data.objectIdHolders.length
        ? [
            `  WARNING: users ${data.objectIdHolders.join(", ")} carry the same Entra object ID; sign-in is refused for all of them until one is changed (user set-object-id).`,
          ]
        : []),
      `  role: ${data.role}, from ${describeSource(data.roleSource)}`,
      `  teams: ${data.teams.map((t) => t.name).join(", ") || "none"}`,
    ].join("\n");
    return { data, text };
  },

  "user list": async (args, svc, now) => {
    const data = await listUsers(await tenantContext(args, svc, now), {
      search: optional(args, "search"),
      status: optional(args, "status"),
      role: optional(args, "role"),
      team: optional(args, "team"),
      sort: optional(args, "sort"),
      order: optional(args, "order"),
      view: args.deleted ? "deleted" : "current",
      page: optional(args, "page"),
      pageSize: optional(args, "limit"),
    });
    const rows = data.users.map((u) =>
      [
        u.userName,
        u.displayName ?? "-",
        u.status,
        "deletedAt" in u ? `deleted ${u.deletedAt}` : `${u.role}`,
        u.objectId ?? "-",
        u.id,
      ].join("  "),
    );
    const pages = Math.max(1, Math.ceil(data.total / data.pageSize));
    const header = `${data.total} ${data.view === "deleted" ? "deleted user" : "user"}${data.total === 1 ? "" : "s"}${pages > 1 ? ` (page ${data.page} of ${pages})` : ""}`;
    return { data, text: [header, ...rows].join("\n") };
  },

  "user set-object-id": async (args, svc, now) => {
    const ctx = await tenantContext(args, svc, now);
    const user = await findUser(ctx, required(args, "user"));
    const data = await linkObjectId(ctx, user.id, required(args, "object-id"));
    return { data, text: `User ${data.id} signs in with Entra object ID ${data.objectId}.` };
  },
};
