import type { Container, JSONObject } from "@azure/cosmos";
import { NotFoundError, cosmosStatus, fromCosmos } from "./errors.js";
import { StaleWriteError } from "./resources.js";
import { read } from "./retry.js";

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

  /** The tenant's settings as stored now, with the version a write must name (operations/settings.ts). */
  async load(tenantId: string): Promise<{ settings: StoredSettings; version: string }> {
    const doc = await read(() => this.tenants.item(tenantId, tenantId).read<TenantDoc>());
    if (!doc) throw new NotFoundError(`tenant ${tenantId}`);
    return { settings: doc.settings ?? {}, version: doc._etag! };
  }

  /**
   * Writes a tenant's settings, only if they are unchanged since `version` was loaded
   * (StaleWriteError else: the caller loads and plans again, operations/retry.ts). Only the
   * settings field of the tenant document changes.
   */
  async write(tenantId: string, settings: StoredSettings, version: string): Promise<void> {
    try {
      await this.tenants
        .item(tenantId, tenantId)
        .patch([{ op: "set", path: "/settings", value: settings as JSONObject }], {
          accessCondition: { type: "IfMatch", condition: version },
        });
    } catch (error) {
      if (cosmosStatus(error) === 412) throw new StaleWriteError(`the settings of tenant ${tenantId}`);
      if (cosmosStatus(error) === 404) throw new NotFoundError(`tenant ${tenantId}`);
      throw fromCosmos(error);
    }
    this.cache.delete(tenantId);
  }
}
