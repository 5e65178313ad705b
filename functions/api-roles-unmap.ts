import { apiFunction } from "../shared/http/admin.js";
import { unmapRoleCounted } from "../shared/operations/roles.js";

/** POST /api/admin/roles/unmap {group}: removes the mapping and recomputes its members' roles, a large group by a job. */
export const unmapApiRole = apiFunction(
  "api-roles-unmap",
  { methods: ["POST"], route: "admin/roles/unmap" },
  async (req) => ({
    body: await unmapRoleCounted(req.context, await req.body()),
  }),
);
