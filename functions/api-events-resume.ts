import { apiFunction } from "../shared/http/admin.js";
import { setSubscriptionPaused } from "../shared/operations/events.js";

/** POST /api/admin/events/subscriptions/{id}/resume: delivery starts again, with the events held while it was paused. */
export const resumeApiSubscription = apiFunction(
  "api-events-resume",
  { methods: ["POST"], route: "admin/events/subscriptions/{id}/resume" },
  async (req) => ({
    body: { subscription: await setSubscriptionPaused(req.context, req.params.id!, false) },
  }),
);
