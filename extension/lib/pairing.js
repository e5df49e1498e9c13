// Pairing codes: "PING-" + 6 characters from an alphabet without look-alikes
// (no O/0, I/1, L), drawn with crypto.getRandomValues (rejection sampling: no modulo bias).

export const ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
export const CODE_LENGTH = 6;
export const PREFIX = "PING-";
// The server forgets a code after 10 minutes; make a new one a little before that.
export const CODE_LIFETIME_MS = 9 * 60 * 1000;

export function makeCode(getRandomValues = (a) => crypto.getRandomValues(a)) {
  const limit = 256 - (256 % ALPHABET.length);
  let out = "";
  while (out.length < CODE_LENGTH) {
    const bytes = getRandomValues(new Uint8Array(16));
    for (const b of bytes) {
      if (b < limit && out.length < CODE_LENGTH) out += ALPHABET[b % ALPHABET.length];
    }
  }
  return PREFIX + out;
}

export function isCode(value) {
  return new RegExp(`^${PREFIX}[${ALPHABET}]{${CODE_LENGTH}}$`).test(String(value));
}

export function codeIsFresh(pairing, nowMs) {
  return Boolean(pairing && isCode(pairing.code) && nowMs - pairing.createdAt < CODE_LIFETIME_MS);
}
