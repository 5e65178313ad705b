import { describe, expect, it } from "vitest";
import { CURSOR_TIMEOUT_SECONDS, decodeCursor, encodeCursor, queryBinding } from "../../shared/scim/cursor.js";
import { parseListParams, parseSearchRequest } from "../../shared/scim/list.js";
import { parseFilter } from "../../shared/scim/filter.js";
import { ScimError } from "../../shared/scim/errors.js";
import { URN } from "../../shared/scim/urns.js";

const NOW = new Date("2026-12-04T12:00:00Z");
const query = { filter: parseFilter('userName sw "a"'), descending: false };
const binding = queryBinding("tenant-a", "User", query);

/** The {status, scimType, detail} a call throws. */
function failure(run: () => unknown) {
  try {
    run();
  } catch (error) {
    if (error instanceof ScimError) return { status: error.status, scimType: error.scimType, detail: error.detail };
    throw error;
  }
  throw new Error("did not throw");
}

const NOT_OURS = {
  status: 400,
  scimType: "invalidCursor",
  detail:
    "'cursor' is not a cursor this service issued: pass the nextCursor of the previous page unchanged, or an empty cursor to start from the first page.",
};
const OTHER_QUERY = {
  status: 400,
  scimType: "invalidCursor",
  detail:
    "'cursor' was issued for another query (another tenant, resource type, filter or sort order): send the same filter, sortBy and sortOrder as on the first page, or start again with an empty cursor.",
};

describe("cursor codec (RFC 9865 §2)", () => {
  it("round-trips the position, the last id and the resource type", () => {
    const cursor = encodeCursor(
      binding,
      { position: 100_000, after: "3f5d1b69-0871-4c10-a6cb-2c2522095acb", type: "Group" },
      NOW,
    );
    expect(decodeCursor(cursor, binding, NOW)).toStrictEqual({
      position: 100_000,
      after: "3f5d1b69-0871-4c10-a6cb-2c2522095acb",
      type: "Group",
    });
    expect(decodeCursor(encodeCursor(binding, { position: 3 }, NOW), binding, NOW)).toStrictEqual({ position: 3 });
  });

  it("uses only characters of RFC 3986's unreserved set and stays short", () => {
    const cursor = encodeCursor(binding, { position: 250_000, after: "ffffffff-ffff-4fff-bfff-ffffffffffff" }, NOW);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(cursor.length).toBeLessThan(200);
  });

  it("binds a cursor to the tenant, the resource type, the filter and the sort", () => {
    const same = queryBinding("tenant-a", "User", { filter: parseFilter('userName sw "a"'), descending: false });
    expect(same).toBe(binding);
    const others = [
      queryBinding("tenant-b", "User", query),
      queryBinding("tenant-a", "Group", query),
      queryBinding("tenant-a", "root", query),
      queryBinding("tenant-a", "User", { ...query, filter: parseFilter('userName sw "b"') }),
      queryBinding("tenant-a", "User", { ...query, descending: true }),
      queryBinding("tenant-a", "User", { ...query, sortBy: "userName" }),
    ];
    expect(new Set([binding, ...others]).size).toBe(others.length + 1);
  });

  it("refuses a cursor of another tenant or another query with 400 invalidCursor", () => {
    const foreign = encodeCursor(queryBinding("tenant-b", "User", query), { position: 1, after: "x" }, NOW);
    expect(failure(() => decodeCursor(foreign, binding, NOW))).toStrictEqual(OTHER_QUERY);
  });

  it.each([
    ["not base64url", "a b"],
    ["not JSON", Buffer.from("{nope").toString("base64url")],
    ["JSON that is not an object", Buffer.from("[1]").toString("base64url")],
    ["another version", Buffer.from(JSON.stringify({ v: 2, q: binding, p: 0, t: 1 })).toString("base64url")],
    ["a negative position", Buffer.from(JSON.stringify({ v: 1, q: binding, p: -1, t: 1 })).toString("base64url")],
    [
      "an id that is not a string",
      Buffer.from(JSON.stringify({ v: 1, q: binding, p: 1, a: 5, t: 1 })).toString("base64url"),
    ],
    [
      "an unknown resource type",
      Buffer.from(JSON.stringify({ v: 1, q: binding, p: 1, r: "Device", t: 1 })).toString("base64url"),
    ],
    ["far too long", "A".repeat(2000)],
    ["issued in the future", encodeCursor(binding, { position: 1 }, new Date(NOW.getTime() + 3600_000))],
  ])("refuses a cursor that is %s with 400 invalidCursor", (_, cursor) => {
    expect(failure(() => decodeCursor(cursor, binding, NOW))).toStrictEqual(NOT_OURS);
  });

  it("accepts a cursor until cursorTimeout (24 hours) and then answers 400 expiredCursor", () => {
    const issued = new Date(NOW.getTime() - CURSOR_TIMEOUT_SECONDS * 1000);
    expect(decodeCursor(encodeCursor(binding, { position: 1, after: "x" }, issued), binding, NOW)).toStrictEqual({
      position: 1,
      after: "x",
    });
    const older = new Date(issued.getTime() - 1000);
    expect(
      failure(() => decodeCursor(encodeCursor(binding, { position: 1, after: "x" }, older), binding, NOW)),
    ).toStrictEqual({
      status: 400,
      scimType: "expiredCursor",
      detail:
        "'cursor' has expired: it was issued 24 hours ago and a cursor is valid for 24 hours (cursorTimeout 86400 seconds); start again with an empty cursor.",
    });
  });
});

describe("cursor and count parameters (RFC 9865 §2, §3)", () => {
  const list = (text: string) => parseListParams(new URLSearchParams(text), "User", 200);
  const search = (body: Record<string, unknown>) =>
    parseSearchRequest({ schemas: [URN.searchRequest], ...body }, "User", 200);

  it("reads `?cursor`, `?cursor=` and a SearchRequest's empty cursor as the first page", () => {
    expect(list("cursor").cursor).toBe("");
    expect(list("cursor=&count=10")).toMatchObject({ cursor: "", count: 10 });
    expect(search({ cursor: "", count: 10 })).toMatchObject({ cursor: "", count: 10 });
    expect(list("count=10").cursor).toBeUndefined();
  });

  it("caps count at maxResults with a cursor, as with startIndex", () => {
    expect(list("cursor=abc&count=5000")).toMatchObject({ cursor: "abc", count: 200 });
  });

  it.each([
    [
      "count=0 with a cursor",
      () => list("cursor=&count=0"),
      "invalidCount",
      "'count' must be a positive whole number with 'cursor' (got 0); at most 200 are served per page.",
    ],
    [
      "count=-5 with a cursor",
      () => list("cursor=abc&count=-5"),
      "invalidCount",
      "'count' must be a positive whole number with 'cursor' (got -5); at most 200 are served per page.",
    ],
    [
      "cursor with startIndex",
      () => list("cursor=&startIndex=1"),
      "invalidValue",
      "'cursor' and 'startIndex' cannot be used together: send 'cursor' (empty for the first page) for cursor paging (RFC 9865), or 'startIndex' for index paging.",
    ],
    [
      "cursor with startIndex in a SearchRequest",
      () => search({ cursor: "", startIndex: 1 }),
      "invalidValue",
      "'cursor' and 'startIndex' cannot be used together: send 'cursor' (empty for the first page) for cursor paging (RFC 9865), or 'startIndex' for index paging.",
    ],
    [
      "a SearchRequest cursor that is not a string",
      () => search({ cursor: 5 }),
      "invalidValue",
      "'cursor' must be a string (got 5).",
    ],
  ])("refuses %s with 400 naming what is wrong", (_, run, scimType, detail) => {
    expect(failure(run)).toStrictEqual({ status: 400, scimType, detail });
  });

  it("keeps index paging's leniency without a cursor: count 0 and negative mean 0", () => {
    expect(list("count=-5").count).toBe(0);
    expect(list("startIndex=1&count=0").count).toBe(0);
  });
});
