// The one map of named message handlers (popup and content script → service worker).
// Each handler takes the message and answers a JSON-able value (or throws).

import { makeCode, codeIsFresh } from "./pairing.js";
import { ApiError, NotPaired, normalizeServer } from "./api.js";

const RESET_SYNC = { watermark: 0, backlog: null, lastSyncAt: 0, lastResult: null, retryAfterUntil: 0, linkedin: "unknown", stats: { profiles: 0, messages: 0, contacts: 0 } };

export function makeHandlers({ store, api, sync, clock, random }) {
  async function register(force = false) {
    const { pairing, auth } = await store.get("pairing", "auth");
    if (auth) return { status: "paired" };
    if (!force && codeIsFresh(pairing, clock.now())) return { status: "pending", code: pairing.code };
    for (let attempt = 0; ; attempt++) {
      const code = makeCode(random);
      try {
        await api.request("POST", "/api/v1/extension/pairings", { json: { code }, auth: false });
        await store.set({ pairing: { code, createdAt: clock.now() } });
        return { status: "pending", code };
      } catch (error) {
        // A code somebody else registered: draw another one.
        if (error instanceof ApiError && error.status === 409 && attempt < 3) continue;
        throw error;
      }
    }
  }

  const handlers = {
    async status() {
      const s = await store.get();
      return {
        serverUrl: s.serverUrl,
        paired: Boolean(s.auth),
        serverUser: s.auth?.serverUser ?? null,
        tokenExpiresAt: s.auth?.expiresAt ?? null,
        pairingCode: s.auth ? null : s.pairing?.code ?? null,
        authLost: s.authLost,
        linkedin: s.linkedin,
        retryAfterUntil: s.retryAfterUntil,
        lastSyncAt: s.lastSyncAt,
        lastResult: s.lastResult,
        syncing: sync.isRunning(),
        stats: s.stats,
        now: clock.now(),
      };
    },

    async setServer({ url }) {
      const serverUrl = normalizeServer(url);
      await store.set({ serverUrl, pairing: null });
      return { serverUrl };
    },

    async startPairing() {
      return register(false);
    },

    async pollPairing() {
      const { pairing, auth } = await store.get("pairing", "auth");
      if (auth) return { status: "paired" };
      if (!codeIsFresh(pairing, clock.now())) return register(true);
      try {
        const data = await api.request("GET", `/api/v1/extension/pairings/${encodeURIComponent(pairing.code)}`, { auth: false });
        if (data.status !== "paired") return { status: "pending", code: pairing.code };
        await store.set({
          ...RESET_SYNC,
          auth: { token: data.token, expiresAt: Date.parse(data.expires_at), serverUser: data.server_user ?? null },
          pairing: null,
          authLost: null,
        });
        return { status: "paired", serverUser: data.server_user ?? null };
      } catch (error) {
        if (error instanceof ApiError && (error.status === 410 || error.status === 404)) return register(true);
        if (error instanceof ApiError && error.status === 429) return { status: "pending", code: pairing.code, slowDown: true };
        throw error;
      }
    },

    async syncNow() {
      return sync.run("manual");
    },

    async pageVisit() {
      return sync.run("visit");
    },

    async serverStatus() {
      try {
        return await api.get("/api/v1/extension/status");
      } catch (error) {
        if (error instanceof NotPaired) return null;
        throw error;
      }
    },

    async disconnect() {
      try {
        await api.post("/api/v1/extension/disconnect", {});
      } catch (error) {
        // Already revoked or expired server-side: forgetting it here is all that is left.
        if (!(error instanceof NotPaired) && !(error instanceof ApiError && (error.status === 401 || error.status === 403))) throw error;
      }
      await store.set({ ...RESET_SYNC, auth: null, pairing: null, authLost: null });
      await sync.refreshBadge?.();
      return { status: "unpaired" };
    },

    // P: the pending suggestions of the person whose conversation is open.
    async pullSuggestions({ profile }) {
      const contact = await findContact(profile);
      if (!contact) return { contact: null, suggestions: [] };
      const suggestions = await api.get(`/api/v1/suggestions?contact_id=${contact.contact_id}&status=pending`);
      return { contact, suggestions: suggestions.map(slim) };
    },

    // R: a fresh draft for one suggestion (the first pending one when none is given).
    async regenerateSuggestion({ id, profile }) {
      let target = id;
      let contact = null;
      if (!target) {
        const pulled = await handlers.pullSuggestions({ profile });
        contact = pulled.contact;
        if (!pulled.suggestions.length) return { contact, suggestion: null };
        target = pulled.suggestions[0].id;
      }
      const suggestion = await api.post(`/api/v1/suggestions/${target}/regenerate`, {});
      return { contact, suggestion: slim(suggestion) };
    },
  };

  async function findContact(profile) {
    const params = new URLSearchParams();
    if (profile?.public_id) params.set("public_id", profile.public_id);
    else if (profile?.member_urn) params.set("member_urn", profile.member_urn);
    else return null;
    try {
      return await api.get(`/api/v1/linkedin/contact?${params}`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    }
  }

  return handlers;
}

function slim(s) {
  return { id: s.id, contact_id: s.contact_id, contact_name: s.contact_name, message: s.suggested_message, reason: s.reason };
}

// Route one runtime message to its handler; answers {ok, data} or {ok: false, error}.
export function dispatch(handlers, message, ready = Promise.resolve()) {
  const handler = message && Object.hasOwn(handlers, message.type) ? handlers[message.type] : null;
  if (!handler) return Promise.resolve({ ok: false, error: { kind: "unknown_message", message: `Unknown message ${message?.type}` } });
  return ready
    .then(() => handler(message))
    .then(
      (data) => ({ ok: true, data: data ?? null }),
      (error) => ({ ok: false, error: { kind: error.kind || error.code || error.name, message: error.message } }),
    );
}
