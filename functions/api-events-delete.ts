import { apiFunction } from "../shared/http/admin.js";
import { deleteSubscription } from "../shared/operations/events.js";

/** DELETE /api/admin/events/subscriptions/{id}: no further event goes to it; 204. */
export const deleteApiSubscription = apiFunction(
  "api-events-delete",
  { methods: ["DELETE"], route: "admin/events/subscriptions/{id}" },
  async (req) => {
    await deleteSubscription(req.context, req.params.id!);
    return { status: 204 };
  },
);
