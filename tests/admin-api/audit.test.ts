import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningHost } from "../../local/host/host.js";
import { ADMIN_CLI } from "../../shared/operations/context.js";
import { auditCsv } from "../../shared/operations/audit.js";
import { ENTERPRISE, GROUP, entraUser, patch, type Client } from "../helpers/host.js";
import { startWithAdmin, type Browser, type Reply } from "../helpers/portal.js";

/** The provisioning log as a tool (GET /api/admin/audit, /audit/operations, /audit/export): values, names, search, filters, CSV. */

let host: RunningHost;
let scim: Client;
let tenantId: string;
let admin: Browser;

beforeAll(async () => {
  ({ host, scim, tenantId, admin } = await startWithAdmin());
});
afterAll(async () => host?.close());

const PASSWORD = "Pa55-word-never-logged!";

interface View {
  operation: string;
  status: number;
  resourceId: string | null;
  resourceName: string | null;
  resourceDisplayName: string | null;
  changes: {
    attribute: string;
    label: string;
    old: string | null;
    new: string | null;
    valuesKept: boolean;
    redacted: boolean;
  }[];
}

async function events(query: string): Promise<View[]> {
  const reply = await admin.get(`/api/admin/audit?pageSize=200&${query}`);
  expect(reply.status, reply.text).toBe(200);
  return reply.json.events;
}

function expectProblem(reply: Reply, status: number, field?: string) {
  expect(reply.status).toBe(status);
  expect(reply.headers.get("content-type")).toBe("application/problem+json");
  if (field) expect(reply.json.errors).toEqual([{ field, detail: reply.json.detail }]);
}

describe("values and names in events", () => {
  let id: string;

  it("keeps each changed attribute's old and new value with a display name, never a password", async () => {
    const created = await scim.post(
      "/Users",
      entraUser("vera@contoso.dev", {
        displayName: "Vera Quist",
        title: "Engineer",
        password: PASSWORD,
        [ENTERPRISE]: { employeeNumber: "1001" },
      }),
    );
    expect(created.status).toBe(201);
    id = (created.body as { id: string }).id;
    const replaced = await scim.patch(
      `/Users/${id}`,
      patch(
        { op: "Replace", path: "title", value: "Manager" },
        { op: "Replace", path: `${ENTERPRISE}:employeeNumber`, value: "1002" },
      ),
    );
    expect(replaced.status).toBe(200);

    const [patchEvent, createEvent] = await events(`resource=${id}`);
    expect(createEvent).toMatchObject({
      operation: "create",
      status: 201,
      resourceName: "vera@contoso.dev",
      resourceDisplayName: "Vera Quist",
    });
    expect(createEvent!.changes).toContainEqual(
      expect.objectContaining({ attribute: "title", label: "Job title", old: null, new: "Engineer", valuesKept: true }),
    );
    expect(patchEvent).toMatchObject({ operation: "patch", resourceName: "vera@contoso.dev" });
    expect(patchEvent!.changes).toEqual([
      {
        attribute: "title",
        label: "Job title",
        old: "Engineer",
        new: "Manager",
        valuesKept: true,
        truncated: false,
        redacted: false,
      },
      {
        attribute: `${ENTERPRISE}:employeeNumber`,
        label: "Employee number",
        old: "1001",
        new: "1002",
        valuesKept: true,
        truncated: false,
        redacted: false,
      },
    ]);
    const everything = await admin.get("/api/admin/audit?pageSize=200");
    expect(everything.text).not.toContain(PASSWORD);
    const stored = await host.services.auditLog.list(tenantId, {
      resourceId: id,
      limit: 10,
      page: 1,
      now: new Date(),
      retentionDays: 30,
    });
    expect(JSON.stringify(stored)).not.toContain(PASSWORD);
    expect((await admin.get(`/api/admin/audit/export?resource=${id}`)).text).not.toContain(PASSWORD);
  });

  it("names a failed create by the userName it tried", async () => {
    expect((await scim.post("/Users", entraUser("vera@contoso.dev"))).status).toBe(409);
    const [failed] = await events("operation=create&status=failure&resource=vera%40contoso.dev");
    expect(failed).toMatchObject({
      operation: "create",
      status: 409,
      resourceId: null,
      resourceName: "vera@contoso.dev",
      changes: [],
    });
  });

  it("keeps a deleted user's name, and finds its events by that name", async () => {
    const u = await scim.post("/Users", entraUser("gone@contoso.dev", { displayName: "Gone Soon" }));
    const goneId = (u.body as { id: string }).id;
    expect((await scim.delete(`/Users/${goneId}`)).status).toBe(204);
    const found = await events("resource=gone%40contoso.dev");
    expect(found.map((e) => [e.operation, e.resourceId, e.resourceName])).toEqual([
      ["delete", goneId, "gone@contoso.dev"],
      ["create", goneId, "gone@contoso.dev"],
    ]);
  });

  it("names admin operations on a user by the user's current name", async () => {
    const setId = await admin.put(`/api/admin/users/${id}/entra`, { objectId: "a1a1a1a1-0000-4000-8000-0000000000a1" });
    expect(setId.status, setId.text).toBeLessThan(300);
    const [set] = await events(`operation=set-object-id&resource=${id}`);
    expect(set).toMatchObject({
      resourceName: "vera@contoso.dev",
      changes: [expect.objectContaining({ attribute: "objectId", valuesKept: false })],
    });
  });
});

describe("search and filters", () => {
  it("finds a resource by id, by userName, by part of its name at the time (any case), and by its current name after a rename", async () => {
    const created = await scim.post("/Users", entraUser("rita@contoso.dev", { displayName: "Rita Hernández" }));
    const id = (created.body as { id: string }).id;
    await scim.patch(`/Users/${id}`, patch({ op: "Replace", path: "userName", value: "rita.h@contoso.dev" }));
    const ops = (list: View[]) => list.filter((e) => e.resourceId === id).map((e) => e.operation);
    expect(ops(await events(`resource=${id}`))).toEqual(["patch", "create"]);
    expect(ops(await events("resource=HERNÁNDEZ"))).toEqual(["patch", "create"]);
    expect(ops(await events(`resource=${encodeURIComponent("rita.h@contoso.dev")}`))).toEqual(["patch", "create"]);
    // The old userName is the name of the create event, and is in no one's name now.
    expect(ops(await events(`resource=${encodeURIComponent("rita@contoso.dev")}`))).toEqual(["create"]);
    expect(await events("resource=nobody-by-this-name")).toEqual([]);
  });

  it("finds a group's events by its display name", async () => {
    const g = await scim.post("/Groups", {
      schemas: [GROUP],
      displayName: "Audit Readers",
      externalId: "obj-audit-readers",
    });
    expect(g.status).toBe(201);
    const found = await events("resource=audit%20readers");
    expect(found.map((e) => [e.operation, e.resourceName])).toEqual([["create", "Audit Readers"]]);
  });

  it("lists every operation, SCIM and admin, and filters by an admin one", async () => {
    const reply = await admin.get("/api/admin/audit/operations");
    const operations: { operation: string; group: string }[] = reply.json.operations;
    expect(operations).toEqual(
      expect.arrayContaining([
        { operation: "create", group: "SCIM" },
        { operation: "patch", group: "SCIM" },
        { operation: "role-map", group: "Admin" },
        { operation: "token-create", group: "Admin" },
        { operation: "admin-grant", group: "Admin" },
        { operation: "oauth-token", group: "Entra sign-in" },
        { operation: "job", group: "Background" },
      ]),
    );
    expect((await admin.post("/api/admin/tokens", { name: "audit-filter" })).status).toBe(201);
    const created = await events("operation=token-create");
    expect(created.length).toBeGreaterThan(0);
    expect(created.every((e) => e.operation === "token-create")).toBe(true);
    for (const { operation } of operations)
      expect((await admin.get(`/api/admin/audit?operation=${operation}`)).status).toBe(200);
  });

  it.each([
    ["operation=explode", "operation"],
    [`resource=${"x".repeat(257)}`, "resource"],
    ["status=maybe", "status"],
    ["from=yesterday", "from"],
  ])("refuses %s with 400 naming the field, on the list and the export", async (query, field) => {
    expectProblem(await admin.get(`/api/admin/audit?${query}`), 400, field);
    expectProblem(await admin.get(`/api/admin/audit/export?${query}`), 400, field);
  });
});

describe("CSV export", () => {
  it("downloads the filtered events as CSV with a file name, values shown, formulas defused", async () => {
    const u = await scim.post(
      "/Users",
      entraUser("csv@contoso.dev", { displayName: '=HYPERLINK("http://evil.example")', title: "+Lead" }),
    );
    const id = (u.body as { id: string }).id;
    const reply = await admin.get(`/api/admin/audit/export?resource=${id}`);
    expect(reply.status).toBe(200);
    expect(reply.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(reply.headers.get("content-disposition")).toMatch(
      /^attachment; filename="provisioning-log-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.csv"$/,
    );
    expect(reply.headers.get("x-total-count")).toBe("1");
    expect(reply.headers.get("x-export-truncated")).toBe("false");
    const lines = reply.text.trimEnd().split("\r\n");
    expect(lines[0]).toBe(
      "time,operation,status,resourceType,resourceId,resourceName,resourceDisplayName,changes,membersAdded,membersRemoved,ignoredAttributes,detail,actor,actorId,eventId",
    );
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`,create,201,User,${id},csv@contoso.dev,"'=HYPERLINK(""http://evil.example"")",`);
    expect(lines[1]).toContain("Job title: (none) → +Lead");
    expect(lines[1]).not.toMatch(/,[=+\-@]/);
  });

  it("holds at most its limit of events, the newest, and says how many matched", async () => {
    const ctx = { tenantId, actor: ADMIN_CLI, now: new Date(), services: host.services, baseUrl: "" };
    const all = await auditCsv(ctx, { operation: "create" });
    expect(all.truncated).toBe(false);
    const capped = await auditCsv(ctx, { operation: "create" }, 2);
    expect(capped).toMatchObject({ rows: 2, total: all.total, truncated: true });
    expect(capped.csv.split("\r\n").slice(1, 3)).toEqual(all.csv.split("\r\n").slice(1, 3));
  });
});
