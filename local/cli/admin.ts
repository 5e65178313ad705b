import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../../shared/config.js";
import { createServices } from "../../shared/services.js";
import type { Services } from "../../shared/operations/context.js";
import { OperationError, UnavailableError, toScimError } from "../../shared/operations/errors.js";
import { DEFAULT_LOCAL_STORE_PORT, LOCAL_STORE_KEY } from "../host/local-store.js";
import { UsageError, type Command, type OptionTable } from "./admin/command.js";
import { tenantCommands, tenantOptions } from "./admin/tenants.js";
import { tokenCommands, tokenOptions } from "./admin/tokens.js";
import { oauthCommands, oauthOptions } from "./admin/oauth.js";
import { settingsCommands, settingsOptions } from "./admin/settings.js";
import { roleCommands, roleOptions } from "./admin/roles.js";
import { teamCommands, teamOptions } from "./admin/teams.js";
import { userCommands, userOptions } from "./admin/users.js";
import { auditCommands, auditOptions } from "./admin/audit.js";
import { inviteCommands, inviteOptions } from "./admin/invite.js";
import { jobCommands, jobOptions } from "./admin/jobs.js";
import { safetyNetCommands, safetyNetOptions } from "./admin/safety-net.js";
import { eventCommands, eventOptions, oneLineJson } from "./admin/events.js";
import { DEFAULT_LOCAL_QUEUE_PORT, azuriteConnectionString } from "../host/local-queue.js";

/**
 * The admin CLI: `npm run admin -- <noun> <verb> [options]`. It works against the same store as
 * the service: the Cosmos DB account in COSMOS_ENDPOINT (signed in with DefaultAzureCredential,
 * e.g. `az login`), or else the embedded store of a running `npm start`.
 */

const USAGE = `Usage: npm run admin -- <command> [options] [--json]
  tenant create --name NAME
  tenant list
  tenant set --tenant ID [--retention-days N] [--audit-retention-days N]
  token create --tenant ID --name NAME [--expires DATE|ISO-DATE-TIME] [--audience TENANT-URL]
  token list --tenant ID
  token revoke --tenant ID --id TOKEN-ID
  oauth client create --tenant ID --name NAME [--lifetime-minutes 60..360] [--secret-years 1..3] [--base-url https://HOST]
  oauth client list --tenant ID
  oauth client revoke --tenant ID --client CLIENT-ID
  oauth secret add --tenant ID --client CLIENT-ID [--secret-years 1..3]
  oauth secret revoke --tenant ID --client CLIENT-ID --secret SECRET-ID
  oauth federation add --tenant ID --client CLIENT-ID --issuer ISSUER --subject OBJECT-ID [--audience A]...
  oauth federation remove --tenant ID --client CLIENT-ID --credential CREDENTIAL-ID
  oauth dev-assertion --client CLIENT-ID [--subject OBJECT-ID] [--audience A] [--oidc-url http://127.0.0.1:7072]
  login-types set --tenant ID --types password,entra
  role list --tenant ID
  role map --tenant ID --group GROUP --role ROLE [--pending]
  role unmap --tenant ID --group GROUP
  team create --tenant ID --name NAME
  team map --tenant ID --group GROUP --team TEAM [--pending]
  team unmap --tenant ID --group GROUP
  team list --tenant ID
  team rename --tenant ID --team TEAM-ID|NAME --name NEW-NAME
  team delete --tenant ID --team TEAM-ID|NAME
  user create --tenant ID --user-name NAME [--object-id ID] [--login-types password,entra]
  user list --tenant ID [--search TEXT] [--status active|disconnected] [--role ROLE] [--team TEAM] [--sort userName|created|lastModified] [--order asc|desc] [--deleted] [--limit N] [--page N]
  user show --tenant ID --user SCIM-ID|USER-NAME|OBJECT-ID
  user set-object-id --tenant ID --user SCIM-ID|USER-NAME|OBJECT-ID --object-id GUID
  audit list --tenant ID [--resource ID|NAME] [--operation OP] [--status success|failure] [--from ISO] [--to ISO] [--limit N] [--page N]
  audit export --tenant ID [the filters of audit list] [--out FILE]   (CSV, newest 10,000 events at most)
  audit ignored --tenant ID [--days N]
  admin invite --tenant ID [--user-name ENTRA-USER-NAME] [--base-url https://HOST]
  admin list --tenant ID
  admin grant --tenant ID --user SCIM-ID|USER-NAME
  admin demote --tenant ID --user SCIM-ID|USER-NAME
  invite list --tenant ID
  invite revoke --tenant ID --invite INVITE-ID
  jobs list --tenant ID [--limit N]
  jobs retry --tenant ID --job JOB-ID
  safety-net status --tenant ID
  safety-net release|discard --tenant ID
  safety-net set --tenant ID [--share PERCENT] [--min USERS] [--on|--off]
  events subscribe --tenant ID --url https://HOST/PATH [--format set|webhook|poll] [--content full|notice] [--description TEXT]
                   (--format poll takes no --url; --json prints one line {"id","secret"}: the secret is shown only then)
  events list --tenant ID
  events deliveries --tenant ID [--subscription SUBSCRIPTION-ID] [--state pending|delivered|dead] [--limit N] [--page N]
  events retry --tenant ID --delivery DELIVERY-ID
  events pause|resume|rotate|test|delete --tenant ID --subscription SUBSCRIPTION-ID
GROUP is a group's id, displayName or externalId; TEAM a team's id or name. A mapping keeps the group's id, so renames
never change it; --pending maps a name no group has yet (it binds when Entra creates that group).`;

const COMMANDS: Record<string, Command> = {
  ...tenantCommands,
  ...tokenCommands,
  ...oauthCommands,
  ...settingsCommands,
  ...roleCommands,
  ...teamCommands,
  ...userCommands,
  ...auditCommands,
  ...inviteCommands,
  ...jobCommands,
  ...safetyNetCommands,
  ...eventCommands,
};
const OPTIONS: OptionTable = {
  ...tenantOptions,
  ...tokenOptions,
  ...oauthOptions,
  ...settingsOptions,
  ...roleOptions,
  ...teamOptions,
  ...userOptions,
  ...auditOptions,
  ...inviteOptions,
  ...jobOptions,
  ...safetyNetOptions,
  ...eventOptions,
  tenant: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
};

type Out = (text: string) => void;

function settings(env: Record<string, string | undefined>) {
  if (env.COSMOS_ENDPOINT) return env;
  const port = env.LOCAL_STORE_PORT || String(DEFAULT_LOCAL_STORE_PORT);
  const queue =
    env.JobsQueue || env.JobsQueue__queueServiceUri
      ? {}
      : { JobsQueue: azuriteConnectionString(Number(env.LOCAL_QUEUE_PORT || DEFAULT_LOCAL_QUEUE_PORT)) };
  // The embedded store of `npm start`, whose development provider issues workload identity tokens (OIDC_PORT).
  const devIssuer = env.OAUTH_DEV_ISSUER || `http://127.0.0.1:${env.OIDC_PORT || 7072}`;
  return {
    ...env,
    COSMOS_ENDPOINT: `http://127.0.0.1:${port}`,
    COSMOS_KEY: LOCAL_STORE_KEY,
    OAUTH_DEV_ISSUER: devIssuer,
    // As on the local host: event subscribers may be http://localhost or http://127.0.0.1 (never beside Cosmos DB).
    EVENTS_ALLOW_LOCAL_URLS: env.EVENTS_ALLOW_LOCAL_URLS || "1",
    ...queue,
  };
}

/** Runs one command; returns the exit code. Output goes to `out`, one-line errors to `err`. */
export async function runAdmin(
  argv: string[],
  options: { env?: Record<string, string | undefined>; out?: Out; err?: Out; services?: Services } = {},
): Promise<number> {
  const out = options.out ?? ((t) => process.stdout.write(t + "\n"));
  const err = options.err ?? ((t) => process.stderr.write(t + "\n"));
  try {
    const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: OPTIONS });
    if (values.help || positionals.length === 0) {
      out(USAGE);
      return values.help ? 0 : 2;
    }
    const name = positionals.join(" ");
    const command = COMMANDS[name];
    if (!command) throw new UsageError(`unknown command "${name}"; run with --help for the list`);
    const svc = options.services ?? createServices(loadConfig(settings(options.env ?? process.env)));
    const result = await command(values, svc, svc.now());
    out(values.json ? JSON.stringify(result.data, null, oneLineJson.has(name) ? undefined : 2) : result.text);
    return 0;
  } catch (error) {
    err(`error: ${describe(error)}`);
    const refused =
      error instanceof UsageError || error instanceof OperationError || (toScimError(error)?.status ?? 500) < 500;
    return refused || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS") ? 2 : 1;
  }
}

function describe(error: unknown): string {
  if (error instanceof OperationError) return error.detail;
  const known = toScimError(error);
  if (known && known.status < 500) return known.detail;
  const e = error as { message?: string; code?: unknown; cause?: { code?: string } };
  const text = `${e.message ?? error}`;
  if (
    error instanceof UnavailableError ||
    /ECONNREFUSED/.test(text) ||
    e.cause?.code === "ECONNREFUSED" ||
    e.code === "ECONNREFUSED"
  ) {
    return "cannot reach the store: start the service with `npm start` in another terminal, or set COSMOS_ENDPOINT to a Cosmos DB account";
  }
  return text.split("\n", 1)[0] ?? text;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  runAdmin(process.argv.slice(2)).then((code) => process.exit(code));
}
