import { SCIM_PREFIX } from "../../../shared/http/paths.js";
import {
  addFederatedCredential,
  addOAuthSecret,
  type ClientInfo,
  createOAuthClient,
  listOAuthClients,
  oauthEndpoints,
  removeFederatedCredential,
  revokeOAuthClient,
  revokeOAuthSecret,
} from "../../../shared/operations/oauth.js";
import type { Services } from "../../../shared/operations/context.js";
import { DEV_WORKLOAD_ID } from "../../host/dev-workload.js";
import type { Args, Command, OptionTable } from "./command.js";
import { UsageError, many, optional, positive, required, tenantContext } from "./command.js";

/**
 * `oauth ...`: the OAuth 2.0 clients Entra provisioning authenticates with (client credentials or
 * workload identity federation), their secrets and federated credentials. Scripts rely on the
 * `--json` shapes.
 */

export const oauthOptions: OptionTable = {
  client: { type: "string" },
  secret: { type: "string" },
  credential: { type: "string" },
  issuer: { type: "string" },
  subject: { type: "string" },
  "lifetime-minutes": { type: "string" },
  "secret-years": { type: "string" },
  "oidc-url": { type: "string" },
};

/** The service's origin for the values printed (token endpoint, Tenant URL): --base-url, PUBLIC_BASE_URL, or the local host. */
function origin(args: Args, svc: Services): string {
  const given = optional(args, "base-url") ?? svc.config.publicBaseUrl ?? "http://localhost:7071";
  if (!/^https?:\/\/[^\s/]+\/?$/.test(given))
    throw new UsageError(
      `--base-url is the service's origin, e.g. https://contoso-scim.azurewebsites.net (got "${given}")`,
    );
  return given.replace(/\/+$/, "");
}

const describeClient = (c: ClientInfo) =>
  [
    `${c.clientId}  ${c.name}  ${c.status}  access tokens ${c.accessTokenLifetimeMinutes} min  last used ${c.lastUsedAt ?? "never"}`,
    ...c.secrets.map(
      (s) =>
        `  secret ${s.id}  ${s.status}  expires ${s.expiresAt} (in ${s.expiresInDays} days)  last used ${s.lastUsedAt ?? "never"}${s.expiresSoon ? "  WARNING: add a new secret, update Entra, then revoke this one" : ""}`,
    ),
    ...c.federatedCredentials.map(
      (f) =>
        `  federated ${f.id}  issuer ${f.issuer}  subject ${f.subject}  audiences ${f.audiences.join(", ")}  last used ${f.lastUsedAt ?? "never"}`,
    ),
  ].join("\n");

export const oauthCommands: Record<string, Command> = {
  "oauth client create": async (args, svc, now) => {
    const ctx = await tenantContext(args, svc, now);
    const minutes = positive(args, "lifetime-minutes", undefined, 10_000);
    const years = positive(args, "secret-years", undefined, 100);
    const { client, clientSecret, secretExpiresAt } = await createOAuthClient(ctx, {
      name: required(args, "name"),
      ...(minutes !== undefined ? { accessTokenLifetimeMinutes: minutes } : {}),
      ...(years !== undefined ? { lifetimeYears: years } : {}),
    });
    const base = origin(args, svc);
    const { tokenEndpoint, scope } = oauthEndpoints(base);
    const tenantUrl = `${base}/${SCIM_PREFIX}`;
    return {
      data: {
        clientId: client.clientId,
        clientSecret,
        tokenEndpoint,
        scope,
        expiresAt: secretExpiresAt,
        tenantUrl,
        accessTokenLifetimeMinutes: client.accessTokenLifetimeMinutes,
      },
      text: [
        `OAuth client ${client.clientId} (${client.name}) for tenant ${ctx.tenantId}. In Entra: Provisioning > Authentication method "OAuth2 client credentials grant":`,
        `  Tenant URL:     ${tenantUrl}`,
        `  Token endpoint: ${tokenEndpoint}`,
        `  Scope:          ${scope}`,
        `  Client ID:      ${client.clientId}`,
        `  Client secret:  ${clientSecret}`,
        `The secret is shown only now (expires ${secretExpiresAt}); access tokens last ${client.accessTokenLifetimeMinutes} minutes.`,
      ].join("\n"),
    };
  },
  "oauth client list": async (args, svc, now) => {
    const clients = await listOAuthClients(await tenantContext(args, svc, now));
    return { data: clients, text: clients.length === 0 ? "No OAuth clients." : clients.map(describeClient).join("\n") };
  },
  "oauth client revoke": async (args, svc, now) => {
    const client = await revokeOAuthClient(await tenantContext(args, svc, now), required(args, "client"));
    return {
      data: client,
      text: `Revoked OAuth client ${client.clientId} (${client.name}); its access tokens get 401 within 5 seconds.`,
    };
  },
  "oauth secret add": async (args, svc, now) => {
    const years = positive(args, "secret-years", undefined, 100);
    const clientId = required(args, "client");
    const { clientSecret, secret } = await addOAuthSecret(
      await tenantContext(args, svc, now),
      clientId,
      years !== undefined ? { lifetimeYears: years } : {},
    );
    return {
      data: { clientId, secretId: secret.id, clientSecret, expiresAt: secret.expiresAt },
      text: `Secret ${secret.id} of OAuth client ${clientId} (shown only now; expires ${secret.expiresAt}):\n  ${clientSecret}\nPaste it into Entra, then revoke the old secret.`,
    };
  },
  "oauth secret revoke": async (args, svc, now) => {
    const client = await revokeOAuthSecret(
      await tenantContext(args, svc, now),
      required(args, "client"),
      required(args, "secret"),
    );
    return {
      data: client,
      text: `Revoked secret ${required(args, "secret")} of OAuth client ${client.clientId}; tokens issued from it get 401 within 5 seconds.`,
    };
  },
  "oauth federation add": async (args, svc, now) => {
    const clientId = required(args, "client");
    const audiences = many(args, "audience");
    const client = await addFederatedCredential(await tenantContext(args, svc, now), clientId, {
      issuer: required(args, "issuer"),
      subject: required(args, "subject"),
      ...(audiences.length ? { audiences } : {}),
    });
    const credential = client.federatedCredentials[client.federatedCredentials.length - 1]!;
    return {
      data: { clientId, credential },
      text: `OAuth client ${clientId} now trusts ${credential.subject} of ${credential.issuer} (audiences ${credential.audiences.join(", ")}); credential ${credential.id}.`,
    };
  },
  "oauth federation remove": async (args, svc, now) => {
    const client = await removeFederatedCredential(
      await tenantContext(args, svc, now),
      required(args, "client"),
      required(args, "credential"),
    );
    return {
      data: client,
      text: `Removed federated credential ${required(args, "credential")} of OAuth client ${client.clientId}.`,
    };
  },
  /** The local development provider mints a workload identity's token, as Entra would present it. */
  "oauth dev-assertion": async (args) => {
    const clientId = required(args, "client");
    const oidc = (optional(args, "oidc-url") ?? "http://127.0.0.1:7072").replace(/\/+$/, "");
    const audience = many(args, "audience")[0] ?? `api://${clientId}`;
    const subject = optional(args, "subject") ?? DEV_WORKLOAD_ID;
    const url = `${oidc}/workload-token?${new URLSearchParams({ sub: subject, aud: audience })}`;
    const response = await fetch(url).catch(() => {
      throw new UsageError(
        `the development identity provider does not answer at ${oidc}: start the service with npm start (it runs the provider)`,
      );
    });
    if (!response.ok) throw new UsageError(`the development identity provider refused: ${await response.text()}`);
    const data = (await response.json()) as { assertion: string; issuer: string; subject: string; expiresAt: string };
    return {
      data: { ...data, clientId },
      text: [
        `A workload identity token from ${data.issuer} (subject ${data.subject}, audience ${audience}, expires ${data.expiresAt}).`,
        `Trust it once: npm run admin -- oauth federation add --tenant ID --client ${clientId} --issuer ${data.issuer} --subject ${data.subject}`,
        `Then exchange it: curl -s -d grant_type=client_credentials -d client_id=${clientId} -d client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer -d client_assertion=<the token> http://localhost:7071/oauth2/token`,
        data.assertion,
      ].join("\n"),
    };
  },
};
