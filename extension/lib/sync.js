// One LinkedIn → PingCRM sync cycle. Event-driven only (a LinkedIn page visit, or the
// popup's Sync Now); no alarms. Never two at once.
//
//  1. read the LinkedIn cookies fresh (voyager.session());
//  2. walk conversations newest-activity first, page by page, until one is not newer than
//     the watermark (the newest message time PingCRM already accepted) — at most 500 per
//     cycle; what the cap leaves over is remembered as a backlog (cursor + floor) and
//     continued by the next cycles;
//  3. skip group conversations; fetch each other conversation's messages newer than the
//     watermark; direction from the sender (me → outbound);
//  4. push them to PingCRM; only once every push was accepted does the watermark advance;
//  5. profile backfill: fetch the profiles the server asked for, push them, and upload the
//     photos the server could not download itself.

import { LinkedInError, MESSAGE_PAGE } from "./voyager.js";
import { ApiError, NotPaired } from "./api.js";
import { badgeFor, showOnToolbar } from "./badge.js";

export const THROTTLE_MS = 2 * 3600 * 1000;
export const MAX_CONVERSATIONS = 500;
export const MAX_BACKFILL = 10;
export const PUSH_MESSAGES = 1000; // messages per push request
export const MAX_MESSAGE_PAGES = 50; // per conversation per cycle
export const MAX_TEXT = 2000; // the server keeps a 500-character preview

// Why a sync should not start now (null: go ahead).
export function skipReason(state, trigger, nowMs) {
  if (!state.auth) return "unpaired";
  if (state.retryAfterUntil && nowMs < state.retryAfterUntil) return "rate_limited";
  if (trigger === "visit" && state.lastSyncAt && nowMs - state.lastSyncAt < THROTTLE_MS) return "throttled";
  return null;
}

// Phase of the conversation walk: from `cursor` (null = the newest) down to `floor`.
export async function collectConversations(li, meUrn, { cursor = null, floor = 0, budget = MAX_CONVERSATIONS }) {
  const found = [];
  let pageCursor = cursor;
  for (;;) {
    const page = await li.conversations(meUrn, pageCursor);
    for (const conv of page.conversations) {
      if (conv.lastActivityAt <= floor) return { conversations: found, resumeCursor: null };
      if (found.length >= budget) return { conversations: found, resumeCursor: pageCursor ?? "" };
      found.push(conv);
    }
    if (!page.nextCursor || page.conversations.length === 0) return { conversations: found, resumeCursor: null };
    pageCursor = page.nextCursor;
  }
}

export async function collectMessages(li, conversationUrn, floor) {
  const out = [];
  let before = null;
  for (let pages = 0; pages < MAX_MESSAGE_PAGES; pages++) {
    const page = await li.messages(conversationUrn, before);
    if (!page.length) break;
    const oldest = Math.min(...page.map((m) => m.deliveredAt));
    out.push(...page.filter((m) => m.deliveredAt > floor && (before === null || m.deliveredAt < before)));
    if (oldest <= floor || (before !== null && oldest >= before)) break;
    if (before !== null && page.length < MESSAGE_PAGE) break; // the oldest page
    before = oldest;
  }
  const seen = new Set();
  return out.filter((m) => !seen.has(m.urn) && seen.add(m.urn));
}

// PingCRM refuses any push mentioning LinkedIn's cookie names (a guard against leaking
// them). A message that merely talks about "li_at" must not block every later sync, so
// the words get a zero-width space; nothing else of the text changes.
export function defang(value) {
  return typeof value === "string" ? value.replace(/li_at|jsessionid/gi, (m) => `${m[0]}\u200b${m.slice(1)}`) : value;
}

function defangAll(record) {
  const out = {};
  for (const [key, value] of Object.entries(record)) out[key] = defang(value);
  return out;
}

// The push without the items PingCRM rejected (422 details.errors: "messages.3.text"…),
// or null when the rejection names none of them.
export function withoutRejected(payload, error) {
  const fields = (error?.details?.errors || []).map((e) => String(e.field || ""));
  const badMessages = new Set();
  const badContacts = new Set();
  for (const field of fields) {
    const m = /^(messages|contacts)\.(\d+)/.exec(field);
    if (m) (m[1] === "messages" ? badMessages : badContacts).add(Number(m[2]));
  }
  if (!badMessages.size && !badContacts.size) return null;
  const droppedUrns = new Set(payload.contacts.filter((_, i) => badContacts.has(i)).map((c) => c.member_urn));
  const messages = payload.messages.filter((m, i) => !badMessages.has(i) && !droppedUrns.has(m.member_urn));
  const contacts = payload.contacts.filter((c, i) => !badContacts.has(i) && messages.some((m) => m.member_urn === c.member_urn));
  return { contacts, messages, skipped: payload.messages.length - messages.length };
}

export function toPush(conversations, messagesByConv, meUrn) {
  const contacts = new Map();
  const messages = [];
  for (const conv of conversations) {
    if (conv.group || !conv.other) continue;
    const list = messagesByConv.get(conv.urn) || [];
    if (!list.length) continue;
    contacts.set(conv.other.member_urn, defangAll(conv.other));
    for (const m of list) {
      messages.push({
        conversation_urn: conv.urn,
        message_urn: m.urn,
        member_urn: conv.other.member_urn,
        direction: m.senderUrn === meUrn ? "outbound" : "inbound",
        occurred_at: new Date(m.deliveredAt).toISOString(),
        text: defang(m.text.slice(0, MAX_TEXT)),
      });
    }
  }
  return { contacts: [...contacts.values()], messages };
}

// Pushes of at most PUSH_MESSAGES messages, each with the contacts its messages are with
// (the server caps a push at 20,000 messages and 5 MB).
export function splitPush({ contacts, messages }) {
  const byUrn = new Map(contacts.map((c) => [c.member_urn, c]));
  return chunk(messages, PUSH_MESSAGES).map((part) => {
    const urns = [...new Set(part.map((m) => m.member_urn))];
    return { contacts: urns.map((u) => byUrn.get(u)).filter(Boolean), messages: part };
  });
}

export function chunk(list, size) {
  const out = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

// Voyager's memberIdentity takes the profile id or the public slug; the id from the URN is
// exact (ids are case-sensitive, slugs are not always known).
export function backfillIdentity(item) {
  const urn = /urn:li:fsd_profile:([^,)\s]+)/.exec(item.member_urn || "");
  if (urn) return urn[1];
  if (item.public_id) return item.public_id;
  const slug = /\/in\/([^/?#]+)/.exec(item.profile_url || "");
  return slug ? decodeURIComponent(slug[1]) : null;
}

// toolbar: chrome.action (or a stub): its badge shows Error after a failed sync.
export function makeSync({ store, api, voyager, clock, toolbar = null }) {
  let running = null;

  // The toolbar badge follows the stored state (after every sync, and on demand).
  async function refreshBadge() {
    const s = await store.get();
    const badge = badgeFor({ paired: Boolean(s.auth), linkedin: s.linkedin, lastResult: s.lastResult });
    await showOnToolbar(toolbar, badge);
    return badge;
  }

  async function pushAll(conversations, messagesByConv, meUrn, totals) {
    const backfill = [];
    for (const payload of splitPush(toPush(conversations, messagesByConv, meUrn))) {
      let result;
      try {
        result = await api.post("/api/v1/linkedin/push", payload);
      } catch (error) {
        // One malformed item must not hold back the others forever: drop what PingCRM
        // named and push the rest once more (a second refusal fails the sync).
        const rest = error instanceof ApiError && error.status === 422 ? withoutRejected(payload, error) : null;
        if (!rest) throw error;
        totals.rejected_messages += rest.skipped;
        if (!rest.messages.length) continue;
        result = await api.post("/api/v1/linkedin/push", { contacts: rest.contacts, messages: rest.messages });
      }
      totals.new_contacts += result.new_contacts || 0;
      totals.updated_contacts += result.updated_contacts || 0;
      totals.new_messages += result.new_messages || 0;
      totals.duplicate_messages += result.duplicate_messages || 0;
      backfill.push(...(result.backfill || []));
    }
    return backfill;
  }

  async function fetchMessages(li, conversations, floor) {
    const byConv = new Map();
    for (const conv of conversations) {
      if (conv.group || !conv.other) continue;
      byConv.set(conv.urn, await collectMessages(li, conv.urn, floor));
    }
    return byConv;
  }

  async function backfill(li, items, totals) {
    const unique = [];
    const seen = new Set();
    for (const item of items) {
      const key = item.contact_id ?? item.member_urn;
      if (!seen.has(key)) {
        seen.add(key);
        unique.push(item);
      }
    }
    const profiles = [];
    for (const item of unique.slice(0, MAX_BACKFILL)) {
      const identity = backfillIdentity(item);
      if (!identity) continue;
      try {
        profiles.push(await li.profile(identity));
      } catch (error) {
        if (error instanceof LinkedInError && error.kind !== "error") throw error;
        totals.backfill_errors += 1; // one odd profile does not stop the others
      }
    }
    if (!profiles.length) return;
    const result = await api.post("/api/v1/linkedin/profiles", { profiles: profiles.map(defangAll) });
    totals.profiles_updated += result.updated || 0;
    totals.avatars_stored += result.avatars_stored || 0;
    for (const need of result.avatars_needed || []) {
      try {
        const { bytes, type } = await voyager.image(need.avatar_url);
        await api.request("PUT", `/api/v1/linkedin/avatars/${need.contact_id}`, { body: bytes, contentType: type });
        totals.avatars_uploaded += 1;
      } catch (error) {
        if (error instanceof NotPaired) throw error;
        totals.backfill_errors += 1;
      }
    }
  }

  async function cycle(trigger) {
    const state = await store.get();
    const startedAt = clock.now();
    const totals = {
      conversations: 0, new_contacts: 0, updated_contacts: 0, new_messages: 0, duplicate_messages: 0,
      profiles_updated: 0, avatars_stored: 0, avatars_uploaded: 0, backfill_errors: 0, rejected_messages: 0,
    };
    const session = await voyager.session(); // fresh cookies, every sync
    const li = voyager.client(session);
    const meUrn = await li.me();

    // Phase 1: everything newer than the watermark (newest first, capped).
    const floor = state.watermark || 0;
    const fresh = await collectConversations(li, meUrn, { floor, budget: MAX_CONVERSATIONS });
    let backlog = state.backlog;
    if (fresh.resumeCursor !== null) {
      backlog = { cursor: fresh.resumeCursor || null, floor: Math.min(floor, backlog ? backlog.floor : floor) };
    }
    const freshMessages = await fetchMessages(li, fresh.conversations, floor);
    const items = await pushAll(fresh.conversations, freshMessages, meUrn, totals);
    // Every conversation walked (group chats too) is seen up to its last activity: a later
    // message moves its lastActivityAt past the new watermark again.
    let newest = floor;
    for (const conv of fresh.conversations) newest = Math.max(newest, conv.lastActivityAt);
    for (const list of freshMessages.values()) for (const m of list) newest = Math.max(newest, m.deliveredAt);
    totals.conversations += fresh.conversations.length;
    // Accepted by the server: only now does the watermark move.
    await store.set({ watermark: newest, backlog, linkedin: "ok" });

    // Phase 2: older conversations the cap left over in an earlier cycle.
    const budget = MAX_CONVERSATIONS - fresh.conversations.length;
    if (backlog && fresh.resumeCursor === null && budget > 0) {
      const older = await collectConversations(li, meUrn, { cursor: backlog.cursor, floor: backlog.floor, budget });
      const olderMessages = await fetchMessages(li, older.conversations, backlog.floor);
      items.push(...(await pushAll(older.conversations, olderMessages, meUrn, totals)));
      totals.conversations += older.conversations.length;
      backlog = older.resumeCursor === null ? null : { cursor: older.resumeCursor || null, floor: backlog.floor };
      await store.set({ backlog });
    }

    await backfill(li, items, totals);
    const finishedAt = clock.now();
    const stats = state.stats || { profiles: 0, messages: 0, contacts: 0 };
    await store.set({
      lastSyncAt: finishedAt,
      lastResult: { ok: true, trigger, startedAt, finishedAt, ...totals },
      stats: {
        profiles: stats.profiles + totals.profiles_updated,
        messages: stats.messages + totals.new_messages,
        contacts: stats.contacts + totals.new_contacts,
      },
    });
    return { status: "done", ...totals };
  }

  async function failed(trigger, error) {
    const at = clock.now();
    const update = { lastResult: { ok: false, trigger, at, error: error.message, kind: error.kind || error.code || error.name } };
    if (error instanceof LinkedInError) {
      update.linkedin = error.kind;
      if (error.kind === "rate_limited") update.retryAfterUntil = at + error.retryAfterMs;
    }
    await store.set(update);
    if (error instanceof NotPaired) return { status: "unpaired", reason: error.reason };
    return { status: "error", kind: update.lastResult.kind, message: error.message };
  }

  // trigger: "visit" (throttled to once per 2 hours) or "manual" (Sync Now).
  async function run(trigger) {
    if (running) return { status: "skipped", reason: "already_running" };
    let release;
    running = new Promise((resolve) => (release = resolve));
    try {
      const state = await store.get();
      const reason = skipReason(state, trigger, clock.now());
      if (reason) return { status: "skipped", reason };
      await store.set({ lastAttemptAt: clock.now() });
      try {
        return await cycle(trigger);
      } catch (error) {
        return await failed(trigger, error);
      } finally {
        await refreshBadge();
      }
    } finally {
      running = null;
      release();
    }
  }

  return { run, refreshBadge, isRunning: () => running !== null, idle: () => running || Promise.resolve() };
}
