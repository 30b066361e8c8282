// The burst a fixed window allows at its boundary, measured. A caller sends one request, waits
// until just before the window ends, sends limit - 1 more (all allowed: the window has room),
// then, just after it ends, `limit` more (all allowed: a new window starts at zero). Nearly twice
// the limit within a few hundred milliseconds. The sliding window still counts the requests
// just before the boundary, so it refuses most of the second group.

const sleepUntil = (time: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, time - Date.now())));

// #region burst
export async function burstAcrossBoundary(
  hit: (caller: string) => Promise<{ allowed: boolean }>,
  { caller, limit, windowMs }: { caller: string; limit: number; windowMs: number },
) {
  // Start just after a boundary of the clock's windows (where the sliding window's periods
  // begin); the fixed window starts at the first request, a few ms later.
  const start = Math.ceil(Date.now() / windowMs) * windowMs + 20;
  await sleepUntil(start);
  await hit(caller);
  const sendGroup = async (size: number) => {
    const replies = await Promise.all(Array.from({ length: size }, () => hit(caller)));
    return replies.filter((reply) => reply.allowed).length;
  };
  await sleepUntil(start + windowMs - 250);
  const beforeBoundary = await sendGroup(limit - 1);
  await sleepUntil(start + windowMs + 100);
  const afterBoundary = await sendGroup(limit);
  // Both groups fell within about 350 ms: what was allowed in that span, against the limit.
  return { beforeBoundary, afterBoundary, inBurst: beforeBoundary + afterBoundary };
}
// #endregion burst
