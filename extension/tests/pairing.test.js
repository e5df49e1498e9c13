import { test } from "node:test";
import assert from "node:assert/strict";
import { ALPHABET, makeCode, isCode, codeIsFresh, CODE_LIFETIME_MS } from "../lib/pairing.js";

test("codes look like PING-XXXXXX and never use look-alike characters", () => {
  for (const bad of "O0I1L") assert.ok(!ALPHABET.includes(bad), bad);
  for (let i = 0; i < 500; i++) {
    const code = makeCode();
    assert.match(code, /^PING-[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{6}$/);
    assert.ok(isCode(code));
  }
});

test("codes are drawn with crypto.getRandomValues, without modulo bias", () => {
  const calls = [];
  // 31 letters: bytes >= 248 (= 8 * 31) must be rejected, not folded onto the first letters
  const feed = [255, 250, 248, 0, 1, 2, 30, 31, 62];
  const random = (array) => {
    calls.push(array.length);
    array.fill(249);
    feed.splice(0, array.length).forEach((b, i) => (array[i] = b));
    return array;
  };
  assert.equal(makeCode(random), `PING-${ALPHABET[0]}${ALPHABET[1]}${ALPHABET[2]}${ALPHABET[30]}${ALPHABET[0]}${ALPHABET[0]}`);
  assert.ok(calls.length >= 1);
  const original = globalThis.crypto.getRandomValues.bind(globalThis.crypto);
  let used = 0;
  globalThis.crypto.getRandomValues = (a) => (used++, original(a));
  try {
    makeCode();
  } finally {
    globalThis.crypto.getRandomValues = original;
  }
  assert.ok(used > 0, "the default source is crypto.getRandomValues");
});

test("a code is renewed before the server's 10 minutes run out", () => {
  const made = { code: "PING-ABCDEF", createdAt: 1000 };
  assert.ok(codeIsFresh(made, 1000 + CODE_LIFETIME_MS - 1));
  assert.ok(!codeIsFresh(made, 1000 + CODE_LIFETIME_MS));
  assert.ok(CODE_LIFETIME_MS < 10 * 60 * 1000);
  assert.ok(!codeIsFresh({ code: "PING-ABC0EF", createdAt: 1000 }, 1000), "look-alike characters are not a code");
  assert.ok(!codeIsFresh(null, 0));
});
