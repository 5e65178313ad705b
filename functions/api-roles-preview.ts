import { apiFunction } from "../shared/http/admin.js";
import { previewRole } from "../shared/operations/admin-portal.js";

/** POST /api/admin/roles/preview {group, role}: the role changes the mapping would make; nothing is written. */
export const previewApiRole = apiFunction("api-roles-preview", { methods: ["POST"], route: "admin/roles/preview" }, async (req) => {
  const { count, changes } = await previewRole(req.context, await req.body());
  return { body: { count, changes } };
});
