import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Symbolic, type ArmTemplate } from "./arm.js";
import { compiledTemplate, compiledTemplateText, evaluate, repoRoot, single, storeDefinition } from "./template.js";

const template = compiledTemplate();
const { resources, outputs } = evaluate();

/** The root template and every module template inlined in it, with their paths. */
function templates(root: ArmTemplate, path = "main"): [string, ArmTemplate][] {
  const entries = Array.isArray(root.resources)
    ? root.resources.map((r, i) => [String(i), r] as const)
    : Object.entries(root.resources);
  const nested = entries.flatMap(([name, r]) => {
    const inner = (r.properties as { template?: ArmTemplate } | undefined)?.template;
    return r.type === "Microsoft.Resources/deployments" && inner ? templates(inner, `${path}/${name}`) : [];
  });
  return [[path, root], ...nested];
}

const bicepFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? bicepFiles(join(dir, e.name)) : /\.bicep(param)?$/.test(e.name) ? [join(dir, e.name)] : [],
  );

describe("outputs", () => {
  const site = single(resources, "Microsoft.Web/sites");
  const cosmos = single(resources, "Microsoft.DocumentDB/databaseAccounts");

  it("give the SCIM Tenant URL on the app's host name under the scim/v2 route prefix", () => {
    expect(outputs["tenantUrl"]).toBeInstanceOf(Symbolic);
    // The module's publicBaseUrl output, https:// and the default host name, then the route.
    expect(String(outputs["tenantUrl"])).toBe(
      `{https://{reference(Microsoft.Web/sites/${String(site.name)}).defaultHostName}}/scim/v2`,
    );
  });

  it("give the portal, the sign-in redirect URI and the federated credential's subject", () => {
    const host = `{https://{reference(Microsoft.Web/sites/${String(site.name)}).defaultHostName}}`;
    expect(String(outputs["portalUrl"])).toBe(`${host}/portal/`);
    expect(String(outputs["signInRedirectUri"])).toBe(`${host}/auth/callback`);
    const identity = single(resources, "Microsoft.ManagedIdentity/userAssignedIdentities");
    expect(String(outputs["federatedCredentialSubject"])).toBe(
      `reference(Microsoft.ManagedIdentity/userAssignedIdentities/${String(identity.name)}).principalId`,
    );
  });

  it("use a custom domain's base URL when publicBaseUrl is set", () => {
    const custom = evaluate({ environmentName: "test", publicBaseUrl: "https://scim.contoso.com" });
    expect(custom.outputs["tenantUrl"]).toBe("https://scim.contoso.com/scim/v2");
    expect(single(custom.resources, "Microsoft.Web/sites/config").properties["PUBLIC_BASE_URL"]).toBe(
      "https://scim.contoso.com",
    );
  });

  it("give the Function App name, the Cosmos DB endpoint and the database name", () => {
    expect(String(outputs["functionAppName"])).toBe(String(site.name));
    expect(String(outputs["cosmosEndpoint"])).toBe(
      `reference(Microsoft.DocumentDB/databaseAccounts/${String(cosmos.name)}).documentEndpoint`,
    );
    expect(outputs["cosmosDatabaseName"]).toBe(storeDefinition().database);
  });
});

describe("template conventions", () => {
  it("deploys to a resource group", () => {
    expect(template.$schema).toMatch(/\/deploymentTemplate\.json#$/);
  });

  it.each(templates(template).map(([path, t]) => [path, t] as const))(
    "%s describes every parameter and output",
    (_path, t) => {
      const undocumented = [
        ...Object.entries(t.parameters ?? {}).map(([name, p]) => ["parameter", name, p] as const),
        ...Object.entries(t.outputs ?? {}).map(([name, o]) => ["output", name, o] as const),
      ]
        .filter(([, , d]) => !(d["metadata"] as { description?: string } | undefined)?.description)
        .map(([kind, name]) => `${kind} ${name}`);
      expect(undocumented).toEqual([]);
    },
  );

  it("requires only environmentName: every other parameter has a default or is nullable", () => {
    const required = Object.entries(template.parameters ?? {})
      .filter(([, p]) => !("defaultValue" in p) && !p.nullable)
      .map(([name]) => name);
    expect(required).toEqual(["environmentName"]);
  });

  it("names resources deterministically from the subscription, resource group, region and environment", () => {
    const token = "{toLower(uniqueString(subscription().id, resourceGroup().id, resourceGroup().location, 'test'))}";
    expect(String(single(resources, "Microsoft.Web/sites").name)).toBe(`func-scim-test-${token}`);
    expect(String(single(resources, "Microsoft.DocumentDB/databaseAccounts").name)).toBe(`cosmos-scim-test-${token}`);
    expect(compiledTemplateText()).not.toMatch(/newGuid\(|utcNow\(/);
  });

  it("inlines every module (no registry or template-spec modules, no links: builds offline)", () => {
    for (const file of bicepFiles(join(repoRoot, "infra"))) {
      expect(readFileSync(file, "utf8"), file).not.toMatch(/\b(module|using)\s+\w*\s*'(br|ts)[:/]/);
    }
    expect(compiledTemplateText()).not.toContain("templateLink");
  });
});
