import type { Store } from "./consistency.js";

export interface SessionRecord {
  /** SHA-256 of the session token (base64url). The token itself is never stored. */
  id: string;
  userId: string;
  /**
   * The tenant the session acts in (the user's membership when it was issued), or null.
   * Fixed for the session's life: a removed membership ends access through the assignment
   * lookup (no roles there any more), and a tenant switch will issue a new session.
   */
  tenantId: string | null;
  createdAt: Date;
  /** Absolute timeout: the session ends here whatever the activity. */
  expiresAt: Date;
  /** Idle timeout: pushed forward by activity, never past `expiresAt`. */
  idleExpiresAt: Date;
  /** Authentication methods used to establish the session (RFC 8176 values: "pwd", "otp", ...). */
  amr: string[];
  ip: string | null;
  userAgent: string | null;
}

export interface SessionStore extends Store {
  create(session: SessionRecord): Promise<void>;
  get(id: string): Promise<SessionRecord | null>;
  /** Slides the idle timeout. A no-op when the session is gone. */
  touch(id: string, idleExpiresAt: Date): Promise<void>;
  delete(id: string): Promise<void>;
  listByUser(userId: string): Promise<SessionRecord[]>;
  deleteByUser(userId: string): Promise<void>;
}
