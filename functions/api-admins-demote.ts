import { apiFunction } from "../shared/http/admin.js";
import { demoteAdmin } from "../shared/operations/admins.js";

/** POST /api/admin/admins/{id}/demote: drops a direct Admin grant (409 for a mapped Admin or the last one who can sign in). */
export const demoteApiAdmin = apiFunction(
  "api-admins-demote",
  { methods: ["POST"], route: "admin/admins/{id}/demote" },
  async (req) => ({
    body: await demoteAdmin(req.context, req.params.id!),
  }),
);
