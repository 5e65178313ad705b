import { apiFunction } from "../shared/http/admin.js";
import { safetyNetView } from "../shared/operations/safety-net.js";

/** GET /api/admin/safety-net: the deprovisioning safety net's settings, the last hour's removals, and the hold or release in force. */
export const getApiSafetyNet = apiFunction(
  "api-safety-net-get",
  { methods: ["GET"], route: "admin/safety-net" },
  async (req) => ({ body: await safetyNetView(req.context) }),
);
