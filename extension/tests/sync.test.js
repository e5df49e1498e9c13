import { test } from "node:test";
import assert from "node:assert/strict";
import { makeStore } from "../lib/store.js";
import { makeApi } from "../lib/api.js";
import { makeVoyager } from "../lib/voyager.js";
import { makeSync, skipReason, THROTTLE_MS, MAX_CONVERSATIONS } from "../lib/sync.js";
import { badgeFor } from "../lib/badge.js";
import { makeHandlers } from "../lib/handlers.js";
import { storageArea, cookieJar, testClock, fakeLinkedIn, fakeServer, ME } from "./helpers.js";

const ADA = "urn:li:fsd_profile:ACoAABAdaAda01";
const GRACE = "urn:li:fsd_profile:ACoAABGraceH01";
const LINUS = "urn:li:fsd_profile:ACoAABLinus001";
const DAY = 24 * 3600 * 1000;
const T0 = Date.UTC(2026, 10, 1);

function people() {
  return {
    [ADA]: { first: "Ada", last: "Lovelace", headline: "Analyst", slug: "ada-lovelace", title: "Analyst", company: "Engines Ltd", location: "London", photo: "ada" },
    [GRACE]: { first: "Grace", last: "Hopper", headline: "Admiral", slug: null, title: "Admiral", company: "US Navy", location: "Arlington", photo: "grace" },
    [LINUS]: { first: "Linus", last: "Torvalds", headline: "Kernel", slug: "linus", title: "Maintainer", company: "Linux", location: "Portland" },
  };
}

function conversations() {
  return [
    { id: "2-ada", with: [ADA], messages: [
      { id: "m1", at: T0 + 1 * DAY, from: ME, text: "Hello Ada" },
      { id: "m2", at: T0 + 2 * DAY, from: ADA, text: "Hi! Tuesday?" },
    ] },
    { id: "2-grace", with: [GRACE], messages: [{ id: "m3", at: T0 + 3 * DAY, from: GRACE, text: "Ship it" }] },
    { id: "2-group", with: [ADA, LINUS], group: true, messages: [{ id: "m4", at: T0 + 4 * DAY, from: LINUS, text: "Group hello" }] },
  ];
}

// chrome.action's badge calls, recorded.
function toolbarStub() {
  const calls = { text: null, color: null, title: null };
  return {
    calls,
    async setBadgeText({ text }) { calls.text = text; },
    async setBadgeBackgroundColor({ color }) { calls.color = color; },
    async setTitle({ title }) { calls.title = title; },
  };
}

function world({ convs = conversations(), pageSize = 2, serverRoutes = {}, toolbar = null } = {}) {
  const clock = testClock(T0 + 10 * DAY);
  const area = storageArea({ serverUrl: "http://pingcrm.test", auth: { token: "tok-1", expiresAt: T0 + 40 * DAY, serverUser: "me@example.com" } });
  const store = makeStore(area);
  const seenUrns = new Set();
  const server = fakeServer({
    "POST /api/v1/linkedin/push": ({ body }) => {
      let fresh = 0;
      for (const m of body.messages) if (!seenUrns.has(m.message_urn)) (seenUrns.add(m.message_urn), fresh++);
      return [200, { data: { new_contacts: body.contacts.length, updated_contacts: 0, new_messages: fresh, duplicate_messages: body.messages.length - fresh,
        backfill: body.contacts.map((c, i) => ({ contact_id: 10 + i, member_urn: c.member_urn, public_id: c.public_id, profile_url: c.profile_url })) } }];
    },
    "POST /api/v1/linkedin/profiles": ({ body }) => [200, { data: { updated: body.profiles.length, avatars_stored: 0,
      avatars_needed: body.profiles.filter((p) => p.avatar_url).map((p, i) => ({ contact_id: 10 + i, avatar_url: p.avatar_url })) } }],
    "PUT /api/v1/linkedin/avatars/*": () => [200, { data: { stored: true } }],
    ...serverRoutes,
  });
  const li = fakeLinkedIn({ people: people(), conversations: convs, pageSize });
  const jar = cookieJar();
  const voyager = makeVoyager({ cookies: jar, fetchFn: li.fetchFn, clock });
  const api = makeApi({ store, fetchFn: server.fetchFn, clock });
  const sync = makeSync({ store, api, voyager, clock, toolbar });
  const pushes = () => server.requests.filter((r) => r.key === "POST /api/v1/linkedin/push").map((r) => r.body);
  return { clock, area, store, server, li, jar, sync, pushes, seenUrns };
}

test("first sync pushes one-to-one messages with direction; groups skipped; watermark advances", async () => {
  const w = world();
  const result = await w.sync.run("manual");
  assert.equal(result.status, "done", JSON.stringify(result));
  const [push] = w.pushes();
  assert.deepEqual(push.messages.map((m) => [m.text, m.direction, m.member_urn]).sort(), [
    ["Hello Ada", "outbound", ADA],
    ["Hi! Tuesday?", "inbound", ADA],
    ["Ship it", "inbound", GRACE],
  ]);
  assert.deepEqual(push.contacts.map((c) => c.member_urn).sort(), [ADA, GRACE]);
  assert.ok(!push.messages.some((m) => m.text === "Group hello"));
  assert.equal(push.messages[0].occurred_at.endsWith("Z"), true);
  assert.equal(await w.store.one("watermark"), T0 + 4 * DAY, "up to the group chat's activity: seen, skipped");
  assert.equal(result.new_messages, 3);
  assert.equal(w.jar.reads, 2, "cookies read once, at the start of the sync");
});

test("second sync adds nothing and stops paging at the watermark; a newer message arrives alone", async () => {
  const w = world();
  await w.sync.run("manual");
  const before = w.li.calls.length;
  const second = await w.sync.run("manual");
  assert.equal(second.new_messages, 0);
  assert.equal(w.pushes().length, 1, "nothing new, nothing pushed");
  const conversationPages = w.li.calls.slice(before).filter((c) => c.url.includes("messengerConversations"));
  assert.equal(conversationPages.length, 1, "one page, stopped at the watermark");
  assert.equal(second.conversations, 0, "the group chat is not walked again");

  w.li.conversations[1].messages.push({ id: "m5", at: T0 + 5 * DAY, from: ME, text: "Shipped." });
  const third = await w.sync.run("manual");
  assert.equal(third.new_messages, 1);
  assert.deepEqual(w.pushes()[1].messages.map((m) => [m.text, m.direction]), [["Shipped.", "outbound"]]);
  assert.equal(await w.store.one("watermark"), T0 + 5 * DAY);
  assert.equal(w.jar.reads, 6, "cookies read fresh at the start of every sync");
});

test("the watermark does not move when the server refuses the push", async () => {
  const w = world({ serverRoutes: { "POST /api/v1/linkedin/push": () => [500, { error: { code: "internal", message: "boom" } }] } });
  const result = await w.sync.run("manual");
  assert.equal(result.status, "error");
  assert.equal(await w.store.one("watermark"), 0);
  assert.equal((await w.store.one("lastResult")).ok, false);
  assert.equal(await w.store.one("lastSyncAt"), 0, "a failed sync does not reset the 2-hour throttle");
});

test("page visits sync at most every 2 hours; Sync Now always; never two at once", async () => {
  const w = world();
  assert.equal((await w.sync.run("visit")).status, "done");
  assert.deepEqual(await w.sync.run("visit"), { status: "skipped", reason: "throttled" });
  w.clock.advance(THROTTLE_MS - 1);
  assert.equal((await w.sync.run("visit")).reason, "throttled");
  assert.equal((await w.sync.run("manual")).status, "done", "Sync Now has no throttle");
  w.clock.advance(THROTTLE_MS + 1);
  assert.equal((await w.sync.run("visit")).status, "done");

  const [a, b] = await Promise.all([w.sync.run("manual"), w.sync.run("manual")]);
  assert.deepEqual([a.status, b.reason], ["done", "already_running"]);
  assert.equal(skipReason({ auth: null }, "manual", 0), "unpaired");
});

test("LinkedIn 429: back off until retry-after; 401/403: session expired; no cookies: ask to sign in", async () => {
  const w = world();
  w.li.fail = () => new Response("{}", { status: 429, headers: { "retry-after": "600" } });
  const limited = await w.sync.run("manual");
  assert.equal(limited.kind, "rate_limited");
  assert.equal(await w.store.one("retryAfterUntil"), w.clock.now() + 600000);
  assert.equal((await w.sync.run("manual")).reason, "rate_limited");
  w.clock.advance(600001);
  w.li.fail = () => new Response("{}", { status: 403 });
  assert.equal((await w.sync.run("manual")).kind, "session_expired");
  assert.equal(await w.store.one("linkedin"), "session_expired");
  w.li.fail = null;
  w.jar.values = {};
  assert.equal((await w.sync.run("manual")).kind, "no_session");
  assert.equal(await w.store.one("linkedin"), "no_session");
  w.jar.values = { li_at: "x", JSESSIONID: '"ajax:4242424242"' };
  assert.equal((await w.sync.run("manual")).status, "done");
  assert.equal(await w.store.one("linkedin"), "ok");
});

test("at most 500 conversations per cycle; the rest follow in the next cycle", async () => {
  const convs = [];
  for (let i = 0; i < 520; i++) convs.push({ id: `2-c${i}`, with: [ADA], messages: [{ id: `x${i}`, at: T0 + (i + 1) * 60000, from: ADA, text: `n${i}` }] });
  const w = world({ convs, pageSize: 40 });
  await w.sync.run("manual");
  const first = w.pushes().flatMap((p) => p.messages);
  assert.equal(first.length, MAX_CONVERSATIONS);
  assert.equal(await w.store.one("watermark"), T0 + 520 * 60000);
  assert.ok(await w.store.one("backlog"));
  await w.sync.run("manual");
  assert.equal(w.seenUrns.size, 520, "the 20 oldest arrive in the second cycle");
  assert.equal(await w.store.one("backlog"), null);
  const pushesBefore = w.pushes().length;
  await w.sync.run("manual");
  assert.equal(w.pushes().length, pushesBefore, "then nothing more");
});

test("long conversations are read page by page back to the watermark", async () => {
  const messages = [];
  for (let i = 0; i < 45; i++) messages.push({ id: `l${i}`, at: T0 + i * 1000, from: i % 2 ? ME : ADA, text: `t${i}` });
  const w = world({ convs: [{ id: "2-long", with: [ADA], messages }] });
  await w.sync.run("manual");
  assert.equal(w.seenUrns.size, 45);
  assert.equal(w.li.calls.filter((c) => c.url.includes("messengerMessages")).length, 3);
});

test("backfill: profiles fetched from Voyager and pushed; photos the server could not get are uploaded", async () => {
  const w = world();
  await w.sync.run("manual");
  const profiles = w.server.requests.find((r) => r.key === "POST /api/v1/linkedin/profiles").body.profiles;
  const ada = profiles.find((p) => p.member_urn === ADA);
  assert.deepEqual([ada.title, ada.company, ada.location, ada.public_id], ["Analyst", "Engines Ltd", "London", "ada-lovelace"]);
  assert.ok(profiles.find((p) => p.member_urn === GRACE), "found by member id when there is no public slug");
  const uploads = w.server.requests.filter((r) => r.key.startsWith("PUT /api/v1/linkedin/avatars/"));
  assert.equal(uploads.length, 2);
  assert.equal(uploads[0].headers["Content-Type"], "image/jpeg");
  assert.ok(uploads[0].rawBody.byteLength > 0);
});

test("nothing sent to PingCRM carries the LinkedIn cookies", async () => {
  const w = world();
  await w.sync.run("manual");
  assert.ok(w.server.requests.length >= 3);
  for (const r of w.server.requests) {
    const text = JSON.stringify({ url: r.url, headers: r.headers, body: r.body });
    assert.ok(!/li_at|jsessionid|AQEDAS-secret|ajax:4242/i.test(text), text);
    assert.equal(r.headers.Authorization, "Bearer tok-1");
  }
});

test("backfill asks Voyager by the exact profile id when the server knows the member URN", async () => {
  const { backfillIdentity } = await import("../lib/sync.js");
  assert.equal(backfillIdentity({ member_urn: GRACE, public_id: "acoaabgraceh01" }), "ACoAABGraceH01");
  assert.equal(backfillIdentity({ public_id: "ada-lovelace" }), "ada-lovelace");
  assert.equal(backfillIdentity({ profile_url: "https://www.linkedin.com/in/linus/" }), "linus");
  assert.equal(backfillIdentity({}), null);
});

test("a message mentioning li_at is pushed (defanged), not refused forever", async () => {
  const w = world({ serverRoutes: { "POST /api/v1/linkedin/push": ({ body }) =>
    /li_at|jsessionid/i.test(JSON.stringify(body))
      ? [422, { error: { code: "cookie_refused", message: "No cookies" } }]
      : [200, { data: { new_contacts: 1, updated_contacts: 0, new_messages: body.messages.length, duplicate_messages: 0, backfill: [] } }] } });
  w.li.conversations[0].messages.push({ id: "mx", at: T0 + 6 * DAY, from: ADA, text: "Is li_at the JSESSIONID cookie?" });
  const result = await w.sync.run("manual");
  assert.equal(result.status, "done", JSON.stringify(result));
  const text = w.pushes()[0].messages.find((m) => m.message_urn.includes("mx")).text;
  assert.equal(text.replace(/\u200b/g, ""), "Is li_at the JSESSIONID cookie?");
});

test("items PingCRM rejects (422 with fields) are dropped and the rest pushed; the watermark moves", async () => {
  let calls = 0;
  const w = world({ serverRoutes: { "POST /api/v1/linkedin/push": ({ body }) => {
    calls += 1;
    const bad = body.messages.findIndex((m) => m.text === "Ship it");
    if (bad >= 0) return [422, { error: { code: "validation_error", message: "Bad", details: { errors: [{ field: `messages.${bad}.text`, message: "no" }] } } }];
    return [200, { data: { new_contacts: body.contacts.length, updated_contacts: 0, new_messages: body.messages.length, duplicate_messages: 0, backfill: [] } }];
  } } });
  const result = await w.sync.run("manual");
  assert.equal(result.status, "done");
  assert.equal(calls, 2);
  assert.equal(result.new_messages, 2);
  assert.equal(result.rejected_messages, 1);
  assert.deepEqual(w.server.requests[1].body.contacts.map((c) => c.member_urn), [ADA], "Grace has no message left");
  assert.equal(await w.store.one("watermark"), T0 + 4 * DAY);
});

test("a refusal that names no item fails the sync and keeps the watermark", async () => {
  const w = world({ serverRoutes: { "POST /api/v1/linkedin/push": () => [422, { error: { code: "cookie_refused", message: "No" } }] } });
  assert.equal((await w.sync.run("manual")).status, "error");
  assert.equal(await w.store.one("watermark"), 0);
});

test("a failed sync shows Error on the toolbar badge and in the popup; the next good sync clears it", async () => {
  let failing = true;
  const toolbar = toolbarStub();
  const w = world({
    toolbar,
    serverRoutes: {
      "POST /api/v1/linkedin/push": ({ body }) => failing
        ? [500, { error: { code: "internal", message: "PingCRM is down" } }]
        : [200, { data: { new_contacts: 0, updated_contacts: 0, new_messages: body.messages.length, duplicate_messages: 0, backfill: [] } }],
    },
  });
  const handlers = makeHandlers({ store: w.store, api: null, sync: w.sync, clock: w.clock });

  assert.equal((await w.sync.run("manual")).status, "error");
  assert.equal(toolbar.calls.text, "!");
  assert.equal(toolbar.calls.color, "#d92d20");
  assert.match(toolbar.calls.title, /the last sync failed/);
  const popup = badgeFor(await handlers.status());
  assert.deepEqual([popup.state, popup.text], ["error", "Sync failed"]);

  failing = false;
  assert.equal((await w.sync.run("manual")).status, "done");
  assert.equal(toolbar.calls.text, "");
  assert.equal(toolbar.calls.title, "PingCRM: connected");
  assert.deepEqual(badgeFor(await handlers.status()).state, "connected");
});

test("the badge: LinkedIn signed out is an error, waiting for LinkedIn's retry-after is not", async () => {
  const toolbar = toolbarStub();
  const w = world({ toolbar });
  w.li.fail = () => new Response("{}", { status: 403 });
  await w.sync.run("manual");
  assert.equal(toolbar.calls.text, "!");
  assert.equal(badgeFor({ paired: true, linkedin: "session_expired" }).text, "LinkedIn signed out");
  w.li.fail = () => new Response("{}", { status: 429, headers: { "retry-after": "600" } });
  assert.equal((await w.sync.run("manual")).kind, "rate_limited");
  assert.equal(toolbar.calls.text, "");
  assert.equal(badgeFor({ paired: false, lastResult: { ok: false, kind: "network" } }).state, "unpaired");
});
