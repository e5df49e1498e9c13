// Content script on www.linkedin.com (a classic script: content scripts cannot be ES
// modules). Two jobs:
//  1. tell the service worker a LinkedIn page was visited (it syncs when the last sync is
//     more than 2 hours old);
//  2. add P (pull suggestions) and R (regenerate) to every message composer — the full
//     messaging page and the overlay messenger, which lives inside an open shadow root —
//     and show the open conversation's pending suggestions in a compact overlay above the
//     composer. Clicking one inserts it into the composer (a synthetic paste, which
//     LinkedIn's editor handles; execCommand("insertText") when nothing handled it).
//     Nothing is ever sent: the user presses LinkedIn's own Send.
(() => {
  if (globalThis.__pingcrmComposer) return;
  globalThis.__pingcrmComposer = true;

  const COMPOSER = '.msg-form__contenteditable[contenteditable="true"], form.msg-form [role="textbox"][contenteditable="true"]';
  const TOOLBAR = ".msg-form__left-actions, .msg-form__footer";
  const CONVERSATION = ".msg-overlay-conversation-bubble, .msg-convo-wrapper, .msg-thread, .scaffold-layout__detail";
  const STYLE_ID = "pingcrm-style";
  const CSS = `
    .pingcrm-buttons { display: inline-flex; gap: 4px; margin: 0 4px; vertical-align: middle; }
    .pingcrm-btn { all: unset; box-sizing: border-box; width: 24px; height: 24px; border-radius: 50%;
      display: inline-flex; align-items: center; justify-content: center; cursor: pointer;
      font: 600 12px/1 system-ui, sans-serif; color: #fff; background: #2563eb; }
    .pingcrm-btn:hover { background: #1d4ed8; }
    .pingcrm-btn:focus-visible { outline: 2px solid #1d4ed8; outline-offset: 2px; }
    .pingcrm-btn[aria-busy="true"] { opacity: .6; cursor: progress; }
    .pingcrm-overlay { box-sizing: border-box; margin: 4px 8px; max-height: 180px; overflow: auto;
      background: #fff; color: #1f2937; border: 1px solid #d0d5dd; border-radius: 8px;
      box-shadow: 0 4px 12px rgba(16,24,40,.12); font: 13px/1.4 system-ui, sans-serif; }
    .pingcrm-overlay header { display: flex; justify-content: space-between; align-items: center;
      padding: 4px 8px; border-bottom: 1px solid #eaecf0; font-weight: 600; font-size: 12px; }
    .pingcrm-overlay .pingcrm-close { all: unset; cursor: pointer; padding: 0 4px; font-size: 14px; }
    .pingcrm-overlay .pingcrm-note { padding: 6px 8px; color: #5b6472; margin: 0; }
    .pingcrm-overlay ul { list-style: none; margin: 0; padding: 0; }
    .pingcrm-suggestion { all: unset; box-sizing: border-box; display: block; width: 100%;
      padding: 6px 8px; cursor: pointer; white-space: pre-wrap; }
    .pingcrm-suggestion:hover, .pingcrm-suggestion:focus-visible { background: #eff4ff; }
  `;

  const tracked = new Map(); // composer element → {buttons, overlay, root}
  const watchedRoots = new WeakSet();
  let scanQueued = false;

  function ask(type, payload = {}) {
    return chrome.runtime.sendMessage({ type, ...payload }).then((answer) => {
      if (!answer || !answer.ok) throw new Error(answer?.error?.message || "PingCRM did not answer.");
      return answer.data;
    });
  }

  function el(tag, attrs = {}, text = null) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
    if (text !== null) node.textContent = text;
    return node;
  }

  function ensureStyle(root) {
    if (root.querySelector?.(`#${STYLE_ID}`) || (root === document && document.getElementById(STYLE_ID))) return;
    const style = el("style", { id: STYLE_ID }, CSS);
    (root === document ? document.head || document.documentElement : root).appendChild(style);
  }

  // Whose conversation is this? The nearest profile link around the composer.
  function profileFor(composer) {
    let scope = composer.closest(CONVERSATION) || composer.parentElement;
    while (scope) {
      const link = scope.querySelector?.('a[href*="/in/"]');
      if (link) return profileFromHref(link.getAttribute("href"));
      scope = scope.parentElement;
    }
    const rootLink = composer.getRootNode().querySelector?.('a[href*="/in/"]');
    return rootLink ? profileFromHref(rootLink.getAttribute("href")) : null;
  }

  function profileFromHref(href) {
    const match = /\/in\/([^/?#]+)/.exec(href || "");
    if (!match) return null;
    const slug = decodeURIComponent(match[1]);
    if (/^ACo[A-Za-z0-9_-]{10,}$/.test(slug)) return { member_urn: `urn:li:fsd_profile:${slug}` };
    return { public_id: slug };
  }

  function insertText(composer, text) {
    composer.focus();
    const selection = window.getSelection();
    const range = document.createRange();
    range.selectNodeContents(composer);
    range.collapse(false);
    selection.removeAllRanges();
    selection.addRange(range);
    const data = new DataTransfer();
    data.setData("text/plain", text);
    const paste = new ClipboardEvent("paste", { clipboardData: data, bubbles: true, composed: true, cancelable: true });
    const unhandled = composer.dispatchEvent(paste);
    if (unhandled || !composer.textContent.includes(text)) {
      // Nobody handled the paste: let the browser type it (fires input events too).
      document.execCommand("insertText", false, text);
    }
  }

  function overlayFor(entry) {
    if (entry.overlay && entry.overlay.isConnected) return entry.overlay;
    const overlay = el("div", { class: "pingcrm-overlay", role: "dialog", "aria-label": "PingCRM suggestions" });
    const form = entry.composer.closest("form") || entry.composer.parentElement;
    form.insertBefore(overlay, form.firstChild);
    entry.overlay = overlay;
    return overlay;
  }

  function closeOverlay(entry) {
    if (entry.overlay) entry.overlay.remove();
    entry.overlay = null;
  }

  function renderOverlay(entry, { title, note, suggestions }) {
    const overlay = overlayFor(entry);
    overlay.replaceChildren();
    const header = el("header");
    header.append(el("span", {}, title || "PingCRM"));
    const close = el("button", { type: "button", class: "pingcrm-close", "aria-label": "Close suggestions" }, "×");
    close.addEventListener("click", () => closeOverlay(entry));
    header.append(close);
    overlay.append(header);
    if (note) overlay.append(el("p", { class: "pingcrm-note" }, note));
    if (suggestions && suggestions.length) {
      const list = el("ul");
      for (const s of suggestions) {
        const item = el("li");
        const button = el("button", { type: "button", class: "pingcrm-suggestion", "data-suggestion-id": String(s.id), title: s.reason || "" }, s.message);
        button.addEventListener("click", () => {
          insertText(entry.composer, s.message);
          closeOverlay(entry);
        });
        item.append(button);
        list.append(item);
      }
      overlay.append(list);
    }
  }

  async function busy(button, work) {
    if (button.getAttribute("aria-busy") === "true") return;
    button.setAttribute("aria-busy", "true");
    try {
      await work();
    } finally {
      button.removeAttribute("aria-busy");
    }
  }

  function noProfile(entry) {
    renderOverlay(entry, { note: "Open a one-to-one conversation to see its suggestions." });
  }

  async function pull(entry) {
    const profile = profileFor(entry.composer);
    if (!profile) return noProfile(entry);
    renderOverlay(entry, { note: "Loading suggestions…" });
    try {
      const { contact, suggestions } = await ask("pullSuggestions", { profile });
      entry.suggestions = suggestions;
      if (!contact) return renderOverlay(entry, { note: "This person is not in PingCRM yet (the next sync adds them)." });
      renderOverlay(entry, {
        title: contact.full_name,
        note: suggestions.length ? null : "No pending suggestions for this person.",
        suggestions,
      });
    } catch (error) {
      renderOverlay(entry, { note: error.message });
    }
  }

  async function regenerate(entry) {
    const profile = profileFor(entry.composer);
    if (!profile) return noProfile(entry);
    const current = entry.suggestions && entry.suggestions[0];
    renderOverlay(entry, { note: "Drafting a new message…" });
    try {
      const answer = await ask("regenerateSuggestion", { id: current ? current.id : null, profile });
      if (!answer.suggestion) {
        return renderOverlay(entry, { note: answer.contact || current ? "No pending suggestions for this person." : "This person is not in PingCRM yet (the next sync adds them)." });
      }
      const rest = (entry.suggestions || []).filter((s) => s.id !== answer.suggestion.id);
      entry.suggestions = [answer.suggestion, ...rest];
      renderOverlay(entry, { title: answer.suggestion.contact_name, suggestions: entry.suggestions });
    } catch (error) {
      renderOverlay(entry, { note: error.message });
    }
  }

  function attach(composer, root) {
    if (tracked.has(composer)) return;
    ensureStyle(root);
    const form = composer.closest("form") || composer.parentElement;
    const toolbar = form.querySelector(TOOLBAR) || form;
    const buttons = el("span", { class: "pingcrm-buttons" });
    const p = el("button", { type: "button", class: "pingcrm-btn", "data-pingcrm": "pull", "aria-label": "PingCRM: show suggestions", title: "PingCRM: show suggestions" }, "P");
    const r = el("button", { type: "button", class: "pingcrm-btn", "data-pingcrm": "regenerate", "aria-label": "PingCRM: draft a new suggestion", title: "PingCRM: draft a new suggestion" }, "R");
    buttons.append(p, r);
    toolbar.append(buttons);
    const entry = { composer, buttons, overlay: null, suggestions: null };
    p.addEventListener("click", () => busy(p, () => pull(entry)));
    r.addEventListener("click", () => busy(r, () => regenerate(entry)));
    tracked.set(composer, entry);
  }

  function sweep() {
    for (const [composer, entry] of tracked) {
      if (composer.isConnected) continue;
      closeOverlay(entry); // the composer closed: its overlay goes with it
      entry.buttons.remove();
      tracked.delete(composer);
    }
  }

  function scanRoot(root) {
    for (const composer of root.querySelectorAll(COMPOSER)) attach(composer, root);
    for (const node of root.querySelectorAll("*")) {
      if (node.shadowRoot && !watchedRoots.has(node.shadowRoot)) watch(node.shadowRoot);
    }
  }

  function scan() {
    scanQueued = false;
    sweep();
    scanRoot(document);
  }

  function queueScan() {
    if (scanQueued) return;
    scanQueued = true;
    setTimeout(scan, 150);
  }

  function watch(root) {
    watchedRoots.add(root);
    new MutationObserver(queueScan).observe(root, { childList: true, subtree: true });
    scanRoot(root);
  }

  watchedRoots.add(document);
  new MutationObserver(queueScan).observe(document.documentElement, { childList: true, subtree: true });
  scan();
  ask("pageVisit").catch(() => {
    /* not paired yet, or the extension was reloaded: nothing to do on this page */
  });
})();
