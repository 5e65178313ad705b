import { randomUUID } from "node:crypto";
import type { Container } from "@azure/cosmos";
import { call, read } from "./errors.js";

/** A customer company. Everything else is partitioned by its id. */
export interface Tenant {
  id: string;
  name: string;
  createdAt: string;
  /** The customer's Entra tenant id (`tid`), once linked by the first Admin's sign-in. */
  entraTenantId?: string;
}

const view = ({ id, name, createdAt, entraTenantId }: Tenant): Tenant => ({ id, name, createdAt, ...(entraTenantId ? { entraTenantId } : {}) });

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

  async list(): Promise<Tenant[]> {
    return call(async () => (await this.tenants.items.query<Tenant>("SELECT c.id, c.name, c.createdAt, c.entraTenantId FROM c ORDER BY c.createdAt", { maxItemCount: 1000 }).fetchAll()).resources.map(view));
  }
}
