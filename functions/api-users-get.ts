import { apiFunction } from "../shared/http/admin.js";
import { userDetail } from "../shared/operations/user-detail.js";

/** GET /api/admin/users/{id}: summary, every stored attribute, manager, groups, meta, role source, canSignIn per login type, objectIdHolders and the newest 20 events. */
export const getApiUser = apiFunction(
  "api-users-get",
  { methods: ["GET"], route: "admin/users/{id}" },
  async (req) => ({
    body: await userDetail(req.context, req.params.id!),
  }),
);
