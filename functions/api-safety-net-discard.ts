import { apiFunction } from "../shared/http/admin.js";
import { discardHold } from "../shared/operations/safety-net.js";

/** POST /api/admin/safety-net/discard: the held deletes were a mistake; they are dropped and the net counts afresh (409 when nothing is held). */
export const discardApiSafetyNet = apiFunction(
  "api-safety-net-discard",
  { methods: ["POST"], route: "admin/safety-net/discard" },
  async (req) => ({ body: await discardHold(req.context) }),
);
