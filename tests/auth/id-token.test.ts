import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWK, type JWTPayload, type CryptoKey } from "jose";
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CLOCK_SKEW_SECONDS, issuerRuleFromDiscovery, JwksCache, validateIdToken } from "../../shared/auth/id-token.js";

const ENTRA_RULE = issuerRuleFromDiscovery("https://login.microsoftonline.com/{tenantid}/v2.0");
const CLIENT_ID = "6731de76-14a6-49ae-97bc-6eba6914391e";
const TID = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const OTHER_TID = "0d1e2f3a-4b5c-4d6e-8f70-819202a3b4c5";
const OID = "00000000-0000-4000-8000-0000000000aa";
const NONCE = "n-0S6_WzA2Mj";
const NOW = new Date("2026-12-01T12:00:00Z");
const T = Math.floor(NOW.getTime() / 1000);

let server: Server;
let jwksUri: string;
let published: JWK[] = [];
let fetches = 0;
let key: CryptoKey;
let publicKey: CryptoKey;
let strayKey: CryptoKey;
const KID = "key-1";

beforeAll(async () => {
  ({ privateKey: key, publicKey } = await generateKeyPair("RS256", { extractable: true }));
  ({ privateKey: strayKey } = await generateKeyPair("RS256"));
  server = createServer((_req, res) => {
    fetches++;
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: published }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  jwksUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/keys`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(async () => {
  published = [{ ...(await exportJWK(publicKey)), kid: KID, alg: "RS256", use: "sig" }];
  fetches = 0;
});

const claims = (over: Record<string, unknown> = {}): JWTPayload => ({
  iss: `https://login.microsoftonline.com/${TID}/v2.0`,
  aud: CLIENT_ID,
  iat: T - 10,
  nbf: T - 10,
  exp: T + 3600,
  nonce: NONCE,
  tid: TID,
  oid: OID,
  sub: "pairwise-sub",
  preferred_username: "ann@contoso.com",
  name: "Ann Lee",
  ...over,
});

const drop = (payload: JWTPayload, name: string) => {
  const copy = { ...payload };
  delete copy[name];
  return copy;
};

const sign = (payload: JWTPayload, opts: { kid?: string; signer?: CryptoKey } = {}) =>
  new SignJWT(payload).setProtectedHeader({ alg: "RS256", kid: opts.kid ?? KID, typ: "JWT" }).sign(opts.signer ?? key);

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

const validate = (token: string, cache = new JwksCache(jwksUri), issuer = ENTRA_RULE) =>
  validateIdToken(token, cache, { issuer, clientId: CLIENT_ID, nonce: NONCE, now: NOW });

describe("validateIdToken", () => {
  it("accepts a token of the issuer for its own tid and returns the claims sign-in uses", async () => {
    await expect(validate(await sign(claims()))).resolves.toEqual({
      tid: TID,
      oid: OID,
      preferredUsername: "ann@contoso.com",
      name: "Ann Lee",
      iss: `https://login.microsoftonline.com/${TID}/v2.0`,
      sub: "pairwise-sub",
    });
  });

  it("accepts several audiences when azp names this client (OpenID Connect Core §3.1.3.7)", async () => {
    await expect(
      validate(await sign(claims({ aud: [CLIENT_ID, "another-app"], azp: CLIENT_ID }))),
    ).resolves.toMatchObject({ oid: OID });
  });

  it("says why a token with several audiences and no azp is refused", async () => {
    const error = await validate(await sign(claims({ aud: [CLIENT_ID, "another-app"] }))).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "id_token_audience",
      status: 401,
      message: "The sign-in token was refused: it names several audiences but no authorized party (azp).",
    });
  });

  it("accepts a one-element audience list without azp", async () => {
    await expect(validate(await sign(claims({ aud: [CLIENT_ID] })))).resolves.toMatchObject({ oid: OID });
  });

  it(`allows ${CLOCK_SKEW_SECONDS} s of clock skew on exp and nbf`, async () => {
    await expect(
      validate(
        await sign(
          claims({ exp: T - CLOCK_SKEW_SECONDS + 5, nbf: T + CLOCK_SKEW_SECONDS - 5, iat: T + CLOCK_SKEW_SECONDS - 5 }),
        ),
      ),
    ).resolves.toMatchObject({ oid: OID });
  });

  it.each<[string, JWTPayload, string]>([
    ["a wrong issuer", claims({ iss: "https://evil.example/v2.0" }), "id_token_issuer"],
    [
      "the issuer of another tid",
      claims({ iss: `https://login.microsoftonline.com/${OTHER_TID}/v2.0` }),
      "id_token_issuer",
    ],
    [
      "the literal template issuer",
      claims({ iss: "https://login.microsoftonline.com/{tenantid}/v2.0" }),
      "id_token_issuer",
    ],
    ["the v1 issuer of its tid", claims({ iss: `https://sts.windows.net/${TID}/` }), "id_token_issuer"],
    ["a wrong audience", claims({ aud: "another-app" }), "id_token_audience"],
    ["an azp of another app", claims({ azp: "another-app" }), "id_token_audience"],
    ["several audiences without azp", claims({ aud: [CLIENT_ID, "another-app"] }), "id_token_audience"],
    [
      "several audiences whose azp is another app",
      claims({ aud: [CLIENT_ID, "another-app"], azp: "another-app" }),
      "id_token_audience",
    ],
    ["an expired token", claims({ exp: T - CLOCK_SKEW_SECONDS - 1 }), "id_token_expired"],
    ["a token not yet valid (nbf)", claims({ nbf: T + CLOCK_SKEW_SECONDS + 1 }), "id_token_not_yet_valid"],
    ["a token issued in the future (iat)", claims({ iat: T + CLOCK_SKEW_SECONDS + 1 }), "id_token_not_yet_valid"],
    ["a bad nonce", claims({ nonce: "someone-elses" }), "id_token_nonce"],
    ["no nonce", drop(claims(), "nonce"), "id_token_claims"],
    ["no tid", drop(claims(), "tid"), "id_token_claims"],
    ["no oid", drop(claims(), "oid"), "id_token_claims"],
    [
      "a tid that is not a GUID",
      claims({ tid: "contoso.onmicrosoft.com", iss: "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0" }),
      "id_token_claims",
    ],
    ["an oid that is not a GUID", claims({ oid: "ann" }), "id_token_claims"],
    ["no exp", drop(claims(), "exp"), "id_token_claims"],
  ])("refuses %s", async (_case, payload, code) => {
    await expect(validate(await sign(payload))).rejects.toMatchObject({ name: "SignInError", code, status: 401 });
  });

  it("refuses a token signed with a key the JWKS does not publish (kid unknown)", async () => {
    const cache = new JwksCache(jwksUri);
    await expect(validate(await sign(claims(), { kid: "stray", signer: strayKey }), cache)).rejects.toMatchObject({
      code: "id_token_unknown_key",
    });
    await expect(validate(await sign(claims(), { kid: "stray2", signer: strayKey }), cache)).rejects.toMatchObject({
      code: "id_token_unknown_key",
    });
    expect(fetches).toBe(1); // keys fetched moments ago are not fetched again for unknown kids (cooldown)
  });

  it("fetches the JWKS again for an unknown kid once the cooldown has passed, and still refuses", async () => {
    const cache = new JwksCache(jwksUri, fetch, 24 * 3600_000, 0);
    await expect(validate(await sign(claims(), { kid: "stray", signer: strayKey }), cache)).rejects.toMatchObject({
      code: "id_token_unknown_key",
    });
    expect(fetches).toBe(2);
  });

  it("refuses a token whose signature does not verify with the published key of its kid", async () => {
    await expect(validate(await sign(claims(), { signer: strayKey }))).rejects.toMatchObject({
      code: "id_token_signature",
    });
    const good = await sign(claims());
    const [h, , s] = good.split(".");
    await expect(
      validate(`${h}.${b64(claims({ oid: "99999999-0000-4000-8000-000000000000" }))}.${s}`),
    ).rejects.toMatchObject({ code: "id_token_signature" });
  });

  it("picks up a rotated key: a new kid makes it fetch the JWKS again", async () => {
    const cache = new JwksCache(jwksUri);
    await validate(await sign(claims()), cache);
    const { privateKey: next, publicKey: nextPublic } = await generateKeyPair("RS256", { extractable: true });
    published = [...published, { ...(await exportJWK(nextPublic)), kid: "key-2", alg: "RS256", use: "sig" }];
    const rotated = new JwksCache(jwksUri, fetch, 24 * 3600_000, 0);
    await validate(await sign(claims()), rotated);
    await expect(validate(await sign(claims(), { kid: "key-2", signer: next }), rotated)).resolves.toMatchObject({
      oid: OID,
    });
  });

  it("caches the JWKS: many validations, one fetch", async () => {
    const cache = new JwksCache(jwksUri);
    const token = await sign(claims());
    for (let i = 0; i < 5; i++) await validate(token, cache);
    expect(fetches).toBe(1);
  });

  it("refuses alg none", async () => {
    const token = `${b64({ alg: "none", typ: "JWT" })}.${b64(claims())}.`;
    await expect(validate(token)).rejects.toMatchObject({ code: "id_token_algorithm" });
  });

  it("refuses HS256 signed with the public key as the HMAC secret (key confusion)", async () => {
    const pem = await exportSPKI(publicKey);
    const signingInput = `${b64({ alg: "HS256", typ: "JWT", kid: KID })}.${b64(claims())}`;
    const token = `${signingInput}.${createHmac("sha256", pem).update(signingInput).digest("base64url")}`;
    await expect(validate(token)).rejects.toMatchObject({ code: "id_token_algorithm" });
  });

  it("refuses RS384 (only RS256 is allowed)", async () => {
    const rs384 = await generateKeyPair("RS384", { extractable: true });
    published = [{ ...(await exportJWK(rs384.publicKey)), kid: "k384", use: "sig" }];
    const token = await new SignJWT(claims()).setProtectedHeader({ alg: "RS384", kid: "k384" }).sign(rs384.privateKey);
    await expect(validate(token)).rejects.toMatchObject({ code: "id_token_algorithm" });
  });

  it("refuses what is not a JWT", async () => {
    await expect(validate("not.a.jwt")).rejects.toMatchObject({ code: "id_token_malformed" });
  });

  it("with a fixed issuer rule (the dev provider) still requires tid", async () => {
    const fixed = "http://127.0.0.1:7072";
    await expect(validate(await sign(claims({ iss: fixed })), new JwksCache(jwksUri), fixed)).resolves.toMatchObject({
      tid: TID,
      iss: fixed,
    });
    await expect(
      validate(await sign(drop(claims({ iss: fixed }), "tid")), new JwksCache(jwksUri), fixed),
    ).rejects.toMatchObject({ code: "id_token_claims" });
  });

  it("says why in the message, without the token", async () => {
    const token = await sign(claims({ aud: "another-app" }));
    const error = (await validate(token).catch((e: unknown) => e)) as Error;
    expect(error.message).toBe("The sign-in token was refused: it was issued to another application (aud).");
    expect(error.message).not.toContain(token.slice(0, 20));
  });

  it("reports an unreachable JWKS as 502 jwks_unavailable", async () => {
    const unreachable = new JwksCache("http://127.0.0.1:1/keys");
    await expect(validate(await sign(claims()), unreachable)).rejects.toMatchObject({
      code: "jwks_unavailable",
      status: 502,
    });
    const notFound = new JwksCache(jwksUri, async () => new Response("nope", { status: 404 }));
    await expect(validate(await sign(claims()), notFound)).rejects.toMatchObject({
      code: "jwks_unavailable",
      status: 502,
    });
  });

  it("keeps using the keys it has while the JWKS cannot be read", async () => {
    let up = true;
    const flaky: typeof fetch = async (url, init) => (up ? fetch(url, init) : new Response("down", { status: 503 }));
    const cache = new JwksCache(jwksUri, flaky, 0);
    await validate(await sign(claims()), cache);
    up = false;
    await expect(validate(await sign(claims()), cache)).resolves.toMatchObject({ oid: OID });
  });
});
