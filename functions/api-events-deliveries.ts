import { apiFunction } from "../shared/http/admin.js";
import { OperationError } from "../shared/operations/errors.js";
import { listDeliveries } from "../shared/operations/events.js";
import type { DeliveryState } from "../shared/contracts/admin-api.js";

const STATES: readonly DeliveryState[] = ["pending", "delivered", "dead"];
/** As the other list routes (jobs, the provisioning log): 50 by default, at most 200 a page; pages up to 100 (listDeliveries' bound). */
const LIMIT_DEFAULT = 50;
const LIMIT_MAX = 200;
const PAGE_MAX = 100;

/** A whole-number query parameter from 1 to `max` (`fallback` when absent); else 400 naming it. */
function whole(raw: string | null, field: string, fallback: number, max: number): number {
  if (raw === null || raw === "") return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > max)
    throw new OperationError(400, `${field} must be a whole number from 1 to ${max} (got "${raw}")`, field);
  return Number(raw);
}

/** `state` of the query: one of the delivery states, or absent (every state). */
function stateOf(raw: string | null): DeliveryState | undefined {
  if (raw === null || raw === "") return undefined;
  if ((STATES as readonly string[]).includes(raw)) return raw as DeliveryState;
  throw new OperationError(400, `state must be one of ${STATES.join(", ")} (got "${raw}")`, "state");
}

/** GET /api/admin/events/deliveries?subscription=&state=&page=&limit=: one page of deliveries with their state and latency; never a secret. */
export const listApiDeliveries = apiFunction(
  "api-events-deliveries",
  { methods: ["GET"], route: "admin/events/deliveries" },
  async (req) => {
    const subscriptionId = req.query.get("subscription") || undefined;
    const state = stateOf(req.query.get("state"));
    return {
      body: await listDeliveries(req.context, {
        ...(subscriptionId ? { subscriptionId } : {}),
        ...(state ? { state } : {}),
        page: whole(req.query.get("page"), "page", 1, PAGE_MAX),
        limit: whole(req.query.get("limit"), "limit", LIMIT_DEFAULT, LIMIT_MAX),
      }),
    };
  },
);
