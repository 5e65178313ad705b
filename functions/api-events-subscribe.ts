import { apiFunction, stringField } from "../shared/http/admin.js";
import { OperationError } from "../shared/operations/errors.js";
import { createSubscription } from "../shared/operations/events.js";
import type { EventContent, EventFormat } from "../shared/contracts/admin-api.js";

const FORMATS: readonly EventFormat[] = ["set", "webhook", "poll"];
const CONTENTS: readonly EventContent[] = ["full", "notice"];
/** Long enough to say which application listens and who to call; short enough for a table cell. */
const DESCRIPTION_MAX = 200;

/** One of `allowed`, else 400 naming the field and every allowed value (so a typo is fixed in one try). */
function choice<T extends string>(value: string | undefined, field: string, allowed: readonly T[]): T | undefined {
  if (value === undefined || (allowed as readonly string[]).includes(value)) return value as T | undefined;
  throw new OperationError(400, `${field} must be one of ${allowed.join(", ")} (got "${value}")`, field);
}

/**
 * The body of a new subscription, checked here so that every refusal names its field: a push
 * (`set`, `webhook`) needs the URL it pushes to; a `poll` subscription has none (the subscriber
 * calls POST /events/poll), so a URL there is refused rather than silently ignored. Whether the URL
 * is safe to push to is the operation's rule (https, a public host), the same for the CLI.
 */
function subscriptionInput(body: Record<string, unknown>) {
  const format = choice(
    stringField(body, "format", { required: true, hint: `how events are sent: ${FORMATS.join(", ")}` }),
    "format",
    FORMATS,
  )!;
  const url = stringField(body, "url", { required: false, hint: "the https URL events are pushed to" });
  if (format === "poll" && url !== undefined)
    throw new OperationError(
      400,
      "url is not used by a poll subscription: leave it out (the subscriber polls POST /events/poll)",
      "url",
    );
  if (format !== "poll" && !url)
    throw new OperationError(
      400,
      `url is required for a ${format} subscription: the https URL events are pushed to`,
      "url",
    );
  const content = choice(
    stringField(body, "content", { required: false, hint: `what an event carries: ${CONTENTS.join(", ")}` }),
    "content",
    CONTENTS,
  );
  const description = stringField(body, "description", {
    required: false,
    hint: `a note on who receives the events, at most ${DESCRIPTION_MAX} characters`,
  });
  if (description !== undefined && description.length > DESCRIPTION_MAX)
    throw new OperationError(
      400,
      `description must be at most ${DESCRIPTION_MAX} characters; this one has ${description.length}`,
      "description",
    );
  return { format, ...(url ? { url } : {}), ...(content ? { content } : {}), ...(description ? { description } : {}) };
}

/**
 * POST /api/admin/events/subscriptions {format, url?, content?, description?}: a subscription to the
 * tenant's provisioning events; 201 with its signing secret, which no other answer ever shows again.
 */
export const createApiSubscription = apiFunction(
  "api-events-subscribe",
  { methods: ["POST"], route: "admin/events/subscriptions" },
  async (req) => ({
    status: 201,
    body: await createSubscription(req.context, subscriptionInput(await req.body())),
  }),
);
