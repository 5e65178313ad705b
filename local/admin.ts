import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../shared/config.js";
import { createServices, type Services } from "../shared/http/services.js";
import { DEFAULT_LOCAL_STORE_PORT, LOCAL_STORE_KEY } from "./host.js";

/**
 * The admin CLI: `npm run admin -- <noun> <verb> [options]`. It works against the same store as
 * the service: the Cosmos DB account in COSMOS_ENDPOINT (signed in with DefaultAzureCredential,
 * e.g. `az login`), or else the embedded store of a running `npm start`.
 */

const USAGE = `Usage: npm run admin -- <command> [options]
  tenant create --name NAME [--json]
  tenant list [--json]
  token create --tenant ID --name NAME [--expires ISO-DATE-TIME] [--json]
  token list --tenant ID [--json]`;

export class UsageError extends Error {}

type Out = (text: string) => void;

function settings(env: Record<string, string | undefined>) {
  if (env.COSMOS_ENDPOINT) return env;
  const port = env.LOCAL_STORE_PORT || String(DEFAULT_LOCAL_STORE_PORT);
  return { ...env, COSMOS_ENDPOINT: `http://127.0.0.1:${port}`, COSMOS_KEY: LOCAL_STORE_KEY };
}

function required(values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (typeof v !== "string" || v.trim() === "") throw new UsageError(`--${name} is required`);
  return v.trim();
}

function parseExpiry(text: string | undefined, now: Date): Date | undefined {
  if (text === undefined) return undefined;
  const t = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(t)) {
    throw new UsageError(`--expires must be an ISO date-time such as 2027-01-31T00:00:00Z (got "${text}")`);
  }
  if (t <= now.getTime()) throw new UsageError(`--expires must be in the future (got ${text})`);
  return new Date(t);
}

/** Runs one command; returns the exit code. Output goes to `out`, one-line errors to `err`. */
export async function runAdmin(
  argv: string[],
  options: { env?: Record<string, string | undefined>; out?: Out; err?: Out; services?: Services } = {},
): Promise<number> {
  const out = options.out ?? ((t) => process.stdout.write(t + "\n"));
  const err = options.err ?? ((t) => process.stderr.write(t + "\n"));
  try {
    const { positionals, values } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        name: { type: "string" },
        tenant: { type: "string" },
        expires: { type: "string" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
    if (values.help || positionals.length === 0) {
      out(USAGE);
      return positionals.length === 0 && !values.help ? 2 : 0;
    }
    const command = positionals.join(" ");
    const svc = options.services ?? createServices(loadConfig(settings(options.env ?? process.env)));
    const now = svc.now();
    const json = values.json === true;
    const print = (data: unknown, text: string) => out(json ? JSON.stringify(data, null, 2) : text);

    switch (command) {
      case "tenant create": {
        const tenant = await svc.tenants.createTenant(required(values, "name"), now);
        print(tenant, `Created tenant ${tenant.id} (${tenant.name})`);
        return 0;
      }
      case "tenant list": {
        const tenants = await svc.tenants.listTenants();
        print(tenants, tenants.map((t) => `${t.id}  ${t.name}  created ${t.createdAt}`).join("\n") || "No tenants.");
        return 0;
      }
      case "token create": {
        const tenantId = required(values, "tenant");
        const name = required(values, "name");
        const expiresAt = parseExpiry(values.expires as string | undefined, now);
        if (!(await svc.tenants.getTenant(tenantId))) throw new UsageError(`no tenant with id ${tenantId} (see: tenant list)`);
        const { token, secret } = await svc.tenants.createToken(tenantId, name, now, { expiresAt });
        print(
          { id: token.id, token: secret, expiresAt: token.expiresAt ?? null, name: token.name, tenantId },
          `Token ${token.id} (${name}) for tenant ${tenantId}${token.expiresAt ? `, expires ${token.expiresAt}` : ", no expiry"}.\n` +
            `Secret Token (shown once; paste it into Entra): ${secret}`,
        );
        return 0;
      }
      case "token list": {
        const tokens = await svc.tenants.listTokens(required(values, "tenant"), now);
        print(
          tokens,
          tokens.map((t) => `${t.id}  ${t.name}  ${t.status}  created ${t.createdAt}  expires ${t.expiresAt ?? "never"}`).join("\n") || "No tokens.",
        );
        return 0;
      }
      default:
        throw new UsageError(`unknown command "${command}"; run with --help for the list`);
    }
  } catch (error) {
    err(`error: ${describe(error)}`);
    return error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS") ? 2 : 1;
  }
}

function describe(error: unknown): string {
  const e = error as { message?: string; code?: unknown; cause?: { code?: string } };
  const text = `${e.message ?? error}`;
  if (/ECONNREFUSED/.test(text) || e.cause?.code === "ECONNREFUSED" || e.code === "ECONNREFUSED") {
    return "cannot reach the store: start the service with `npm start` in another terminal, or set COSMOS_ENDPOINT to a Cosmos DB account";
  }
  return text.split("\n")[0];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  runAdmin(process.argv.slice(2)).then((code) => process.exit(code));
}
