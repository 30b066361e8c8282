// Recent activity: the last 50 things that happened in the wiki, newest first. A list that only
// ever grows would keep every event forever; LTRIM after each LPUSH keeps its length fixed.
// Trimming one element off the end is O(1), so every write costs the same however long the wiki runs.

import type { Redis as ValkeyClient } from 'iovalkey';

export const ACTIVITY_KEY = 'activity';
export const ACTIVITY_LENGTH = 50;

export interface ActivityEntry {
  at: string;
  who: string;
  what: 'created' | 'edited' | 'deleted' | 'tagged';
  slug: string;
}

export function createActivity(client: ValkeyClient) {
  // #region record
  async function record(entry: ActivityEntry): Promise<void> {
    // MULTI: both or neither, and no reader ever sees the list one entry too long.
    await client
      .multi()
      .lpush(ACTIVITY_KEY, JSON.stringify(entry))
      .ltrim(ACTIVITY_KEY, 0, ACTIVITY_LENGTH - 1)
      .exec();
  }
  // #endregion record

  async function recent(limit = 10): Promise<ActivityEntry[]> {
    const entries = await client.lrange(ACTIVITY_KEY, 0, limit - 1);
    return entries.map((json) => JSON.parse(json) as ActivityEntry);
  }

  return { record, recent };
}

export type Activity = ReturnType<typeof createActivity>;
