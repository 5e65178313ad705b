import { devToken } from "../helpers/host.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import azureFunctions from "@azure/functions";
import { startEmbeddedStore, type EmbeddedStore } from "../helpers/store.js";
import { createServices, useServices } from "../../shared/services.js";
import type { Services } from "../../shared/operations/context.js";
import { registrations } from "../../shared/functions/registry.js";
import { SCIM_PREFIX, wrapScim as wrap } from "../../shared/http/scim.js";
import { getUser } from "../../functions/users-get.js";
import { createUser } from "../../functions/users-create.js";
import { patchGroup } from "../../functions/groups-patch.js";
import "../../functions/users-list.js";

/** Function handlers called directly with real HttpRequest objects, as the Functions host calls them. */

const { HttpRequest, InvocationContext } = azureFunctions;
let embedded: EmbeddedStore;
let services: Services;
let token: string;

beforeAll(async () => {
  embedded = await startEmbeddedStore();
  services = createServices(embedded.config, () => new Date("2026-11-23T12:00:00Z"));
  useServices(services);
  const tenant = await services.tenants.create("Handlers", new Date("2026-11-23T12:00:00Z"));
  token = (await devToken(services, tenant.id, "test", new Date("2026-11-23T12:00:00Z"))).secret;
});
afterAll(async () => {
  useServices(undefined);
  await embedded.close();
});

const request = (init: {
  method: string;
  path: string;
  body?: unknown;
  params?: Record<string, string>;
  auth?: boolean;
}) =>
  new HttpRequest({
    method: init.method,
    url: `https://contoso-scim.azurewebsites.net/scim/v2${init.path}`,
    headers: {
      ...(init.auth === false ? {} : { authorization: `Bearer ${token}` }),
      "content-type": "application/scim+json",
    },
    params: init.params ?? {},
    ...(init.body !== undefined ? { body: { string: JSON.stringify(init.body) } } : {}),
  });
const context = () => new InvocationContext({ invocationId: "inv-1", functionName: "test", logHandler: () => {} });

describe("function registrations", () => {
  it("registers one function per file under the file's own name", () => {
    const files = readdirSync(new URL("../../functions/", import.meta.url)).map((f) => f.replace(/\.ts$/, ""));
    const names = registrations("http").map((r) => r.name);
    for (const name of ["users-get", "users-create", "groups-patch", "users-list"]) expect(files).toContain(name);
    expect(names).toEqual(expect.arrayContaining(["users-get", "users-create", "groups-patch", "users-list"]));
  });

  it("serves SCIM under /scim/v2 with host.json's route prefix left empty (the portal and sign-in live beside it)", () => {
    const host = JSON.parse(readFileSync(new URL("../../host.json", import.meta.url), "utf8"));
    expect(host.extensions.http.routePrefix).toBe("");
    expect(registrations("http").find((r) => r.name === "users-get")?.route).toBe(`${SCIM_PREFIX}/Users/{id}`);
  });
});

describe("handlers", () => {
  it("creates and reads a user, with meta.location on the request's host", async () => {
    const created = await createUser(
      request({
        method: "POST",
        path: "/Users",
        body: { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: "h@x.test" },
      }),
      context(),
    );
    expect(created.status).toBe(201);
    const body = JSON.parse(created.body as string);
    expect(body.meta).toEqual({
      resourceType: "User",
      created: "2026-11-23T12:00:00.000Z",
      lastModified: "2026-11-23T12:00:00.000Z",
      location: `https://contoso-scim.azurewebsites.net/scim/v2/Users/${body.id}`,
      version: expect.stringMatching(/^W\//),
    });
    const read = await getUser(
      request({ method: "GET", path: `/Users/${body.id}`, params: { id: body.id } }),
      context(),
    );
    expect(read.status).toBe(200);
    expect((read.headers as Record<string, string>)["Content-Type"]).toBe("application/scim+json; charset=utf-8");
    expect(JSON.parse(read.body as string).userName).toBe("h@x.test");
  });

  it("answers 401 without a token before doing anything else", async () => {
    const res = await patchGroup(
      request({ method: "PATCH", path: "/Groups/x", params: { id: "x" }, auth: false, body: {} }),
      context(),
    );
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body as string)).toMatchObject({ status: "401" });
  });

  it("turns an unexpected error into a 500 with the correlation id and no internals", async () => {
    const handler = wrap(async () => {
      throw new Error("secret internals at /srv/app.js:12");
    });
    const res = await handler(request({ method: "GET", path: "/Users" }), context());
    expect(res.status).toBe(500);
    const body = JSON.parse(res.body as string);
    expect(body).toEqual({
      schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"],
      status: "500",
      detail: "Internal error; retry later. Correlation id: inv-1.",
    });
  });

  it("turns Cosmos throttling into 429 with Retry-After", async () => {
    const handler = wrap(async () => {
      throw Object.assign(new Error("Request rate is large"), { code: 429, retryAfterInMs: 2500 });
    });
    const res = await handler(request({ method: "GET", path: "/Users" }), context());
    expect(res.status).toBe(429);
    expect((res.headers as Record<string, string>)["Retry-After"]).toBe("3");
  });
});
