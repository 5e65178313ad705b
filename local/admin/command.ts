import type { Services } from "../../shared/http/services.js";

/** A command's parsed options (strings and booleans, as node:util parseArgs gives them). */
export type Args = Record<string, string | boolean | undefined>;

/** What a command prints: `data` with --json, `text` otherwise. */
export interface Output {
  data: unknown;
  text: string;
}

export type Command = (args: Args, svc: Services, now: Date) => Promise<Output>;

/** The parseArgs option table a command module contributes. */
export type OptionTable = Record<string, { type: "string" | "boolean"; short?: string }>;

/** A bad invocation: printed as one line, exit code 2. */
export class UsageError extends Error {}

export function required(args: Args, name: string): string {
  const v = args[name];
  if (typeof v !== "string" || v.trim() === "") throw new UsageError(`--${name} is required`);
  return v.trim();
}

export async function requireTenant(args: Args, svc: Services): Promise<string> {
  const tenantId = required(args, "tenant");
  if (!(await svc.tenants.getTenant(tenantId))) throw new UsageError(`no tenant with id ${tenantId} (see: tenant list)`);
  return tenantId;
}
