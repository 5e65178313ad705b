import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect } from "node:net";
import type { RunningHost } from "../../local/host/host.js";
import { ERROR, startTestHost, type Client } from "../helpers/host.js";

/** Requests a hostile or merely unusual client sends, over raw HTTP: bounded, and answered with SCIM errors. */

let host: RunningHost;
let scim: Client;
let port: number;
let token: string;

beforeAll(async () => {
  ({ host, scim } = await startTestHost({ env: { SCIM_BODY_TIMEOUT_MS: "500" } }));
  port = Number(new URL(host.url).port);
  token = host.defaultTenant!.token;
});
afterAll(async () => host?.close());

/** Sends raw bytes and returns the status line, headers and body the server answered (it may close early). */
function raw(
  head: string,
  body: Buffer | string = "",
  options: { keepSending?: number; chunk?: number } = {},
): Promise<{ status: number; headers: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let received = "";
    let finished = false;
    const done = () => {
      if (finished) return;
      finished = true;
      const [top = "", rest = ""] = received.split("\r\n\r\n", 2) as [string?, string?];
      resolve({ status: Number(top.split(" ")[1]), headers: top, body: rest });
      socket.destroy();
    };
    socket.on("data", (d) => {
      received += d.toString("utf8");
      if (/\r\n\r\n/.test(received) && /content-length: (\d+)/i.test(received)) {
        const length = Number(/content-length: (\d+)/i.exec(received)![1]);
        if (Buffer.byteLength(received.split("\r\n\r\n", 2)[1] ?? "") >= length) done();
      }
    });
    socket.on("close", done);
    socket.on("error", (e) => (received ? done() : reject(e)));
    socket.on("connect", () => {
      socket.write(head.replace(/\n/g, "\r\n") + "\r\n\r\n");
      socket.write(body);
      let sent = 0;
      const pump = () => {
        while (!finished && options.keepSending && sent < options.keepSending) {
          sent += options.chunk!;
          if (!socket.write(Buffer.alloc(options.chunk!, 0x20))) return void socket.once("drain", pump);
        }
      };
      pump();
    });
  });
}

const headers = (extra = "") =>
  `Host: localhost:${port}\nAuthorization: Bearer ${token}\nContent-Type: application/scim+json${extra}`;

describe("request bodies", () => {
  it("answers 413 from a declared Content-Length over the limit without waiting for the body", async () => {
    const res = await raw(`POST /scim/v2/Users HTTP/1.1\n${headers()}\nContent-Length: 52428800`, "{}");
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({
      schemas: [ERROR],
      status: "413",
      detail: expect.stringMatching(/larger than the limit of 1048576 bytes/),
    });
  });

  it("answers 413 as soon as a streamed body passes the limit, and stops reading it", async () => {
    const big = await raw(
      `POST /scim/v2/Users HTTP/1.1\n${headers()}\nContent-Length: 1048576`,
      `{"userName":"${"x".repeat(2048)}`,
      {
        keepSending: 1_046_000,
        chunk: 64 * 1024,
      },
    );
    expect(big.status).toBe(400); // exactly the limit: read, and refused as invalid JSON
    const over = await raw(
      `POST /scim/v2/Users HTTP/1.1\n${headers()}\nTransfer-Encoding: chunked`,
      `2000\r\n${"x".repeat(0x2000)}\r\n`.repeat(200),
    );
    expect(over.status).toBe(413);
  });

  it("answers 401 to a request without a token before reading its body", async () => {
    const res = await raw(
      `POST /scim/v2/Users HTTP/1.1\nHost: localhost:${port}\nContent-Type: application/scim+json\nContent-Length: 314572800`,
      "{",
      {
        keepSending: 8 * 1024 * 1024,
        chunk: 64 * 1024,
      },
    );
    expect(res.status).toBe(401);
    expect(res.headers).toMatch(/connection: close/i);
  });

  it("answers 408 to a body that stalls (here after SCIM_BODY_TIMEOUT_MS = 500 ms; 10 s by default)", async () => {
    const res = await raw(`PATCH /scim/v2/Users/x HTTP/1.1\n${headers()}\nContent-Length: 100`, '{"schemas":');
    expect(res.status).toBe(408);
    expect(JSON.parse(res.body)).toMatchObject({
      status: "408",
      detail: expect.stringMatching(/did not arrive within 0.5 s/),
    });
  });
});

describe("paths and methods", () => {
  it.each([
    ["a dot-dot segment", "/scim/v2/Users/abc/.."],
    ["an encoded dot-dot segment", "/scim/v2/Users/%2e%2e"],
    ["a dot segment", "/scim/v2/./Users"],
    ["malformed percent-encoding", "/scim/v2/Users/%E0%A4%A"],
  ])("answers a SCIM 400 to %s, never the collection", async (_, path) => {
    const res = await raw(`GET ${path} HTTP/1.1\n${headers()}`);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ schemas: [ERROR], status: "400", scimType: "invalidSyntax" });
  });

  it("answers a SCIM 400 to a malformed Host header", async () => {
    const res = await raw(`GET /scim/v2/Users HTTP/1.1\nHost: bad host/../x\nAuthorization: Bearer ${token}`);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({
      status: "400",
      detail: expect.stringMatching(/Host header is malformed/),
    });
  });

  it.each([
    ["PUT", "/ServiceProviderConfig", "GET"],
    ["DELETE", "/Users", "GET, POST"],
    ["POST", "/Users/some-id", "GET, PUT, PATCH, DELETE"],
    ["PATCH", "/Schemas", "GET"],
  ])("answers %s %s with 405, an Allow header and a SCIM error", async (method, path, allow) => {
    const res = await scim.request(method, path, method === "DELETE" ? undefined : {});
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")!.split(", ").sort()).toEqual(allow.split(", ").sort());
    expect(res.body).toMatchObject({
      schemas: [ERROR],
      status: "405",
      detail: expect.stringContaining(`${method} is not supported`),
    });
  });

  it("still answers 404 to a path that does not exist", async () => {
    expect((await scim.get("/Nothing/here")).status).toBe(404);
  });
});
