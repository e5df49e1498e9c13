import { test } from "node:test";
import assert from "node:assert/strict";
import { makeStore } from "../lib/store.js";
import { makeApi } from "../lib/api.js";
import { makeHandlers, dispatch } from "../lib/handlers.js";
import { CODE_LIFETIME_MS, isCode } from "../lib/pairing.js";
import { storageArea, testClock, fakeServer } from "./helpers.js";

function setup(routes, initial = { serverUrl: "http://pingcrm.test" }) {
  const clock = testClock();
  const store = makeStore(storageArea(initial));
  const server = fakeServer(routes);
  const api = makeApi({ store, fetchFn: server.fetchFn, clock });
  const sync = { isRunning: () => false, run: async (trigger) => ({ status: "done", trigger }) };
  return { clock, store, server, handlers: makeHandlers({ store, api, sync, clock }) };
}

test("pairing: register a code, poll until the user types it, receive the token once", async () => {
  let claimed = false;
  const { handlers, store, server } = setup({
    "POST /api/v1/extension/pairings": ({ body }) => [201, { data: { code: body.code, expires_at: "x" } }],
    "GET /api/v1/extension/pairings/*": () =>
      claimed ? [200, { data: { status: "paired", token: "jwt", expires_at: "2027-01-03T12:00:00Z", server_user: "me@example.com" } }] : [200, { data: { status: "pending" } }],
  });
  const started = await handlers.startPairing();
  assert.ok(isCode(started.code));
  assert.deepEqual(server.requests[0].body, { code: started.code });
  assert.equal(server.requests[0].headers.Authorization, undefined, "registration needs no token");
  assert.equal((await handlers.startPairing()).code, started.code, "the same code while it is fresh");
  assert.deepEqual(await handlers.pollPairing(), { status: "pending", code: started.code });
  claimed = true;
  assert.deepEqual(await handlers.pollPairing(), { status: "paired", serverUser: "me@example.com" });
  const status = await handlers.status();
  assert.deepEqual([status.paired, status.serverUser, status.pairingCode], [true, "me@example.com", null]);
  assert.equal((await store.one("auth")).token, "jwt");
});

test("an expired code (410, or 9 minutes old) is replaced by a new one", async () => {
  let gone = false;
  const { handlers, clock } = setup({
    "POST /api/v1/extension/pairings": ({ body }) => [201, { data: { code: body.code } }],
    "GET /api/v1/extension/pairings/*": () => (gone ? [410, { error: { code: "code_expired" } }] : [200, { data: { status: "pending" } }]),
  });
  const first = (await handlers.startPairing()).code;
  gone = true;
  const second = (await handlers.pollPairing()).code;
  assert.notEqual(second, first);
  gone = false;
  clock.advance(CODE_LIFETIME_MS);
  const third = (await handlers.pollPairing()).code;
  assert.notEqual(third, second);
});

test("a code somebody else already registered (409) is redrawn", async () => {
  let first = true;
  const { handlers, server } = setup({
    "POST /api/v1/extension/pairings": () => (first ? ((first = false), [409, { error: { code: "conflict" } }]) : [201, { data: {} }]),
  });
  const { code } = await handlers.startPairing();
  assert.equal(server.requests.length, 2);
  assert.equal(server.requests[1].body.code, code);
});

test("disconnect revokes on the server and forgets the token; a dead token still disconnects locally", async () => {
  const paired = { serverUrl: "http://pingcrm.test", auth: { token: "jwt", expiresAt: Date.now() + 1e9 }, watermark: 5 };
  const { handlers, store, server } = setup({ "POST /api/v1/extension/disconnect": () => [200, { data: { revoked: 2 } }] }, paired);
  assert.deepEqual(await handlers.disconnect(), { status: "unpaired" });
  assert.equal(server.requests[0].headers.Authorization, "Bearer jwt");
  assert.deepEqual([await store.one("auth"), await store.one("watermark")], [null, 0]);

  const again = setup({
    "POST /api/v1/extension/disconnect": () => [401, { error: { code: "authentication_required" } }],
    "POST /api/v1/extension/refresh": () => [401, { error: { code: "reauth_required" } }],
  }, paired);
  assert.deepEqual(await again.handlers.disconnect(), { status: "unpaired" });
  assert.equal(await again.store.one("auth"), null);
});

test("P and R: contact resolved by slug or member id, then its pending suggestions / a fresh draft", async () => {
  const auth = { serverUrl: "http://pingcrm.test", auth: { token: "jwt", expiresAt: Date.now() + 1e9 } };
  const suggestion = (id, text) => ({ id, contact_id: 7, contact_name: "Ada Lovelace", suggested_message: text, reason: "It has been a while" });
  const { handlers, server } = setup({
    "GET /api/v1/linkedin/contact": ({ url }) =>
      url.searchParams.get("public_id") === "ada-lovelace" || url.searchParams.get("member_urn") === "urn:li:fsd_profile:ACoAABAdaAda01"
        ? [200, { data: { contact_id: 7, full_name: "Ada Lovelace" } }]
        : [404, { error: { code: "not_found", message: "Unknown" } }],
    "GET /api/v1/suggestions": ({ url }) => [200, { data: url.searchParams.get("contact_id") === "7" ? [suggestion(3, "Hi Ada!")] : [] }],
    "POST /api/v1/suggestions/3/regenerate": () => [200, { data: suggestion(3, "Hello again, Ada") }],
  }, auth);
  const pulled = await handlers.pullSuggestions({ profile: { public_id: "ada-lovelace" } });
  assert.deepEqual(pulled.suggestions.map((s) => [s.id, s.message]), [[3, "Hi Ada!"]]);
  assert.match(server.requests[1].url, /status=pending/);
  const byUrn = await handlers.pullSuggestions({ profile: { member_urn: "urn:li:fsd_profile:ACoAABAdaAda01" } });
  assert.equal(byUrn.contact.contact_id, 7);
  assert.deepEqual(await handlers.pullSuggestions({ profile: { public_id: "nobody" } }), { contact: null, suggestions: [] });
  assert.equal((await handlers.regenerateSuggestion({ id: 3 })).suggestion.message, "Hello again, Ada");
  assert.equal((await handlers.regenerateSuggestion({ profile: { public_id: "ada-lovelace" } })).suggestion.message, "Hello again, Ada");
});

test("dispatch: one map of named handlers; unknown names and errors answered, not thrown", async () => {
  const { handlers } = setup({}, {});
  assert.deepEqual(await dispatch(handlers, { type: "syncNow" }), { ok: true, data: { status: "done", trigger: "manual" } });
  assert.deepEqual(await dispatch(handlers, { type: "pageVisit" }), { ok: true, data: { status: "done", trigger: "visit" } });
  assert.equal((await dispatch(handlers, { type: "toString" })).ok, false);
  const failed = await dispatch(handlers, { type: "setServer", url: "nope" });
  assert.equal(failed.ok, false);
  assert.match(failed.error.message, /http/);
});
