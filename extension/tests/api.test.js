import { test } from "node:test";
import assert from "node:assert/strict";
import { makeStore } from "../lib/store.js";
import { makeApi, NotPaired, ApiError, RENEWAL_WINDOW_MS, normalizeServer } from "../lib/api.js";
import { storageArea, testClock, fakeServer } from "./helpers.js";

const DAY = 24 * 3600 * 1000;

function setup(routes, { expiresAt } = {}) {
  const clock = testClock();
  const area = storageArea({ serverUrl: "http://pingcrm.test", auth: { token: "old", expiresAt: expiresAt ?? clock.now() - DAY, serverUser: "me@example.com" } });
  const store = makeStore(area);
  const server = fakeServer(routes);
  return { clock, store, server, api: makeApi({ store, fetchFn: server.fetchFn, clock }) };
}

const status = ({ headers }) =>
  headers.Authorization === "Bearer new" ? [200, { data: { status: "connected" } }] : [401, { error: { code: "token_expired", message: "expired" } }];

test("a 401 renews the token silently and retries once with the new one", async () => {
  const expires = "2027-01-03T12:00:00Z";
  const { api, store, server } = setup({
    "GET /api/v1/extension/status": status,
    "POST /api/v1/extension/refresh": ({ headers }) =>
      headers.Authorization === "Bearer old" ? [200, { data: { token: "new", expires_at: expires } }] : [401, { error: { code: "reauth_required" } }],
  });
  assert.deepEqual(await api.get("/api/v1/extension/status"), { status: "connected" });
  assert.deepEqual(server.requests.map((r) => `${r.key} ${r.headers.Authorization}`), [
    "GET /api/v1/extension/status Bearer old",
    "POST /api/v1/extension/refresh Bearer old",
    "GET /api/v1/extension/status Bearer new",
  ]);
  const auth = await store.one("auth");
  assert.deepEqual([auth.token, auth.expiresAt, auth.serverUser], ["new", Date.parse(expires), "me@example.com"]);
});

test("requests that fail together share one refresh (the old token dies with the first)", async () => {
  let refreshes = 0;
  const { api } = setup({
    "GET /api/v1/extension/status": status,
    "POST /api/v1/extension/refresh": () => (refreshes++ ? [401, { error: { code: "reauth_required" } }] : [200, { data: { token: "new", expires_at: "2027-01-03T12:00:00Z" } }]),
  });
  const answers = await Promise.all([api.get("/api/v1/extension/status"), api.get("/api/v1/extension/status"), api.get("/api/v1/extension/status")]);
  assert.equal(answers.length, 3);
  assert.equal(refreshes, 1);
});

test("a refused refresh (reauth_required) sends the extension back to unpaired", async () => {
  const { api, store } = setup({
    "GET /api/v1/extension/status": status,
    "POST /api/v1/extension/refresh": () => [401, { error: { code: "reauth_required", message: "Pair again" } }],
  });
  await assert.rejects(api.get("/api/v1/extension/status"), (e) => e instanceof NotPaired && e.reason === "reauth_required");
  assert.equal(await store.one("auth"), null);
  assert.equal(await store.one("authLost"), "reauth_required");
});

test("more than 90 days past expiry: unpaired without asking the server", async () => {
  const clock0 = testClock();
  const { api, store, server } = setup({}, { expiresAt: clock0.now() - RENEWAL_WINDOW_MS - 1 });
  await assert.rejects(api.get("/api/v1/extension/status"), (e) => e instanceof NotPaired && e.reason === "expired");
  assert.equal(server.requests.length, 0);
  assert.equal(await store.one("authLost"), "expired");
});

test("errors keep the server's code and message; no pairing, no request", async () => {
  const { api, store, server } = setup({ "POST /api/v1/linkedin/push": () => [422, { error: { code: "validation_error", message: "Bad push", details: { errors: [] } } }] });
  await assert.rejects(api.post("/api/v1/linkedin/push", {}), (e) => e instanceof ApiError && e.status === 422 && e.code === "validation_error" && e.message === "Bad push");
  await store.set({ auth: null });
  await assert.rejects(api.get("/api/v1/extension/status"), NotPaired);
  assert.equal(server.requests.length, 1);
});

test("server address", () => {
  assert.equal(normalizeServer(" http://127.0.0.1:8000/ "), "http://127.0.0.1:8000");
  assert.equal(normalizeServer("https://crm.example.com/ping/"), "https://crm.example.com/ping");
  assert.throws(() => normalizeServer("crm.example.com"), /http/);
  assert.throws(() => normalizeServer("ftp://x"), /http/);
});
