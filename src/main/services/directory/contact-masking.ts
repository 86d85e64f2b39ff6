import type { RecentUser, UserDetail, UserSummary } from '@shared/domain/user';
import { maskRecentUser, maskUserDetail, maskUserSummary } from '@shared/domain/verification';
import type { ContactDisclosure } from './ports';

/**
 * The contact-masking rule: contact details (email, phone) of a user are shown in full only when
 * the tenant does not require caller verification or while that user's caller is verified;
 * otherwise every email and phone in an answer is partly masked. Who is disclosed comes from the
 * {@link ContactDisclosure} port (caller verification answers it).
 * SECURITY: applied in main, before the answer crosses IPC, so the console (and anyone looking over
 * the agent's shoulder, or an impostor fishing for "what address do you have for me?") never
 * holds an unverified caller's full contact details. The agent still picks where a code goes,
 * from masked targets main resolves itself.
 */
export class ContactMasking {
  constructor(private readonly disclosure: ContactDisclosure) {}

  /** One user whole. */
  async user(detail: UserDetail): Promise<UserDetail> {
    const disclose = await this.disclosure.discloser();
    return disclose(detail.profile.userId) ? detail : maskUserDetail(detail);
  }

  /** Search hits: contact fields masked except the one the agent typed. */
  async summaries<T extends { results: UserSummary[] }>(result: T): Promise<T> {
    const disclose = await this.disclosure.discloser();
    return { ...result, results: result.results.map((u) => (disclose(u.userId) ? u : maskUserSummary(u))) };
  }

  /** Recent users: a label that is an email or phone is masked. */
  async recent(users: RecentUser[]): Promise<RecentUser[]> {
    const disclose = await this.disclosure.discloser();
    return users.map((u) => (disclose(u.userId) ? u : maskRecentUser(u)));
  }
}
