// PingCRM's only script besides htmx: things HTML cannot do on its own.
// Copy buttons, toast dismissal, select-all for bulk actions, confirm dialogs.
"use strict";

function onReady(fn) {
  if (document.readyState !== "loading") fn();
  else document.addEventListener("DOMContentLoaded", fn);
}

document.addEventListener("click", async (event) => {
  const target = event.target instanceof Element ? event.target : null;
  if (!target) return;

  const copyButton = target.closest("[data-copy], [data-copy-target]");
  if (copyButton) {
    const source = copyButton.getAttribute("data-copy-target");
    const field = source ? document.querySelector(source) : null;
    const text = field && "value" in field ? field.value : copyButton.getAttribute("data-copy") || "";
    try {
      await navigator.clipboard.writeText(text);
    } catch (_err) {
      const area = document.createElement("textarea");
      area.value = text;
      document.body.appendChild(area);
      area.select();
      document.execCommand("copy");
      area.remove();
    }
    const label = copyButton.textContent;
    copyButton.textContent = "Copied";
    copyButton.setAttribute("data-copied", "true");
    setTimeout(() => { copyButton.textContent = label; copyButton.removeAttribute("data-copied"); }, 1500);
    return;
  }

  if (target.closest("[data-dismiss]")) {
    target.closest(".toast")?.remove();
    return;
  }

  const confirmer = target.closest("[data-confirm]");
  if (confirmer && !window.confirm(confirmer.getAttribute("data-confirm") || "Are you sure?")) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);

document.addEventListener("change", (event) => {
  const box = event.target;
  if (!(box instanceof HTMLInputElement) || !box.matches("[data-select-all]")) return;
  const scope = box.closest("form") || document;
  scope.querySelectorAll("input[type=checkbox][name=ids]").forEach((el) => { el.checked = box.checked; });
});

// htmx asks before a request carrying hx-confirm; keep one code path for both.
document.addEventListener("htmx:confirm", (event) => {
  const question = event.detail.question;
  if (!question) return;
  event.preventDefault();
  if (window.confirm(question)) event.detail.issueRequest(true);
});

// Toasts fade away on their own after a while; errors stay until dismissed.
onReady(() => {
  const sweep = () => document.querySelectorAll(".toast-success").forEach((toast) => {
    if (!toast.dataset.timer) toast.dataset.timer = String(setTimeout(() => toast.remove(), 5000));
  });
  sweep();
  document.body.addEventListener("htmx:afterSettle", sweep);
});

// Import drop zone: a file dropped on (or chosen in) a [data-dropzone] form is uploaded at once.
document.addEventListener("dragover", (event) => {
  const zone = event.target instanceof Element ? event.target.closest("[data-dropzone]") : null;
  if (!zone) return;
  event.preventDefault();
  zone.classList.add("dropzone-active");
});
document.addEventListener("dragleave", (event) => {
  const zone = event.target instanceof Element ? event.target.closest("[data-dropzone]") : null;
  if (zone && !zone.contains(event.relatedTarget)) zone.classList.remove("dropzone-active");
});
document.addEventListener("drop", (event) => {
  const zone = event.target instanceof Element ? event.target.closest("[data-dropzone]") : null;
  if (!zone) return;
  event.preventDefault();
  zone.classList.remove("dropzone-active");
  const input = zone.querySelector("input[type=file]");
  if (!input || !event.dataTransfer || !event.dataTransfer.files.length) return;
  input.files = event.dataTransfer.files;
  input.dispatchEvent(new Event("change", { bubbles: true }));
});
document.addEventListener("change", (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || input.type !== "file") return;
  const zone = input.closest("[data-dropzone]");
  if (!zone || !input.files || !input.files.length) return;
  const label = zone.querySelector("[data-dropzone-filename]");
  if (label) label.textContent = input.files[0].name;
  zone.requestSubmit();
});

// Dialogs fetched by htmx (Sync History) open as modals.
document.addEventListener("htmx:afterSettle", (event) => {
  const root = event.detail && event.detail.elt instanceof Element ? event.detail.elt : null;
  const dialogs = root ? [root, ...root.querySelectorAll("dialog[data-modal]")] : [];
  dialogs.forEach((dialog) => {
    if (dialog instanceof HTMLDialogElement && dialog.matches("[data-modal]") && !dialog.open) {
      dialog.showModal();
    }
  });
});

// Duplicates queue: m / n / s press Merge / Not the same / Skip on the first pair.
document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
  const target = event.target;
  if (target instanceof HTMLElement && target.closest("input, textarea, select, [contenteditable]")) return;
  const queue = document.querySelector("[data-identity-queue]");
  if (!queue) return;
  const button = queue.querySelector(`[data-shortcut="${event.key.toLowerCase()}"]`);
  if (!button) return;
  event.preventDefault();
  button.click();
});

// --- First hour (issue 18): the contacts list's bulk bar and collapsible filters. ---
// The bar appears once a contact is selected and says how many; it shows only the
// inputs of the chosen action; "Merge" needs exactly two and asks first. The filters
// start open on wide screens (and whenever one is set), folded on phones.
function syncBulkBar(form) {
  const bar = form.querySelector("[data-bulk-bar]");
  if (!bar) return;
  const selected = form.querySelectorAll("input[type=checkbox][name=ids]:checked").length;
  bar.hidden = selected === 0;
  const count = bar.querySelector("[data-bulk-count]");
  if (count) count.textContent = `${selected} selected`;
  const action = bar.querySelector("[data-bulk-action]");
  const chosen = action ? action.value : "";
  bar.querySelectorAll("[data-bulk-for]").forEach((el) => {
    el.hidden = !(el.getAttribute("data-bulk-for") || "").split(" ").includes(chosen);
  });
  const merge = action ? action.querySelector("option[value=merge]") : null;
  if (merge) merge.disabled = selected !== 2;
  if (action && chosen === "merge" && selected !== 2) action.value = "add_tag";
  const apply = bar.querySelector("[data-bulk-apply]");
  if (apply) {
    if (action && action.value === "merge") {
      apply.textContent = "Merge";
      apply.setAttribute("data-confirm", "Merge these two contacts into one? Their interactions, tags and identifiers are combined; you can undo it from Duplicates → Merge history.");
    } else {
      apply.textContent = "Apply to selected";
      apply.removeAttribute("data-confirm");
    }
  }
}

function initContactsList(root) {
  root.querySelectorAll("form.bulk-form").forEach((form) => syncBulkBar(form));
  root.querySelectorAll("details[data-filters]").forEach((details) => {
    if (window.matchMedia("(min-width: 700px)").matches) details.open = true;
  });
}

document.addEventListener("change", (event) => {
  const el = event.target;
  if (!(el instanceof Element)) return;
  const form = el.closest("form.bulk-form");
  if (form) syncBulkBar(form);
});
onReady(() => {
  initContactsList(document);
  document.body.addEventListener("htmx:afterSettle", (event) => {
    const target = event.target instanceof Element ? event.target : document;
    target.querySelectorAll("form.bulk-form").forEach((form) => syncBulkBar(form));
  });
});

// Settings: each section has its own page; an old /settings#<anchor> link lands on it.
onReady(() => {
  const nav = document.querySelector(".settings-nav[data-old-anchors]");
  if (!nav || !window.location.hash || !/^\/settings\/?$/.test(window.location.pathname)) return;
  const anchor = decodeURIComponent(window.location.hash.slice(1));
  let map = {};
  try { map = JSON.parse(nav.getAttribute("data-old-anchors") || "{}"); } catch (_err) { map = {}; }
  const section = map[anchor] || anchor;
  const link = nav.querySelector(`a[href="/settings/${CSS.escape(section)}"]`);
  // Already on the page (the first section is /settings itself): stay.
  if (link && link.getAttribute("aria-current") !== "page") window.location.replace(`/settings/${section}`);
});
