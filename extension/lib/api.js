// The PingCRM JSON API, as the extension uses it. Only the extension token travels to the
// server (Authorization: Bearer); LinkedIn cookies never do (see voyager.js).
//
// Silent renewal: any 401 → POST /api/v1/extension/refresh with the (expired) token, then
// the request is retried once with the fresh token. A token more than 90 days past its
// expiry, or a refresh the server refuses, sends the popup back to the unpaired view.

export const RENEWAL_WINDOW_MS = 90 * 24 * 3600 * 1000;

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message || `PingCRM answered ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.code = code || `http_${status}`;
    this.details = details ?? null;
  }
}

export class NotPaired extends Error {
  constructor(reason) {
    super(reason === "reauth_required" || reason === "expired"
      ? "The pairing with PingCRM has expired; pair again with a new code."
      : "The extension is not paired with PingCRM yet.");
    this.name = "NotPaired";
    this.reason = reason;
  }
}

export function normalizeServer(url) {
  const value = String(url || "").trim().replace(/\/+$/, "");
  let parsed;
  try {
    parsed = new URL(value);
  } catch {
    throw new Error("Enter the address of your PingCRM server, e.g. http://127.0.0.1:8000");
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new Error("The PingCRM address must start with http:// or https://");
  }
  return parsed.origin + parsed.pathname.replace(/\/+$/, "");
}

async function readError(response) {
  let payload = null;
  try {
    payload = await response.json();
  } catch {
    /* not JSON */
  }
  const err = payload && payload.error;
  return new ApiError(response.status, err?.code, err?.message, err?.details);
}

export function makeApi({ store, fetchFn = (...a) => fetch(...a), clock }) {
  let refreshing = null; // one refresh at a time (the old token dies with the first)

  async function base() {
    const serverUrl = await store.one("serverUrl");
    if (!serverUrl) throw new NotPaired("no_server");
    return serverUrl;
  }

  async function unpair(reason) {
    await store.set({ auth: null, pairing: null, authLost: reason });
  }

  async function currentAuth() {
    const auth = await store.one("auth");
    if (!auth || !auth.token) throw new NotPaired("unpaired");
    if (clock.now() > auth.expiresAt + RENEWAL_WINDOW_MS) {
      await unpair("expired");
      throw new NotPaired("expired");
    }
    return auth;
  }

  async function refresh(oldToken) {
    if (!refreshing) {
      refreshing = (async () => {
        const response = await fetchFn(`${await base()}/api/v1/extension/refresh`, {
          method: "POST",
          headers: { Authorization: `Bearer ${oldToken}`, Accept: "application/json" },
        });
        if (response.ok) {
          const { data } = await response.json();
          const auth = await store.one("auth");
          const renewed = { ...auth, token: data.token, expiresAt: Date.parse(data.expires_at) };
          await store.set({ auth: renewed });
          return renewed;
        }
        const error = await readError(response);
        if (response.status === 401 || response.status === 403) {
          await unpair(error.code === "reauth_required" ? "reauth_required" : "expired");
          throw new NotPaired("reauth_required");
        }
        throw error;
      })().finally(() => {
        refreshing = null;
      });
    }
    return refreshing;
  }

  // method, path ("/api/v1/..."), {json, body, contentType, auth}
  async function request(method, path, { json, body, contentType, auth = true } = {}) {
    const url = `${await base()}${path}`;
    const send = (token) => {
      const headers = { Accept: "application/json" };
      if (token) headers.Authorization = `Bearer ${token}`;
      let payload = body;
      if (json !== undefined) {
        headers["Content-Type"] = "application/json";
        payload = JSON.stringify(json);
      } else if (contentType) {
        headers["Content-Type"] = contentType;
      }
      return fetchFn(url, { method, headers, body: payload, credentials: "omit" });
    };
    let token = null;
    if (auth) token = (await currentAuth()).token;
    let response = await send(token);
    if (auth && response.status === 401) {
      const stored = await store.one("auth");
      const renewed =
        stored && stored.token && stored.token !== token ? stored : await refresh(token);
      response = await send(renewed.token);
    }
    if (!response.ok) throw await readError(response);
    if (response.status === 204) return null;
    const payload = await response.json();
    return payload.data;
  }

  return {
    request,
    refresh,
    get: (path) => request("GET", path),
    post: (path, json, opts = {}) => request("POST", path, { json, ...opts }),
  };
}
