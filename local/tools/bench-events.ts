import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { startHost } from "../host/host.js";
import { ADMIN_CLI } from "../../shared/operations/context.js";
import { createSubscription, deleteSubscription } from "../../shared/operations/events.js";

/**
 * `npm run bench:events`: the local host in-process (embedded store, Azurite queue, the queue
 * triggers running as in Azure), N users created over SCIM the way Entra creates them, first with
 * no subscription, then with a webhook receiver on 127.0.0.1 subscribed. Prints the SCIM POST
 * latency of both runs (p50, p95) and their store calls per request, and the change-to-subscriber
 * latency of the second (from the event's time, taken in the request, to the receiver having the
 * whole delivery), and the time a request spends sending the message that wakes the event worker
 * (the outbox's cost beyond one more operation in the change's batch). A benchmark, not a test:
 * it measures, it asserts nothing.
 *
 * `--users N` (default 300) per run, `--concurrency C` (default 4) requests at once.
 */
const { values } = parseArgs({
  options: {
    users: { type: "string", default: "300" },
    concurrency: { type: "string", default: "4" },
  },
});
const USERS = Number(values.users);
const CONCURRENCY = Number(values.concurrency);

const percentile = (list: number[], p: number) => {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};
const summary = (list: number[]) =>
  `p50 ${percentile(list, 50).toFixed(1)} ms, p95 ${percentile(list, 95).toFixed(1)} ms, max ${Math.max(...list).toFixed(1)} ms (n=${list.length})`;

/** A webhook receiver: the time each event arrived, by its webhook-id, and the event's own time. */
async function startReceiver(): Promise<{ url: string; arrivals: Map<string, number>; server: Server }> {
  const arrivals = new Map<string, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const at = Date.now();
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { type: string; timestamp: string };
      const id = String(req.headers["webhook-id"]);
      if (body.type === "user.created" && !arrivals.has(id)) arrivals.set(id, at - Date.parse(body.timestamp));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, arrivals, server };
}

async function main(): Promise<void> {
  const host = await startHost({ port: 0, storePort: 0, queuePort: 0, env: {}, log: () => {} });
  const tenantId = host.defaultTenant!.id;
  const ctx = () => ({ tenantId, actor: ADMIN_CLI, now: new Date(), services: host.services, baseUrl: host.tenantUrl });
  const post = async (userName: string) => {
    const started = performance.now();
    const res = await fetch(`${host.tenantUrl}/Users`, {
      method: "POST",
      headers: { Authorization: `Bearer ${host.defaultTenant!.token}`, "Content-Type": "application/scim+json" },
      body: JSON.stringify({
        schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
        userName,
        externalId: `ext-${userName}`,
        active: true,
        name: { givenName: "Bench", familyName: userName },
        emails: [{ primary: true, type: "work", value: userName }],
      }),
    });
    await res.arrayBuffer();
    if (res.status !== 201) throw new Error(`POST /Users ${userName}: ${res.status}`);
    return performance.now() - started;
  };
  /** N creates, CONCURRENCY at a time: their latencies and the store calls per request. */
  const run = async (prefix: string) => {
    const latencies: number[] = [];
    const calls = host.storeRequests();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < USERS; i = next++) latencies.push(await post(`${prefix}${i}@bench.example.com`));
      }),
    );
    return { latencies, storeCalls: (host.storeRequests() - calls) / USERS };
  };

  // The outbox's cost inside a request beyond its batch operation: the message that wakes the worker (timed here).
  const queue = host.services.eventQueue!;
  const send = queue.send.bind(queue);
  const sends: number[] = [];
  queue.send = async (...args: Parameters<typeof send>) => {
    const started = performance.now();
    try {
      return await send(...args);
    } finally {
      sends.push(performance.now() - started);
    }
  };
  // Warm up (module loading, the queue, the store's first containers), then measure.
  await run("warm");
  await host.jobs.idle();
  const plain = await run("plain");
  await host.jobs.idle();

  const receiver = await startReceiver();
  const sub = await createSubscription(ctx(), { format: "webhook", url: receiver.url });
  // A tenant without subscriptions sends no wake-up; with one, each change does (timed here).
  sends.length = 0;
  const subscribed = await run("sub");
  const subscribedSends = [...sends];
  const deadline = Date.now() + 120_000;
  while (receiver.arrivals.size < USERS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await host.jobs.idle();
  const delivery = [...receiver.arrivals.values()];
  // Where the time goes: change -> dispatched (the delivery's creation) -> delivered (the subscriber's 2xx).
  const docs = (
    await host.services.events.listDeliveries(tenantId, { subscriptionId: sub.subscription.id, page: 1, limit: 1000 })
  ).deliveries.filter((d) => d.event.type === "user.created" && d.deliveredAt);
  const dispatched = docs.map((d) => Date.parse(d.nextAttemptAt) - Date.parse(d.event.time));
  const pushed = docs.map((d) => Date.parse(d.deliveredAt!) - Date.parse(d.nextAttemptAt));

  console.log(
    `Events benchmark: ${USERS} users per run, ${CONCURRENCY} at a time, local host (embedded store, Azurite)`,
  );
  console.log(
    `  SCIM POST /Users, no subscription:   ${summary(plain.latencies)}; ${plain.storeCalls.toFixed(1)} store calls/request`,
  );
  console.log(
    `  SCIM POST /Users, one subscription:  ${summary(subscribed.latencies)}; ${subscribed.storeCalls.toFixed(1)} store calls/request`,
  );
  console.log(
    `  wake-up message (with a subscription): ${subscribedSends.length ? summary(subscribedSends) : "none"} (${(subscribedSends.length / USERS).toFixed(2)} per request; concurrent changes of a tenant share one)`,
  );
  console.log(`  change -> subscriber (webhook):     ${summary(delivery)}`);
  console.log(`    of which change -> dispatched:     ${summary(dispatched)}`);
  console.log(`    and dispatched -> delivered:       ${summary(pushed)}`);
  if (delivery.length < USERS) console.log(`  (only ${delivery.length} of ${USERS} events arrived within 2 minutes)`);

  await deleteSubscription(ctx(), sub.subscription.id);
  await new Promise<void>((r) => receiver.server.close(() => r()));
  await host.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
