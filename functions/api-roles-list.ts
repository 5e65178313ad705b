import { apiFunction } from "../shared/http/admin.js";
import { listRoles } from "../shared/operations/roles.js";

/** GET /api/admin/roles: roles, default role, and group mappings with each group's current name and member count. */
export const listApiRoles = apiFunction("api-roles-list", { methods: ["GET"], route: "admin/roles" }, async (req) => ({
  body: await listRoles(req.context),
}));
