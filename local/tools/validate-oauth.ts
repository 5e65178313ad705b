import { parseArgs } from "node:util";
import { runAdmin } from "../cli/admin.js";
import { DEV_WORKLOAD_ID } from "../host/dev-workload.js";

/**
 * `npm run validate:oauth`: against a running `npm start`, does what Microsoft's gallery
 * validation does for the two OAuth methods, then measures them.
 *  - Validate_Credentials: a token from the token endpoint with client credentials (header and
 *    body), `expires_in` between 60 and 360 minutes, then `GET /Users?startIndex=1&count=1` with it.
 *  - Federated_Identity: a workload identity's token (minted by the development provider that
 *    `npm start` runs, as Entra would mint it) exchanged as client_assertion, then the same GET.
 * Then it prints the token endpoint's latency for both grants and a SCIM request's latency with an
 * access token and with a Secret Token (median and p95). It creates its own tenant. A check, not a
 * test suite: it exits 1 when a check fails.
 */

const { values } = parseArgs({
  options: {
    url: { type: "string", default: "http://localhost:7071" },
    "oidc-url": { type: "string", default: "http://127.0.0.1:7072" },
    rounds: { type: "string", default: "200" },
    json: { type: "boolean", default: false },
  },
});
const base = values.url!.replace(/\/+$/, "");
const tenantUrl = `${base}/scim/v2`;
const rounds = Number(values.rounds);
/** A client may ask for 20 tokens in a burst (TOKEN_LIMITS.perClient): the grant samples are spread over clients of 18. */
const PER_CLIENT = 18;

/** The CLI's --json output (the shapes scripts rely on). */
type Json = Record<string, string> & { token?: string };

async function admin(...argv: string[]): Promise<Json> {
  const out: string[] = [];
  const err: string[] = [];
  const env = { ...process.env, OAUTH_DEV_ISSUER: values["oidc-url"] };
  const code = await runAdmin([...argv, "--json"], { env, out: (t) => out.push(t), err: (t) => err.push(t) });
  if (code !== 0) throw new Error(`npm run admin -- ${argv.slice(0, 3).join(" ")}: ${err.join(" ")}`);
  return JSON.parse(out.join("\n"));
}

/** A field of the CLI's --json output; a missing one is an error, not an empty value. */
function field(json: Json, name: string): string {
  const value = json[name];
  if (value === undefined) throw new Error(`npm run admin -- --json printed no '${name}'`);
  return value;
}

/** A token endpoint answer: RFC 6749 §5.1 or §5.2. */
type TokenAnswer = {
  access_token: string;
  token_type: string;
  expires_in: number;
  error?: string;
  error_description?: string;
};

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;
let address = 0;

/** Each request from its own documentation address (X-Forwarded-For), so the per-address limit does not shape the figures. */
async function token(form: Record<string, string>, headers: Record<string, string> = {}) {
  address++;
  const res = await fetch(`${base}/oauth2/token`, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      "X-Forwarded-For": `198.51.${(address >> 8) & 255}.${address & 255}`,
      ...headers,
    },
    body: new URLSearchParams(form),
  });
  return {
    status: res.status,
    cacheControl: res.headers.get("cache-control"),
    body: (await res.json()) as TokenAnswer,
  };
}

const listUsers = async (bearer: string) => {
  const res = await fetch(`${tenantUrl}/Users?startIndex=1&count=1`, {
    headers: { Authorization: `Bearer ${bearer}` },
  });
  return { status: res.status, body: (await res.json()) as { Resources?: unknown[] } };
};

async function assertion(clientId: string): Promise<string> {
  const res = await fetch(
    `${values["oidc-url"]}/workload-token?${new URLSearchParams({ sub: DEV_WORKLOAD_ID, aud: `api://${clientId}` })}`,
  );
  if (!res.ok)
    throw new Error(`the development provider at ${values["oidc-url"]} answered ${res.status}; is npm start running?`);
  return ((await res.json()) as { assertion: string }).assertion;
}

const assertionForm = (clientId: string, jwt: string) => ({
  grant_type: "client_credentials",
  client_id: clientId,
  client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
  client_assertion: jwt,
  baseAddress: tenantUrl,
});

const checks: { name: string; ok: boolean; detail: string }[] = [];
function check(name: string, ok: boolean, detail: string) {
  checks.push({ name, ok, detail });
}

async function timed<T>(run: () => Promise<T>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

async function main() {
  const tenantId = field(
    await admin("tenant", "create", "--name", `OAuth validation ${new Date().toISOString()}`),
    "id",
  );
  const secretToken = (
    await admin("token", "create", "--tenant", tenantId, "--name", "legacy", "--audience", tenantUrl)
  ).token as string;
  const client = await admin(
    "oauth",
    "client",
    "create",
    "--tenant",
    tenantId,
    "--name",
    "gallery-validation",
    "--base-url",
    base,
  );
  const [clientId, clientSecret, scope] = [
    field(client, "clientId"),
    field(client, "clientSecret"),
    field(client, "scope"),
  ];

  // Validate_Credentials
  for (const [how, form, headers] of [
    [
      "client_secret_basic",
      { grant_type: "client_credentials", scope },
      { Authorization: basic(clientId, clientSecret) },
    ],
    [
      "client_secret_post",
      { grant_type: "client_credentials", scope, client_id: clientId, client_secret: clientSecret },
      {},
    ],
  ] as const) {
    const res = await token(form, headers);
    const minutes = Number(res.body.expires_in) / 60;
    check(
      `Validate_Credentials (${how}): token`,
      res.status === 200 &&
        res.body.token_type === "Bearer" &&
        minutes >= 60 &&
        minutes <= 360 &&
        res.cacheControl === "no-store",
      `${res.status}, token_type ${res.body.token_type}, expires_in ${res.body.expires_in} s (${minutes} min), Cache-Control ${res.cacheControl}`,
    );
    const users = await listUsers(res.body.access_token);
    check(
      `Validate_Credentials (${how}): GET /Users?startIndex=1&count=1`,
      users.status === 200 && Array.isArray(users.body.Resources),
      `${users.status}`,
    );
  }

  // Federated_Identity
  await admin(
    "oauth",
    "federation",
    "add",
    "--tenant",
    tenantId,
    "--client",
    clientId,
    "--issuer",
    values["oidc-url"]!,
    "--subject",
    DEV_WORKLOAD_ID,
  );
  const exchanged = await token(assertionForm(clientId, await assertion(clientId)));
  check(
    "Federated_Identity: client assertion exchanged",
    exchanged.status === 200 && exchanged.body.token_type === "Bearer",
    `${exchanged.status} ${exchanged.body.error_description ?? ""}`,
  );
  const fedUsers = await listUsers(exchanged.body.access_token);
  check("Federated_Identity: GET /Users?startIndex=1&count=1", fedUsers.status === 200, `${fedUsers.status}`);

  // Latency
  const secretGrant: number[] = [];
  const assertionGrant: number[] = [];
  for (let done = 0; done < rounds;) {
    const c = await admin(
      "oauth",
      "client",
      "create",
      "--tenant",
      tenantId,
      "--name",
      `bench-${done}`,
      "--base-url",
      base,
    );
    const [cId, cSecret] = [field(c, "clientId"), field(c, "clientSecret")];
    await admin(
      "oauth",
      "federation",
      "add",
      "--tenant",
      tenantId,
      "--client",
      cId,
      "--issuer",
      values["oidc-url"]!,
      "--subject",
      DEV_WORKLOAD_ID,
    );
    for (let i = 0; i < PER_CLIENT / 2 && done < rounds; i++, done++) {
      secretGrant.push(
        await timed(() => token({ grant_type: "client_credentials" }, { Authorization: basic(cId, cSecret) })),
      );
      const jwt = await assertion(cId);
      assertionGrant.push(await timed(() => token(assertionForm(cId, jwt))));
    }
  }
  const accessToken = exchanged.body.access_token as string;
  const withAccess: number[] = [];
  const withSecret: number[] = [];
  for (let i = 0; i < rounds; i++) {
    withAccess.push(await timed(() => listUsers(accessToken)));
    withSecret.push(await timed(() => listUsers(secretToken)));
  }
  const figures = {
    rounds,
    tokenEndpoint: {
      clientSecret: { medianMs: percentile(secretGrant, 50), p95Ms: percentile(secretGrant, 95) },
      clientAssertion: { medianMs: percentile(assertionGrant, 50), p95Ms: percentile(assertionGrant, 95) },
    },
    scimListUsers: {
      accessToken: { medianMs: percentile(withAccess, 50), p95Ms: percentile(withAccess, 95) },
      secretToken: { medianMs: percentile(withSecret, 50), p95Ms: percentile(withSecret, 95) },
    },
  };
  if (values.json) {
    console.log(JSON.stringify({ checks, figures }, null, 2));
  } else {
    for (const c of checks) console.log(`${c.ok ? "PASS" : "FAIL"}  ${c.name}  (${c.detail})`);
    const row = (name: string, f: { medianMs: number; p95Ms: number }) =>
      console.log(`${name.padEnd(46)} ${f.medianMs.toFixed(1).padStart(8)} ${f.p95Ms.toFixed(1).padStart(8)}`);
    console.log(`\nLatency over ${rounds} requests each (ms)              median      p95`);
    row("token endpoint, client secret", figures.tokenEndpoint.clientSecret);
    row("token endpoint, client assertion (federation)", figures.tokenEndpoint.clientAssertion);
    row("GET /Users?count=1 with an access token", figures.scimListUsers.accessToken);
    row("GET /Users?count=1 with a Secret Token", figures.scimListUsers.secretToken);
  }
  process.exitCode = checks.every((c) => c.ok) ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(`validate:oauth: ${(error as Error).message}`);
  process.exitCode = 1;
});
