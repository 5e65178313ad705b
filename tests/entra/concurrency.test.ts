import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningHost } from "../../local/host/host.js";
import {
  ENTERPRISE,
  ERROR,
  GROUP,
  USER,
  entraUser,
  patch,
  q,
  startTestHost,
  type Client,
  type ScimReply,
} from "../helpers/host.js";

/**
 * Concurrent writers over HTTP: Entra (and several Entra jobs) send overlapping requests for the
 * same resource. Every accepted write must survive, and uniqueness must hold under races.
 */

let host: RunningHost;
let scim: Client;

beforeAll(async () => {
  ({ host, scim } = await startTestHost());
});
afterAll(async () => host?.close());

const PRODUCT = "urn:ietf:params:scim:schemas:extension:scimfunctions:2.0:User";

const statuses = (replies: ScimReply[]) => replies.map((r) => r.status);
const memberIds = async (groupId: string) => {
  const res = await scim.get(`/Groups/${groupId}`);
  expect(res.status).toBe(200);
  return ((res.body.members ?? []) as { value: string }[]).map((m) => m.value).sort();
};

async function createUsers(prefix: string, n: number): Promise<string[]> {
  const replies = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      scim.post("/Users", { schemas: [USER], userName: `${prefix}${i}@concurrency.test` }),
    ),
  );
  expect(statuses(replies)).toEqual(replies.map(() => 201));
  return replies.map((r) => r.body.id);
}

describe("concurrent PATCHes of one user", () => {
  it("keeps every attribute when 20 PATCHes each set a different one at once", async () => {
    const created = await scim.post("/Users", { schemas: [USER], userName: "busy@concurrency.test" });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const ops: [string, string][] = [
      ["title", "Lead"],
      ["nickName", "Busy"],
      ["displayName", "Busy Bee"],
      ["userType", "Employee"],
      ["preferredLanguage", "sv-SE"],
      ["locale", "sv-SE"],
      ["timezone", "Europe/Stockholm"],
      ["profileUrl", "https://example.com/busy"],
      ["name.givenName", "Busy"],
      ["name.familyName", "Bee"],
      ["name.middleName", "B"],
      ["name.honorificPrefix", "Dr"],
      [`${ENTERPRISE}:department`, "Sales"],
      [`${ENTERPRISE}:costCenter`, "CC-1"],
      [`${ENTERPRISE}:organization`, "Contoso"],
      [`${ENTERPRISE}:division`, "North"],
      [`${ENTERPRISE}:employeeNumber`, "1001"],
      [`${PRODUCT}:employmentStartDate`, "2026-03-01"],
      ['phoneNumbers[type eq "work"].value', "55555555555"],
      ['addresses[type eq "work"].locality', "Stockholm"],
    ];
    expect(ops).toHaveLength(20);

    const replies = await Promise.all(
      ops.map(([path, value]) => scim.patch(`/Users/${id}`, patch({ op: "Replace", path, value }))),
    );

    expect(statuses(replies)).toEqual(ops.map(() => 200));
    const final = await scim.get(`/Users/${id}`);
    expect(final.body).toEqual({
      schemas: [USER, ENTERPRISE, PRODUCT],
      id,
      userName: "busy@concurrency.test",
      title: "Lead",
      nickName: "Busy",
      displayName: "Busy Bee",
      userType: "Employee",
      preferredLanguage: "sv-SE",
      locale: "sv-SE",
      timezone: "Europe/Stockholm",
      profileUrl: "https://example.com/busy",
      name: { givenName: "Busy", familyName: "Bee", middleName: "B", honorificPrefix: "Dr" },
      [ENTERPRISE]: {
        department: "Sales",
        costCenter: "CC-1",
        organization: "Contoso",
        division: "North",
        employeeNumber: "1001",
      },
      [PRODUCT]: { employmentStartDate: "2026-03-01" },
      phoneNumbers: [{ type: "work", value: "55555555555" }],
      addresses: [{ type: "work", locality: "Stockholm" }],
      meta: expect.objectContaining({ resourceType: "User", version: expect.any(String) }),
    });
    // The lookups still find the user by its unchanged userName and its new employeeNumber.
    expect(
      (await scim.get(`/Users?filter=${q('userName eq "BUSY@concurrency.test"')}`)).body.Resources.map(
        (r: { id: string }) => r.id,
      ),
    ).toEqual([id]);
  });
});

describe("concurrent membership changes of one group", () => {
  it("keeps all 20 members when 20 PATCHes each add a different member at once", async () => {
    const users = await createUsers("joiner", 20);
    const g = await scim.post("/Groups", { schemas: [GROUP], displayName: "Crowded" });
    expect(g.status).toBe(201);

    const replies = await Promise.all(
      users.map((u) =>
        scim.patch(`/Groups/${g.body.id}`, patch({ op: "Add", path: "members", value: [{ $ref: null, value: u }] })),
      ),
    );

    expect(statuses(replies)).toEqual(users.map(() => 204));
    expect(await memberIds(g.body.id)).toEqual([...users].sort());
  });

  it("applies concurrent removals and additions of different members, in both dialects", async () => {
    const users = await createUsers("mover", 16);
    const initial = users.slice(0, 10);
    const g = await scim.post("/Groups", {
      schemas: [GROUP],
      displayName: "Moving",
      members: initial.map((value) => ({ value })),
    });
    expect(g.status).toBe(201);
    const path = `/Groups/${g.body.id}`;

    const removals = users
      .slice(0, 5)
      .map((u, i) =>
        i % 2 === 0
          ? scim.patch(path, patch({ op: "Remove", path: "members", value: [{ value: u }] }))
          : scim.patch(path, patch({ op: "remove", path: `members[value eq "${u}"]` })),
      );
    const additions = users
      .slice(10, 16)
      .map((u) => scim.patch(path, patch({ op: "Add", path: "members", value: [{ value: u }] })));
    const replies = await Promise.all([...removals, ...additions]);

    expect(statuses(replies)).toEqual(replies.map(() => 204));
    expect(await memberIds(g.body.id)).toEqual([...users.slice(5, 16)].sort());
  });

  it("keeps a rename and member additions that race each other", async () => {
    const users = await createUsers("renamer", 5);
    const g = await scim.post("/Groups", { schemas: [GROUP], displayName: "Before rename" });
    const path = `/Groups/${g.body.id}`;
    const replies = await Promise.all([
      ...users.map((u) => scim.patch(path, patch({ op: "Add", path: "members", value: [{ value: u }] }))),
      scim.patch(path, patch({ op: "Replace", path: "displayName", value: "After rename" })),
    ]);
    expect(statuses(replies)).toEqual(replies.map(() => 204));
    const res = await scim.get(path);
    expect(res.body.displayName).toBe("After rename");
    expect(res.body.members.map((m: { value: string }) => m.value).sort()).toEqual([...users].sort());
    expect((await scim.get(`/Groups?filter=${q('displayName eq "after rename"')}`)).body.totalResults).toBe(1);
    expect((await scim.get(`/Groups?filter=${q('displayName eq "Before rename"')}`)).body.totalResults).toBe(0);
  });
});

describe("uniqueness under races", () => {
  it("creates exactly one user when 10 POSTs of the same userName in different cases race, and answers the rest 409", async () => {
    const spellings = [
      "race@contoso.com",
      "RACE@contoso.com",
      "Race@Contoso.com",
      "rAce@contoso.COM",
      "raCe@CONTOSO.com",
      "racE@contoso.com",
      "RACE@CONTOSO.COM",
      "Race@contoso.com",
      "race@Contoso.Com",
      "rACE@contoso.com",
    ];
    const replies = await Promise.all(
      spellings.map((userName, i) => scim.post("/Users", entraUser(userName, { externalId: `race-${i}` }))),
    );

    const created = replies.filter((r) => r.status === 201);
    const conflicts = replies.filter((r) => r.status === 409);
    expect(created).toHaveLength(1);
    expect(conflicts).toHaveLength(9);
    for (const res of conflicts) {
      expect(res.body).toEqual({
        schemas: [ERROR],
        status: "409",
        scimType: "uniqueness",
        detail: expect.stringMatching(/userName '.*' is already used/),
      });
    }
    const winner = created[0]!.body;
    const lookup = await scim.get(`/Users?filter=${q('userName eq "race@contoso.com"')}`);
    expect(lookup.body).toMatchObject({ totalResults: 1, Resources: [{ id: winner.id, userName: winner.userName }] });
    // No orphan from a losing request: one stored user carries this userName, and the losers' externalIds are free.
    const all = await scim.get("/Users?count=200");
    expect(
      all.body.Resources.filter((r: { userName: string }) => r.userName.toLowerCase() === "race@contoso.com").map(
        (r: { id: string }) => r.id,
      ),
    ).toEqual([winner.id]);
    for (let i = 0; i < spellings.length; i++) {
      const found = await scim.get(`/Users?filter=${q(`externalId eq "race-${i}"`)}`);
      expect(found.body.totalResults, `race-${i}`).toBe(winner.externalId === `race-${i}` ? 1 : 0);
    }
  });

  it("lets exactly one of two groups win a concurrent rename to the same displayName, and keeps both findable", async () => {
    for (let round = 0; round < 3; round++) {
      const create = (n: string) => scim.post("/Groups", { schemas: [GROUP], displayName: `${n} ${round}` });
      const [a, b] = await Promise.all([create("Left"), create("Right")]);
      expect([a.status, b.status]).toEqual([201, 201]);
      const target = `Merged ${round}`;
      const rename = (g: ScimReply) =>
        scim.patch(`/Groups/${g.body.id}`, patch({ op: "Replace", path: "displayName", value: target }));
      const [ra, rb] = await Promise.all([rename(a), rename(b)]);

      expect([ra.status, rb.status].sort()).toEqual([204, 409]);
      const loserReply = ra.status === 409 ? ra : rb;
      expect(loserReply.body).toMatchObject({
        status: "409",
        scimType: "uniqueness",
        detail: expect.stringMatching(/displayName '.*' is already used/),
      });
      const [winner, loser] = ra.status === 204 ? [a.body, b.body] : [b.body, a.body];

      const byNew = await scim.get(`/Groups?excludedAttributes=members&filter=${q(`displayName eq "${target}"`)}`);
      expect(
        byNew.body.Resources.map((r: { id: string }) => r.id),
        `round ${round}`,
      ).toEqual([winner.id]);
      const byOld = await scim.get(
        `/Groups?excludedAttributes=members&filter=${q(`displayName eq "${loser.displayName}"`)}`,
      );
      expect(
        byOld.body.Resources.map((r: { id: string }) => r.id),
        `round ${round}`,
      ).toEqual([loser.id]);
      expect((await scim.get(`/Groups?filter=${q(`displayName eq "${winner.displayName}"`)}`)).body.totalResults).toBe(
        0,
      );
      expect((await scim.get(`/Groups/${loser.id}`)).body.displayName).toBe(loser.displayName);
      // The old name of the winner is free again; the new one is taken.
      expect((await scim.post("/Groups", { schemas: [GROUP], displayName: winner.displayName })).status).toBe(201);
      expect((await scim.post("/Groups", { schemas: [GROUP], displayName: target.toUpperCase() })).status).toBe(409);
    }
  });

  it("lets exactly one of two users win a concurrent rename to the same userName", async () => {
    const [a, b] = await createUsers("swap", 2);
    const rename = (id: string | undefined) =>
      scim.patch(`/Users/${id}`, patch({ op: "Replace", path: "userName", value: "taken@concurrency.test" }));
    const replies = await Promise.all([rename(a), rename(b)]);
    expect(statuses(replies).sort()).toEqual([200, 409]);
    const winner = replies[0].status === 200 ? a : b;
    const lookup = await scim.get(`/Users?filter=${q('userName eq "taken@concurrency.test"')}`);
    expect(lookup.body.Resources.map((r: { id: string }) => r.id)).toEqual([winner]);
  });
});
