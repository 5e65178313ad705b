import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "node:net";
import azureFunctions, { type HttpResponseInit } from "@azure/functions";
import type { RunningHost } from "../../local/host/host.js";
import { findRoute } from "../../shared/http/routes.js";
import { BODY_BOUNDS, MAX_JSON_DEPTH, bodyLimits, jsonDepth } from "../../shared/http/body.js";
import { FILTER_LIMITS, parseFilter } from "../../shared/scim/filter.js";
import { ScimError } from "../../shared/scim/errors.js";
import { PATCH_OP, entraUser, type Client } from "../helpers/host.js";
import { Browser, nextIp, startWithAdmin } from "../helpers/portal.js";

/**
 * The one body reader (shared/http/body.ts) on every route that takes a body: a 64 MB body is
 * refused before it is read (from its Content-Length) or as soon as it passes the route's bound
 * (while streaming, chunked), the server's memory stays flat, and JSON nested 100,000 deep is a
 * 400, never a 500.
 */

const { HttpRequest, InvocationContext } = azureFunctions;
const MB = 1024 * 1024;
const HUGE = 64 * MB;
const CHUNK = 64 * 1024;

let host: RunningHost;
let scim: Client;
let admin: Browser;
let token: string;
let userId: string;

beforeAll(async () => {
  ({ host, scim, admin } = await startWithAdmin());
  token = host.defaultTenant!.token;
  const u = await scim.post("/Users", entraUser("bounds@contoso.com"));
  expect(u.status).toBe(201);
  userId = u.body.id;
});
afterAll(async () => host?.close());

/** A body source that counts the bytes the server pulls from it, a fresh 64 KiB chunk per pull (so a reader that kept them would show in memory). */
function countedBody(total: number) {
  let pulled = 0;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (pulled >= total) return controller.close();
        pulled += CHUNK;
        controller.enqueue(new Uint8Array(CHUNK).fill(0x61));
      },
      cancel() {
        cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, pulled: () => pulled, cancelled: () => cancelled };
}

/** Calls the registered handler of a route directly, as the Functions host does with HTTP streaming, with a streamed body. */
async function call(
  method: string,
  path: string,
  headers: Record<string, string>,
  body: ReadableStream<Uint8Array>,
): Promise<HttpResponseInit> {
  const url = `${host.url}${path}`;
  const found = findRoute(method, new URL(url).pathname.split("/").filter(Boolean));
  if (!found) throw new Error(`no route for ${method} ${path}`);
  const nativeRequest = new Request(url, { method, headers, body, duplex: "half" } as RequestInit);
  const request = new HttpRequest({ method, url, headers, params: found.params, nativeRequest } as never);
  const context = new InvocationContext({
    invocationId: "body-bounds",
    functionName: found.registration.name,
    logHandler: () => {},
  });
  return (await found.registration.handler(request, context)) as HttpResponseInit;
}

const adminHeaders = () => ({
  cookie: [...admin.jar].map(([k, v]) => `${k}=${v}`).join("; "),
  origin: host.url,
  "x-csrf-token": admin.csrfToken!,
  "content-type": "application/json",
  "x-forwarded-for": admin.ip,
});

/** The three routes, each with the headers that get its request past authentication to the body. */
const routes = () =>
  [
    {
      name: "POST /auth/login (the invite form)",
      method: "POST",
      path: "/auth/login",
      headers: { origin: host.url, "content-type": "application/x-www-form-urlencoded", "x-forwarded-for": nextIp() },
      bound: BODY_BOUNDS.signInForm.maxBytes as number,
    },
    {
      name: "POST /api/admin/teams",
      method: "POST",
      path: "/api/admin/teams",
      headers: adminHeaders(),
      bound: BODY_BOUNDS.admin.maxBytes as number,
    },
    {
      name: "POST /scim/v2/Users",
      method: "POST",
      path: "/scim/v2/Users",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/scim+json" },
      bound: host.services.config.maxBodyBytes,
    },
  ] as const;

const ROUTE_NAMES = ["POST /auth/login (the invite form)", "POST /api/admin/teams", "POST /scim/v2/Users"];
const route = (name: string) => routes().find((r) => r.name === name)!;

describe("a 64 MB body, called through the registered handler", () => {
  it.each(ROUTE_NAMES)("%s: 413 from Content-Length, without pulling a byte", async (name) => {
    const r = route(name);
    const body = countedBody(HUGE);
    const res = await call(r.method, r.path, { ...r.headers, "content-length": String(HUGE) }, body.stream);
    expect(res.status).toBe(413);
    expect(body.pulled()).toBe(0);
  });

  it.each(ROUTE_NAMES)(
    "%s: 413 while streaming without Content-Length, stopping right after the bound, memory flat",
    async (name) => {
      const r = route(name);
      const body = countedBody(HUGE);
      const before = process.memoryUsage();
      const res = await call(r.method, r.path, r.headers, body.stream);
      const after = process.memoryUsage();
      expect(res.status).toBe(413);
      expect(body.pulled()).toBeGreaterThan(r.bound);
      expect(body.pulled()).toBeLessThanOrEqual(r.bound + CHUNK);
      expect(body.cancelled()).toBe(true);
      const growth = after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers);
      expect(growth).toBeLessThan(16 * MB);
    },
  );
});

/** Sends a request over a raw socket, pumping `keepSending` more bytes (with backpressure) until the server answers or closes; returns the status and how many body bytes the socket took. */
function raw(
  head: string,
  options: { keepSending: number; chunked: boolean },
): Promise<{ status: number; body: string; sent: number }> {
  const port = Number(new URL(host.url).port);
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let received = "";
    let finished = false;
    let sent = 0;
    const done = () => {
      if (finished) return;
      finished = true;
      const [top = "", rest = ""] = received.split("\r\n\r\n", 2) as [string?, string?];
      resolve({ status: Number(top.split(" ")[1]), body: rest, sent });
      socket.destroy();
    };
    socket.on("data", (d) => {
      received += d.toString("utf8");
      const length = /content-length: (\d+)/i.exec(received);
      if (length && Buffer.byteLength(received.split("\r\n\r\n", 2)[1] ?? "") >= Number(length[1])) done();
    });
    socket.on("close", done);
    socket.on("error", (e) => (received ? done() : reject(e)));
    socket.on("connect", () => {
      socket.write(head.replace(/\n/g, "\r\n") + "\r\n\r\n");
      const payload = Buffer.alloc(CHUNK, 0x61);
      const frame = options.chunked
        ? Buffer.concat([Buffer.from(`${CHUNK.toString(16)}\r\n`), payload, Buffer.from("\r\n")])
        : payload;
      const pump = () => {
        while (!finished && sent < options.keepSending) {
          sent += CHUNK;
          if (!socket.write(frame)) return void socket.once("drain", pump);
        }
      };
      pump();
    });
  });
}

const headLines = (r: ReturnType<typeof routes>[number], extra: string) =>
  [
    `${r.method} ${r.path} HTTP/1.1`,
    `Host: ${new URL(host.url).host}`,
    ...Object.entries(r.headers).map(([k, v]) => `${k}: ${v}`),
    extra,
  ].join("\n");

describe("a 64 MB body over HTTP (the local host)", () => {
  it.each(ROUTE_NAMES)("%s: 413 from a Content-Length of 64 MB, answered after a few bytes of it", async (name) => {
    const r = route(name);
    const res = await raw(headLines(r, `Content-Length: ${HUGE}`), { keepSending: CHUNK, chunked: false });
    expect(res.status).toBe(413);
    expect(res.body).toMatch(/larger than/);
  });

  it.each(ROUTE_NAMES)(
    "%s: 413 to a chunked 64 MB body, of which the server takes only the bound and the socket buffers",
    async (name) => {
      const r = route(name);
      const res = await raw(headLines(r, "Transfer-Encoding: chunked"), { keepSending: HUGE, chunked: true });
      expect(res.status).toBe(413);
      expect(res.sent).toBeLessThan(16 * MB);
    },
  );
});

describe("deep JSON", () => {
  const deep = (levels: number) => `${"[".repeat(levels)}${"]".repeat(levels)}`;
  const deepPatch = `{"schemas":["${PATCH_OP}"],"Operations":[{"op":"add","path":"title","value":${deep(100_000)}}]}`;

  it("counts nesting in one pass, ignoring brackets inside strings and escaped quotes", () => {
    expect(jsonDepth('{"a":"[[[\\"{{{","b":[{"c":[]}]}')).toBe(4);
    expect(jsonDepth(deep(100_000), MAX_JSON_DEPTH)).toBe(MAX_JSON_DEPTH + 1);
    expect(jsonDepth("[1, 2]")).toBe(1);
  });

  it("answers 400 invalidSyntax to a SCIM PATCH whose value is nested 100,000 levels deep, and leaves the user unchanged", async () => {
    const before = (await scim.get(`/Users/${userId}`)).body;
    const res = await scim.request("PATCH", `/Users/${userId}`, deepPatch);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      status: "400",
      scimType: "invalidSyntax",
      detail: expect.stringMatching(/more than 64 levels deep/),
    });
    expect((await scim.get(`/Users/${userId}`)).body).toEqual(before);
  });

  it("accepts a SCIM PATCH nested as deep as the bound allows (and answers it with a 4xx, not a 500)", async () => {
    const res = await scim.request(
      "PATCH",
      `/Users/${userId}`,
      `{"schemas":["${PATCH_OP}"],"Operations":[{"op":"add","path":"title","value":${deep(MAX_JSON_DEPTH - 3)}}]}`,
    );
    expect(res.status).toBe(400);
    expect(res.body.detail).not.toMatch(/levels deep/);
  });

  it("answers 400 problem details to an admin API body nested 30,000 levels deep (100,000 are over its 64 KiB bound: 413)", async () => {
    const res = await admin.request("POST", "/api/admin/teams", { body: `{"name":${deep(30_000)}}` });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.json).toMatchObject({
      status: 400,
      detail: expect.stringMatching(/more than 64 levels deep; send a flatter JSON object/),
    });
    const deeper = await admin.request("POST", "/api/admin/teams", { body: `{"name":${deep(100_000)}}` });
    expect(deeper.status).toBe(413);
    expect(deeper.json).toMatchObject({
      status: 413,
      title: "Content Too Large",
      detail: expect.stringMatching(/larger than the limit of 65536 bytes/),
    });
  });

  it("answers 400 invalidFilter to a /.search filter of 100,000 parentheses", async () => {
    const filter = `${"(".repeat(100_000)}userName eq "x"${")".repeat(100_000)}`;
    const res = await scim.post("/Users/.search", {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
      filter,
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ scimType: "invalidFilter" });
  });

  it("refuses a filter nested past the depth bound before recursing, even with no length limit", () => {
    const filter = `${"(".repeat(100_000)}userName eq "x"${")".repeat(100_000)}`;
    let thrown: unknown;
    try {
      parseFilter(filter, { ...FILTER_LIMITS, maxLength: Infinity });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ScimError);
    expect(thrown).toMatchObject({
      status: 400,
      scimType: "invalidFilter",
      detail: expect.stringMatching(/nesting depth 4 exceeds the limit of 3/),
    });
  });
});

describe("the table of bounds", () => {
  it("gives each route its own size and the configured read timeout", () => {
    const config = { maxBodyBytes: 2048, bodyTimeoutMs: 500 };
    expect(bodyLimits("scim", config)).toMatchObject({ maxBytes: 2048, timeoutMs: 500 });
    expect(bodyLimits("admin", config)).toMatchObject({ maxBytes: 64 * 1024, timeoutMs: 500 });
    expect(bodyLimits("signInForm", config)).toMatchObject({ maxBytes: 4096, timeoutMs: 500 });
    expect(bodyLimits("token", config)).toMatchObject({ maxBytes: 16 * 1024, timeoutMs: 500 });
  });
});
