import { apiFunction } from "../shared/http/admin.js";
import { listSubscriptions } from "../shared/operations/events.js";

/** GET /api/admin/events/subscriptions: the tenant's event subscriptions with their delivery counts; never a secret. */
export const listApiSubscriptions = apiFunction(
  "api-events-list",
  { methods: ["GET"], route: "admin/events/subscriptions" },
  async (req) => ({
    body: { subscriptions: await listSubscriptions(req.context) },
  }),
);
