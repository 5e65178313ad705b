import { apiFunction } from "../shared/http/admin.js";
import { listAdmins } from "../shared/operations/admins.js";

/** GET /api/admin/admins: every Admin, why (invite, group mapping, a grant), and whether Demote is offered. */
export const listApiAdmins = apiFunction(
  "api-admins-list",
  { methods: ["GET"], route: "admin/admins" },
  async (req) => ({
    body: await listAdmins(req.context),
  }),
);
