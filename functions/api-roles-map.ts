import { apiFunction } from "../shared/http/admin.js";
import { mapRoleCounted } from "../shared/operations/roles.js";

/** POST /api/admin/roles/map {group, role, pending?}: maps the group (by its id) and recomputes its members' roles, a large group by a job. */
export const mapApiRole = apiFunction(
  "api-roles-map",
  { methods: ["POST"], route: "admin/roles/map" },
  async (req) => ({
    body: await mapRoleCounted(req.context, await req.body()),
  }),
);
