import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { Container } from "@azure/cosmos";
import { ScimError } from "../scim/errors.js";

/** A customer company. Everything else is partitioned by its id. */
export interface Tenant {
  id: string;
  name: string;
  createdAt: string;
}

/** A token record. The secret itself is never stored: `id` is its SHA-256. */
interface TokenDoc {
  id: string;
  tokenId: string;
  tenantId: string;
  name: string;
  createdAt: string;
  expiresAt?: string;
  revokedAt?: string;
}

export interface TokenInfo {
  id: string;
  tenantId: string;
  name: string;
  createdAt: string;
  expiresAt?: string;
  status: "active" | "expired" | "revoked";
}

export interface Principal {
  tenantId: string;
  tokenId: string;
  tokenName: string;
}

/** Every token starts with this, so it is recognisable (and findable by secret scanners). */
export const TOKEN_PREFIX = "scimf_";

/** SHA-256 of the secret. Tokens are 256 random bits, so an unsalted hash is safe to store. */
export const hashToken = (secret: string) => createHash("sha256").update(secret, "utf8").digest("hex");

function statusOf(doc: TokenDoc, now: Date): TokenInfo["status"] {
  if (doc.revokedAt) return "revoked";
  if (doc.expiresAt && Date.parse(doc.expiresAt) <= now.getTime()) return "expired";
  return "active";
}

const toInfo = (doc: TokenDoc, now: Date): TokenInfo => ({
  id: doc.tokenId,
  tenantId: doc.tenantId,
  name: doc.name,
  createdAt: doc.createdAt,
  ...(doc.expiresAt ? { expiresAt: doc.expiresAt } : {}),
  status: statusOf(doc, now),
});

const unauthorized = (detail: string) =>
  new ScimError(401, detail, undefined, { "WWW-Authenticate": 'Bearer realm="scim", error="invalid_token"' });

/** Tenants and their bearer tokens. */
export class TenantStore {
  private readonly cache = new Map<string, { principal: Principal; until: number; expiresAt?: number }>();

  constructor(
    private readonly tenants: Container,
    private readonly tokens: Container,
    private readonly cacheMs = 5000,
  ) {}

  async createTenant(name: string, now: Date, id: string = randomUUID()): Promise<Tenant> {
    const tenant: Tenant = { id, name, createdAt: now.toISOString() };
    await this.tenants.items.create(tenant);
    return tenant;
  }

  async getTenant(id: string): Promise<Tenant | undefined> {
    const { resource } = await this.tenants.item(id, id).read<Tenant>();
    return resource ? { id: resource.id, name: resource.name, createdAt: resource.createdAt } : undefined;
  }

  async listTenants(): Promise<Tenant[]> {
    const { resources } = await this.tenants.items
      .query<Tenant>("SELECT c.id, c.name, c.createdAt FROM c ORDER BY c.createdAt")
      .fetchAll();
    return resources;
  }

  /**
   * Issues a token for a tenant and returns its secret; the secret is not stored and cannot be
   * shown again. `secret` may be given (the local host's SCIM_DEV_TOKEN).
   */
  async createToken(
    tenantId: string,
    name: string,
    now: Date,
    options: { expiresAt?: Date; secret?: string } = {},
  ): Promise<{ token: TokenInfo; secret: string }> {
    if (!(await this.getTenant(tenantId))) throw new Error(`No tenant with id ${tenantId}`);
    const secret = options.secret ?? TOKEN_PREFIX + randomBytes(32).toString("base64url");
    if (!secret.startsWith(TOKEN_PREFIX) || secret.length < TOKEN_PREFIX.length + 32) {
      throw new Error(`A token must start with "${TOKEN_PREFIX}" and carry at least 32 more characters`);
    }
    const doc: TokenDoc = {
      id: hashToken(secret),
      tokenId: `tok_${randomBytes(9).toString("base64url")}`,
      tenantId,
      name,
      createdAt: now.toISOString(),
      ...(options.expiresAt ? { expiresAt: options.expiresAt.toISOString() } : {}),
    };
    await this.tokens.items.create(doc);
    return { token: toInfo(doc, now), secret };
  }

  async listTokens(tenantId: string, now: Date): Promise<TokenInfo[]> {
    const { resources } = await this.tokens.items
      .query<TokenDoc>({
        query: "SELECT * FROM c WHERE c.tenantId = @tenantId ORDER BY c.createdAt",
        parameters: [{ name: "@tenantId", value: tenantId }],
      })
      .fetchAll();
    return resources.map((doc) => toInfo(doc, now));
  }

  /**
   * Resolves a bearer secret to its tenant: one point read, cached for at most `cacheMs`
   * so that a revocation takes effect within that time. Throws 401 otherwise.
   */
  async authenticate(secret: string | undefined, now: Date, _tenantUrl?: string): Promise<Principal> {
    if (!secret) throw unauthorized("Authentication required: send the SCIM token as 'Authorization: Bearer <token>'.");
    if (!secret.startsWith(TOKEN_PREFIX)) {
      throw unauthorized(`The bearer token is not a SCIM token of this service (they start with "${TOKEN_PREFIX}").`);
    }
    const hash = hashToken(secret);
    const cached = this.cache.get(hash);
    if (cached && cached.until > now.getTime() && (cached.expiresAt === undefined || cached.expiresAt > now.getTime())) {
      return cached.principal;
    }
    const { resource: doc } = await this.tokens.item(hash, hash).read<TokenDoc>();
    if (!doc) throw unauthorized("The bearer token is unknown. Create a token with the admin CLI and paste it into Entra.");
    const status = statusOf(doc, now);
    if (status === "revoked") throw unauthorized(`The token '${doc.name}' was revoked. Create a new token and update Entra.`);
    if (status === "expired") {
      throw unauthorized(`The token '${doc.name}' expired at ${doc.expiresAt}. Create a new token and update Entra.`);
    }
    const principal: Principal = { tenantId: doc.tenantId, tokenId: doc.tokenId, tokenName: doc.name };
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(hash, {
      principal,
      until: now.getTime() + this.cacheMs,
      expiresAt: doc.expiresAt ? Date.parse(doc.expiresAt) : undefined,
    });
    return principal;
  }
}
