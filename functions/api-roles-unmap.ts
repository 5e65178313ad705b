import { apiFunction } from "../shared/http/admin.js";
import { unmapRoleCounted } from "../shared/operations/admin-portal.js";

/** POST /api/admin/roles/unmap {group}: removes the mapping and recomputes its members' roles. */
export const unmapApiRole = apiFunction("api-roles-unmap", { methods: ["POST"], route: "admin/roles/unmap" }, async (req) => ({
  body: await unmapRoleCounted(req.context, await req.body()),
}));
