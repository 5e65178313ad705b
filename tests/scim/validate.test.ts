import { describe, expect, it } from "vitest";
import { RESOURCE_LIMITS, isDateTime, validateResource } from "../../shared/scim/validate.js";
import { NAME_LIMITS, foldUserName, nameProblem } from "../../shared/scim/names.js";
import { parseResource } from "../../shared/scim/resource.js";
import { URN } from "../../shared/scim/urns.js";

const invalidValue = (detail: string) => expect.objectContaining({ status: 400, scimType: "invalidValue", detail });
const START = URN.productUser;

describe("isDateTime (RFC 7643 §2.3.5 xsd:dateTime)", () => {
  it.each([
    "2026-03-01",
    "2024-02-29",
    "2000-02-29T00:00:00Z",
    "2026-03-01T10:20:30Z",
    "2026-03-01T10:20:30.123456Z",
    "2026-03-01T10:20:30+14:00",
    "2026-03-01T10:20:30-05:30",
    "2026-03-01T10:20:30",
    "2026-03-01T10:20Z",
    "2026-12-31T23:59:59Z",
    "2026-03-01T24:00:00Z",
  ])("accepts %s", (text) => {
    expect(isDateTime(text)).toBe(true);
  });

  it.each([
    "2026-13-01",
    "2026-00-10",
    "2026-01-45",
    "2026-01-00",
    "2026-02-30",
    "2026-02-29",
    "1900-02-29",
    "2026-04-31",
    "2026-03-01T25:61:61Z",
    "2026-03-01T23:60:00Z",
    "2026-03-01T23:59:60Z",
    "2026-03-01T24:00:01Z",
    "2026-03-01T10:00:00+15:00",
    "2026-03-01T10:00:00+14:30",
    "2026-03-01T10:00:00+01:60",
    "next week",
    "2026-3-1",
  ])("rejects %s", (text) => {
    expect(isDateTime(text)).toBe(false);
  });

  it.each(["2026-13-01", "2026-01-45", "2026-02-30", "2025-02-29", "2026-03-01T25:61:61Z"])(
    "makes %s a 400 invalidValue naming the attribute",
    (value) => {
      expect(() =>
        parseResource({ schemas: [URN.user], userName: "a", [START]: { employmentStartDate: value } }, "User"),
      ).toThrow(
        invalidValue(
          `User attribute '${URN.productUser}:employmentStartDate' must be an xsd:dateTime such as 2026-03-01T00:00:00Z (or a date such as 2026-03-01).`,
        ),
      );
    },
  );
});

describe("userName and group displayName", () => {
  it("advertises its limit", () => {
    expect(NAME_LIMITS).toEqual({ maxLength: 256 });
  });

  const long = "a".repeat(NAME_LIMITS.maxLength + 1);
  it.each<[string, string, string]>([
    [
      "a control character",
      "ann\u0000@contoso.com",
      "User attribute 'userName' contains the control character U+0000 at position 3.",
    ],
    [
      "a newline",
      "ann@contoso.com\n",
      "User attribute 'userName' contains the control character U+000A at position 15.",
    ],
    [
      "a C1 control character",
      "ann\u0085@contoso.com",
      "User attribute 'userName' contains the control character U+0085 at position 3.",
    ],
    [
      "a leading space",
      " ann@contoso.com",
      `User attribute 'userName' begins or ends with whitespace (" ann@contoso.com"); send it without.`,
    ],
    [
      "a trailing no-break space",
      "ann@contoso.com\u00a0",
      `User attribute 'userName' begins or ends with whitespace ("ann@contoso.com\u00a0"); send it without.`,
    ],
    ["too many characters", long, `User attribute 'userName' is ${long.length} characters long; the limit is 256.`],
  ])("rejects a userName with %s (400 invalidValue), without trimming it", (_, userName, detail) => {
    expect(() => parseResource({ schemas: [URN.user], userName }, "User")).toThrow(invalidValue(detail));
  });

  it("applies the same rules to a group displayName", () => {
    expect(() => parseResource({ schemas: [URN.group], displayName: "Sales " }, "Group")).toThrow(
      invalidValue(`Group attribute 'displayName' begins or ends with whitespace ("Sales "); send it without.`),
    );
  });

  it.each(["ann@contoso.com", "Anne Müller", "a".repeat(256), "😀".repeat(256), "名前@例え.jp", "inner  spaces ok"])(
    "accepts %j as sent",
    (userName) => {
      expect(parseResource({ schemas: [URN.user], userName }, "User").resource.userName).toBe(userName);
      expect(nameProblem(userName)).toBeUndefined();
    },
  );

  it("checks the result of a PATCH too (validateResource)", () => {
    expect(() => validateResource({ schemas: [URN.user], userName: "ann\t" }, "User")).toThrow(
      invalidValue("User attribute 'userName' contains the control character U+0009 at position 3."),
    );
  });
});

describe("foldUserName", () => {
  it.each<[string, string]>([
    ["ALICE@Contoso.COM", "alice@contoso.com"],
    ["Straße", "strasse"],
    ["STRASSE", "strasse"],
    ["ﬁle", "file"],
    ["Ａｌｉｃｅ", "alice"],
    ["\u212Aelvin", "kelvin"],
    ["ΣΑΣ", "σασ"],
    ["σας", "σασ"],
    ["e\u0301", "\u00e9"],
  ])("folds %j to %j", (input, folded) => {
    expect(foldUserName(input)).toBe(folded);
  });

  it("is idempotent", () => {
    for (const s of ["Straße", "ΣΑΣ", "İstanbul", "Ａｌｉｃｅ", "ﬃ"])
      expect(foldUserName(foldUserName(s))).toBe(foldUserName(s));
  });
});

describe("values per multi-valued attribute (RESOURCE_LIMITS.maxValues)", () => {
  const values = (n: number) => Array.from({ length: n }, (_, i) => ({ value: `v${i}` }));

  it.each(["emails", "phoneNumbers", "addresses", "roles", "entitlements", "ims", "photos", "x509Certificates"])(
    "rejects 101 %s and accepts 100",
    (name) => {
      const make = (n: number) => ({
        schemas: [URN.user],
        userName: "a",
        [name]: name === "addresses" ? values(n).map((v) => ({ locality: v.value })) : values(n),
      });
      expect(() => parseResource(make(RESOURCE_LIMITS.maxValues + 1), "User")).toThrow(
        invalidValue(`User attribute '${name}' has 101 values; the limit is 100 values per multi-valued attribute.`),
      );
      expect(() => parseResource(make(RESOURCE_LIMITS.maxValues), "User")).not.toThrow();
    },
  );

  it("rejects more than 1,000 members in a Group body with 400 tooMany", () => {
    expect(() => parseResource({ schemas: [URN.group], displayName: "G", members: values(1001) }, "Group")).toThrow(
      expect.objectContaining({
        status: 400,
        scimType: "tooMany",
        detail:
          "The request names 1001 members; the limit is 1000 members per request. Create the group with fewer members and add the rest with PATCH.",
      }),
    );
    expect(
      parseResource({ schemas: [URN.group], displayName: "G", members: values(1000) }, "Group").members,
    ).toHaveLength(1000);
  });
});
