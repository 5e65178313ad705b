import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, type Config } from "../shared/config.js";

/** shared/config.ts: every setting, its default, and the full list of problems at once. */

const ENDPOINT = "https://acct.documents.azure.com:443/";

const DEFAULTS: Config = {
  cosmos: { endpoint: ENDPOINT, database: "scim", key: undefined },
  maxBodyBytes: 1048576,
  bodyTimeoutMs: 10_000,
  maxResults: 200,
  tokenCacheMs: 5000,
  sessions: { idleMinutes: 480, absoluteHours: 12 },
  jobs: { queue: undefined, stepSize: 200, inlineMembers: 100 },
  trustedProxyHops: 1,
  oauth: {},
};

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error("loadConfig accepted the settings");
}

describe("loadConfig", () => {
  it("uses the default of every optional setting", () => {
    expect(loadConfig({ COSMOS_ENDPOINT: ENDPOINT })).toEqual(DEFAULTS);
  });

  it.each<[string, Record<string, string>, Partial<Config>]>([
    ["COSMOS_ENDPOINT (trimmed)", { COSMOS_ENDPOINT: ` ${ENDPOINT} ` }, {}],
    [
      "COSMOS_ENDPOINT over plain http (the local store)",
      { COSMOS_ENDPOINT: "http://127.0.0.1:7081" },
      { cosmos: { ...DEFAULTS.cosmos, endpoint: "http://127.0.0.1:7081" } },
    ],
    ["COSMOS_DATABASE", { COSMOS_DATABASE: "scim-test" }, { cosmos: { ...DEFAULTS.cosmos, database: "scim-test" } }],
    ["TRUSTED_PROXY_HOPS", { TRUSTED_PROXY_HOPS: "2" }, { trustedProxyHops: 2 }],
    ["TRUSTED_PROXY_HOPS=0 (X-Forwarded-For ignored)", { TRUSTED_PROXY_HOPS: "0" }, { trustedProxyHops: 0 }],
    [
      "OAUTH_DEV_ISSUER (the local provider)",
      { OAUTH_DEV_ISSUER: "http://127.0.0.1:7072/" },
      { oauth: { devIssuer: "http://127.0.0.1:7072" } },
    ],
    ["an empty COSMOS_DATABASE (the default)", { COSMOS_DATABASE: " " }, {}],
    ["COSMOS_KEY", { COSMOS_KEY: "a2V5" }, { cosmos: { ...DEFAULTS.cosmos, key: "a2V5" } }],
    ["an empty COSMOS_KEY (DefaultAzureCredential)", { COSMOS_KEY: "" }, {}],
    ["SCIM_MAX_BODY_BYTES", { SCIM_MAX_BODY_BYTES: "2048" }, { maxBodyBytes: 2048 }],
    ["SCIM_MAX_RESULTS", { SCIM_MAX_RESULTS: "50" }, { maxResults: 50 }],
    ["an empty SCIM_MAX_RESULTS (the default)", { SCIM_MAX_RESULTS: "" }, {}],
    ["SCIM_TOKEN_CACHE_MS", { SCIM_TOKEN_CACHE_MS: "1000" }, { tokenCacheMs: 1000 }],
    ["SCIM_TOKEN_CACHE_MS at its maximum", { SCIM_TOKEN_CACHE_MS: "5000" }, { tokenCacheMs: 5000 }],
  ])("reads %s", (_name, env, expected) => {
    expect(loadConfig({ COSMOS_ENDPOINT: ENDPOINT, ...env })).toEqual({ ...DEFAULTS, ...expected });
  });

  it.each<[string, Record<string, string>, string]>([
    [
      "COSMOS_ENDPOINT unset",
      {},
      "COSMOS_ENDPOINT is not set (the Cosmos DB account endpoint; `npm start` sets it for the embedded local store)",
    ],
    [
      "COSMOS_ENDPOINT blank",
      { COSMOS_ENDPOINT: "  " },
      "COSMOS_ENDPOINT is not set (the Cosmos DB account endpoint; `npm start` sets it for the embedded local store)",
    ],
    [
      "COSMOS_ENDPOINT not a URL",
      { COSMOS_ENDPOINT: "acct.documents.azure.com" },
      'COSMOS_ENDPOINT must be an http(s) URL (got "acct.documents.azure.com")',
    ],
    [
      "SCIM_MAX_BODY_BYTES zero",
      { COSMOS_ENDPOINT: ENDPOINT, SCIM_MAX_BODY_BYTES: "0" },
      'SCIM_MAX_BODY_BYTES must be a positive whole number (got "0")',
    ],
    [
      "SCIM_MAX_RESULTS a fraction",
      { COSMOS_ENDPOINT: ENDPOINT, SCIM_MAX_RESULTS: "1.5" },
      'SCIM_MAX_RESULTS must be a positive whole number (got "1.5")',
    ],
    [
      "SCIM_TOKEN_CACHE_MS not a number",
      { COSMOS_ENDPOINT: ENDPOINT, SCIM_TOKEN_CACHE_MS: "5s" },
      'SCIM_TOKEN_CACHE_MS must be a positive whole number (got "5s")',
    ],
    [
      "SCIM_TOKEN_CACHE_MS negative",
      { COSMOS_ENDPOINT: ENDPOINT, SCIM_TOKEN_CACHE_MS: "-1" },
      'SCIM_TOKEN_CACHE_MS must be a positive whole number (got "-1")',
    ],
    [
      "SCIM_TOKEN_CACHE_MS over 5000",
      { COSMOS_ENDPOINT: ENDPOINT, SCIM_TOKEN_CACHE_MS: "5001" },
      "SCIM_TOKEN_CACHE_MS must be at most 5000 (revocation must take effect within 5 seconds)",
    ],
    [
      "TRUSTED_PROXY_HOPS not a count",
      { COSMOS_ENDPOINT: ENDPOINT, TRUSTED_PROXY_HOPS: "all" },
      'TRUSTED_PROXY_HOPS must be a whole number from 0 to 5 (got "all")',
    ],
    [
      "OAUTH_DEV_ISSUER anywhere but this machine",
      { COSMOS_ENDPOINT: ENDPOINT, OAUTH_DEV_ISSUER: "https://evil.example" },
      'OAUTH_DEV_ISSUER must be the local development provider, http://127.0.0.1:<port> (got "https://evil.example"); production trusts Entra\'s issuers only',
    ],
  ])("rejects %s", (_name, env, problem) => {
    expect(problemsOf(env)).toEqual([problem]);
  });

  it("lists every problem at once, in one error message", () => {
    const env = {
      COSMOS_ENDPOINT: "ftp://x",
      SCIM_MAX_BODY_BYTES: "big",
      SCIM_MAX_RESULTS: "0",
      SCIM_TOKEN_CACHE_MS: "60000",
    };
    const problems = [
      'COSMOS_ENDPOINT must be an http(s) URL (got "ftp://x")',
      'SCIM_MAX_BODY_BYTES must be a positive whole number (got "big")',
      'SCIM_MAX_RESULTS must be a positive whole number (got "0")',
      "SCIM_TOKEN_CACHE_MS must be at most 5000 (revocation must take effect within 5 seconds)",
    ];
    expect(problemsOf(env)).toEqual(problems);
    expect(() => loadConfig(env)).toThrow(`Invalid configuration:\n  - ${problems.join("\n  - ")}`);
  });
});
