import { apiFunction } from "../shared/http/admin.js";
import { releaseHold } from "../shared/operations/safety-net.js";

/** POST /api/admin/safety-net/release: the held deletes were intended; they go through at Entra's next retry (409 when nothing is held). */
export const releaseApiSafetyNet = apiFunction(
  "api-safety-net-release",
  { methods: ["POST"], route: "admin/safety-net/release" },
  async (req) => ({ body: await releaseHold(req.context) }),
);
