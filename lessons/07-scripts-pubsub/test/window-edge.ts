// @upstash/ratelimit's sliding windows start at multiples of the window (epoch time), and the
// sliding count rounds the previous window's share down as soon as the next window starts: hits
// that straddle that moment can all be allowed. A test that counts hits against a limit starts
// them away from a window's end.

/** Waits for the next window when fewer than `marginMs` of this one are left. */
export async function awayFromWindowEnd(windowMs: number, marginMs: number): Promise<void> {
  const intoWindow = Date.now() % windowMs;
  if (intoWindow > windowMs - marginMs) {
    await new Promise((resolve) => setTimeout(resolve, windowMs - intoWindow + 100));
  }
}
