// Stale-while-revalidate. A copy has two ages: fresh for `freshSeconds`, then stale but still
// usable until `staleSeconds` (its TTL in the store). A fresh copy is served as usual. A stale
// one is served at once too, and one caller, exactly one, across every process, reloads it in
// the background: the others keep getting the stale copy without waiting, and nobody waits for
// the database unless there is no copy at all.

import type { Redis as ValkeyClient } from 'iovalkey';

export interface SwrOptions {
  client: ValkeyClient;
  /** How long a copy is fresh: served with no reload. */
  freshSeconds: number;
  /** How long a copy lives at all (its TTL): past freshSeconds it is served stale and refreshed. */
  staleSeconds: number;
  /** How long one refresher may take before another caller may try (the lock's TTL). */
  refreshLockMs?: number;
  /** A refresh that failed: the stale copy stays, and a later read tries again. */
  onRefreshError?: (key: string, error: unknown) => void;
}

/** What a read answered, and from where. */
export interface SwrRead<T> {
  value: T;
  state: 'fresh' | 'stale' | 'miss';
}

interface Envelope<T> {
  value: T;
  /** Epoch ms after which the copy is stale. */
  freshUntil: number;
}

export function createSwrCache({
  client,
  freshSeconds,
  staleSeconds,
  refreshLockMs = 10_000,
  onRefreshError = () => {},
}: SwrOptions) {
  /** Background refreshes started by this process (so a test or a shutdown can wait for them). */
  const refreshing = new Set<Promise<void>>();

  async function store<T>(key: string, value: T): Promise<void> {
    const envelope: Envelope<T> = { value, freshUntil: Date.now() + freshSeconds * 1000 };
    await client.set(key, JSON.stringify(envelope), 'EX', staleSeconds);
  }

  // #region refresh
  /** Reloads `key` in the background if this caller wins the refresh lock; answers at once. */
  async function refreshInBackground<T>(key: string, load: () => Promise<T>): Promise<void> {
    // NX: of all the callers (in every process) that see the stale copy, one gets the lock.
    const won = await client.set(`${key}:refreshing`, '1', 'PX', refreshLockMs, 'NX');
    if (won !== 'OK') return;
    const refresh = (async () => {
      try {
        await store(key, await load());
      } catch (error) {
        onRefreshError(key, error);
      } finally {
        await client.del(`${key}:refreshing`).catch(() => {});
      }
    })();
    refreshing.add(refresh);
    void refresh.finally(() => refreshing.delete(refresh));
  }
  // #endregion refresh

  // #region read
  async function read<T>(key: string, load: () => Promise<T>): Promise<SwrRead<T>> {
    const raw = await client.get(key);
    if (raw === null) {
      // No copy at all: this caller waits for the database, as in plain cache-aside.
      const value = await load();
      await store(key, value);
      return { value, state: 'miss' };
    }
    const { value, freshUntil } = JSON.parse(raw) as Envelope<T>;
    if (Date.now() < freshUntil) return { value, state: 'fresh' };
    // Stale: answer with it now; one caller reloads it for everyone who comes next.
    await refreshInBackground(key, load);
    return { value, state: 'stale' };
  }
  // #endregion read

  return {
    read,
    /** Resolves when this process's background refreshes are done. */
    settled: async () => {
      await Promise.all([...refreshing]);
    },
  };
}
