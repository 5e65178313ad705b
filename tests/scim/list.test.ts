import { describe, expect, it } from "vitest";
import { parseListParams, parseSearchRequest, type ListParams } from "../../shared/scim/list.js";
import { parseFilter, qualifyFilter } from "../../shared/scim/filter.js";
import { URN } from "../../shared/scim/urns.js";

const ENT = URN.enterpriseUser;
const search = (fields: Record<string, unknown>) => ({ schemas: [URN.searchRequest], ...fields });

describe("parseSearchRequest (RFC 7644 §3.4.3)", () => {
  it("produces exactly what parseListParams produces for the same parameters", () => {
    const query = new URLSearchParams({
      filter: 'userName eq "a" and employeeNumber eq "7"',
      attributes: "userName,emails",
      excludedAttributes: "name",
      sortBy: "userName",
      sortOrder: "descending",
      startIndex: "3",
      count: "10",
    });
    const body = search({
      filter: 'userName eq "a" and employeeNumber eq "7"',
      attributes: ["userName", "emails"],
      excludedAttributes: ["name"],
      sortBy: "userName",
      sortOrder: "descending",
      startIndex: 3,
      count: 10,
    });
    expect(parseSearchRequest(body, "User", 100)).toStrictEqual(parseListParams(query, "User", 100));
  });

  it.each<[string, unknown, Partial<ListParams>]>([
    [
      "defaults for an empty SearchRequest",
      search({}),
      { startIndex: 1, count: 50, descending: false, filter: undefined },
    ],
    [
      "count capped at maxResults, startIndex raised to 1",
      search({ count: 5000, startIndex: -4 }),
      { count: 50, startIndex: 1 },
    ],
    ["a negative count as 0", search({ count: -1 }), { count: 0 }],
    [
      "a comma-separated attributes string",
      search({ attributes: "userName, emails" }),
      { projection: { attributes: [["userName"], ["emails"]], excludedAttributes: undefined } },
    ],
    [
      "case-insensitive member names and null members",
      search({ Filter: 'userName eq "x"', COUNT: 2, sortBy: null }),
      { filter: { kind: "compare", attrPath: "userName", op: "eq", value: "x" }, count: 2, sortBy: undefined },
    ],
    ["unknown members ignored", search({ aadOptscim062020: true }), { startIndex: 1 }],
  ])("accepts %s", (_, body, expected) => {
    expect(parseSearchRequest(body, "User", 50)).toMatchObject(expected);
  });

  it.each<[string, unknown, string, string]>([
    [
      "a body that is not an object",
      "x",
      "invalidSyntax",
      "The request body must be a SearchRequest object (RFC 7644 §3.4.3).",
    ],
    [
      "missing schemas",
      { filter: "x" },
      "invalidSyntax",
      `'schemas' must be an array that contains "${URN.searchRequest}".`,
    ],
    [
      "the wrong schema",
      { schemas: [URN.patchOp] },
      "invalidSyntax",
      `'schemas' must be an array that contains "${URN.searchRequest}".`,
    ],
    ["a numeric filter", search({ filter: 5 }), "invalidValue", "'filter' must be a string (got 5)."],
    [
      "startIndex as a string",
      search({ startIndex: "2" }),
      "invalidValue",
      `'startIndex' must be a whole number (got "2").`,
    ],
    ["a fractional count", search({ count: 1.5 }), "invalidValue", "'count' must be a whole number (got 1.5)."],
    [
      "attributes of numbers",
      search({ attributes: [1] }),
      "invalidValue",
      "'attributes' must be an array of attribute names (got [1]).",
    ],
    [
      "a bad sortOrder",
      search({ sortOrder: "up" }),
      "invalidValue",
      `'sortOrder' must be "ascending" or "descending" (got "up").`,
    ],
    [
      "an unknown attribute",
      search({ attributes: ["shoeSize"] }),
      "invalidValue",
      "'attributes' names 'shoeSize', which is not an attribute of User.",
    ],
  ])("rejects %s", (_, body, scimType, detail) => {
    expect(() => parseSearchRequest(body, "User", 50)).toThrow(
      expect.objectContaining({ status: 400, scimType, detail }),
    );
  });

  it("applies the filter limits", () => {
    const filter = Array.from({ length: 21 }, (_, i) => `a${i} pr`).join(" and ");
    expect(() => parseSearchRequest(search({ filter }), "User", 50)).toThrow(
      expect.objectContaining({ status: 400, scimType: "invalidFilter" }),
    );
  });
});

describe("qualifyFilter: unqualified extension attribute names", () => {
  it.each<[string, string]>([
    ['employeeNumber eq "7"', `${ENT}:employeeNumber eq "7"`],
    ['manager.value eq "m"', `${ENT}:manager.value eq "m"`],
    ["manager pr", `${ENT}:manager pr`],
    ['employmentStartDate gt "2026-01-01"', `${URN.productUser}:employmentStartDate gt "2026-01-01"`],
    ['userName eq "a" and not (employeeNumber eq "7")', `userName eq "a" and not (${ENT}:employeeNumber eq "7")`],
    ['userName eq "a"', 'userName eq "a"'],
    ['emails[type eq "work"].value eq "x"', 'emails[type eq "work"].value eq "x"'],
    [`${ENT}:employeeNumber eq "7"`, `${ENT}:employeeNumber eq "7"`],
    ['shoeSize eq "7"', 'shoeSize eq "7"'],
  ])("qualifies %s", (text, expected) => {
    expect(qualifyFilter(parseFilter(text), "User")).toStrictEqual(parseFilter(expected));
  });

  it("leaves a Group filter alone (Groups have no extensions)", () => {
    expect(qualifyFilter(parseFilter('displayName eq "x"'), "Group")).toStrictEqual(parseFilter('displayName eq "x"'));
  });

  it("is applied by parseListParams", () => {
    expect(parseListParams(new URLSearchParams({ filter: 'employeeNumber eq "7"' }), "User", 10).filter).toStrictEqual(
      parseFilter(`${ENT}:employeeNumber eq "7"`),
    );
  });
});
