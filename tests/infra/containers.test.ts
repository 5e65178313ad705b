import { describe, expect, it } from "vitest";
import { evaluate, ofType, single, storeDefinition, withoutComments, withoutNulls } from "./template.js";

const store = storeDefinition();
const { resources } = evaluate();
const containers = ofType(resources, "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers");

describe("Cosmos DB containers against shared/store/containers.json", () => {
  it("creates the database the code uses", () => {
    const database = single(resources, "Microsoft.DocumentDB/databaseAccounts/sqlDatabases");
    expect(database.properties["resource"]).toEqual({ id: store.database });
    expect(String(database.name)).toMatch(new RegExp(`/${store.database}$`));
  });

  it("creates exactly the containers the file lists, in the store's database", () => {
    expect(containers.map((c) => (c.properties["resource"] as { id: string }).id)).toEqual(
      store.containers.map((c) => c.id),
    );
    for (const container of containers) {
      const id = (container.properties["resource"] as { id: string }).id;
      expect(String(container.name)).toMatch(new RegExp(`/${store.database}/${id}$`));
    }
  });

  it.each(store.containers.map((c) => [c.id, c] as const))(
    "creates container %s with the file's partition key, unique keys, indexing policy and TTL",
    (id, definition) => {
      const container = containers.find((c) => (c.properties["resource"] as { id: string }).id === id);
      expect(container, `container ${id}`).toBeDefined();
      // Whole-object comparison: every Cosmos property the file sets reaches ARM unchanged,
      // and nothing else is sent (a property cosmos.bicep does not pass through fails here).
      const sent = withoutNulls(container!.properties["resource"] as Record<string, unknown>);
      expect(sent).toEqual(withoutComments(definition));
    },
  );

  it('runs the account with Strong consistency in a single region (the store relies on it: README "Consistency")', () => {
    const account = single(resources, "Microsoft.DocumentDB/databaseAccounts");
    expect(account.properties["consistencyPolicy"]).toEqual({ defaultConsistencyLevel: "Strong" });
    expect((account.properties["locations"] as unknown[]).length).toBe(1);
    expect(account.properties["enableMultipleWriteLocations"]).toBe(false);
  });

  it("indexes nothing by default in any container: each includes only the paths its queries use", () => {
    for (const container of store.containers) {
      const policy = container.indexingPolicy as { excludedPaths: { path: string }[] };
      expect(policy.excludedPaths.map((p) => p.path)).toContain("/*");
    }
  });

  it("leaves throughput to the database (containers set no throughput of their own)", () => {
    for (const container of containers) expect(container.properties["options"] ?? {}).toEqual({});
  });
});
