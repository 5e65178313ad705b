import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runAdmin } from "../../local/cli/admin.js";
import type { RunningHost } from "../../local/host/host.js";
import { startWithAdmin } from "../helpers/portal.js";

/**
 * `npm run admin -- events ...` against a local host's store: the scripted contract of `events
 * subscribe --json` (one line, `{"id","secret"}` exactly), the human output, the other commands,
 * and errors (one line, exit 2).
 */

let host: RunningHost;
let tenantId: string;
let server: Server;
let url: string;
let pushes = 0;
/** Everything printed except by the commands that show a secret, to check no secret appears there. */
const printed: string[] = [];
const secrets: string[] = [];

beforeAll(async () => {
  ({ host, tenantId } = await startWithAdmin());
  server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      pushes++;
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
});
afterAll(async () => {
  await host?.close();
  await new Promise((resolve) => server?.close(resolve));
});

async function admin(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runAdmin([...argv, "--tenant", tenantId], {
    env: {},
    services: host.services,
    out: (t) => out.push(t),
    err: (t) => err.push(t),
  });
  if (!["subscribe", "rotate"].includes(argv[1]!)) printed.push(...out, ...err);
  return { code, out: out.join("\n"), err: err.join("\n"), json: () => JSON.parse(out.join("\n")) };
}

async function subscribe(...extra: string[]): Promise<{ id: string; secret: string }> {
  const res = await admin("events", "subscribe", ...extra, "--json");
  expect(res.code, res.err).toBe(0);
  const parsed = res.json();
  secrets.push(parsed.secret);
  return parsed;
}

describe("events subscribe", () => {
  it("--json prints exactly one line {id, secret} and nothing else", async () => {
    const res = await admin("events", "subscribe", "--url", url, "--format", "webhook", "--json");
    expect(res.code, res.err).toBe(0);
    expect(res.err).toBe("");
    expect(res.out).toMatch(/^\{"id":"[^"\n]+","secret":"whsec_[A-Za-z0-9+/]{43}="\}$/);
    const parsed = res.json();
    expect(Object.keys(parsed)).toEqual(["id", "secret"]);
    secrets.push(parsed.secret);
    const list = await admin("events", "list", "--json");
    expect(list.json().subscriptions.find((s: { id: string }) => s.id === parsed.id)).toMatchObject({
      format: "webhook",
      url,
      paused: false,
      createdBy: "admin-cli",
    });
  });

  it("defaults to RFC 9967 SETs (--format set), and takes content and a description", async () => {
    const { id } = await subscribe("--url", url, "--content", "notice", "--description", "Billing");
    const list = (await admin("events", "list", "--json")).json().subscriptions;
    expect(list.find((s: { id: string }) => s.id === id)).toMatchObject({
      format: "set",
      content: "notice",
      description: "Billing",
    });
  });

  it("makes a poll subscription without --url", async () => {
    const { id } = await subscribe("--format", "poll");
    const row = (await admin("events", "list", "--json")).json().subscriptions.find((s: { id: string }) => s.id === id);
    expect(row).toMatchObject({ format: "poll" });
    expect(row).not.toHaveProperty("url");
  });

  it("without --json says the secret is shown once, and shows it", async () => {
    const res = await admin("events", "subscribe", "--url", url, "--format", "webhook");
    expect(res.code, res.err).toBe(0);
    const secret = /(whsec_\S+)/.exec(res.out)?.[1];
    expect(secret).toBeDefined();
    secrets.push(secret!);
    expect(res.out).toMatch(
      /^Created subscription \S+ \(webhook, (full|notice)\) -> http:\/\/127\.0\.0\.1:\d+\/events\./,
    );
    expect(res.out).toMatch(/shown this once/);
    expect(res.out).toMatch(/webhook-signature/);
  });

  it.each([
    [
      ["--url", "https://app.example.com/e", "--format", "jwt"],
      /^error: --format must be one of set, webhook, poll \(got "jwt"\)$/,
    ],
    [["--format", "webhook"], /^error: --url is required for --format webhook$/],
    [[], /^error: --url is required for --format set$/],
    [["--format", "poll", "--url", "https://app.example.com/e"], /^error: --url is not used with --format poll/],
    [["--url", "https://app.example.com/e", "--content", "all"], /^error: --content must be one of full, notice/],
    [
      ["--url", "https://app.example.com/e", "--description", "d".repeat(201)],
      /at most 200 characters; this one has 201/,
    ],
    [["--url", "https://10.0.0.5/e"], /^error: .*public/],
    [["--url", "http://app.example.com/e"], /^error: .*https/],
  ])("refuses %j: one line on stderr, exit 2, nothing created", async (argv, detail) => {
    const before = (await admin("events", "list", "--json")).json().subscriptions.length;
    const res = await admin("events", "subscribe", ...argv, "--json");
    expect(res.code).toBe(2);
    expect(res.out).toBe("");
    expect(res.err).toMatch(detail);
    expect(res.err.split("\n")).toHaveLength(1);
    expect((await admin("events", "list", "--json")).json().subscriptions).toHaveLength(before);
  });
});

describe("the other events commands", () => {
  let id: string;

  beforeAll(async () => {
    ({ id } = await subscribe("--url", url, "--format", "webhook", "--description", "CLI life"));
  });

  it("lists subscriptions as lines, with no secret", async () => {
    const res = await admin("events", "list");
    expect(res.code, res.err).toBe(0);
    expect(res.out).toMatch(
      new RegExp(`^${id} {2}webhook {2}(full|notice) {2}active {2}${url.replace(/\./g, "\\.")}`, "m"),
    );
    expect(res.out).toContain('"CLI life"');
  });

  it("sends a test event, and events deliveries lists it until the subscriber has it", async () => {
    const sent = await admin("events", "test", "--subscription", id, "--json");
    expect(sent.code, sent.err).toBe(0);
    const delivery = sent.json().delivery;
    expect(delivery).toMatchObject({ subscriptionId: id, eventType: "test", resourceType: "Test" });
    const text = await admin("events", "test", "--subscription", id);
    expect(text.out).toMatch(
      new RegExp(`^Queued test event \\S+ as delivery \\S+; see it with: events deliveries --subscription ${id}$`),
    );

    const end = Date.now() + 15_000;
    let row: { state: string; latencyMs?: number } | undefined;
    for (;;) {
      const res = await admin("events", "deliveries", "--subscription", id, "--json");
      expect(res.code, res.err).toBe(0);
      row = res.json().deliveries.find((d: { id: string }) => d.id === delivery.id);
      if (row?.state === "delivered" || Date.now() > end) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(row).toMatchObject({ state: "delivered", latencyMs: expect.any(Number), lastStatus: 200 });
    expect(pushes).toBeGreaterThanOrEqual(1);

    const lines = await admin("events", "deliveries", "--subscription", id, "--state", "delivered");
    expect(lines.code, lines.err).toBe(0);
    expect(lines.out).toMatch(
      new RegExp(
        `^${delivery.id.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} {2}delivered {2}test Test \\S+ {2}at \\S+ {2}1 attempt {2}latency \\d+ ms {2}HTTP 200`,
        "m",
      ),
    );
    const none = await admin("events", "deliveries", "--subscription", id, "--state", "dead");
    expect(none.out).toBe("No deliveries.");
  });

  it("pauses, resumes and rotates; rotate --json is one line {id, secret} with a new secret", async () => {
    const paused = await admin("events", "pause", "--subscription", id);
    expect(paused.code, paused.err).toBe(0);
    expect(paused.out).toBe(`Paused subscription ${id}: events are kept and delivered once it is resumed.`);
    expect((await admin("events", "list")).out).toMatch(new RegExp(`^${id} {2}webhook {2}\\w+ {2}paused`, "m"));
    expect((await admin("events", "resume", "--subscription", id)).out).toBe(`Resumed subscription ${id}.`);
    const rotated = await admin("events", "rotate", "--subscription", id, "--json");
    expect(rotated.code, rotated.err).toBe(0);
    expect(rotated.out).toMatch(/^\{"id":"[^"\n]+","secret":"whsec_[^"\n]+"\}$/);
    expect(rotated.json().id).toBe(id);
    expect(secrets).not.toContain(rotated.json().secret);
    secrets.push(rotated.json().secret);
  });

  it("refuses an unknown subscription or delivery, and a missing option: one line, exit 2", async () => {
    for (const verb of ["pause", "resume", "rotate", "test", "delete"]) {
      const res = await admin("events", verb, "--subscription", "no-such-subscription");
      expect(res.code, verb).toBe(2);
      expect(res.err).toMatch(/^error: .*no-such-subscription/);
    }
    const retry = await admin("events", "retry", "--delivery", "no-such-delivery");
    expect(retry.code).toBe(2);
    expect(retry.err).toMatch(/^error: .*no-such-delivery/);
    expect((await admin("events", "pause")).err).toBe("error: --subscription is required");
    expect((await admin("events", "retry")).err).toBe("error: --delivery is required");
    const state = await admin("events", "deliveries", "--state", "failed");
    expect(state.code).toBe(2);
    expect(state.err).toBe('error: --state must be one of pending, delivered, dead (got "failed")');
    expect((await admin("events", "deliveries", "--limit", "500")).err).toMatch(
      /--limit must be a whole number from 1 to 200/,
    );
  });

  it("deletes a subscription", async () => {
    const res = await admin("events", "delete", "--subscription", id);
    expect(res.code, res.err).toBe(0);
    expect(res.out).toBe(`Deleted subscription ${id}: no further event goes to it.`);
    expect(
      (await admin("events", "list", "--json")).json().subscriptions.some((s: { id: string }) => s.id === id),
    ).toBe(false);
  });

  it("printed no secret outside subscribe and rotate, nor in the provisioning log", async () => {
    const log = await admin("audit", "list", "--limit", "1000", "--json");
    expect(log.code, log.err).toBe(0);
    expect(secrets.length).toBeGreaterThanOrEqual(5);
    for (const secret of secrets) expect(printed.join("\n")).not.toContain(secret);
    expect(printed.join("\n")).not.toMatch(/whsec_/);
  });
});
