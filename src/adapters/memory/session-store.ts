import type { SessionRecord, SessionStore } from "../../ports/session-store.js";
import { storageError } from "../storage-guard.js";
import { byCreatedAt, copySession } from "./copy.js";

/**
 * Sessions in this closure's memory, with a userId -> session ids index so
 * `listByUser` and `deleteByUser` cost the user's sessions, not all of them.
 * Expired records stay until deleted (the token strategy checks expiry).
 */
export function memorySessionStore(): SessionStore {
  const byId = new Map<string, SessionRecord>();
  const idsByUser = new Map<string, Set<string>>();

  function unindex(session: SessionRecord): void {
    const ids = idsByUser.get(session.userId);
    ids?.delete(session.id);
    if (ids?.size === 0) idsByUser.delete(session.userId);
  }

  return {
    consistency: "atomic",

    async create(session: SessionRecord): Promise<void> {
      // Never overwrite: a second session under the same token hash is a bug, not an update.
      if (byId.has(session.id)) {
        throw storageError("memory", "sessions.create", new Error("UNIQUE constraint failed: sessions.id"));
      }
      const stored = copySession(session);
      byId.set(stored.id, stored);
      let ids = idsByUser.get(stored.userId);
      if (ids === undefined) idsByUser.set(stored.userId, (ids = new Set()));
      ids.add(stored.id);
    },

    async get(id: string): Promise<SessionRecord | null> {
      const stored = byId.get(id);
      return stored === undefined ? null : copySession(stored);
    },

    async touch(id: string, idleExpiresAt: Date): Promise<void> {
      const stored = byId.get(id);
      if (stored !== undefined) byId.set(id, copySession({ ...stored, idleExpiresAt }));
    },

    async delete(id: string): Promise<void> {
      const stored = byId.get(id);
      if (stored === undefined) return;
      byId.delete(id);
      unindex(stored);
    },

    async listByUser(userId: string): Promise<SessionRecord[]> {
      const found: SessionRecord[] = [];
      for (const id of idsByUser.get(userId) ?? []) {
        const stored = byId.get(id);
        if (stored !== undefined) found.push(copySession(stored));
      }
      return found.sort(byCreatedAt);
    },

    async deleteByUser(userId: string): Promise<void> {
      for (const id of idsByUser.get(userId) ?? []) byId.delete(id);
      idsByUser.delete(userId);
    },
  };
}
