import { apiFunction } from "../shared/http/admin.js";
import { setEntraLogin } from "../shared/operations/user-detail.js";

/** PUT /api/admin/users/{id}/entra {objectId}: sets the Object ID and so the Entra login type. */
export const setApiUserEntra = apiFunction(
  "api-users-entra-set",
  { methods: ["PUT"], route: "admin/users/{id}/entra" },
  async (req) => ({
    body: await setEntraLogin(req.context, req.params.id!, (await req.body()).objectId),
  }),
);
