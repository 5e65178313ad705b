import { ADMIN_CLI, type OperationContext, type Services } from "../../shared/operations/context.js";
import { requireTenant as findTenant } from "../../shared/operations/tenants.js";

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

export const optional = (args: Args, name: string): string | undefined => (typeof args[name] === "string" ? (args[name] as string) : undefined);

/** The operation context of a command on one tenant (`--tenant`), acting as the admin CLI. */
export async function tenantContext(args: Args, svc: Services, now: Date): Promise<OperationContext> {
  const tenantId = required(args, "tenant");
  await findTenant(svc, tenantId);
  return { tenantId, actor: ADMIN_CLI, now, services: svc, baseUrl: "" };
}
