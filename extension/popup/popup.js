// The popup: server address (once), pairing code, connection status, Sync Now, Disconnect.
// All work happens in the service worker; the popup only sends it named messages.

import { DEFAULT_SERVER } from "../lib/store.js";
import { badgeFor } from "../lib/badge.js";

const POLL_MS = 2000;
const $ = (id) => document.getElementById(id);
let pollTimer = null;

async function ask(type, payload = {}) {
  const answer = await chrome.runtime.sendMessage({ type, ...payload });
  if (!answer || !answer.ok) throw new Error(answer?.error?.message || "The extension did not answer.");
  return answer.data;
}

function show(view) {
  for (const id of ["view-server", "view-pairing", "view-connected"]) $(id).hidden = id !== view;
}

function error(message) {
  $("error").hidden = !message;
  $("error").textContent = message || "";
}

function when(ms, nowMs) {
  if (!ms) return "never";
  const minutes = Math.round((nowMs - ms) / 60000);
  if (minutes < 1) return "just now";
  if (minutes < 60) return `${minutes} min ago`;
  if (minutes < 48 * 60) return `${Math.round(minutes / 60)} h ago`;
  return new Date(ms).toLocaleDateString();
}

const LINKEDIN_TEXT = {
  no_session: "Sign in to linkedin.com in this browser; the extension picks up your session on your next LinkedIn visit.",
  session_expired: "Your LinkedIn session expired. Visit linkedin.com and sign in again; the next visit syncs automatically.",
};

const LOST_TEXT = {
  expired: "Your pairing expired. Pair again with this new code.",
  reauth_required: "This browser is no longer paired (expired, or disconnected in PingCRM). Pair again with this new code.",
};

function stopPolling() {
  if (pollTimer) clearInterval(pollTimer);
  pollTimer = null;
}

async function poll() {
  try {
    const answer = await ask("pollPairing");
    if (answer.status === "paired") {
      stopPolling();
      await render();
      return;
    }
    if (answer.code) $("pairing-code").textContent = answer.code;
    $("pairing-state").textContent = answer.slowDown ? "Waiting (the server asked us to slow down)…" : "Waiting for you to enter the code…";
    error("");
  } catch (e) {
    error(`Cannot reach PingCRM: ${e.message}`);
  }
}

async function renderPairing(status) {
  show("view-pairing");
  $("badge").hidden = true;
  $("pairing-server").textContent = status.serverUrl;
  $("auth-lost").hidden = !status.authLost;
  $("auth-lost").textContent = LOST_TEXT[status.authLost] || "";
  try {
    const answer = await ask("startPairing");
    if (answer.code) $("pairing-code").textContent = answer.code;
    error("");
  } catch (e) {
    error(`Cannot reach PingCRM at ${status.serverUrl}: ${e.message}`);
  }
  if (!pollTimer) pollTimer = setInterval(poll, POLL_MS);
  await poll();
}

async function renderConnected(status) {
  stopPolling();
  show("view-connected");
  $("connected-as").textContent = status.serverUser ? `Connected as ${status.serverUser}` : "Connected";
  const trouble = LINKEDIN_TEXT[status.linkedin];
  const waiting = status.retryAfterUntil > status.now
    ? `LinkedIn asked us to slow down; the next sync waits until ${new Date(status.retryAfterUntil).toLocaleTimeString()}.`
    : null;
  $("linkedin-state").hidden = !(trouble || waiting);
  $("linkedin-state").textContent = trouble || waiting || "";
  const badge = badgeFor(status);
  $("badge").hidden = false;
  $("badge").dataset.state = badge.state;
  $("badge").textContent = badge.text;
  $("badge").title = badge.title;
  $("stat-last-sync").textContent = when(status.lastSyncAt, status.now);
  $("sync-now").disabled = status.syncing;
  $("sync-now").textContent = status.syncing ? "Syncing…" : "Sync Now";
  const last = status.lastResult;
  $("sync-result").textContent = !last ? "" : last.ok
    ? `Last sync: ${last.new_messages} new messages, ${last.new_contacts} new contacts.`
    : `Last sync failed: ${last.error}`;
  try {
    const server = await ask("serverStatus");
    if (server) {
      $("stat-profiles").textContent = String(server.profiles_synced ?? 0);
      $("stat-messages").textContent = String(server.messages_synced ?? 0);
      if (server.last_sync_at) $("stat-last-sync").textContent = when(Date.parse(server.last_sync_at), status.now);
    } else {
      await render(); // the server no longer knows this pairing
      return;
    }
    error("");
  } catch (e) {
    $("stat-profiles").textContent = String(status.stats?.profiles ?? 0);
    $("stat-messages").textContent = String(status.stats?.messages ?? 0);
    error(`Cannot reach PingCRM: ${e.message}`);
  }
}

async function render() {
  const status = await ask("status");
  if (!status.serverUrl) {
    stopPolling();
    show("view-server");
    $("server-url").value = DEFAULT_SERVER;
    return;
  }
  if (!status.paired) return renderPairing(status);
  return renderConnected(status);
}

$("server-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const raw = $("server-url").value;
  try {
    const origin = new URL(raw).origin;
    const builtIn = /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?$/.test(origin);
    // Other servers need the user's permission to be called (asked once, here).
    if (!builtIn && !(await chrome.permissions.request({ origins: [`${origin}/*`] }))) {
      error("PingCRM needs permission to reach that address.");
      return;
    }
    await ask("setServer", { url: raw });
    error("");
    await render();
  } catch (e) {
    error(e.message);
  }
});

$("change-server").addEventListener("click", () => {
  stopPolling();
  show("view-server");
  $("server-url").value = $("pairing-server").textContent || DEFAULT_SERVER;
});

$("sync-now").addEventListener("click", async () => {
  $("sync-now").disabled = true;
  $("sync-now").textContent = "Syncing…";
  $("sync-result").textContent = "Syncing with LinkedIn…";
  try {
    const result = await ask("syncNow");
    if (result.status === "skipped" && result.reason === "rate_limited") error("LinkedIn asked us to slow down; try again later.");
  } catch (e) {
    error(e.message);
  }
  await render();
});

$("disconnect").addEventListener("click", async () => {
  try {
    await ask("disconnect");
    error("");
  } catch (e) {
    error(`Could not disconnect: ${e.message}`);
    return;
  }
  await render();
});

render().catch((e) => error(e.message));
