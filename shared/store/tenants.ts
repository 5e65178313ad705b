import { randomUUID } from "node:crypto";
import type { Container } from "@azure/cosmos";
import { call } from "./errors.js";
import { read } from "./retry.js";

/** A customer company. Everything else is partitioned by its id. */
export interface Tenant {
  id: string;
  name: string;
  createdAt: string;
  /** The customer's Entra tenant id (`tid`), once linked by the first Admin's sign-in. */
  entraTenantId?: string;
}

const view = ({ id, name, createdAt, entraTenantId }: Tenant): Tenant => ({
  id,
  name,
  createdAt,
  ...(entraTenantId ? { entraTenantId } : {}),
});

/** Tenant documents (their settings live on the same document: see settings.ts). */
export class TenantStore {
  constructor(private readonly tenants: Container) {}

  async create(name: string, now: Date, id: string = randomUUID()): Promise<Tenant> {
    const tenant: Tenant = { id, name, createdAt: now.toISOString() };
    await call(() => this.tenants.items.create(tenant));
    return tenant;
  }

  async get(id: string): Promise<Tenant | undefined> {
    const doc = await read(() => this.tenants.item(id, id).read<Tenant>());
    return doc ? view(doc) : undefined;
  }

  /** The tenant linked to an Entra tenant id (compared case-insensitively), if any. */
  async findByEntraTenantId(entraTenantId: string): Promise<Tenant | undefined> {
    const { resources } = await call(() =>
      this.tenants.items
        .query<Tenant>({
          query:
            "SELECT c.id, c.name, c.createdAt, c.entraTenantId FROM c WHERE IS_DEFINED(c.entraTenantId) AND LOWER(c.entraTenantId) = @tid",
          parameters: [{ name: "@tid", value: entraTenantId.toLowerCase() }],
        })
        .fetchAll(),
    );
    return resources[0] ? view(resources[0]) : undefined;
  }

  /** Links the tenant to an Entra tenant id (first Admin's sign-in through an invite). */
  async linkEntraTenant(id: string, entraTenantId: string): Promise<void> {
    await call(() =>
      this.tenants.item(id, id).patch([{ op: "set", path: "/entraTenantId", value: entraTenantId.toLowerCase() }]),
    );
  }

  async list(): Promise<Tenant[]> {
    return call(async () =>
      (
        await this.tenants.items
          .query<Tenant>("SELECT c.id, c.name, c.createdAt, c.entraTenantId FROM c ORDER BY c.createdAt", {
            maxItemCount: 1000,
          })
          .fetchAll()
      ).resources.map(view),
    );
  }
}
