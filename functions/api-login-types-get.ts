import { apiFunction } from "../shared/http/admin.js";
import { getLoginTypes } from "../shared/operations/login-types.js";

/** GET /api/admin/login-types: the account types the tenant enables, and those available. */
export const getApiLoginTypes = apiFunction(
  "api-login-types-get",
  { methods: ["GET"], route: "admin/login-types" },
  async (req) => ({
    body: await getLoginTypes(req.context),
  }),
);
