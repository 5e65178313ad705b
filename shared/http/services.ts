import { loadConfig, type Config } from "../config.js";
import { openCosmos } from "../store/cosmos.js";
import { ResourceStore } from "../store/resources.js";
import { TenantStore } from "../store/tenants.js";
import { SettingsStore } from "../store/settings.js";

/** Everything a function needs, built once per process from the configuration. */
export interface Services {
  config: Config;
  tenants: TenantStore;
  resources: ResourceStore;
  settings: SettingsStore;
  /** The clock; tests freeze it. */
  now: () => Date;
}

export function createServices(config: Config, now: () => Date = () => new Date()): Services {
  const cosmos = openCosmos(config.cosmos);
  return {
    config,
    tenants: new TenantStore(cosmos.tenants, cosmos.tokens, config.tokenCacheMs),
    resources: new ResourceStore(cosmos.resources),
    settings: new SettingsStore(cosmos.tenants, config.tokenCacheMs),
    now,
  };
}

let current: Services | undefined;

/** The process's services: built from process.env on first use unless `useServices` set them. */
export function services(): Services {
  current ??= createServices(loadConfig(process.env));
  return current;
}

/** Replaces the process's services (the local host and tests). */
export function useServices(next: Services | undefined): void {
  current = next;
}
