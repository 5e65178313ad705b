import { ADMIN_CLI, type OperationContext, type Services } from "../../../shared/operations/context.js";
import { requireTenant as findTenant } from "../../../shared/operations/tenants.js";

/** A command's parsed options (strings and booleans, as node:util parseArgs gives them). */
export type Args = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** What a command prints: `data` with --json, `text` otherwise. */
interface Output {
  data: unknown;
  text: string;
}

export type Command = (args: Args, svc: Services, now: Date) => Promise<Output>;

/** The parseArgs option table a command module contributes. */
export type OptionTable = Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }>;

/** Every value of a repeatable option (`--audience A --audience B`). */
export const many = (args: Args, name: string): string[] => {
  const v = (args as Record<string, unknown>)[name];
  return Array.isArray(v) ? v.map(String) : typeof v === "string" ? [v] : [];
};

/** A bad invocation: printed as one line, exit code 2. */
export class UsageError extends Error {}

export function required(args: Args, name: string): string {
  const v = args[name];
  if (typeof v !== "string" || v.trim() === "") throw new UsageError(`--${name} is required`);
  return v.trim();
}

export const optional = (args: Args, name: string): string | undefined =>
  typeof args[name] === "string" ? (args[name] as string) : undefined;

/** The operation context of a command on one tenant (`--tenant`), acting as the admin CLI. */
export async function tenantContext(args: Args, svc: Services, now: Date): Promise<OperationContext> {
  const tenantId = required(args, "tenant");
  await findTenant(svc, tenantId);
  return { tenantId, actor: ADMIN_CLI, now, services: svc, baseUrl: "" };
}

/** A whole-number option from 1 to `max`, or `fallback` when absent. */
export function positive(
  args: Record<string, unknown>,
  name: string,
  fallback?: number,
  max = 10_000,
): number | undefined {
  const v = args[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (typeof v !== "string" || !/^\d+$/.test(v) || n < 1 || n > max)
    throw new UsageError(`--${name} must be a whole number from 1 to ${max} (got "${v}")`);
  return n;
}

/** Runs a parser whose errors are usage errors (exit 2). */
export function usage<T>(f: () => T): T {
  try {
    return f();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
