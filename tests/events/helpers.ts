import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { startHost, type HostOptions, type RunningHost } from "../../local/host/host.js";
import { ADMIN_CLI, type OperationContext } from "../../shared/operations/context.js";
import { openCosmos } from "../../shared/store/cosmos.js";
import { eventDoc, type EventDoc, type ProvisioningEventType } from "../../shared/store/event-feed.js";

/** One request a test receiver got. */
export interface Received {
  at: number;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** How a receiver answers one request: a status, never (it hangs), or by closing the connection (a lost answer). */
type Answer = number | "hang" | "drop";

/** A subscriber on 127.0.0.1: records every request and answers as `answer` says (default 200). */
export interface Receiver {
  url: string;
  received: Received[];
  answer: (r: Received) => Answer;
  /** Resolves once `count` requests have arrived (or rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(answer: (r: Received) => Answer = () => 200): Promise<Receiver> {
  const received: Received[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const receiver: Receiver = {
    url: "",
    received,
    answer,
    waitFor: (count, timeoutMs = 20_000) =>
      new Promise<void>((resolve, reject) => {
        if (received.length >= count) return resolve();
        const timer = setTimeout(
          () => reject(new Error(`receiver got ${received.length} of ${count} requests`)),
          timeoutMs,
        );
        waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
      }),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const r: Received = {
        at: performance.now(),
        path: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      received.push(r);
      for (const w of waiters.filter((w) => received.length >= w.count)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
      const status = receiver.answer(r);
      if (status === "hang") return;
      if (status === "drop") return void req.socket.destroy();
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(status >= 400 ? JSON.stringify({ err: "invalid_request", description: "test refusal" }) : "");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
  return receiver;
}

/** A clock tests move by hand (starts at the real time). */
export function movableClock() {
  let offset = 0;
  return {
    now: () => new Date(Date.now() + offset),
    advance: (ms: number) => {
      offset += ms;
    },
  };
}

/** The local host with its queue (in-process Azurite) and a short delivery timeout. */
export async function startEventsHost(options: Partial<HostOptions> & { env?: Record<string, string> } = {}) {
  const host = await startHost({
    port: 0,
    storePort: 0,
    queuePort: 0,
    log: () => {},
    queueSettings: { visibilityTimeoutSeconds: 0 },
    ...options,
    env: { EVENTS_DELIVERY_TIMEOUT_MS: "2000", ...options.env },
  });
  const tenantId = host.defaultTenant!.id;
  const container = openCosmos(host.services.config.cosmos).resources;
  return { host, tenantId, container, ctx: (t = tenantId) => contextOf(host, t) };
}

export function contextOf(host: RunningHost, tenantId: string): OperationContext {
  return { tenantId, actor: ADMIN_CLI, now: host.services.now(), services: host.services, baseUrl: host.tenantUrl };
}

/** Writes events straight into the feed, as a change's batch would (pending, in the tenant's partition). */
export async function writeEvents(
  host: RunningHost,
  container: ReturnType<typeof openCosmos>["resources"],
  tenantId: string,
  events: { type?: ProvisioningEventType; resourceId: string }[],
): Promise<EventDoc[]> {
  const docs: EventDoc[] = [];
  for (const e of events) {
    const doc = eventDoc({
      tenantId,
      type: e.type ?? "user.changed",
      time: host.services.now().toISOString(),
      resourceType: "User",
      resourceId: e.resourceId,
      actor: "test",
      data: { data: { id: e.resourceId, userName: `${e.resourceId}@example.com` }, changedAttributes: ["userName"] },
    });
    await container.items.create(doc);
    docs.push(doc);
  }
  return docs;
}

/** The webhook body of a received request. */
export const webhookOf = (r: Received) =>
  JSON.parse(r.body) as { type: string; timestamp: string; data: Record<string, unknown> };
