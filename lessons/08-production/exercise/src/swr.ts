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

  /** Reloads `key` in the background if this caller wins the refresh lock; answers at once. */
  async function refreshInBackground<T>(key: string, load: () => Promise<T>): Promise<void> {
    // TODO: of all the callers (in every process) that see the stale copy, exactly one reloads
    // it. Take a lock first: client.set(`${key}:refreshing`, '1', 'PX', refreshLockMs, 'NX')
    // answers 'OK' to one caller only. The winner runs, WITHOUT awaiting it here:
    //   load(), then store(key, value); on an error, onRefreshError(key, error);
    //   in every case, DEL the lock at the end.
    // Add that promise to `refreshing` (and delete it when done) so settled() can wait for it.
    void key;
    void load;
    void refreshLockMs;
    void onRefreshError;
  }

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
    // TODO: a stale copy. Answer with it at once ({ value, state: 'stale' }) after starting a
    // refresh with refreshInBackground(key, load). As it is, every caller reloads and waits.
    void value;
    void refreshInBackground;
    const reloaded = await load();
    await store(key, reloaded);
    return { value: reloaded, state: 'fresh' };
  }

  return {
    read,
    /** Resolves when this process's background refreshes are done. */
    settled: async () => {
      await Promise.all([...refreshing]);
    },
  };
}
