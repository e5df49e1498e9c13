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
