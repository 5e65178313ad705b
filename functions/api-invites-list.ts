import { apiFunction } from "../shared/http/admin.js";
import { listInvites } from "../shared/operations/admins.js";

/** GET /api/admin/invites: open invites, newest first (never a code or link). */
export const listApiInvites = apiFunction(
  "api-invites-list",
  { methods: ["GET"], route: "admin/invites" },
  async (req) => ({
    body: await listInvites(req.context),
  }),
);
