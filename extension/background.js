// Service worker: imports and listener registration only (no work at the top level;
// all state lives in chrome.storage.local).
import * as clock from "./lib/clock.js";
import { makeStore } from "./lib/store.js";
import { makeApi } from "./lib/api.js";
import { makeVoyager } from "./lib/voyager.js";
import { makeSync } from "./lib/sync.js";
import { makeHandlers, dispatch } from "./lib/handlers.js";

const store = makeStore(chrome.storage.local);
const api = makeApi({ store, clock });
const voyager = makeVoyager({ cookies: chrome.cookies, clock });
const sync = makeSync({ store, api, voyager, clock, toolbar: chrome.action });
const handlers = makeHandlers({ store, api, sync, clock });
const ready = clock.load(chrome.storage.local);

const waiters = []; // test hook: promises for the next answer to a message type

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  if (sender.id !== chrome.runtime.id) return false;
  dispatch(handlers, message, ready).then((answer) => {
    sendResponse(answer);
    for (const waiter of waiters.filter((w) => w.type === message.type)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(answer);
    }
  });
  return true; // answer asynchronously
});

// Test hooks for the end-to-end tests (driven with Playwright's serviceWorker.evaluate).
globalThis.pingcrm = {
  handlers,
  sync,
  store,
  ready,
  setClockOffset: (ms) => clock.setOffset(chrome.storage.local, ms),
  now: () => clock.now(),
  nextAnswer: (type) => new Promise((resolve) => waiters.push({ type, resolve })),
};
