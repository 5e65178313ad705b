import { apiFunction } from "../shared/http/admin.js";
import { rolesOverview } from "../shared/operations/admin-portal.js";

/** GET /api/admin/roles: roles, default role, and group mappings with the groups they name. */
export const listApiRoles = apiFunction("api-roles-list", { methods: ["GET"], route: "admin/roles" }, async (req) => ({
  body: await rolesOverview(req.context),
}));
