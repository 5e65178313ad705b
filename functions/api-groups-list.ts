import { apiFunction } from "../shared/http/admin.js";
import { listGroups } from "../shared/operations/groups.js";

/** GET /api/admin/groups: provisioned groups with member counts (for pickers). */
export const listApiGroups = apiFunction(
  "api-groups-list",
  { methods: ["GET"], route: "admin/groups" },
  async (req) => ({
    body: await listGroups(req.context),
  }),
);
