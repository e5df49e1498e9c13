// LinkedIn's internal "Voyager" API, called from the user's own browser with the user's
// own session. Two halves:
//  - pure functions: URL builders and parsers of the response shapes (unit-tested against
//    recorded-shape fixtures in tests/fixtures/);
//  - makeVoyager(): the HTTP side. It reads li_at / JSESSIONID fresh with chrome.cookies,
//    sends the CSRF header LinkedIn expects (`csrf-token` = JSESSIONID without quotes) and
//    lets the browser attach the cookies. Nothing from here is ever sent to PingCRM.
//
// Shapes (normalized JSON, `Accept: application/vnd.linkedin.normalized+json+2.1`):
//  { data: { data: { <rootKey>: { "*elements": [urn...], metadata: {nextCursor} } } },
//    included: [ {$type, entityUrn, ..., "*ref": urn, "*refs": [urn...]} ] }
// The plain GraphQL shape ({data: {<rootKey>: {elements: [{...nested}]}}}) parses too.

export const ORIGIN = "https://www.linkedin.com";
export const API = `${ORIGIN}/voyager/api`;
export const ACCEPT = "application/vnd.linkedin.normalized+json+2.1";
// LinkedIn rotates these query ids with its deployments; they live here, in one place.
export const QUERY_IDS = {
  conversations: "messengerConversations.0d5e6781bbee71c3e51c8843c6519f48",
  messages: "messengerMessages.5846eeb71c981f11e0134cb6626cc314",
};
export const PROFILE_DECORATION = "com.linkedin.voyager.dash.deco.identity.profile.WebTopCardCore-16";
export const MESSAGE_PAGE = 20; // messages per older-page request
export const DEFAULT_RETRY_AFTER_MS = 15 * 60 * 1000;

// ---------------------------------------------------------------- URLs

// A URN inside Rest.li `variables=(...)`: its own ":" "(" ")" "," are percent-encoded,
// the structural ones of the variables list are not.
export function encodeUrn(urn) {
  return encodeURIComponent(urn).replace(/\(/g, "%28").replace(/\)/g, "%29");
}

export function meUrl() {
  return `${API}/me`;
}

export function conversationsUrl(mailboxUrn, cursor = null) {
  const vars = [`mailboxUrn:${encodeUrn(mailboxUrn)}`];
  if (cursor) vars.push(`nextCursor:${encodeURIComponent(cursor)}`);
  return `${API}/voyagerMessagingGraphQL/graphql?queryId=${QUERY_IDS.conversations}&variables=(${vars.join(",")})`;
}

// Newest messages of a conversation; with `beforeMs`, the page of older ones before it.
export function messagesUrl(conversationUrn, beforeMs = null, count = MESSAGE_PAGE) {
  const conv = `conversationUrn:${encodeUrn(conversationUrn)}`;
  const vars = beforeMs ? `(deliveredAt:${beforeMs},${conv},countBefore:${count},countAfter:0)` : `(${conv})`;
  return `${API}/voyagerMessagingGraphQL/graphql?queryId=${QUERY_IDS.messages}&variables=${vars}`;
}

export function profileUrl(identity) {
  return `${API}/identity/dash/profiles?q=memberIdentity&memberIdentity=${encodeURIComponent(identity)}&decorationId=${PROFILE_DECORATION}`;
}

// ---------------------------------------------------------------- parsing

export function indexIncluded(payload) {
  const index = new Map();
  for (const entity of payload?.included || []) {
    if (entity && entity.entityUrn) index.set(entity.entityUrn, entity);
  }
  return index;
}

// The entity with every "*key" reference replaced by the entity (or entities) it names.
export function resolveRefs(entity, index, depth = 2) {
  if (!entity || typeof entity !== "object" || depth < 0) return entity;
  const out = { ...entity };
  for (const [key, value] of Object.entries(entity)) {
    if (!key.startsWith("*")) continue;
    const name = key.slice(1);
    if (Array.isArray(value)) {
      out[name] = value.map((urn) => resolveRefs(index.get(urn), index, depth - 1)).filter(Boolean);
    } else if (typeof value === "string") {
      out[name] = resolveRefs(index.get(value), index, depth - 1) ?? null;
    }
  }
  return out;
}

// The collection under the first data key starting with `prefix` (e.g. "messengerConversations"),
// as {elements: [resolved entities], metadata}.
export function rootCollection(payload, prefix) {
  const index = indexIncluded(payload);
  const holders = [payload?.data?.data, payload?.data].filter((x) => x && typeof x === "object");
  for (const holder of holders) {
    const key = Object.keys(holder).find((k) => k.startsWith(prefix) || k.startsWith(`*${prefix}`));
    if (!key) continue;
    let collection = holder[key];
    if (typeof collection === "string") collection = index.get(collection);
    if (!collection) continue;
    let elements;
    if (Array.isArray(collection["*elements"])) {
      elements = collection["*elements"].map((urn) => index.get(urn)).filter(Boolean);
    } else {
      elements = collection.elements || [];
    }
    let metadata = collection.metadata || null;
    if (!metadata && typeof collection["*metadata"] === "string") metadata = index.get(collection["*metadata"]);
    return { elements: elements.map((e) => resolveRefs(e, index)), metadata: metadata || {}, index };
  }
  throw new VoyagerShapeError(`no ${prefix} collection in the response`);
}

export class VoyagerShapeError extends Error {
  constructor(message) {
    super(`LinkedIn answered in an unexpected shape (${message}).`);
    this.name = "VoyagerShapeError";
  }
}

const text = (value) => (value && typeof value === "object" ? value.text ?? null : value ?? null);

// The largest rendition (up to `maxWidth`) of a VectorImage {rootUrl, artifacts[]}, searched
// a few levels down (profilePicture.displayImageReference.vectorImage, member.profilePicture…).
export function pickImage(holder, maxWidth = 800, depth = 4) {
  if (!holder || typeof holder !== "object" || depth < 0) return null;
  if (typeof holder.rootUrl === "string" && Array.isArray(holder.artifacts) && holder.artifacts.length) {
    const sorted = [...holder.artifacts].sort((a, b) => (a.width || 0) - (b.width || 0));
    const fit = sorted.filter((a) => (a.width || 0) <= maxWidth);
    const best = fit.length ? fit[fit.length - 1] : sorted[0];
    return holder.rootUrl + (best.fileIdentifyingUrlPathSegment || "");
  }
  for (const value of Object.values(holder)) {
    const found = pickImage(value, maxWidth, depth - 1);
    if (found) return found;
  }
  return null;
}

// "https://www.linkedin.com/in/ada-lovelace/" → "ada-lovelace". Messaging often links a
// profile by its opaque id ("ACoAAB…"), which is not a public slug.
export function publicIdFromUrl(url) {
  const match = /\/in\/([^/?#]+)/.exec(String(url || ""));
  if (!match) return null;
  const slug = decodeURIComponent(match[1]);
  return /^ACo[A-Za-z0-9_-]{10,}$/.test(slug) ? null : slug;
}

export function canonicalProfileUrl(url) {
  const match = /\/in\/([^/?#]+)/.exec(String(url || ""));
  return match ? `${ORIGIN}/in/${match[1]}/` : null;
}

// "urn:li:msg_messagingParticipant:urn:li:fsd_profile:X" → "urn:li:fsd_profile:X"
export function profileUrnOf(value) {
  const match = /(urn:li:fsd_profile:[^,)\s]+)/.exec(String(value || ""));
  return match ? match[1] : null;
}

function participantOf(raw) {
  if (!raw) return null;
  const member = raw.participantType?.member || raw.member || null;
  const urn = profileUrnOf(raw.hostIdentityUrn) || profileUrnOf(raw.entityUrn);
  if (!urn) return null;
  const profileUrlValue = member?.profileUrl || null;
  return {
    member_urn: urn,
    self: member?.distance === "SELF",
    public_id: publicIdFromUrl(profileUrlValue),
    profile_url: canonicalProfileUrl(profileUrlValue),
    first_name: text(member?.firstName) || "",
    last_name: text(member?.lastName) || "",
    headline: text(member?.headline),
    avatar_url: pickImage(member?.profilePicture),
  };
}

// One page of conversations, newest activity first.
export function parseConversations(payload, meUrn) {
  const { elements, metadata } = rootCollection(payload, "messengerConversations");
  const conversations = elements.map((conv) => {
    const participants = (conv.conversationParticipants || []).map(participantOf).filter(Boolean);
    const others = participants.filter((p) => p.member_urn !== meUrn && !p.self);
    const group = conv.groupChat === true || others.length !== 1;
    const other = group ? null : others[0];
    if (other) delete other.self;
    return {
      urn: conv.entityUrn,
      lastActivityAt: Number(conv.lastActivityAt || 0),
      group,
      other,
    };
  });
  return { conversations, nextCursor: metadata.nextCursor || null };
}

// One page of a conversation's messages (any order; the caller sorts).
export function parseMessages(payload) {
  const { elements } = rootCollection(payload, "messengerMessages");
  return elements
    .map((msg) => {
      const sender = msg.sender || null;
      const senderUrn =
        profileUrnOf(sender?.hostIdentityUrn) || profileUrnOf(sender?.entityUrn) || profileUrnOf(msg["*sender"]);
      return {
        urn: msg.entityUrn,
        deliveredAt: Number(msg.deliveredAt || 0),
        senderUrn,
        text: text(msg.body) || "",
      };
    })
    .filter((m) => m.urn && m.deliveredAt > 0);
}

// `/voyager/api/me` → my profile URN (urn:li:fsd_profile:…).
export function parseMe(payload) {
  const index = indexIncluded(payload);
  const ref = payload?.data?.["*miniProfile"];
  const mini = (ref && index.get(ref)) || payload?.miniProfile || payload?.data?.miniProfile;
  const urn = profileUrnOf(mini?.dashEntityUrn);
  if (urn) return urn;
  const plain = /urn:li:fs_miniProfile:([^,)\s]+)/.exec(String(mini?.entityUrn || ""));
  if (plain) return `urn:li:fsd_profile:${plain[1]}`;
  throw new VoyagerShapeError("no profile in /me");
}

// identity/dash/profiles → the fields PingCRM backfills.
export function parseProfile(payload) {
  const index = indexIncluded(payload);
  const urns = payload?.data?.["*elements"] || [];
  const raw =
    index.get(urns[0]) ||
    payload?.elements?.[0] ||
    [...index.values()].find((e) => /identity\.profile\.Profile$/.test(e.$type || ""));
  if (!raw) throw new VoyagerShapeError("no profile element");
  const profile = resolveRefs(raw, index);
  const positions = [...index.values()].filter(
    (e) => /\.Position$/.test(e.$type || "") && (!e.profileUrn || e.profileUrn === raw.entityUrn),
  );
  const current = positions.find((p) => !p.dateRange?.end) || null;
  let location = null;
  const geo = profile.geoLocation?.geo || (profile.geoLocation?.["*geo"] && index.get(profile.geoLocation["*geo"]));
  if (geo) location = geo.defaultLocalizedName || text(geo.defaultLocalizedNameWithoutCountryName);
  if (!location) location = profile.locationName || profile.geoLocationName || null;
  return {
    member_urn: profileUrnOf(raw.entityUrn),
    public_id: raw.publicIdentifier || null,
    first_name: text(raw.firstName) || "",
    last_name: text(raw.lastName) || "",
    headline: text(raw.headline),
    title: current?.title ? text(current.title) : null,
    company: current ? text(current.companyName) || current.company?.name || null : null,
    location,
    avatar_url: pickImage(raw.profilePicture),
  };
}

// ---------------------------------------------------------------- HTTP

export class LinkedInError extends Error {
  // kind: "no_session" | "session_expired" | "rate_limited" | "error"
  constructor(kind, message, { status = null, retryAfterMs = null } = {}) {
    super(message);
    this.name = "LinkedInError";
    this.kind = kind;
    this.status = status;
    this.retryAfterMs = retryAfterMs;
  }
}

export function retryAfterMs(header, nowMs) {
  if (!header) return DEFAULT_RETRY_AFTER_MS;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(1000, seconds * 1000);
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(1000, at - nowMs) : DEFAULT_RETRY_AFTER_MS;
}

export function csrfFromJsession(value) {
  return String(value || "").replace(/^"|"$/g, "");
}

export function makeVoyager({ cookies, fetchFn = (...a) => fetch(...a), clock }) {
  // Read fresh at the start of each sync; kept only in this object for that sync.
  async function session() {
    const [liAt, jsession] = await Promise.all([
      cookies.get({ url: ORIGIN, name: "li_at" }),
      cookies.get({ url: ORIGIN, name: "JSESSIONID" }),
    ]);
    if (!liAt || !liAt.value || !jsession || !jsession.value) {
      throw new LinkedInError("no_session", "Sign in to linkedin.com in this browser, then sync again.");
    }
    return { csrf: csrfFromJsession(jsession.value) };
  }

  function client({ csrf }) {
    async function get(url) {
      const response = await fetchFn(url, {
        method: "GET",
        credentials: "include",
        headers: {
          accept: ACCEPT,
          "csrf-token": csrf,
          "x-restli-protocol-version": "2.0.0",
          "x-li-lang": "en_US",
        },
      });
      if (response.status === 429) {
        throw new LinkedInError("rate_limited", "LinkedIn asked us to slow down.", {
          status: 429,
          retryAfterMs: retryAfterMs(response.headers.get("retry-after"), clock.now()),
        });
      }
      const redirectedToLogin = response.redirected && /\/(login|authwall|checkpoint)/.test(response.url || "");
      if (response.status === 401 || response.status === 403 || redirectedToLogin) {
        throw new LinkedInError("session_expired", "Your LinkedIn session has expired.", { status: response.status });
      }
      if (!response.ok) {
        throw new LinkedInError("error", `LinkedIn answered ${response.status}.`, { status: response.status });
      }
      return response.json();
    }
    return {
      get,
      me: async () => parseMe(await get(meUrl())),
      conversations: async (meUrn, cursor) => parseConversations(await get(conversationsUrl(meUrn, cursor)), meUrn),
      messages: async (conversationUrn, beforeMs) => parseMessages(await get(messagesUrl(conversationUrn, beforeMs))),
      profile: async (identity) => parseProfile(await get(profileUrl(identity))),
    };
  }

  // The photo as the browser sees it (LinkedIn's CDN often refuses servers).
  async function image(url) {
    const response = await fetchFn(url, { credentials: "omit" });
    if (!response.ok) throw new LinkedInError("error", `The LinkedIn CDN answered ${response.status}.`);
    const type = (response.headers.get("content-type") || "").split(";")[0].trim();
    return { bytes: await response.arrayBuffer(), type: type || "application/octet-stream" };
  }

  return { session, client, image };
}
