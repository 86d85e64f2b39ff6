import { randomUUID } from 'node:crypto';
import type {
  ActionConfig,
  EmuAction,
  EmuAuthenticator,
  EmuChallenge,
  EmuUser,
  OutboxMessage,
} from './model';

/** Filters of `GET /v1/users` (queryUsers). */
export interface UserQuery {
  email?: string;
  phoneNumber?: string;
  username?: string;
  limit?: number;
  lastEvaluatedUserId?: string;
}

/** Serialisable state, for `--data` persistence. */
export interface StoreSnapshot {
  version: 1;
  users: EmuUser[];
  authenticators: EmuAuthenticator[];
  actions: EmuAction[];
  outbox: OutboxMessage[];
  actionConfigs: Record<string, ActionConfig>;
}

const OUTBOX_LIMIT = 1000;
const compareIds = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const nowIso = () => new Date().toISOString();

/** Index of attribute value -> user ids, in insertion order. */
class Index {
  private readonly map = new Map<string, Set<string>>();
  constructor(private readonly normalise: (v: string) => string) {}
  add(value: string | undefined, userId: string): void {
    if (!value) return;
    const key = this.normalise(value);
    let set = this.map.get(key);
    if (!set) this.map.set(key, (set = new Set()));
    set.add(userId);
  }
  remove(value: string | undefined, userId: string): void {
    if (!value) return;
    const key = this.normalise(value);
    const set = this.map.get(key);
    set?.delete(userId);
    if (set && set.size === 0) this.map.delete(key);
  }
  get(value: string): string[] {
    return [...(this.map.get(this.normalise(value)) ?? [])];
  }
}

/**
 * The emulator's state, in memory. Users are implicit (any id exists); a user record is created
 * the first time something is written for it. Indexes make queryUsers O(matches) at 100k users.
 */
export class Store {
  private readonly users = new Map<string, EmuUser>();
  private readonly authenticators = new Map<string, EmuAuthenticator[]>();
  /** userId -> `${actionCode}\u0000${idempotencyKey}` -> action */
  private readonly actions = new Map<string, Map<string, EmuAction>>();
  private readonly challenges = new Map<string, EmuChallenge>();
  private outbox: OutboxMessage[] = [];
  readonly actionConfigs = new Map<string, ActionConfig>();
  private readonly byEmail = new Index((v) => v.trim().toLowerCase());
  private readonly byPhone = new Index((v) => v.replace(/[^\d+]/g, ''));
  private readonly byUsername = new Index((v) => v.trim().toLowerCase());
  /**
   * Whether `GET /users?email=` ignores case (the default profile). The strict profile matches the
   * stored address exactly, as nothing in the API reference promises otherwise.
   */
  emailLookupIgnoresCase = true;

  // ---- users -------------------------------------------------------------------------------

  /** The stored user, or undefined when nothing was ever written for that id. */
  getUser(userId: string): EmuUser | undefined {
    return this.users.get(userId);
  }

  /** The stored user, created (empty) on first use: Authsignal users are implicit. */
  ensureUser(userId: string): EmuUser {
    let user = this.users.get(userId);
    if (!user) {
      user = { userId, emailVerified: false, phoneNumberVerified: false, createdAt: nowIso() };
      this.users.set(userId, user);
      this.sortedIds = undefined;
    }
    return user;
  }

  /**
   * Merges attributes into the user (creating it) and keeps the indexes right. `undefined` leaves
   * a field as it is; `null` clears it (as a PATCH with `"email": null` does).
   */
  updateUser(userId: string, attributes: { [K in keyof Omit<EmuUser, 'userId' | 'createdAt'>]?: EmuUser[K] | null }): EmuUser {
    const user = this.ensureUser(userId);
    this.unindex(user);
    const record = user as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(attributes)) {
      if (value === null) delete record[key];
      else if (value !== undefined) record[key] = value;
    }
    this.index(user);
    return user;
  }

  /** Deletes the user with its authenticators and actions. */
  deleteUser(userId: string): void {
    const user = this.users.get(userId);
    if (user) this.unindex(user);
    if (this.users.delete(userId)) this.sortedIds = undefined;
    this.authenticators.delete(userId);
    this.actions.delete(userId);
  }

  /**
   * Users matching every given filter (none = all users), in userId order (UTF-16 code units),
   * after the cursor. Ordering by id makes the cursor stable: a scan resumes at the first id
   * after `lastEvaluatedUserId` even if that user was deleted meanwhile, and a page costs
   * O(log n + limit) once the sorted id list is built (it is rebuilt only after users come or go).
   */
  queryUsers(query: UserQuery): { users: EmuUser[]; lastEvaluatedUserId?: string } {
    const limit = Math.min(Math.max(query.limit ?? 100, 1), 1000);
    const candidates: string[][] = [];
    if (query.email) {
      const email = query.email;
      const found = this.byEmail.get(email);
      candidates.push(this.emailLookupIgnoresCase ? found : found.filter((id) => this.users.get(id)?.email?.trim() === email.trim()));
    }
    if (query.phoneNumber) candidates.push(this.byPhone.get(query.phoneNumber));
    if (query.username) candidates.push(this.byUsername.get(query.username));
    let ids: string[];
    if (candidates.length === 0) ids = this.sortedUserIds();
    else {
      ids = candidates.reduce((acc, next) => {
        const keep = new Set(next);
        return acc.filter((id) => keep.has(id));
      });
      ids.sort(compareIds);
    }
    let start = 0;
    if (query.lastEvaluatedUserId !== undefined) {
      // First index whose id sorts after the cursor.
      let lo = 0;
      let hi = ids.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (compareIds(ids[mid], query.lastEvaluatedUserId) <= 0) lo = mid + 1;
        else hi = mid;
      }
      start = lo;
    }
    const page = ids.slice(start, start + limit).map((id) => this.users.get(id)!);
    const more = start + limit < ids.length;
    return { users: page, lastEvaluatedUserId: more ? page[page.length - 1]?.userId : undefined };
  }

  private sortedIds?: string[];

  private sortedUserIds(): string[] {
    this.sortedIds ??= [...this.users.keys()].sort(compareIds);
    return this.sortedIds;
  }

  /** Number of stored users. */
  get userCount(): number {
    return this.users.size;
  }

  /** Every stored user id, in insertion order. */
  userIds(): IterableIterator<string> {
    return this.users.keys();
  }

  private index(user: EmuUser): void {
    this.byEmail.add(user.email, user.userId);
    this.byPhone.add(user.phoneNumber, user.userId);
    this.byUsername.add(user.username, user.userId);
  }

  private unindex(user: EmuUser): void {
    this.byEmail.remove(user.email, user.userId);
    this.byPhone.remove(user.phoneNumber, user.userId);
    this.byUsername.remove(user.username, user.userId);
  }

  // ---- authenticators ----------------------------------------------------------------------

  /** Enrolled (verified) authenticators of a user; pending enrollments are left out unless asked. */
  listAuthenticators(userId: string, includePending = false): EmuAuthenticator[] {
    const list = this.authenticators.get(userId) ?? [];
    return includePending ? [...list] : list.filter((a) => !a._pending);
  }

  /** Adds an authenticator (creating the user). */
  addAuthenticator(authenticator: Omit<EmuAuthenticator, 'userAuthenticatorId'> & { userAuthenticatorId?: string }): EmuAuthenticator {
    this.ensureUser(authenticator.userId);
    const stored: EmuAuthenticator = { ...authenticator, userAuthenticatorId: authenticator.userAuthenticatorId ?? randomUUID() };
    const list = this.authenticators.get(stored.userId) ?? [];
    list.push(stored);
    this.authenticators.set(stored.userId, list);
    return stored;
  }

  /** Finds one authenticator of a user. */
  getAuthenticator(userId: string, userAuthenticatorId: string): EmuAuthenticator | undefined {
    return this.authenticators.get(userId)?.find((a) => a.userAuthenticatorId === userAuthenticatorId);
  }

  /** Finds an authenticator by WebAuthn credential id, across users. */
  findByCredentialId(credentialId: string): EmuAuthenticator | undefined {
    for (const list of this.authenticators.values()) {
      const found = list.find((a) => a._credential?.id === credentialId);
      if (found) return found;
    }
    return undefined;
  }

  /** Removes one authenticator; false when it did not exist. */
  removeAuthenticator(userId: string, userAuthenticatorId: string): boolean {
    const list = this.authenticators.get(userId);
    if (!list) return false;
    const next = list.filter((a) => a.userAuthenticatorId !== userAuthenticatorId);
    this.authenticators.set(userId, next);
    return next.length !== list.length;
  }

  // ---- actions -----------------------------------------------------------------------------

  /** Stores (or replaces) an action. */
  putAction(action: EmuAction): EmuAction {
    let byUser = this.actions.get(action.userId);
    if (!byUser) this.actions.set(action.userId, (byUser = new Map<string, EmuAction>()));
    byUser.set(`${action.actionCode}\u0000${action.idempotencyKey}`, action);
    return action;
  }

  /** One action. */
  getAction(userId: string, actionCode: string, idempotencyKey: string): EmuAction | undefined {
    return this.actions.get(userId)?.get(`${actionCode}\u0000${idempotencyKey}`);
  }

  /** Finds an action by idempotency key alone (tokens carry it). */
  findActionByKey(userId: string, idempotencyKey: string): EmuAction | undefined {
    for (const action of this.actions.get(userId)?.values() ?? []) {
      if (action.idempotencyKey === idempotencyKey) return action;
    }
    return undefined;
  }

  /** A user's actions, newest first. */
  listActions(userId: string): EmuAction[] {
    return [...(this.actions.get(userId)?.values() ?? [])].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  // ---- challenges --------------------------------------------------------------------------

  /** Stores a challenge (expired ones are swept on the way). */
  putChallenge(challenge: EmuChallenge): EmuChallenge {
    const now = Date.now();
    if (this.challenges.size > 10_000) {
      for (const [id, c] of this.challenges) if (c.expiresAt < now) this.challenges.delete(id);
    }
    this.challenges.set(challenge.challengeId, challenge);
    return challenge;
  }

  /** One challenge, whether or not it expired (callers decide). */
  getChallenge(challengeId: string): EmuChallenge | undefined {
    return this.challenges.get(challengeId);
  }

  /** Challenges matching a filter, newest first. */
  findChallenges(filter: (c: EmuChallenge) => boolean): EmuChallenge[] {
    return [...this.challenges.values()].filter(filter).reverse();
  }

  // ---- outbox ------------------------------------------------------------------------------

  /** Records a "sent" message. */
  send(message: Omit<OutboxMessage, 'id' | 'sentAt'>): OutboxMessage {
    const stored: OutboxMessage = { ...message, id: randomUUID(), sentAt: nowIso() };
    this.outbox.push(stored);
    if (this.outbox.length > OUTBOX_LIMIT) this.outbox = this.outbox.slice(-OUTBOX_LIMIT);
    return stored;
  }

  /** Outbox, newest first, optionally for one recipient. */
  listOutbox(to?: string): OutboxMessage[] {
    const norm = (v: string) => v.trim().toLowerCase();
    const list = to ? this.outbox.filter((m) => norm(m.to) === norm(to)) : this.outbox;
    return [...list].reverse();
  }

  // ---- persistence -------------------------------------------------------------------------

  /** Everything worth keeping across restarts (pending challenges are not). */
  snapshot(): StoreSnapshot {
    return {
      version: 1,
      users: [...this.users.values()],
      authenticators: [...this.authenticators.values()].flat(),
      actions: [...this.actions.values()].flatMap((m) => [...m.values()]),
      outbox: this.outbox,
      actionConfigs: Object.fromEntries(this.actionConfigs),
    };
  }

  /** Replaces the state with a snapshot. */
  restore(snapshot: StoreSnapshot): void {
    this.users.clear();
    this.sortedIds = undefined;
    this.authenticators.clear();
    this.actions.clear();
    this.challenges.clear();
    for (const user of snapshot.users) {
      this.users.set(user.userId, user);
      this.index(user);
    }
    for (const a of snapshot.authenticators) {
      const list = this.authenticators.get(a.userId) ?? [];
      list.push(a);
      this.authenticators.set(a.userId, list);
    }
    for (const action of snapshot.actions) this.putAction(action);
    this.outbox = snapshot.outbox ?? [];
    this.actionConfigs.clear();
    for (const [code, config] of Object.entries(snapshot.actionConfigs ?? {})) this.actionConfigs.set(code, config);
  }
}
