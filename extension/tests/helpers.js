// Test doubles for the extension's unit tests: a chrome.storage/chrome.cookies stub, a
// fake LinkedIn (Voyager, answering in the recorded normalized shapes of fixtures/) and
// a fake PingCRM API — both as `fetch` functions, so the real modules run unchanged.

import { readFileSync } from "node:fs";

export const fixture = (name) => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));

export function storageArea(initial = {}) {
  const data = structuredClone(initial);
  return {
    data,
    async get(keys) {
      const list = keys == null ? Object.keys(data) : Array.isArray(keys) ? keys : [keys];
      const out = {};
      for (const k of list) if (k in data) out[k] = structuredClone(data[k]);
      return out;
    },
    async set(values) {
      Object.assign(data, structuredClone(values));
    },
    async remove(keys) {
      for (const k of [].concat(keys)) delete data[k];
    },
  };
}

export function cookieJar(values = { li_at: "AQEDAS-secret-li-at", JSESSIONID: '"ajax:4242424242"' }) {
  return {
    values,
    reads: 0,
    async get({ name }) {
      this.reads += 1;
      return name in this.values ? { name, value: this.values[name] } : null;
    },
  };
}

export function testClock(start = Date.UTC(2026, 11, 4, 12, 0, 0)) {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms), set: (ms) => (t = ms) };
}

const json = (body, status = 200, headers = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

export const ME = "urn:li:fsd_profile:ACoAAAMeMeMe01";
const participantUrn = (urn) => `urn:li:msg_messagingParticipant:${urn}`;

// people: {urn: {first, last, headline, slug|null, title, company, location}}
// conversations: [{id, with: [urn...], group, messages: [{id, at, from, text}]}]
export function fakeLinkedIn({ people = {}, conversations = [], pageSize = 20, messagePageSize = 20 } = {}) {
  const state = { people, conversations, calls: [], fail: null, csrf: "ajax:4242424242" };
  const convUrn = (c) => `urn:li:msg_conversation:(${ME},${c.id})`;
  const msgUrn = (m) => `urn:li:msg_message:(${ME},${m.id})`;
  const last = (c) => Math.max(...c.messages.map((m) => m.at));
  const participant = (urn) => {
    const p = urn === ME ? { first: "Sam", last: "Owner", slug: null, self: true } : people[urn];
    return {
      $type: "com.linkedin.messenger.MessagingParticipant",
      entityUrn: participantUrn(urn),
      hostIdentityUrn: urn,
      participantType: { member: {
        firstName: { text: p.first }, lastName: { text: p.last }, headline: { text: p.headline || "" },
        profileUrl: `https://www.linkedin.com/in/${p.slug || urn.split(":").pop()}`,
        distance: p.self ? "SELF" : "DISTANCE_1",
        profilePicture: p.photo ? { rootUrl: `https://media.licdn.com/dms/image/${p.photo}/shrink_`, artifacts: [{ width: 400, fileIdentifyingUrlPathSegment: "400_400/0/1" }] } : null,
      } },
    };
  };
  const collection = (root, entities, extra, metadata = {}) => ({
    data: { data: { [root]: { "*elements": entities.map((e) => e.entityUrn), metadata } } },
    included: [...entities, ...extra],
  });

  function route(url, init) {
    const u = new URL(url);
    if (u.hostname === "media.licdn.com") {
      return new Response(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]), { status: 200, headers: { "content-type": "image/jpeg" } });
    }
    if (init?.headers?.["csrf-token"] !== state.csrf) return json({ status: 403 }, 403);
    if (state.fail) return state.fail();
    const vars = decodeURIComponent(u.searchParams.get("variables") || "");
    if (u.pathname === "/voyager/api/me") return json(fixture("me.json"));
    const query = u.searchParams.get("queryId") || "";
    if (query.startsWith("messengerConversations")) {
      const sorted = [...state.conversations].sort((a, b) => last(b) - last(a));
      const cursor = /nextCursor:([^,)]+)/.exec(vars);
      const start = cursor ? Number(atob(cursor[1])) : 0;
      const page = sorted.slice(start, start + pageSize);
      const next = start + pageSize < sorted.length ? btoa(String(start + pageSize)) : null;
      const entities = page.map((c) => ({
        $type: "com.linkedin.messenger.Conversation", entityUrn: convUrn(c), lastActivityAt: last(c), groupChat: Boolean(c.group),
        "*conversationParticipants": [ME, ...c.with].map(participantUrn),
      }));
      const urns = new Set(page.flatMap((c) => [ME, ...c.with]));
      return json(collection("messengerConversationsBySyncToken", entities, [...urns].map(participant), { nextCursor: next }));
    }
    if (query.startsWith("messengerMessages")) {
      const id = /msg_conversation:\(.*?,([^)]+)\)/.exec(vars)[1];
      const conv = state.conversations.find((c) => c.id === id);
      const before = /deliveredAt:(\d+)/.exec(vars);
      let list = [...conv.messages].sort((a, b) => b.at - a.at);
      if (before) list = list.filter((m) => m.at < Number(before[1]));
      list = list.slice(0, messagePageSize);
      const entities = list.map((m) => ({
        $type: "com.linkedin.messenger.Message", entityUrn: msgUrn(m), deliveredAt: m.at,
        body: { text: m.text }, "*sender": participantUrn(m.from),
      }));
      const senders = [...new Set(list.map((m) => m.from))].map((urn) => ({ entityUrn: participantUrn(urn), hostIdentityUrn: urn }));
      return json(collection("messengerMessagesBySyncToken", entities, senders));
    }
    if (u.pathname === "/voyager/api/identity/dash/profiles") {
      const identity = u.searchParams.get("memberIdentity");
      const urn = Object.keys(state.people).find((k) => state.people[k].slug === identity || k.endsWith(`:${identity}`));
      if (!urn) return json({ status: 404 }, 404);
      const p = state.people[urn];
      return json({
        data: { "*elements": [urn] },
        included: [
          { $type: "com.linkedin.voyager.dash.identity.profile.Profile", entityUrn: urn, publicIdentifier: p.slug || urn.split(":").pop(),
            firstName: p.first, lastName: p.last, headline: p.headline, locationName: p.location,
            profilePicture: { displayImageReference: { vectorImage: { rootUrl: `https://media.licdn.com/dms/image/${p.photo || "x"}/shrink_`, artifacts: [{ width: 400, fileIdentifyingUrlPathSegment: "400_400/0/1" }] } } } },
          { $type: "com.linkedin.voyager.dash.identity.profile.Position", entityUrn: `urn:li:fsd_profilePosition:(${urn},1)`, profileUrn: urn, title: p.title, companyName: p.company, dateRange: { start: { year: 2020 } } },
        ],
      });
    }
    return json({ status: 404 }, 404);
  }

  state.fetchFn = async (url, init = {}) => {
    state.calls.push({ url, init });
    return route(url, init);
  };
  return state;
}

// A fake PingCRM API: records every request; `routes` maps "METHOD /path" → handler.
export function fakeServer(routes = {}) {
  const state = { requests: [], routes };
  state.fetchFn = async (url, init = {}) => {
    const u = new URL(url);
    const key = `${init.method || "GET"} ${u.pathname}`;
    const body = typeof init.body === "string" ? JSON.parse(init.body) : init.body ?? null;
    state.requests.push({ key, url, headers: init.headers || {}, body, rawBody: init.body });
    const handler = state.routes[key] || Object.entries(state.routes).find(([k]) => k.endsWith("*") && key.startsWith(k.slice(0, -1)))?.[1];
    if (!handler) return json({ error: { code: "not_found", message: "Not found" } }, 404);
    const [status, payload, headers] = await handler({ url: u, headers: init.headers || {}, body });
    return status === 204 ? new Response(null, { status }) : json(payload, status, headers);
  };
  return state;
}
