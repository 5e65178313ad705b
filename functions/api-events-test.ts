import { apiFunction } from "../shared/http/admin.js";
import { sendTestEvent } from "../shared/operations/events.js";

/**
 * POST /api/admin/events/subscriptions/{id}/test: queues a test event to the subscription; 202 with
 * its delivery, whose state GET /api/admin/events/deliveries shows once the subscriber has answered.
 */
export const testApiSubscription = apiFunction(
  "api-events-test",
  { methods: ["POST"], route: "admin/events/subscriptions/{id}/test" },
  async (req) => ({
    status: 202,
    body: { delivery: await sendTestEvent(req.context, req.params.id!) },
  }),
);
