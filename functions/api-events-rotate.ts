import { apiFunction } from "../shared/http/admin.js";
import { rotateSubscriptionSecret } from "../shared/operations/events.js";

/**
 * POST /api/admin/events/subscriptions/{id}/rotate: a new signing secret, in this answer only; the
 * previous one still signs for 24 hours, so the subscriber can switch without missing an event.
 */
export const rotateApiSubscription = apiFunction(
  "api-events-rotate",
  { methods: ["POST"], route: "admin/events/subscriptions/{id}/rotate" },
  async (req) => ({
    body: await rotateSubscriptionSecret(req.context, req.params.id!),
  }),
);
