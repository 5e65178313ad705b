import { createHash } from "node:crypto";
import { SignInError } from "./id-token.js";
import { deriveSecret, randomSecret } from "./secrets.js";

/** Entra's multi-tenant (work and school accounts) v2.0 authority. */
export const ENTRA_ORGANIZATIONS_AUTHORITY = "https://login.microsoftonline.com/organizations/v2.0";
/** The audience of a managed identity token used as a federated client assertion. */
const FEDERATED_ASSERTION_SCOPE = "api://AzureADTokenExchange/.default";
export const JWT_BEARER_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/** How long a login may take between `/auth/login` and `/auth/callback`. */
export const PENDING_LOGIN_TTL_SECONDS = 600;

/** The settings sign-in reads (the lead's shared/config.ts fills them from app settings). */
export interface SignInConfig {
  /** PUBLIC_BASE_URL, e.g. https://contoso-scim.azurewebsites.net: redirect URI base, cookie rules, Origin check. */
  publicBaseUrl: string;
  /** ENTRA_CLIENT_ID: the app registration's client id. */
  clientId: string;
  /** ENTRA_AUTHORITY: default ENTRA_ORGANIZATIONS_AUTHORITY; the dev provider's issuer locally. */
  authority: string;
  /** How the app authenticates at the token endpoint. */
  clientAuth: ClientAuth;
  /** SESSION_IDLE_MINUTES (default 480) and SESSION_ABSOLUTE_HOURS (default 12). */
  sessionIdleMinutes: number;
  sessionAbsoluteHours: number;
}

/**
 * Client authentication at the token endpoint: a federated assertion (a managed identity token,
 * ENTRA_FEDERATED_CREDENTIAL=true), a client secret (ENTRA_CLIENT_SECRET, a Key Vault reference
 * in Azure), or none (a public client with PKCE; the development provider only).
 */
export type ClientAuth =
  { kind: "assertion"; getAssertion: () => Promise<string> } | { kind: "secret"; secret: string } | { kind: "none" };

/**
 * A client assertion from the Function App's user-assigned managed identity (a federated
 * credential of the app registration). `@azure/identity` is imported on first use only, so cold
 * starts that never sign anyone in do not load it. The credential caches its token.
 */
export function managedIdentityAssertion(managedIdentityClientId?: string): () => Promise<string> {
  let credential: Promise<{ getToken(scope: string): Promise<{ token: string } | null> }> | undefined;
  return async () => {
    credential ??= import("@azure/identity").then(
      ({ ManagedIdentityCredential }) =>
        new ManagedIdentityCredential(managedIdentityClientId ? { clientId: managedIdentityClientId } : {}),
    );
    let token: { token: string } | null;
    try {
      token = await (await credential).getToken(FEDERATED_ASSERTION_SCOPE);
    } catch {
      token = null;
    }
    if (!token)
      throw new SignInError(
        "client_assertion_unavailable",
        "The app's managed identity did not give a client assertion; check the identity and its federated credential on the app registration.",
        502,
      );
    return token.token;
  };
}

/** What sign-in uses of the provider's discovery document. */
export interface ProviderMetadata {
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  jwksUri: string;
}

/** Reads `{authority}/.well-known/openid-configuration` (cache the result: it changes rarely). */
export async function discover(authority: string, fetchImpl: typeof fetch = fetch): Promise<ProviderMetadata> {
  const url = `${authority.replace(/\/+$/, "")}/.well-known/openid-configuration`;
  const response = await fetchImpl(url, { headers: { accept: "application/json" } });
  if (!response.ok)
    throw new SignInError(
      "discovery_unavailable",
      `The identity provider's configuration could not be read (HTTP ${response.status}).`,
      502,
    );
  const doc = (await response.json()) as Record<string, unknown>;
  const field = (name: string) => {
    const value = doc[name];
    if (typeof value !== "string" || !/^https?:\/\//.test(value))
      throw new SignInError("discovery_unavailable", `The identity provider's configuration lacks ${name}.`, 502);
    return value;
  };
  return {
    issuer: field("issuer"),
    authorizationEndpoint: field("authorization_endpoint"),
    tokenEndpoint: field("token_endpoint"),
    jwksUri: field("jwks_uri"),
  };
}

/** The callback URL registered with the provider. */
const redirectUri = (publicBaseUrl: string) => `${publicBaseUrl.replace(/\/+$/, "")}/auth/callback`;

/**
 * The secrets of one login. `state` goes to the provider and back in the URL; `binding` goes to
 * the browser in the login cookie only. The PKCE verifier and the nonce are derived from the
 * binding by HMAC, so the store holds nothing that could redeem a code: only SHA-256 of state
 * (the pending login's id) and of the binding.
 */
export interface LoginSecrets {
  state: string;
  binding: string;
  codeVerifier: string;
  codeChallenge: string;
  nonce: string;
}

export function deriveLoginSecrets(state: string, binding: string): LoginSecrets {
  const codeVerifier = deriveSecret(binding, "scimf pkce v1");
  return {
    state,
    binding,
    codeVerifier,
    codeChallenge: createHash("sha256").update(codeVerifier, "ascii").digest("base64url"),
    nonce: deriveSecret(binding, "scimf nonce v1"),
  };
}

export const newLoginSecrets = (): LoginSecrets => deriveLoginSecrets(randomSecret(), randomSecret());

/** The authorization request (authorization code flow, PKCE S256, state, nonce, response_mode=query). */
export function authorizationUrl(
  metadata: ProviderMetadata,
  config: Pick<SignInConfig, "clientId" | "publicBaseUrl">,
  secrets: LoginSecrets,
  options: { loginHint?: string; prompt?: "select_account" | "login" } = {},
): string {
  const url = new URL(metadata.authorizationEndpoint);
  const params: Record<string, string> = {
    client_id: config.clientId,
    response_type: "code",
    response_mode: "query",
    redirect_uri: redirectUri(config.publicBaseUrl),
    scope: "openid profile",
    state: secrets.state,
    nonce: secrets.nonce,
    code_challenge: secrets.codeChallenge,
    code_challenge_method: "S256",
    ...(options.prompt ? { prompt: options.prompt } : {}),
    ...(options.loginHint ? { login_hint: options.loginHint } : {}),
  };
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.toString();
}

/**
 * Redeems the authorization code at the token endpoint and returns the ID token (not yet validated).
 * Errors carry the provider's `error` code only: never the code, verifier, secret or assertion.
 */
export async function exchangeCode(input: {
  metadata: ProviderMetadata;
  config: Pick<SignInConfig, "clientId" | "publicBaseUrl" | "clientAuth">;
  code: string;
  codeVerifier: string;
  fetchImpl?: typeof fetch;
}): Promise<string> {
  const { config } = input;
  const body = new URLSearchParams({
    grant_type: "authorization_code",
    client_id: config.clientId,
    code: input.code,
    redirect_uri: redirectUri(config.publicBaseUrl),
    code_verifier: input.codeVerifier,
  });
  if (config.clientAuth.kind === "secret") body.set("client_secret", config.clientAuth.secret);
  if (config.clientAuth.kind === "assertion") {
    body.set("client_assertion_type", JWT_BEARER_ASSERTION_TYPE);
    body.set("client_assertion", await config.clientAuth.getAssertion());
  }
  const response = await (input.fetchImpl ?? fetch)(input.metadata.tokenEndpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body,
  });
  const json = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) {
    const error =
      typeof json["error"] === "string" && /^[\w.-]{1,64}$/.test(json["error"]) ? json["error"] : "unknown_error";
    throw new SignInError(
      "token_exchange_failed",
      `The identity provider refused to complete the sign-in (${error}, HTTP ${response.status}).`,
      502,
    );
  }
  if (typeof json["id_token"] !== "string")
    throw new SignInError("token_exchange_failed", "The identity provider answered without an ID token.", 502);
  return json["id_token"];
}
