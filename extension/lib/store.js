// Everything the extension remembers lives in chrome.storage.local (a service worker can
// be stopped at any moment; nothing important stays in memory).

export const DEFAULT_SERVER = "http://127.0.0.1:8000";

export const DEFAULTS = {
  serverUrl: null, // set once in the popup
  pairing: null, // {code, createdAt} while waiting for the user to type the code
  auth: null, // {token, expiresAt (ms), serverUser}
  authLost: null, // why the popup is back to the unpaired view (e.g. "reauth_required")
  watermark: 0, // ms: newest LinkedIn message time the server has accepted
  backlog: null, // {cursor, floor}: older conversations left over by the 500 cap
  lastSyncAt: 0, // ms: when the last sync finished (the 2-hour throttle)
  lastAttemptAt: 0,
  lastResult: null, // {ok, trigger, counts..., at}
  linkedin: "unknown", // "ok" | "no_session" | "session_expired" | "rate_limited" | "error"
  retryAfterUntil: 0, // ms: LinkedIn asked us to wait until then (429)
  stats: { profiles: 0, messages: 0, contacts: 0 },
};

export function makeStore(area) {
  return {
    area,
    async get(...keys) {
      const wanted = keys.length ? keys : Object.keys(DEFAULTS);
      const got = await area.get(wanted);
      const out = {};
      for (const key of wanted) out[key] = key in got ? got[key] : structuredClone(DEFAULTS[key] ?? null);
      return out;
    },
    async one(key) {
      return (await this.get(key))[key];
    },
    async set(values) {
      await area.set(values);
    },
    async remove(...keys) {
      await area.remove(keys);
    },
  };
}
