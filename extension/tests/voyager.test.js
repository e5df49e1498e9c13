import { test } from "node:test";
import assert from "node:assert/strict";
import {
  parseConversations, parseMessages, parseMe, parseProfile, conversationsUrl, messagesUrl, profileUrl,
  encodeUrn, publicIdFromUrl, pickImage, retryAfterMs, csrfFromJsession, makeVoyager, LinkedInError, VoyagerShapeError,
} from "../lib/voyager.js";
import { fixture, cookieJar, testClock, ME } from "./helpers.js";

test("a page of conversations: the other person, group chats flagged, the next cursor", () => {
  const page = parseConversations(fixture("conversations_page1.json"), ME);
  assert.equal(page.nextCursor, "Y3Vyc29yLXBhZ2UtMg==");
  assert.equal(page.conversations.length, 2);
  const [ada, group] = page.conversations;
  assert.equal(ada.urn, "urn:li:msg_conversation:(urn:li:fsd_profile:ACoAAAMeMeMe01,2-QURBLUxPVkVMQUNF)");
  assert.equal(ada.lastActivityAt, 1764842400000);
  assert.equal(ada.group, false);
  assert.deepEqual(ada.other, {
    member_urn: "urn:li:fsd_profile:ACoAABAdaAda01",
    public_id: "ada-lovelace",
    profile_url: "https://www.linkedin.com/in/ada-lovelace/",
    first_name: "Ada",
    last_name: "Lovelace",
    headline: "Analyst at Engines Ltd",
    avatar_url: "https://media.licdn.com/dms/image/v2/D4E03AQ-ada/profile-displayphoto-shrink_800_800/0/1700000000000?e=1&v=beta&t=c",
  });
  assert.equal(group.group, true);
  assert.equal(group.other, null);
});

test("the plain GraphQL shape (nested, no `included`) parses the same way", () => {
  const page = parseConversations(fixture("conversations_plain.json"), ME);
  assert.equal(page.nextCursor, null);
  assert.equal(page.conversations[0].other.member_urn, "urn:li:fsd_profile:ACoAABLinus001");
  assert.equal(page.conversations[0].other.public_id, null, "an opaque ACo… id is not a public slug");
  assert.equal(page.conversations[0].other.profile_url, "https://www.linkedin.com/in/ACoAABLinus001/");
});

test("messages: sender resolved through *sender, text from body.text, time from deliveredAt", () => {
  const messages = parseMessages(fixture("messages.json"));
  assert.deepEqual(messages.map((m) => [m.deliveredAt, m.senderUrn, m.text]), [
    [1764842400000, "urn:li:fsd_profile:ACoAABAdaAda01", "Shall we meet on Tuesday?"],
    [1764756000000, ME, "Loved your note on the engine."],
  ]);
  assert.match(messages[0].urn, /^urn:li:msg_message:\(/);
});

test("me and profile", () => {
  assert.equal(parseMe(fixture("me.json")), ME);
  assert.equal(parseMe({ miniProfile: { entityUrn: "urn:li:fs_miniProfile:ACoXYZ" } }), "urn:li:fsd_profile:ACoXYZ");
  assert.deepEqual(parseProfile(fixture("profile.json")), {
    member_urn: "urn:li:fsd_profile:ACoAABAdaAda01",
    public_id: "ada-lovelace",
    first_name: "Ada",
    last_name: "Lovelace",
    headline: "Analyst at Engines Ltd",
    title: "Analyst",
    company: "Engines Ltd",
    location: "London, England, United Kingdom",
    avatar_url: "https://media.licdn.com/dms/image/v2/D4E03AQ-ada/profile-displayphoto-shrink_400_400/0/1700000000000?e=1&v=beta&t=y",
  });
});

test("an unexpected shape is a clear error, not an empty sync", () => {
  assert.throws(() => parseConversations({ data: { data: {} } }, ME), VoyagerShapeError);
  assert.throws(() => parseMessages({ errors: [{ message: "x" }] }), VoyagerShapeError);
  assert.throws(() => parseProfile({ data: {}, included: [] }), VoyagerShapeError);
});

test("URLs: URNs percent-encoded inside Rest.li variables, cursor and anchor passed", () => {
  assert.equal(encodeUrn("urn:li:msg_conversation:(a,b)"), "urn%3Ali%3Amsg_conversation%3A%28a%2Cb%29");
  assert.match(conversationsUrl(ME), /voyagerMessagingGraphQL\/graphql\?queryId=messengerConversations\.[0-9a-f]+&variables=\(mailboxUrn:urn%3Ali%3Afsd_profile%3AACoAAAMeMeMe01\)$/);
  assert.match(conversationsUrl(ME, "abc=="), /,nextCursor:abc%3D%3D\)$/);
  assert.match(messagesUrl("urn:li:msg_conversation:(x,2-y)"), /variables=\(conversationUrn:urn%3Ali%3Amsg_conversation%3A%28x%2C2-y%29\)$/);
  assert.match(messagesUrl("urn:li:msg_conversation:(x,2-y)", 123), /variables=\(deliveredAt:123,conversationUrn:.*,countBefore:20,countAfter:0\)$/);
  assert.match(profileUrl("ada-lovelace"), /identity\/dash\/profiles\?q=memberIdentity&memberIdentity=ada-lovelace&decorationId=/);
});

test("small helpers", () => {
  assert.equal(publicIdFromUrl("https://www.linkedin.com/in/grace-h%C3%B6pper/?x=1"), "grace-höpper");
  assert.equal(publicIdFromUrl("https://www.linkedin.com/company/acme"), null);
  assert.equal(pickImage({ rootUrl: "r/", artifacts: [{ width: 1600, fileIdentifyingUrlPathSegment: "big" }] }), "r/big");
  assert.equal(pickImage(null), null);
  assert.equal(csrfFromJsession('"ajax:123"'), "ajax:123");
  assert.equal(retryAfterMs("120", 0), 120000);
  assert.equal(retryAfterMs(null, 0), 15 * 60 * 1000);
  assert.equal(retryAfterMs(new Date(60000).toUTCString(), 0), 60000);
});

test("HTTP: cookies read fresh, CSRF header from JSESSIONID, errors mapped", async () => {
  const jar = cookieJar();
  const seen = [];
  let answer = () => new Response(JSON.stringify(fixture("me.json")), { status: 200 });
  const voyager = makeVoyager({ cookies: jar, clock: testClock(), fetchFn: async (url, init) => (seen.push({ url, init }), answer()) });
  const li = voyager.client(await voyager.session());
  assert.equal(jar.reads, 2);
  assert.equal(await li.me(), ME);
  assert.equal(seen[0].init.headers["csrf-token"], "ajax:4242424242");
  assert.equal(seen[0].init.credentials, "include", "the browser attaches LinkedIn's cookies itself");
  assert.ok(!JSON.stringify(seen[0].init).includes("AQEDAS-secret-li-at"), "li_at is never copied into a request by hand");

  answer = () => new Response("{}", { status: 429, headers: { "retry-after": "30" } });
  await assert.rejects(li.me(), (e) => e instanceof LinkedInError && e.kind === "rate_limited" && e.retryAfterMs === 30000);
  for (const status of [401, 403]) {
    answer = () => new Response("{}", { status });
    await assert.rejects(li.me(), (e) => e.kind === "session_expired");
  }
  answer = () => new Response("{}", { status: 500 });
  await assert.rejects(li.me(), (e) => e.kind === "error");

  jar.values = { JSESSIONID: '"ajax:1"' };
  await assert.rejects(voyager.session(), (e) => e.kind === "no_session");
});
