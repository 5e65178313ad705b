import type { OperationContext } from "./context.js";
import type { GroupList } from "../contracts/admin-api.js";

/** Most groups the pickers list. */
const MAX_GROUPS = 500;

/** `GET /api/admin/groups`: provisioned groups with member counts, by displayName (at most MAX_GROUPS). */
export async function listGroups(ctx: OperationContext): Promise<GroupList> {
  const { total, docs } = await ctx.services.resources.query(ctx.tenantId, "Group", {
    startIndex: 1,
    count: MAX_GROUPS,
  });
  const members = await ctx.services.memberships.membersOf(
    ctx.tenantId,
    docs.map((d) => d.id),
  );
  const groups = docs
    .map((g) => ({
      id: g.id,
      displayName: String(g.resource.displayName ?? ""),
      externalId: typeof g.resource.externalId === "string" ? g.resource.externalId : null,
      members: members.get(g.id)?.length ?? 0,
    }))
    .sort((a, b) => a.displayName.localeCompare(b.displayName));
  return { groups, total, truncated: total > docs.length };
}
