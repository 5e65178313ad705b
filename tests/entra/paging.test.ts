import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningHost } from "../../local/host/host.js";
import { ERROR, GROUP, client, devToken, entraUser, q, startTestHost, type Client } from "../helpers/host.js";
import { encodeCursor, queryBinding } from "../../shared/scim/cursor.js";

/** Index paging (RFC 7644 §3.4.2.4) and cursor paging (RFC 9865) over HTTP, as a SCIM client pages. */

const LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

let host: RunningHost;
let scim: Client;
let tenantId: string;
const userIds: string[] = [];
const groupIds: string[] = [];

beforeAll(async () => {
  ({ host, scim } = await startTestHost());
  tenantId = host.defaultTenant!.id;
  for (let i = 0; i < 7; i++) userIds.push((await scim.post("/Users", entraUser(`page${i}@contoso.com`))).body.id);
  for (const name of ["Paging A", "Paging B"])
    groupIds.push((await scim.post("/Groups", { schemas: [GROUP], displayName: name })).body.id);
  userIds.sort();
  groupIds.sort();
});
afterAll(async () => host?.close());

const error = (scimType: string, detail: string) => ({
  status: 400,
  body: { schemas: [ERROR], status: "400", scimType, detail },
});
const reply = (res: { status: number; body: unknown }) => ({ status: res.status, body: res.body });

/** Follows nextCursor from an empty cursor; every page's ids and whether it carried nextCursor. */
async function follow(first: (cursor: string) => Promise<{ status: number; body: any }>) {
  const pages: { ids: string[]; next: boolean; total: number }[] = [];
  let cursor = "";
  for (let guard = 0; guard < 20; guard++) {
    const res = await first(cursor);
    expect(res.status).toBe(200);
    pages.push({
      ids: res.body.Resources.map((r: { id: string }) => r.id),
      next: "nextCursor" in res.body,
      total: res.body.totalResults,
    });
    if (!res.body.nextCursor) break;
    cursor = res.body.nextCursor;
  }
  return pages;
}

describe("index paging", () => {
  it.each([
    [1, 3, 7, 3],
    [6, 5, 7, 2],
    [1, 50, 7, 7],
    [8, 5, 7, 0],
    [1, 0, 7, 0],
  ])("startIndex %i count %i: totalResults %i exactly, %i on the page", async (startIndex, count, total, page) => {
    const res = await scim.get(`/Users?filter=${q('userName sw "page"')}&startIndex=${startIndex}&count=${count}`);
    expect({ total: res.body.totalResults, page: res.body.Resources.length }).toEqual({ total, page });
  });

  it("pages sequentially through every user exactly once, in id order, without nextCursor", async () => {
    const seen: string[] = [];
    for (let startIndex = 1; startIndex <= 7; startIndex += 3) {
      const res = await scim.get(`/Users?startIndex=${startIndex}&count=3`);
      expect(Object.keys(res.body).sort()).toStrictEqual([
        "Resources",
        "itemsPerPage",
        "schemas",
        "startIndex",
        "totalResults",
      ]);
      expect(res.body).toMatchObject({ schemas: [LIST], totalResults: 7, startIndex });
      seen.push(...res.body.Resources.map((r: { id: string }) => r.id));
    }
    expect(seen).toStrictEqual(userIds);
  });

  it("serves startIndex beyond 10,000 (an empty page past the end, with the exact total)", async () => {
    const res = await scim.get("/Users?startIndex=10001&count=10");
    expect(reply(res)).toStrictEqual({
      status: 200,
      body: { schemas: [LIST], totalResults: 7, Resources: [], startIndex: 10001, itemsPerPage: 0 },
    });
  });

  it("refuses a startIndex beyond 1,000,000 with 400 invalidValue that names the limit and points to cursors", async () => {
    expect(reply(await scim.get("/Users?startIndex=1000001&count=10"))).toStrictEqual(
      error(
        "invalidValue",
        "startIndex 1000001 is beyond the deepest index page this service serves (startIndex up to 1000000); page with 'cursor' (RFC 9865), which has no such limit, or narrow the filter.",
      ),
    );
  });
});

describe("cursor paging (RFC 9865)", () => {
  it("answers an empty cursor with the first page: totalResults, itemsPerPage and nextCursor, no startIndex", async () => {
    const res = await scim.get("/Users?cursor&count=3");
    expect(reply(res)).toStrictEqual({
      status: 200,
      body: {
        schemas: [LIST],
        totalResults: 7,
        Resources: expect.any(Array),
        itemsPerPage: 3,
        nextCursor: expect.stringMatching(/^[A-Za-z0-9_-]+$/),
      },
    });
    expect(res.body.Resources.map((r: { id: string }) => r.id)).toStrictEqual(userIds.slice(0, 3));
  });

  it("pages GET /Users through every user exactly once, nextCursor on every page but the last", async () => {
    expect(await follow((cursor) => scim.get(`/Users?cursor=${cursor}&count=3`))).toStrictEqual([
      { ids: userIds.slice(0, 3), next: true, total: 7 },
      { ids: userIds.slice(3, 6), next: true, total: 7 },
      { ids: userIds.slice(6), next: false, total: 7 },
    ]);
  });

  it("pages a filter sorted by userName, descending, by cursor", async () => {
    const names = (
      await follow((cursor) =>
        scim.get(
          `/Users?filter=${q('userName sw "page"')}&sortBy=userName&sortOrder=descending&cursor=${cursor}&count=4`,
        ),
      )
    ).map((p) => p.ids.length);
    expect(names).toStrictEqual([4, 3]);
    const first = await scim.get(
      `/Users?filter=${q('userName sw "page"')}&sortBy=userName&sortOrder=descending&cursor=&count=4`,
    );
    const second = await scim.get(
      `/Users?filter=${q('userName sw "page"')}&sortBy=userName&sortOrder=descending&cursor=${first.body.nextCursor}&count=4`,
    );
    expect(
      [...first.body.Resources, ...second.body.Resources].map((r: { userName: string }) => r.userName),
    ).toStrictEqual([6, 5, 4, 3, 2, 1, 0].map((i) => `page${i}@contoso.com`));
  });

  it("pages POST /Users/.search and POST /Groups/.search with cursor in the SearchRequest", async () => {
    const search = (path: string, count: number) => (cursor: string) =>
      scim.post(path, { schemas: [SEARCH], cursor, count });
    expect(await follow(search("/Users/.search", 5))).toStrictEqual([
      { ids: userIds.slice(0, 5), next: true, total: 7 },
      { ids: userIds.slice(5), next: false, total: 7 },
    ]);
    expect(await follow(search("/Groups/.search", 1))).toStrictEqual([
      { ids: groupIds.slice(0, 1), next: true, total: 2 },
      { ids: groupIds.slice(1), next: false, total: 2 },
    ]);
  });

  it("pages root POST /.search by cursor over Users, then Groups", async () => {
    const pages = await follow((cursor) => scim.post("/.search", { schemas: [SEARCH], cursor, count: 4 }));
    expect(pages).toStrictEqual([
      { ids: userIds.slice(0, 4), next: true, total: 9 },
      { ids: [...userIds.slice(4), groupIds[0]], next: true, total: 9 },
      { ids: groupIds.slice(1), next: false, total: 9 },
    ]);
    const exact = await follow((cursor) => scim.post("/.search", { schemas: [SEARCH], cursor, count: 7 }));
    expect(exact).toStrictEqual([
      { ids: userIds, next: true, total: 9 },
      { ids: groupIds, next: false, total: 9 },
    ]);
  });

  it("serves a last page without nextCursor when the list fits one page, and an empty list without it", async () => {
    expect(reply(await scim.get(`/Users?filter=${q('userName eq "nobody@contoso.com"')}&cursor=`))).toStrictEqual({
      status: 200,
      body: { schemas: [LIST], totalResults: 0, Resources: [], itemsPerPage: 0 },
    });
    const all = await scim.get("/Users?cursor=&count=50");
    expect({ n: all.body.Resources.length, next: all.body.nextCursor }).toStrictEqual({ n: 7, next: undefined });
  });
});

describe("cursor bad input: 400 naming what is wrong", () => {
  const NOT_OURS = error(
    "invalidCursor",
    "'cursor' is not a cursor this service issued: pass the nextCursor of the previous page unchanged, or an empty cursor to start from the first page.",
  );
  const OTHER_QUERY = error(
    "invalidCursor",
    "'cursor' was issued for another query (another tenant, resource type, filter or sort order): send the same filter, sortBy and sortOrder as on the first page, or start again with an empty cursor.",
  );

  it("refuses a cursor of another query: another filter, another sort order, another resource type", async () => {
    const cursor = (await scim.get("/Users?cursor&count=2")).body.nextCursor;
    expect(reply(await scim.get(`/Users?filter=${q('userName sw "page"')}&cursor=${cursor}&count=2`))).toStrictEqual(
      OTHER_QUERY,
    );
    expect(reply(await scim.get(`/Users?sortOrder=descending&cursor=${cursor}&count=2`))).toStrictEqual(OTHER_QUERY);
    expect(reply(await scim.get(`/Groups?cursor=${cursor}&count=2`))).toStrictEqual(OTHER_QUERY);
    expect(reply(await scim.post("/.search", { schemas: [SEARCH], cursor, count: 2 }))).toStrictEqual(OTHER_QUERY);
  });

  it("refuses a cursor of another tenant", async () => {
    const other = await host.services.tenants.create("Paging Other", new Date());
    const { secret } = await devToken(host.services, other.id, "paging", new Date());
    const otherScim = client(host, secret);
    await otherScim.post("/Users", entraUser("other1@fabrikam.com"));
    await otherScim.post("/Users", entraUser("other2@fabrikam.com"));
    const cursor = (await otherScim.get("/Users?cursor&count=1")).body.nextCursor;
    expect(typeof cursor).toBe("string");
    expect(reply(await scim.get(`/Users?cursor=${cursor}&count=1`))).toStrictEqual(OTHER_QUERY);
  });

  it.each([
    ["a malformed cursor", "/Users?cursor=not%20a%20cursor", NOT_OURS],
    [
      "a cursor that is base64url of something else",
      `/Users?cursor=${Buffer.from('{"hello":1}').toString("base64url")}`,
      NOT_OURS,
    ],
    [
      "cursor with startIndex",
      "/Users?cursor=&startIndex=1",
      error(
        "invalidValue",
        "'cursor' and 'startIndex' cannot be used together: send 'cursor' (empty for the first page) for cursor paging (RFC 9865), or 'startIndex' for index paging.",
      ),
    ],
    [
      "count 0 with a cursor",
      "/Users?cursor=&count=0",
      error(
        "invalidCount",
        "'count' must be a positive whole number with 'cursor' (got 0); at most 200 are served per page.",
      ),
    ],
    [
      "count -1 with a cursor",
      "/Users?cursor=&count=-1",
      error(
        "invalidCount",
        "'count' must be a positive whole number with 'cursor' (got -1); at most 200 are served per page.",
      ),
    ],
  ])("refuses %s", async (_, path, expected) => {
    expect(reply(await scim.get(path))).toStrictEqual(expected);
  });

  it("refuses count 0 with a cursor in a SearchRequest", async () => {
    expect(reply(await scim.post("/Users/.search", { schemas: [SEARCH], cursor: "", count: 0 }))).toStrictEqual(
      error(
        "invalidCount",
        "'count' must be a positive whole number with 'cursor' (got 0); at most 200 are served per page.",
      ),
    );
  });

  it("refuses a cursor older than cursorTimeout with 400 expiredCursor", async () => {
    const issued = new Date(Date.now() - 25 * 3600 * 1000);
    const cursor = encodeCursor(
      queryBinding(tenantId, "User", { descending: false }),
      { position: 2, after: userIds[1]! },
      issued,
    );
    expect(reply(await scim.get(`/Users?cursor=${cursor}&count=2`))).toStrictEqual(
      error(
        "expiredCursor",
        "'cursor' has expired: it was issued 25 hours ago and a cursor is valid for 24 hours (cursorTimeout 86400 seconds); start again with an empty cursor.",
      ),
    );
    const fresh = encodeCursor(
      queryBinding(tenantId, "User", { descending: false }),
      { position: 2, after: userIds[1]! },
      new Date(),
    );
    expect(
      (await scim.get(`/Users?cursor=${fresh}&count=2`)).body.Resources.map((r: { id: string }) => r.id),
    ).toStrictEqual(userIds.slice(2, 4));
  });

  it("advertises both methods in ServiceProviderConfig.pagination, index by default", async () => {
    expect((await scim.get("/ServiceProviderConfig")).body.pagination).toStrictEqual({
      cursor: true,
      index: true,
      defaultPaginationMethod: "index",
      defaultPageSize: 200,
      maxPageSize: 200,
      cursorTimeout: 86400,
    });
  });
});
