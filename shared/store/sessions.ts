import type { Container } from "@azure/cosmos";
import { cosmosStatus, fromCosmos } from "./errors.js";

const isNotFound = (error: unknown) => cosmosStatus(error) === 404;
const isPreconditionFailed = (error: unknown) => cosmosStatus(error) === 412;

/**
 * Sign-in documents in the `sessions` container (partition key /id): pending logins, sessions and
 * invites. Every id is the SHA-256 (hex) of a secret the store never sees. Each document carries a
 * Cosmos TTL (`ttl`, seconds from its last write), and every read checks its expiry too, because
 * TTL deletion can lag and the embedded local store has none.
 */

/** A login between `/auth/login` and `/auth/callback`; single use, 10 minutes. */
export interface PendingLoginDoc {
  /** SHA-256 of `state`. */
  id: string;
  kind: "pending-login";
  /** SHA-256 of the login-binding cookie's value (the PKCE verifier and nonce derive from it). */
  bindingHash: string;
  returnTo: string;
  /** The invite's id (SHA-256 of its code) when the login came through one. */
  inviteId: string | null;
  createdAt: string;
  expiresAt: string;
  ttl: number;
}

/** A signed-in browser. */
export interface SessionDoc {
  /** SHA-256 of the session id (the cookie's value). */
  id: string;
  kind: "session";
  tenantId: string;
  userId: string;
  createdAt: string;
  /** Last request seen (written at most once a minute). */
  lastSeenAt: string;
  /** lastSeenAt + the idle lifetime. */
  idleExpiresAt: string;
  /** createdAt + the absolute lifetime; never extended. */
  absoluteExpiresAt: string;
  ttl: number;
  /**
   * Set when the session was ended for its user (a SCIM disconnect or delete, a removed Object ID):
   * the document stays until its TTL so that the browser's next request learns why, and is never
   * live again.
   */
  ended?: true;
}

/** A one-time bootstrap invite: whoever signs in with Entra through it becomes an Admin of the tenant. */
export interface InviteDoc {
  /** SHA-256 of the invite code. */
  id: string;
  kind: "invite";
  tenantId: string;
  /** When set, only this Entra preferred_username (case-insensitive) may use it. */
  userName: string | null;
  createdAt: string;
  expiresAt: string;
  /** Set once, when a sign-in uses it. */
  usedAt?: string;
  /** The Entra object id that used it (for the record). */
  usedByObjectId?: string;
  /** Who created it, as the provisioning log names actors (`admin-cli`, `portal:<userName>`); absent on invites made before it was recorded. */
  createdBy?: string;
  ttl: number;
}

/** A document as the store's callers see it: without Cosmos's `_rid`, `_etag`, `_ts`, ... */
function withoutSystemProperties<T extends object>(doc: T): T {
  return Object.fromEntries(Object.entries(doc).filter(([k]) => !k.startsWith("_"))) as T;
}

export class SessionStore {
  constructor(private readonly container: Container) {}

  private async read<T extends { kind: string }>(id: string, kind: T["kind"]): Promise<T | undefined> {
    try {
      const { resource } = await this.container.item(id, id).read<T>();
      return resource && resource.kind === kind ? (withoutSystemProperties(resource) as T) : undefined;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw fromCosmos(error);
    }
  }

  /** Deletes a document; false when it was already gone (someone else took it). */
  private async remove(id: string): Promise<boolean> {
    try {
      await this.container.item(id, id).delete();
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw fromCosmos(error);
    }
  }

  private async create(doc: { id: string }): Promise<void> {
    try {
      await this.container.items.create(doc);
    } catch (error) {
      throw fromCosmos(error);
    }
  }

  createPendingLogin(doc: PendingLoginDoc): Promise<void> {
    return this.create(doc);
  }

  /** Reads a pending login without using it up (the caller takes it once it knows the callback is the right one). */
  readPendingLogin(id: string): Promise<PendingLoginDoc | undefined> {
    return this.read<PendingLoginDoc>(id, "pending-login");
  }

  /**
   * Reads and deletes a pending login: it is returned to exactly one caller (a replayed or
   * concurrent callback gets undefined). Expiry is the caller's check.
   */
  async takePendingLogin(id: string): Promise<PendingLoginDoc | undefined> {
    const doc = await this.read<PendingLoginDoc>(id, "pending-login");
    if (!doc) return undefined;
    return (await this.remove(id)) ? doc : undefined;
  }

  createSession(doc: SessionDoc): Promise<void> {
    return this.create(doc);
  }

  readSession(id: string): Promise<SessionDoc | undefined> {
    return this.read<SessionDoc>(id, "session");
  }

  /** Moves a session's idle expiry (and its TTL) forward. */
  async touchSession(id: string, lastSeenAt: string, idleExpiresAt: string, ttl: number): Promise<void> {
    try {
      await this.container.item(id, id).patch({
        operations: [
          { op: "set", path: "/lastSeenAt", value: lastSeenAt },
          { op: "set", path: "/idleExpiresAt", value: idleExpiresAt },
          { op: "set", path: "/ttl", value: ttl },
        ],
      });
    } catch (error) {
      if (isNotFound(error)) return;
      throw fromCosmos(error);
    }
  }

  deleteSession(id: string): Promise<boolean> {
    return this.remove(id);
  }

  /**
   * Ends every live session of a user (disconnect, delete, a removed Object ID); returns how many.
   * Each is marked `ended` rather than deleted, so the browser holding it is told why on its next
   * request instead of landing on a bare sign-in card; it expires with its TTL as before.
   */
  async endUserSessions(tenantId: string, userId: string): Promise<number> {
    let ids: { id: string }[];
    try {
      ({ resources: ids } = await this.container.items
        .query<{ id: string }>({
          query:
            "SELECT c.id FROM c WHERE c.kind = 'session' AND c.tenantId = @tenantId AND c.userId = @userId AND NOT IS_DEFINED(c.ended)",
          parameters: [
            { name: "@tenantId", value: tenantId },
            { name: "@userId", value: userId },
          ],
        })
        .fetchAll());
    } catch (error) {
      throw fromCosmos(error);
    }
    let count = 0;
    for (const { id } of ids) {
      try {
        await this.container.item(id, id).patch({ operations: [{ op: "set", path: "/ended", value: true }] });
        count++;
      } catch (error) {
        if (isNotFound(error)) continue;
        throw fromCosmos(error);
      }
    }
    return count;
  }

  createInvite(doc: InviteDoc): Promise<void> {
    return this.create(doc);
  }

  readInvite(id: string): Promise<InviteDoc | undefined> {
    return this.read<InviteDoc>(id, "invite");
  }

  /** A tenant's invites, used or not (expired ones too, until their TTL removes them), at most `limit`. */
  async listInvites(tenantId: string, limit = 500): Promise<InviteDoc[]> {
    try {
      const { resources } = await this.container.items
        .query<InviteDoc>({
          query: "SELECT TOP @top * FROM c WHERE c.kind = 'invite' AND c.tenantId = @tenantId",
          parameters: [
            { name: "@tenantId", value: tenantId },
            { name: "@top", value: limit },
          ],
        })
        .fetchAll();
      return resources.map((r) => withoutSystemProperties(r));
    } catch (error) {
      throw fromCosmos(error);
    }
  }

  /** Deletes an invite (revoked); false when it was already gone. */
  deleteInvite(id: string): Promise<boolean> {
    return this.remove(id);
  }

  /**
   * Marks an invite used, once: false when it was used already (or is gone). The used invite is
   * kept for a day (TTL) so a second attempt hears "already used" rather than "unknown".
   */
  async claimInvite(id: string, now: string, objectId: string): Promise<boolean> {
    let read: { resource?: InviteDoc & { _etag?: string } };
    try {
      read = await this.container.item(id, id).read<InviteDoc & { _etag?: string }>();
    } catch (error) {
      if (isNotFound(error)) return false;
      throw fromCosmos(error);
    }
    const doc = read.resource;
    if (!doc || doc.kind !== "invite" || doc.usedAt) return false;
    try {
      // Guarded by the ETag: of two concurrent claims, the second gets 412.
      await this.container
        .item(id, id)
        .replace<InviteDoc>(
          { ...withoutSystemProperties(doc), usedAt: now, usedByObjectId: objectId, ttl: 24 * 3600 },
          { accessCondition: { type: "IfMatch", condition: doc._etag! } },
        );
      return true;
    } catch (error) {
      if (isPreconditionFailed(error) || isNotFound(error)) return false;
      throw fromCosmos(error);
    }
  }
}
