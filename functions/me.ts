import { apiFunction } from "../shared/http/admin.js";
import { me } from "../shared/operations/me.js";

/** GET /api/me: the signed-in user, teams, role and why, tenant, isAdmin, csrfToken, tenantUrl (any signed-in user). */
export const getMe = apiFunction("me", { methods: ["GET"], route: "me", adminOnly: false }, async (req) => ({
  body: await me(req.context, req.session),
}));
