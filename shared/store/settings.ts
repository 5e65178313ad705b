import type { Container } from "@azure/cosmos";
import { NotFoundError, cosmosStatus, fromCosmos } from "./errors.js";
import { Retry, withRetries, read } from "./retry.js";

/** Settings as stored on the tenant document: fields may be missing (shared/product/settings.ts fills in defaults). */
export type StoredSettings = Record<string, unknown>;

interface TenantDoc {
  id: string;
  settings?: StoredSettings;
  _etag?: string;
}

/**
 * Tenant settings, kept on the tenant document. Reads are cached for at most `cacheMs`, so an
 * admin's change reaches every running instance within that time (as token revocation does).
 */
export class SettingsStore {
  private readonly cache = new Map<string, { settings: StoredSettings; until: number }>();

  constructor(
    private readonly tenants: Container,
    private readonly cacheMs = 5000,
  ) {}

  /** The tenant's settings (cached); `fresh` reads the document (a decision that must see the latest mapping). */
  async get(tenantId: string, now: Date, options: { fresh?: boolean } = {}): Promise<StoredSettings> {
    const cached = this.cache.get(tenantId);
    if (!options.fresh && cached && cached.until > now.getTime()) return cached.settings;
    const doc = await read(() => this.tenants.item(tenantId, tenantId).read<TenantDoc>());
    if (!doc) throw new NotFoundError(`tenant ${tenantId}`);
    const settings = doc.settings ?? {};
    this.cache.set(tenantId, { settings, until: now.getTime() + this.cacheMs });
    return settings;
  }

  /** Read-modify-write of a tenant's settings, guarded by the document's ETag. */
  async update(tenantId: string, change: (current: StoredSettings) => StoredSettings): Promise<StoredSettings> {
    return withRetries({ attempts: 10, what: `updating the settings of tenant ${tenantId}` }, async () => {
      const doc = await read(() => this.tenants.item(tenantId, tenantId).read<TenantDoc>());
      if (!doc) throw new NotFoundError(`tenant ${tenantId}`);
      const settings = change(doc.settings ?? {});
      try {
        await this.tenants
          .item(tenantId, tenantId)
          .replace({ ...doc, settings }, { accessCondition: { type: "IfMatch", condition: doc._etag! } });
      } catch (error) {
        if (cosmosStatus(error) === 412) throw new Retry();
        throw fromCosmos(error);
      }
      this.cache.delete(tenantId);
      return settings;
    });
  }
}
