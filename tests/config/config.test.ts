import { describe, expect, it } from "vitest";
import { ConfigError, ENTRA_ORGANIZATIONS, loadConfig } from "../../shared/config.js";

/** loadConfig: the sign-in settings, validated with the full list of problems. */

const base = { COSMOS_ENDPOINT: "https://acct.documents.azure.com:443/" };
const problems = (env: Record<string, string>) => {
  try {
    loadConfig({ ...base, ...env });
  } catch (error) {
    return (error as ConfigError).problems;
  }
  return [];
};

describe("sign-in settings", () => {
  it("are absent without ENTRA_CLIENT_ID, with default session lifetimes", () => {
    const config = loadConfig(base);
    expect(config.signIn).toBeUndefined();
    expect(config.publicBaseUrl).toBeUndefined();
    expect(config.sessions).toEqual({ idleMinutes: 480, absoluteHours: 12 });
  });

  it("use the managed identity as federated credential in Azure", () => {
    const config = loadConfig({
      ...base,
      PUBLIC_BASE_URL: "https://contoso-scim.azurewebsites.net/",
      ENTRA_CLIENT_ID: "c1",
      ENTRA_FEDERATED_CREDENTIAL: "true",
      AZURE_CLIENT_ID: "mi-1",
    });
    expect(config.publicBaseUrl).toBe("https://contoso-scim.azurewebsites.net");
    expect(config.signIn).toEqual({
      clientId: "c1",
      authority: ENTRA_ORGANIZATIONS,
      clientAuth: { kind: "federated", managedIdentityClientId: "mi-1" },
    });
  });

  it("take a client secret instead", () => {
    const config = loadConfig({
      ...base,
      PUBLIC_BASE_URL: "https://x.example",
      ENTRA_CLIENT_ID: "c1",
      ENTRA_CLIENT_SECRET: "s3cret",
    });
    expect(config.signIn?.clientAuth).toEqual({ kind: "secret", secret: "s3cret" });
  });

  it.each([
    [
      { PUBLIC_BASE_URL: "http://contoso.example" },
      'PUBLIC_BASE_URL must be https (plain http only for localhost), got "http://contoso.example"',
    ],
    [
      { PUBLIC_BASE_URL: "https://x.example/scim" },
      'PUBLIC_BASE_URL is an origin without a path, e.g. https://x.example (got "https://x.example/scim")',
    ],
    [
      { ENTRA_FEDERATED_CREDENTIAL: "true" },
      "ENTRA_CLIENT_ID is not set, but other ENTRA_* settings are (set the app registration's Application (client) ID)",
    ],
    [
      { ENTRA_CLIENT_ID: "c1", PUBLIC_BASE_URL: "https://x.example" },
      "ENTRA_CLIENT_ID is set but the app has no credential: set ENTRA_FEDERATED_CREDENTIAL=true (managed identity as federated credential) or ENTRA_CLIENT_SECRET",
    ],
    [
      { ENTRA_CLIENT_ID: "c1", ENTRA_FEDERATED_CREDENTIAL: "true" },
      "PUBLIC_BASE_URL is not set; sign-in needs it for the redirect URI (https://<host>/auth/callback)",
    ],
    [
      {
        ENTRA_CLIENT_ID: "c1",
        PUBLIC_BASE_URL: "https://x.example",
        ENTRA_FEDERATED_CREDENTIAL: "true",
        ENTRA_CLIENT_SECRET: "s",
      },
      "set either ENTRA_CLIENT_SECRET or ENTRA_FEDERATED_CREDENTIAL=true, not both",
    ],
    [
      {
        ENTRA_FEDERATED_CREDENTIAL: "yes",
        ENTRA_CLIENT_ID: "c1",
        PUBLIC_BASE_URL: "https://x.example",
        ENTRA_CLIENT_SECRET: "s",
      },
      'ENTRA_FEDERATED_CREDENTIAL must be true or false (got "yes")',
    ],
    [{ SESSION_IDLE_MINUTES: "900" }, "SESSION_IDLE_MINUTES must not exceed SESSION_ABSOLUTE_HOURS (in minutes)"],
    [{ SESSION_ABSOLUTE_HOURS: "0" }, 'SESSION_ABSOLUTE_HOURS must be a positive whole number (got "0")'],
  ])("refuse %j", (env, problem) => {
    expect(problems(env)).toEqual([problem]);
  });

  it("list every problem at once", () => {
    expect(
      problems({ PUBLIC_BASE_URL: "ftp://x", ENTRA_FEDERATED_CREDENTIAL: "true", SESSION_IDLE_MINUTES: "-1" }),
    ).toHaveLength(3);
  });

  it("allow plain http on localhost and a development provider without a credential", () => {
    const config = loadConfig({ ...base, ENTRA_CLIENT_ID: "dev", ENTRA_AUTHORITY: "http://127.0.0.1:7072" });
    expect(config.signIn).toEqual({
      clientId: "dev",
      authority: "http://127.0.0.1:7072",
      clientAuth: { kind: "none" },
    });
  });
});
