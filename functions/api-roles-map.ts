import { apiFunction } from "../shared/http/admin.js";
import { mapRoleCounted } from "../shared/operations/admin-portal.js";

/** POST /api/admin/roles/map {group, role}: maps the group and recomputes its members' roles. */
export const mapApiRole = apiFunction("api-roles-map", { methods: ["POST"], route: "admin/roles/map" }, async (req) => ({
  body: await mapRoleCounted(req.context, await req.body()),
}));
