import {
  createSubscription,
  deleteSubscription,
  listDeliveries,
  listSubscriptions,
  retryDelivery,
  rotateSubscriptionSecret,
  sendTestEvent,
  setSubscriptionPaused,
} from "../../../shared/operations/events.js";
import type {
  DeliveryState,
  DeliveryView,
  EventContent,
  EventFormat,
  SubscriptionCreated,
  SubscriptionView,
} from "../../../shared/contracts/admin-api.js";
import type { Args, Command, OptionTable } from "./command.js";
import { UsageError, optional, positive, required, tenantContext } from "./command.js";

/** Provisioning event subscriptions (issue 19): what the product's own application receives, and how each delivery went. */

export const eventOptions: OptionTable = {
  url: { type: "string" },
  format: { type: "string" },
  content: { type: "string" },
  description: { type: "string" },
  subscription: { type: "string" },
  state: { type: "string" },
  delivery: { type: "string" },
};

/**
 * Commands whose --json output is one compact line rather than indented JSON: scripts read the
 * secret with `| jq -r .secret` or a line reader, and the CLI contract promises one line.
 */
export const oneLineJson: ReadonlySet<string> = new Set(["events subscribe", "events rotate"]);

const FORMATS: readonly EventFormat[] = ["set", "webhook", "poll"];
const CONTENTS: readonly EventContent[] = ["full", "notice"];
const STATES: readonly DeliveryState[] = ["pending", "delivered", "dead"];
/** The admin API's bound (functions/api-events-subscribe.ts): the same subscription whichever client makes it. */
const DESCRIPTION_MAX = 200;

/** `--name` as one of `allowed`, or `fallback` when absent; else a usage error listing every allowed value. */
function choice<T extends string>(args: Args, name: string, allowed: readonly T[], fallback?: T): T | undefined {
  const value = optional(args, name);
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--${name} must be one of ${allowed.join(", ")} (got "${value}")`);
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** Where a subscription's events go: its URL, or for `poll` where the subscriber fetches them. */
const target = (s: SubscriptionView) => s.url ?? "(polls POST /events/poll)";

/** The one-time secret with what it is for: shown here, never again (list and deliveries never carry it). */
function secretText(created: SubscriptionCreated, verb: string): string {
  const s = created.subscription;
  const use =
    s.format === "poll"
      ? "The subscriber sends it as `Authorization: Bearer <secret>` to POST /events/poll."
      : s.format === "webhook"
        ? "The subscriber verifies the webhook-signature header with it (Standard Webhooks)."
        : "The subscriber verifies each Security Event Token's HS256 signature with it.";
  return (
    `${verb} subscription ${s.id} (${s.format}, ${s.content}) -> ${target(s)}.\n` +
    `Signing secret (shown this once; store it now, it cannot be shown again): ${created.secret}\n${use}`
  );
}

function subscriptionLine(s: SubscriptionView): string {
  const { pending, delivered, dead, lastDeliveredAt, lastError } = s.stats;
  return [
    s.id,
    s.format,
    s.content,
    s.paused ? "paused" : "active",
    target(s),
    `${pending} pending, ${delivered} delivered, ${dead} dead`,
    ...(lastDeliveredAt ? [`last delivered ${lastDeliveredAt}`] : []),
    ...(lastError ? [`last error: ${lastError}`] : []),
    ...(s.description ? [`"${s.description}"`] : []),
  ].join("  ");
}

function deliveryLine(d: DeliveryView): string {
  return [
    d.id,
    d.state,
    `${d.eventType} ${d.resourceType} ${d.resourceId}`,
    `at ${d.eventTime}`,
    plural(d.attempts, "attempt"),
    ...(d.latencyMs !== undefined ? [`latency ${d.latencyMs} ms`] : []),
    ...(d.lastStatus !== undefined ? [`HTTP ${d.lastStatus}`] : []),
    ...(d.lastError ? [`error: ${d.lastError}`] : []),
    ...(d.state === "pending" && d.nextAttemptAt ? [`next attempt ${d.nextAttemptAt}`] : []),
  ].join("  ");
}

/** The subscription input of `events subscribe`, checked as the admin API checks it (400 there, exit 2 here). */
function subscriptionInput(args: Args) {
  const format = choice(args, "format", FORMATS, "set")!;
  const url = optional(args, "url")?.trim();
  if (format === "poll" && url !== undefined)
    throw new UsageError("--url is not used with --format poll: the subscriber polls POST /events/poll");
  if (format !== "poll" && !url) throw new UsageError(`--url is required for --format ${format}`);
  const content = choice(args, "content", CONTENTS);
  const description = optional(args, "description")?.trim();
  if (description !== undefined && description.length > DESCRIPTION_MAX)
    throw new UsageError(
      `--description must be at most ${DESCRIPTION_MAX} characters; this one has ${description.length}`,
    );
  return {
    format,
    ...(url ? { url } : {}),
    ...(content ? { content } : {}),
    ...(description ? { description } : {}),
  };
}

/** A command on one subscription (`--subscription S`). */
const onSubscription =
  (
    run: (ctx: Awaited<ReturnType<typeof tenantContext>>, id: string) => Promise<{ data: unknown; text: string }>,
  ): Command =>
  async (args, svc, now) =>
    run(await tenantContext(args, svc, now), required(args, "subscription"));

export const eventCommands: Record<string, Command> = {
  "events subscribe": async (args, svc, now) => {
    const input = subscriptionInput(args);
    const created = await createSubscription(await tenantContext(args, svc, now), input);
    return { data: { id: created.subscription.id, secret: created.secret }, text: secretText(created, "Created") };
  },

  "events list": async (args, svc, now) => {
    const subscriptions = await listSubscriptions(await tenantContext(args, svc, now));
    return {
      data: { subscriptions },
      text:
        subscriptions.map(subscriptionLine).join("\n") ||
        "No event subscriptions. Create one with: events subscribe --tenant ID --url https://HOST/PATH",
    };
  },

  "events deliveries": async (args, svc, now) => {
    const ctx = await tenantContext(args, svc, now);
    const subscriptionId = optional(args, "subscription");
    const state = choice(args, "state", STATES);
    const limit = positive(args, "limit", 50, 200)!;
    const page = positive(args, "page", 1, 100)!;
    const data = await listDeliveries(ctx, {
      ...(subscriptionId ? { subscriptionId } : {}),
      ...(state ? { state } : {}),
      page,
      limit,
    });
    const text = data.deliveries.map(deliveryLine).join("\n") || "No deliveries.";
    return {
      data,
      text: data.total > page * limit ? `${text}\n(${data.total} deliveries; next: --page ${page + 1})` : text,
    };
  },

  "events retry": async (args, svc, now) => {
    const delivery = await retryDelivery(await tenantContext(args, svc, now), required(args, "delivery"));
    return { data: { delivery }, text: `Delivery ${delivery.id} is due again: ${deliveryLine(delivery)}` };
  },

  "events pause": onSubscription(async (ctx, id) => {
    const subscription = await setSubscriptionPaused(ctx, id, true);
    return {
      data: { subscription },
      text: `Paused subscription ${subscription.id}: events are kept and delivered once it is resumed.`,
    };
  }),

  "events resume": onSubscription(async (ctx, id) => {
    const subscription = await setSubscriptionPaused(ctx, id, false);
    return { data: { subscription }, text: `Resumed subscription ${subscription.id}.` };
  }),

  "events rotate": onSubscription(async (ctx, id) => {
    const created = await rotateSubscriptionSecret(ctx, id);
    return {
      data: { id: created.subscription.id, secret: created.secret },
      text: `${secretText(created, "Rotated the secret of")}\nThe previous secret still signs for 24 hours.`,
    };
  }),

  "events test": onSubscription(async (ctx, id) => {
    const delivery = await sendTestEvent(ctx, id);
    return {
      data: { delivery },
      text: `Queued test event ${delivery.eventId} as delivery ${delivery.id}; see it with: events deliveries --subscription ${id}`,
    };
  }),

  "events delete": onSubscription(async (ctx, id) => {
    await deleteSubscription(ctx, id);
    return { data: { deleted: id }, text: `Deleted subscription ${id}: no further event goes to it.` };
  }),
};
