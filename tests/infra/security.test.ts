import { describe, expect, it } from "vitest";
import { Symbolic } from "./arm.js";
import { compiledTemplateText, evaluate, ofType, single, storeDefinition } from "./template.js";

const { resources } = evaluate();
const identity = single(resources, "Microsoft.ManagedIdentity/userAssignedIdentities");
const identityName = String(identity.name);
const storageAccount = single(resources, "Microsoft.Storage/storageAccounts");
const applicationInsights = single(resources, "Microsoft.Insights/components");
const workspace = single(resources, "Microsoft.OperationalInsights/workspaces");
const cosmosAccount = single(resources, "Microsoft.DocumentDB/databaseAccounts");
const plan = single(resources, "Microsoft.Web/serverfarms");
const site = single(resources, "Microsoft.Web/sites");
const appSettings = single(resources, "Microsoft.Web/sites/config");

/** What ARM resolves at deployment time: a property of the app's identity or another resource. */
const runtime = (value: unknown) => (value instanceof Symbolic ? value.text : `not runtime: ${JSON.stringify(value)}`);
const identityProperty = (property: string) =>
  `reference(Microsoft.ManagedIdentity/userAssignedIdentities/${identityName}).${property}`;
const identityResourceId = `resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', ${identityName})`;

describe("user-assigned managed identity", () => {
  it("is attached to the Function App as its only identity", () => {
    expect(site.fields["identity"]).toEqual({
      type: "UserAssigned",
      userAssignedIdentities: { [`{${identityResourceId}}`]: {} },
    });
  });
});

describe("Function App on Flex Consumption", () => {
  it("runs on an FC1 FlexConsumption Linux plan", () => {
    expect(plan.fields["sku"]).toEqual({ name: "FC1", tier: "FlexConsumption" });
    expect(plan.properties["reserved"]).toBe(true);
    expect(site.fields["kind"]).toBe("functionapp,linux");
  });

  it("serves HTTPS only, with TLS 1.2 as the minimum, and FTP disabled", () => {
    expect(site.properties["httpsOnly"]).toBe(true);
    expect(site.properties["siteConfig"]).toMatchObject({
      minTlsVersion: "1.2",
      scmMinTlsVersion: "1.2",
      ftpsState: "Disabled",
    });
  });

  it.each(["ftp", "scm"])("turns off basic-auth publishing credentials for %s", (policy) => {
    const policies = ofType(resources, "Microsoft.Web/sites/basicPublishingCredentialsPolicies");
    const match = policies.find((p) => String(p.name).endsWith(`/${policy}`));
    expect(match?.properties).toEqual({ allow: false });
  });

  it("runs Node.js 20 or newer, defaulting to 22", () => {
    const config = site.properties["functionAppConfig"] as { runtime: { name: string; version: string } };
    expect(config.runtime).toEqual({ name: "node", version: "22" });
    const version = evaluate({ environmentName: "test", nodeVersion: "20" });
    expect(
      (single(version.resources, "Microsoft.Web/sites").properties["functionAppConfig"] as typeof config).runtime,
    ).toEqual({
      name: "node",
      version: "20",
    });
  });

  it("deploys its package to a private blob container with the user-assigned identity", () => {
    const config = site.properties["functionAppConfig"] as {
      deployment: {
        storage: {
          type: string;
          value: unknown;
          authentication: { type: string; userAssignedIdentityResourceId: unknown };
        };
      };
    };
    const storage = config.deployment.storage;
    expect(storage.type).toBe("blobContainer");
    expect(runtime(storage.value)).toBe(
      `{reference(Microsoft.Storage/storageAccounts/${String(storageAccount.name)}).primaryEndpoints.blob}app-package`,
    );
    expect(storage.authentication.type).toBe("UserAssignedIdentity");
    expect(runtime(storage.authentication.userAssignedIdentityResourceId)).toBe(identityResourceId);
    const container = single(resources, "Microsoft.Storage/storageAccounts/blobServices/containers");
    expect(String(container.name)).toMatch(/\/default\/app-package$/);
    expect(container.properties).toEqual({ publicAccess: "None" });
  });
});

describe("app settings", () => {
  const settings = appSettings.properties;

  it("are exactly the identity-based settings the code and the host read", () => {
    expect(Object.keys(settings).sort()).toEqual(
      [
        "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
        "APPLICATIONINSIGHTS_CONNECTION_STRING",
        "AZURE_CLIENT_ID",
        "AZURE_TOKEN_CREDENTIALS",
        "AzureWebJobsStorage__accountName",
        "AzureWebJobsStorage__clientId",
        "AzureWebJobsStorage__credential",
        "AzureWebJobsDisableHomepage",
        "COSMOS_DATABASE",
        "COSMOS_ENDPOINT",
        "JobsQueue__clientId",
        "JobsQueue__credential",
        "JobsQueue__queueServiceUri",
        "PUBLIC_BASE_URL",
      ].sort(),
    );
  });

  it("set PUBLIC_BASE_URL to the app's https default host name", () => {
    expect(runtime(settings["PUBLIC_BASE_URL"])).toBe(
      `https://{reference(Microsoft.Web/sites/${String(site.name)}).defaultHostName}`,
    );
  });

  it("add the sign-in app registration with the managed identity as its federated credential when entraClientId is set", () => {
    const withSignIn = single(
      evaluate({ environmentName: "test", entraClientId: "22222222-2222-4222-8222-222222222222" }).resources,
      "Microsoft.Web/sites/config",
    ).properties;
    expect(withSignIn["ENTRA_CLIENT_ID"]).toBe("22222222-2222-4222-8222-222222222222");
    expect(withSignIn["ENTRA_FEDERATED_CREDENTIAL"]).toBe("true");
    expect(withSignIn["ENTRA_CLIENT_SECRET"]).toBeUndefined();
    expect(settings["ENTRA_CLIENT_ID"]).toBeUndefined();
    expect(settings["ENTRA_FEDERATED_CREDENTIAL"]).toBeUndefined();
  });

  it("use a client secret's Key Vault reference instead of the federated credential when one is given", () => {
    const reference = "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/entra/)";
    const withSecret = single(
      evaluate({
        environmentName: "test",
        entraClientId: "22222222-2222-4222-8222-222222222222",
        additionalAppSettings: { ENTRA_CLIENT_SECRET: reference },
      }).resources,
      "Microsoft.Web/sites/config",
    ).properties;
    expect(withSecret["ENTRA_CLIENT_SECRET"]).toBe(reference);
    expect(withSecret["ENTRA_FEDERATED_CREDENTIAL"]).toBeUndefined();
  });

  it("wire the identity, Cosmos DB and Application Insights from the deployed resources", () => {
    expect(settings["AZURE_TOKEN_CREDENTIALS"]).toBe("ManagedIdentityCredential");
    expect(runtime(settings["AZURE_CLIENT_ID"])).toBe(identityProperty("clientId"));
    expect(runtime(settings["COSMOS_ENDPOINT"])).toBe(
      `reference(Microsoft.DocumentDB/databaseAccounts/${String(cosmosAccount.name)}).documentEndpoint`,
    );
    expect(settings["COSMOS_DATABASE"]).toBe(storeDefinition().database);
    expect(runtime(settings["APPLICATIONINSIGHTS_CONNECTION_STRING"])).toBe(
      `reference(Microsoft.Insights/components/${String(applicationInsights.name)}).ConnectionString`,
    );
    expect(runtime(settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"])).toBe(
      `Authorization=AAD;ClientId={${identityProperty("clientId")}}`,
    );
  });

  it("connect the host to its storage account with the managed identity, not a key", () => {
    expect(runtime(settings["AzureWebJobsStorage__accountName"])).toBe(String(storageAccount.name));
    expect(settings["AzureWebJobsStorage__credential"]).toBe("managedidentity");
    expect(runtime(settings["AzureWebJobsStorage__clientId"])).toBe(identityProperty("clientId"));
    expect(settings).not.toHaveProperty("AzureWebJobsStorage");
  });

  it("take extra settings from additionalAppSettings, which cannot override the wired ones", () => {
    const extra = evaluate({
      environmentName: "test",
      additionalAppSettings: { SCIM_MAX_RESULTS: "100", AZURE_TOKEN_CREDENTIALS: "EnvironmentCredential" },
    });
    const merged = single(extra.resources, "Microsoft.Web/sites/config").properties;
    expect(merged["SCIM_MAX_RESULTS"]).toBe("100");
    expect(merged["AZURE_TOKEN_CREDENTIALS"]).toBe("ManagedIdentityCredential");
  });

  it("leave the runtime to functionAppConfig, as Flex Consumption requires", () => {
    for (const name of [
      "FUNCTIONS_WORKER_RUNTIME",
      "WEBSITE_NODE_DEFAULT_VERSION",
      "FUNCTIONS_EXTENSION_VERSION",
      "WEBSITE_RUN_FROM_PACKAGE",
      "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
    ]) {
      expect(settings).not.toHaveProperty(name);
    }
  });
});

describe("host storage account", () => {
  it("refuses shared keys and anonymous blobs, and takes HTTPS with TLS 1.2 only", () => {
    expect(storageAccount.properties).toMatchObject({
      allowSharedKeyAccess: false,
      defaultToOAuthAuthentication: true,
      allowBlobPublicAccess: false,
      minimumTlsVersion: "TLS1_2",
      supportsHttpsTrafficOnly: true,
    });
  });
});

describe("Application Insights", () => {
  it("accepts only Entra-authenticated telemetry and stores it in the Log Analytics workspace", () => {
    expect(applicationInsights.properties).toMatchObject({ DisableLocalAuth: true, IngestionMode: "LogAnalytics" });
    expect(runtime(applicationInsights.properties["WorkspaceResourceId"])).toBe(
      `resourceId('Microsoft.OperationalInsights/workspaces', ${String(workspace.name)})`,
    );
    expect(workspace.properties["features"]).toMatchObject({ disableLocalAuth: true });
  });
});

describe("Cosmos DB account", () => {
  it("disables keys: local auth off and no key-based metadata writes", () => {
    expect(cosmosAccount.properties).toMatchObject({
      disableLocalAuth: true,
      disableKeyBasedMetadataWriteAccess: true,
      minimalTlsVersion: "Tls12",
    });
  });

  it("is serverless by default, with no throughput on the database", () => {
    expect(cosmosAccount.properties["capabilities"]).toEqual([{ name: "EnableServerless" }]);
    const database = single(resources, "Microsoft.DocumentDB/databaseAccounts/sqlDatabases");
    expect(database.properties["options"]).toEqual({});
  });

  it("switches to database-level autoscale with the given maximum RU/s", () => {
    const autoscale = evaluate({
      environmentName: "test",
      cosmosCapacityMode: "autoscale",
      cosmosAutoscaleMaxThroughput: 4000,
    });
    expect(single(autoscale.resources, "Microsoft.DocumentDB/databaseAccounts").properties["capabilities"]).toEqual([]);
    expect(
      single(autoscale.resources, "Microsoft.DocumentDB/databaseAccounts/sqlDatabases").properties["options"],
    ).toEqual({
      autoscaleSettings: { maxThroughput: 4000 },
    });
  });
});

describe("role assignments", () => {
  const assignments = ofType(resources, "Microsoft.Authorization/roleAssignments");

  it.each([
    [
      "Storage Blob Data Owner",
      "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
      "Microsoft.Storage/storageAccounts",
      storageAccount,
    ],
    [
      "Storage Queue Data Contributor",
      "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
      "Microsoft.Storage/storageAccounts",
      storageAccount,
    ],
    [
      "Storage Table Data Contributor",
      "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
      "Microsoft.Storage/storageAccounts",
      storageAccount,
    ],
    [
      "Monitoring Metrics Publisher",
      "3913510d-42f4-4e42-8a64-420c390055eb",
      "Microsoft.Insights/components",
      applicationInsights,
    ],
  ])("grants %s (built-in role %s) to the app identity on its %s", (_role, roleId, scopeType, target) => {
    const matching = assignments.filter(
      (a) =>
        runtime(a.properties["roleDefinitionId"]) ===
        `subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '${roleId}')`,
    );
    expect(matching).toHaveLength(1);
    const assignment = matching[0]!;
    expect(runtime(assignment.fields["scope"])).toBe(`resourceId('${scopeType}', ${String(target.name)})`);
    expect(runtime(assignment.properties["principalId"])).toBe(identityProperty("principalId"));
    expect(assignment.properties["principalType"]).toBe("ServicePrincipal");
  });

  it("makes no other control-plane role assignments", () => {
    expect(assignments).toHaveLength(4);
  });

  it("names every assignment deterministically (guid of scope, identity and role)", () => {
    for (const assignment of assignments) {
      expect(String(assignment.name)).toMatch(
        /^guid\(resourceId\(.*resourceId\('Microsoft\.ManagedIdentity\/userAssignedIdentities'/,
      );
    }
  });
});

describe("Cosmos DB data-plane RBAC", () => {
  const dataContributor = "00000000-0000-0000-0000-000000000002";
  const sqlAssignments = (r = resources) => ofType(r, "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments");

  it("grants the built-in Data Contributor role to the app identity on the whole account", () => {
    const [assignment, ...others] = sqlAssignments();
    expect(others).toEqual([]);
    expect(runtime(assignment!.properties["principalId"])).toBe(identityProperty("principalId"));
    expect(runtime(assignment!.properties["roleDefinitionId"])).toBe(
      `resourceId('Microsoft.DocumentDB/databaseAccounts/sqlRoleDefinitions', ${String(cosmosAccount.name)}, '${dataContributor}')`,
    );
    expect(runtime(assignment!.properties["scope"])).toBe(
      `resourceId('Microsoft.DocumentDB/databaseAccounts', ${String(cosmosAccount.name)})`,
    );
  });

  it.each([
    ["unset", undefined],
    ["empty", ""],
  ])("grants no one else when deployerPrincipalId is %s", (_case, deployerPrincipalId) => {
    const params =
      deployerPrincipalId === undefined
        ? { environmentName: "test" }
        : { environmentName: "test", deployerPrincipalId };
    expect(sqlAssignments(evaluate(params).resources)).toHaveLength(1);
  });

  it("also grants it to the deploying user when deployerPrincipalId is given", () => {
    const deployer = "11111111-2222-3333-4444-555555555555";
    const assignments = sqlAssignments(evaluate({ environmentName: "test", deployerPrincipalId: deployer }).resources);
    expect(assignments.map((a) => a.properties["principalId"])).toContainEqual(deployer);
    expect(assignments).toHaveLength(2);
  });
});

describe("no secrets in the template", () => {
  const text = compiledTemplateText();

  it.each([
    "listKeys(",
    "listConnectionStrings(",
    "listAccountSas(",
    "listServiceSas(",
    "AccountKey=",
    "SharedAccessKey",
    "primaryMasterKey",
    "InstrumentationKey=",
    "securestring",
    "secureObject",
  ])("contains no %s", (needle) => {
    expect(text.toLowerCase()).not.toContain(needle.toLowerCase());
  });
});
