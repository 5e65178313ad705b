import { apiFunction } from "../shared/http/admin.js";
import { retryDelivery } from "../shared/operations/events.js";

/** POST /api/admin/events/deliveries/{id}/retry: a dead-lettered (or waiting) delivery is due now, with 24 more hours of retries. */
export const retryApiDelivery = apiFunction(
  "api-events-retry",
  { methods: ["POST"], route: "admin/events/deliveries/{id}/retry" },
  async (req) => ({
    body: { delivery: await retryDelivery(req.context, req.params.id!) },
  }),
);
