// The extension's clock. Everything that compares times (the 2-hour throttle, token
// expiry, LinkedIn's retry-after) asks `now()`. Tests move it with `setOffset()` (kept in
// chrome.storage so a restarted service worker keeps it) instead of sleeping.

const OFFSET_KEY = "testClockOffsetMs";
let offsetMs = 0;

export function now() {
  return Date.now() + offsetMs;
}

export async function load(storage) {
  const got = await storage.get(OFFSET_KEY);
  offsetMs = Number(got[OFFSET_KEY] || 0);
}

export async function setOffset(storage, ms) {
  offsetMs = Number(ms) || 0;
  await storage.set({ [OFFSET_KEY]: offsetMs });
}

export function offset() {
  return offsetMs;
}
