import { createHmac } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type JWK, type CryptoKey } from "jose";
import {
  AssertionError,
  IssuerKeys,
  trustedIssuer,
  verifyAssertion,
  type FederatedCredential,
} from "../../shared/auth/workload-assertion.js";

/**
 * Client assertions as Entra issues them for a workload identity (RFC 7523), verified against
 * Entra's per-tenant key set, here served by a fake fetch: issuer forms, tenant, subject,
 * audience, algorithm, signature, time and key rotation.
 */

const TID = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const OTHER_TID = "11111111-2222-4333-8444-555555555555";
const OID = "3f2a1c0e-1111-4222-8333-444455556666";
const CLIENT = "9b1c2d3e-0000-4000-8000-00000000c1e7";
const V2 = `https://login.microsoftonline.com/${TID}/v2.0`;
const V1 = `https://sts.windows.net/${TID}/`;

let key: CryptoKey;
let jwk: JWK;
let rotated: { key: CryptoKey; jwk: JWK };
let published: JWK[];
const fetched: string[] = [];
let failFetch = false;

const fakeFetch: typeof fetch = async (url) => {
  fetched.push(String(url));
  if (failFetch) throw new Error("timeout");
  return new Response(JSON.stringify({ keys: published }), {
    status: 200,
    headers: { "content-type": "application/json" },
  });
};

const credential: FederatedCredential = {
  id: "fic_1",
  issuer: V2,
  entraTenantId: TID,
  subject: OID,
  audiences: [`api://${CLIENT}`, CLIENT],
};
const now = new Date("2026-12-04T12:00:00Z");
const t = Math.floor(now.getTime() / 1000);

async function mint(
  claims: Record<string, unknown> = {},
  options: { key?: CryptoKey; kid?: string; alg?: string } = {},
): Promise<string> {
  const body = {
    iss: V2,
    sub: OID,
    oid: OID,
    tid: TID,
    aud: `api://${CLIENT}`,
    iat: t - 10,
    nbf: t - 10,
    exp: t + 3600,
    uti: "u1",
    ...claims,
  };
  return new SignJWT(body)
    .setProtectedHeader({ alg: options.alg ?? "RS256", kid: options.kid ?? jwk.kid!, typ: "JWT" })
    .sign(options.key ?? key);
}

const verify = (assertion: string, keys = new IssuerKeys(fakeFetch), at = now) =>
  verifyAssertion(assertion, { credentials: [credential], keys, now: at });

async function refusal(assertion: string): Promise<string> {
  try {
    await verify(assertion);
  } catch (error) {
    expect(error).toBeInstanceOf(AssertionError);
    return (error as AssertionError).code;
  }
  throw new Error("the assertion was accepted");
}

beforeAll(async () => {
  ({ privateKey: key } = await generateKeyPair("RS256", { extractable: true }));
  jwk = { ...(await exportJWK(key)), kid: "k1", alg: "RS256", use: "sig" };
  delete jwk.d;
  for (const k of ["p", "q", "dp", "dq", "qi"] as const) delete jwk[k];
  const next = await generateKeyPair("RS256", { extractable: true });
  rotated = {
    key: next.privateKey,
    jwk: { ...(await exportJWK(next.publicKey)), kid: "k2", alg: "RS256", use: "sig" },
  };
  published = [jwk];
});

describe("trustedIssuer", () => {
  it.each([
    [V2, { kind: "entra", tenantId: TID, issuer: V2 }],
    [V1, { kind: "entra", tenantId: TID, issuer: V2 }],
    [`https://login.microsoftonline.com/${TID.toUpperCase()}/v2.0`, { kind: "entra", tenantId: TID, issuer: V2 }],
    ["http://127.0.0.1:7072", { kind: "dev", issuer: "http://127.0.0.1:7072" }],
  ])("trusts %s", (issuer, expected) => {
    expect(trustedIssuer(issuer, "http://127.0.0.1:7072")).toStrictEqual(expected);
  });

  it.each([
    "https://login.microsoftonline.com/common/v2.0",
    "https://evil.example/" + TID + "/v2.0",
    "http://127.0.0.1:7072",
    "https://login.microsoftonline.com.evil.example/" + TID + "/v2.0",
  ])("does not trust %s (without a local provider)", (issuer) => {
    expect(trustedIssuer(issuer, undefined)).toBeUndefined();
  });
});

describe("verifyAssertion against Entra's keys", () => {
  it("accepts an Entra token for the workload identity, with either audience form and either issuer form", async () => {
    const keys = new IssuerKeys(fakeFetch);
    await expect(verify(await mint(), keys)).resolves.toMatchObject({ credentialId: "fic_1", subject: OID });
    await expect(verify(await mint({ aud: CLIENT }), keys)).resolves.toMatchObject({ credentialId: "fic_1" });
    await expect(verify(await mint({ iss: V1 }), keys)).resolves.toMatchObject({ credentialId: "fic_1", issuer: V1 });
    expect(fetched.at(-1)).toBe(`https://login.microsoftonline.com/${TID}/discovery/v2.0/keys`);
  });

  it("returns the jti when there is one (the caller spends it), and none for Entra's uti-only tokens", async () => {
    expect((await verify(await mint({ jti: "j-1" }))).jti).toBe("j-1");
    expect((await verify(await mint())).jti).toBeUndefined();
  });

  it.each<[string, () => Promise<string>, string]>([
    ["another tenant's tid under this tenant's issuer", () => mint({ tid: OTHER_TID }), "claims"],
    [
      "an issuer of another tenant",
      () => mint({ iss: `https://login.microsoftonline.com/${OTHER_TID}/v2.0`, tid: OTHER_TID }),
      "no_credential",
    ],
    ["another subject", () => mint({ sub: OTHER_TID }), "no_credential"],
    ["another audience", () => mint({ aud: "api://someone-else" }), "audience"],
    ["an expired token", () => mint({ exp: t - 61 }), "expired"],
    ["a token not valid yet", () => mint({ nbf: t + 120 }), "not_yet_valid"],
    ["a token issued in the future", () => mint({ iat: t + 120 }), "not_yet_valid"],
    ["a foreign issuer", () => mint({ iss: "https://accounts.google.com" }), "issuer"],
    [
      "a key Entra does not publish",
      async () => mint({}, { key: (await generateKeyPair("RS256")).privateKey, kid: "k9" }),
      "signature",
    ],
    [
      "a forged signature with the published kid",
      async () => mint({}, { key: (await generateKeyPair("RS256")).privateKey }),
      "signature",
    ],
    [
      "alg none",
      async () =>
        `${b64({ alg: "none", typ: "JWT" })}.${b64({ iss: V2, sub: OID, tid: TID, aud: CLIENT, iat: t, exp: t + 600 })}.`,
      "signature",
    ],
    ["HS256 keyed with Entra's public key", () => hs256WithPublicKey(), "signature"],
    ["garbage", async () => "a.b.c", "malformed"],
    ["a token valid for more than a day", () => mint({ exp: t + 25 * 3600 }), "claims"],
  ])("refuses %s", async (_name, make, code) => {
    expect(await refusal(await make())).toBe(code);
  });

  it("allows 60 seconds of clock skew, and keeps a jti spent for that long past exp", async () => {
    const verified = await verify(await mint({ exp: t - 30, jti: "j-2" }));
    expect(verified.expiresAt.getTime()).toBe((t - 30 + 60) * 1000);
  });

  it("reads the keys again for an unknown kid (Entra rotated them), at most once per 5 minutes", async () => {
    const keys = new IssuerKeys(fakeFetch);
    await verify(await mint(), keys);
    published = [jwk, rotated.jwk];
    const before = fetched.length;
    await expect(
      verify(await mint({}, { key: rotated.key, kid: "k2" }), keys, new Date(now.getTime() + 6 * 60_000)),
    ).resolves.toBeDefined();
    expect(fetched.length).toBe(before + 1);
    published = [jwk];
  });

  it("says the keys are unavailable (never that the token is bad) when Entra cannot be reached", async () => {
    failFetch = true;
    try {
      expect(await refusal(await mint())).toBe("keys_unavailable");
    } finally {
      failFetch = false;
    }
  });
});

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");

/** The classic key-confusion forgery: HS256 with the RSA public key (PEM) as the HMAC secret. */
async function hs256WithPublicKey(): Promise<string> {
  const { importJWK } = await import("jose");
  const pem = await exportSPKI((await importJWK(jwk, "RS256")) as CryptoKey);
  const head = b64({ alg: "HS256", typ: "JWT", kid: jwk.kid });
  const body = b64({ iss: V2, sub: OID, tid: TID, aud: CLIENT, iat: t, exp: t + 600 });
  const sig = createHmac("sha256", pem).update(`${head}.${body}`).digest("base64url");
  return `${head}.${body}.${sig}`;
}
