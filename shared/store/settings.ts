import type { Container } from "@azure/cosmos";
import { withDefaults, type TenantSettings } from "../product/settings.js";
import { isPreconditionFailed } from "./errors.js";

interface TenantDoc {
  id: string;
  settings?: Partial<TenantSettings>;
  _etag?: string;
}

/**
 * Tenant settings, kept on the tenant document. Reads are cached for at most `cacheMs`, so an
 * admin's change reaches every running instance within that time (as token revocation does).
 */
export class SettingsStore {
  private readonly cache = new Map<string, { settings: TenantSettings; until: number }>();

  constructor(
    private readonly tenants: Container,
    private readonly cacheMs = 5000,
  ) {}

  async get(tenantId: string, now: Date = new Date()): Promise<TenantSettings> {
    const cached = this.cache.get(tenantId);
    if (cached && cached.until > now.getTime()) return cached.settings;
    const { resource } = await this.tenants.item(tenantId, tenantId).read<TenantDoc>();
    if (!resource) throw new Error(`No tenant with id ${tenantId}`);
    const settings = withDefaults(resource.settings);
    this.cache.set(tenantId, { settings, until: now.getTime() + this.cacheMs });
    return settings;
  }

  /** Read-modify-write of a tenant's settings, guarded by the document's ETag. */
  async update(tenantId: string, change: (current: TenantSettings) => TenantSettings): Promise<TenantSettings> {
    for (let attempt = 1; ; attempt++) {
      const { resource } = await this.tenants.item(tenantId, tenantId).read<TenantDoc>();
      if (!resource) throw new Error(`No tenant with id ${tenantId}`);
      const settings = change(withDefaults(resource.settings));
      try {
        await this.tenants.item(tenantId, tenantId).replace({ ...resource, settings }, { accessCondition: { type: "IfMatch", condition: resource._etag! } });
        this.cache.delete(tenantId);
        return settings;
      } catch (error) {
        if (!isPreconditionFailed(error) || attempt >= 10) throw error;
      }
    }
  }
}
