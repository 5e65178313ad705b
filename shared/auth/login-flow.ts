import type { InviteDoc, PendingLoginDoc, SessionStore } from "../store/sessions.js";
import { clearLoginCookie, loginCookie, loginCookieName, readCookie } from "./cookies.js";
import { SignInError, validateIdToken, type IdTokenClaims, type JwksCache } from "./id-token.js";
import {
  authorizationUrl,
  deriveLoginSecrets,
  exchangeCode,
  newLoginSecrets,
  PENDING_LOGIN_TTL_SECONDS,
  type ProviderMetadata,
  type SignInConfig,
} from "./oidc.js";
import type { RefusalPage } from "./pages.js";
import { safeReturnTo } from "./return-to.js";
import { randomSecret, sameSecret, sha256Hex } from "./secrets.js";

/** What the login routes need; `issuerRule` is `issuerRuleFromDiscovery(metadata.issuer)` or a fixed issuer. */
export interface LoginContext {
  config: Pick<SignInConfig, "clientId" | "publicBaseUrl" | "clientAuth">;
  metadata: ProviderMetadata;
  issuerRule: string;
  jwks: JwksCache;
  store: Pick<SessionStore, "createPendingLogin" | "readPendingLogin" | "takePendingLogin" | "readInvite">;
  fetchImpl?: typeof fetch;
  /** `select_account` for Entra (people with several work accounts choose one); the dev provider supports none. */
  prompt?: "select_account";
  now: Date;
}

/** Every invite code starts with this (recognisable, findable by secret scanners). */
const INVITE_PREFIX = "scimfinv_";
export const INVITE_TTL_SECONDS = 24 * 3600;

/** A new invite: the code (shown once, to the admin who asked) and the document (only its hash). */
export function newInvite(tenantId: string, userName: string | null, now: Date): { code: string; doc: InviteDoc } {
  const code = INVITE_PREFIX + randomSecret();
  return {
    code,
    doc: {
      id: sha256Hex(code),
      kind: "invite",
      tenantId,
      userName: userName?.trim() || null,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + INVITE_TTL_SECONDS * 1000).toISOString(),
      ttl: INVITE_TTL_SECONDS,
    },
  };
}

/** The invite id of a code as typed into a URL; undefined when it cannot be an invite code. */
export function inviteIdOf(code: string | null | undefined): string | undefined {
  if (!code || !/^scimfinv_[A-Za-z0-9_-]{43}$/.test(code)) return undefined;
  return sha256Hex(code);
}

/** An invite's state at `now`. */
export function inviteState(invite: InviteDoc | undefined, now: Date): "unknown" | "used" | "expired" | "valid" {
  if (!invite) return "unknown";
  if (invite.usedAt) return "used";
  if (now.getTime() >= Date.parse(invite.expiresAt)) return "expired";
  return "valid";
}

const inviteRefusal = {
  unknown: ["invite_unknown", "This invite link is not valid; check that it was copied whole, or ask for a new one."],
  used: ["invite_used", "This invite link has been used already; each link works once. Ask for a new one."],
  expired: ["invite_expired", "This invite link has expired (links last 24 hours). Ask for a new one."],
} as const;

/**
 * `GET /auth/login`: stores the pending login (keyed by SHA-256 of state, 10 minutes) and returns
 * the redirect to the provider plus the login-binding cookie. An invite that is not usable is
 * refused here already, before the user signs in.
 */
export async function startLogin(
  ctx: LoginContext,
  input: { returnTo?: string | null; invite?: string | null },
): Promise<{ location: string; setCookie: string }> {
  let inviteId: string | null = null;
  if (input.invite) {
    const id = inviteIdOf(input.invite);
    const state = id ? inviteState(await ctx.store.readInvite(id), ctx.now) : "unknown";
    if (state !== "valid") throw new SignInError(inviteRefusal[state][0], inviteRefusal[state][1], 400);
    inviteId = id!;
  }
  const secrets = newLoginSecrets();
  const pending: PendingLoginDoc = {
    id: sha256Hex(secrets.state),
    kind: "pending-login",
    bindingHash: sha256Hex(secrets.binding),
    returnTo: safeReturnTo(input.returnTo),
    inviteId,
    createdAt: ctx.now.toISOString(),
    expiresAt: new Date(ctx.now.getTime() + PENDING_LOGIN_TTL_SECONDS * 1000).toISOString(),
    ttl: PENDING_LOGIN_TTL_SECONDS,
  };
  await ctx.store.createPendingLogin(pending);
  return {
    location: authorizationUrl(ctx.metadata, ctx.config, secrets, ctx.prompt ? { prompt: ctx.prompt } : {}),
    setCookie: loginCookie(secrets.binding, ctx.config.publicBaseUrl, PENDING_LOGIN_TTL_SECONDS),
  };
}

/** A finished login: who signed in (validated ID token), where to go, and through which invite. */
export interface FinishedLogin {
  claims: IdTokenClaims;
  returnTo: string;
  inviteId: string | null;
  /** Clears the login-binding cookie; send it with whatever the callback answers. */
  clearCookie: string;
}

/**
 * `GET /auth/callback`: reads the pending login, checks it is not older than 10 minutes and that
 * this browser started it (the binding cookie), then takes it (single use: a replay, or the loser
 * of two concurrent callbacks, finds nothing), redeems the code with the derived PKCE verifier and
 * validates the ID token against the derived nonce. A callback from another browser is refused
 * without using the pending login up: whoever sends someone's callback URL to their own browser
 * must not be able to break that person's sign-in.
 */
export async function finishLogin(
  ctx: LoginContext,
  input: { query: URLSearchParams; cookieHeader: string | null | undefined },
): Promise<FinishedLogin> {
  const providerError = input.query.get("error");
  if (providerError) {
    const code = /^[\w.-]{1,64}$/.test(providerError) ? providerError : "error";
    throw new SignInError("provider_refused", `The identity provider ended the sign-in (${code}).`, 400);
  }
  const code = input.query.get("code");
  const state = input.query.get("state");
  if (!code || !state)
    throw new SignInError("callback_incomplete", "The sign-in response lacks its code or state.", 400);
  const id = sha256Hex(state);
  const expired = () =>
    new SignInError(
      "login_expired",
      "This sign-in was already completed, has expired (after 10 minutes) or was not started here.",
      400,
    );
  const pending = await ctx.store.readPendingLogin(id);
  if (!pending) throw expired();
  if (ctx.now.getTime() >= Date.parse(pending.expiresAt)) {
    await ctx.store.takePendingLogin(id);
    throw expired();
  }
  const binding = readCookie(input.cookieHeader, loginCookieName(ctx.config.publicBaseUrl));
  if (!binding || !sameSecret(sha256Hex(binding), pending.bindingHash)) {
    throw new SignInError(
      "login_other_browser",
      "This sign-in was started in another browser (or its cookie was blocked).",
      400,
    );
  }
  if (!(await ctx.store.takePendingLogin(id))) throw expired();
  const secrets = deriveLoginSecrets(state, binding);
  const idToken = await exchangeCode({
    metadata: ctx.metadata,
    config: ctx.config,
    code,
    codeVerifier: secrets.codeVerifier,
    ...(ctx.fetchImpl ? { fetchImpl: ctx.fetchImpl } : {}),
  });
  const claims = await validateIdToken(idToken, ctx.jwks, {
    issuer: ctx.issuerRule,
    clientId: ctx.config.clientId,
    nonce: secrets.nonce,
    now: ctx.now,
  });
  return {
    claims,
    returnTo: pending.returnTo,
    inviteId: pending.inviteId,
    clearCookie: clearLoginCookie(ctx.config.publicBaseUrl),
  };
}

/** The refusal page for a SignInError raised by the login routes (the matching rule has its own). */
export function signInErrorPage(error: SignInError): RefusalPage {
  const title = error.code.startsWith("invite_")
    ? "This invite link cannot be used"
    : error.status >= 500
      ? "Sign-in is not available right now"
      : "Sign-in did not complete";
  const whatToDo = error.code.startsWith("invite_")
    ? "Ask an administrator of your organization's account for a new invite link."
    : error.status >= 500
      ? "Try again in a few minutes. If it keeps failing, tell your administrator the reason code below."
      : "Start the sign-in again from the same browser, and finish it within 10 minutes.";
  return { code: error.code, title, why: error.message, whatToDo };
}
