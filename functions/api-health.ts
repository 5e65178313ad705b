import { apiFunction } from "../shared/http/admin.js";
import { connectionHealth } from "../shared/operations/health.js";

/** GET /api/admin/health: last request and success, failures, PATCH dialects, tokens, ignored attributes, Object ID conflicts. */
export const getApiHealth = apiFunction("api-health", { methods: ["GET"], route: "admin/health" }, async (req) => ({
  body: await connectionHealth(req.context),
}));
