import { apiFunction } from "../shared/http/admin.js";
import { setSubscriptionPaused } from "../shared/operations/events.js";

/** POST /api/admin/events/subscriptions/{id}/pause: nothing is pushed to it until it is resumed; no event is lost meanwhile. */
export const pauseApiSubscription = apiFunction(
  "api-events-pause",
  { methods: ["POST"], route: "admin/events/subscriptions/{id}/pause" },
  async (req) => ({
    body: { subscription: await setSubscriptionPaused(req.context, req.params.id!, true) },
  }),
);
