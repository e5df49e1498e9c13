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

  const copyButton = target.closest("[data-copy]");
  if (copyButton) {
    const text = copyButton.getAttribute("data-copy") || "";
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
