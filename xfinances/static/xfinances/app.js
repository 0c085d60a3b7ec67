// XFINANCES: keyboard helpers. "/" focuses the page's search box; Alt+N opens "new".
document.addEventListener("keydown", (event) => {
  const tag = (event.target.tagName || "").toLowerCase();
  const typing = tag === "input" || tag === "textarea" || tag === "select" || event.target.isContentEditable;
  if (event.key === "/" && !typing) {
    const search = document.querySelector("[data-search]");
    if (search) { event.preventDefault(); search.focus(); }
  }
  if (event.altKey && (event.key === "n" || event.key === "N")) {
    const create = document.querySelector("[data-new]");
    if (create) { event.preventDefault(); create.click(); }
  }
});

// Behaviour that templates ask for with data attributes (the Content-Security-Policy allows no
// inline script or event handler):
//   <form data-confirm="Question?">  asks before submitting (also on the submitting button);
//   <select data-autosubmit>          submits its form when changed;
//   <button data-print>               prints the page;
//   <button data-reveal="ID">         shows the element ID (removes d-none) and hides itself.
document.addEventListener("submit", (event) => {
  const submitter = event.submitter;
  const form = event.target;
  const message = (submitter && submitter.dataset && submitter.dataset.confirm)
    || (form && form.dataset && form.dataset.confirm);
  if (message && !window.confirm(message)) { event.preventDefault(); }
});
document.addEventListener("change", (event) => {
  const field = event.target;
  if (field.matches && field.matches("[data-autosubmit]") && field.form) { field.form.submit(); }
});
document.addEventListener("click", (event) => {
  const target = event.target.closest ? event.target.closest("[data-print], [data-reveal]") : null;
  if (!target) { return; }
  if (target.hasAttribute("data-print")) { window.print(); return; }
  const shown = document.getElementById(target.dataset.reveal);
  if (shown) { shown.classList.remove("d-none"); target.classList.add("d-none"); }
});

(() => {
// A page that comes back with form errors puts the keyboard where the problem is: on the first
// field marked invalid (its aria-describedby makes a screen reader read the error with it), or,
// when no field is marked, on the error summary (WCAG 3.3.1). Without this the focus would sit
// on an autofocus field or at the top, and the error would go unheard.
function focusFirstError() {
  const field = document.querySelector("main [aria-invalid=true]:not([type=hidden]):not([disabled])");
  const summary = document.querySelector("main [data-error-summary]");
  const target = field || summary;
  if (target) { target.focus(); }
}

// HTMX replaces results and totals in place; a screen reader hears nothing of it unless a live
// region that already existed changes. Swapped fragments carry a short sentence in a
// [data-announce] element ("3 parties", "Total: 684,00 EUR"), copied into the page's one
// status region. Cleared first, so the same sentence twice is still announced.
// A target marked data-announce-changes stays quiet when it would say the same as last time:
// the totals are recomputed on every keystroke in the form, also while typing a line's
// description, and an unchanged total would talk over the search results being typed for.
const lastSaid = new WeakMap();
function announce(source, target) {
  const status = document.getElementById("live-status");
  if (!status || !source) { return; }
  const text = source.textContent.replace(/\s+/g, " ").trim();
  if (target && target.hasAttribute("data-announce-changes")) {
    if (lastSaid.get(target) === text) { return; }
    lastSaid.set(target, text);
  }
  status.textContent = "";
  window.setTimeout(() => { status.textContent = text; }, 50);
}
document.addEventListener("htmx:afterSwap", (event) => {
  const root = event.detail && event.detail.target ? event.detail.target : event.target;
  if (!root || !root.querySelector) { return; }
  announce(root.querySelector("[data-announce]"), root);
});

// A swap must not drop the keyboard focus on the page's body. A poll ("every 60s", the bell)
// waits while the person is inside the element. When a control replaces the region it sits in
// ("Mark all read" replaces the whole bell), or the region holding the focus is swapped, the
// focus goes to the first control of the new content. The control is remembered when it
// sends, not at the swap: by then Bootstrap has hidden the menu and the browser has already
// moved the focus off the hidden button.
let refocus = null;
document.addEventListener("htmx:beforeRequest", (event) => {
  const elt = event.detail && event.detail.elt;
  const target = event.detail && event.detail.target;
  if (!elt) { return; }
  const polling = (elt.getAttribute("hx-trigger") || "").includes("every ");
  if (polling && elt.contains(document.activeElement)) { event.preventDefault(); return; }
  if (!polling && target && target.id && target !== elt && target.contains(elt)) { refocus = target.id; }
});
document.addEventListener("htmx:beforeSwap", (event) => {
  const target = event.detail && event.detail.target;
  if (target && target.id && target.contains(document.activeElement)) { refocus = target.id; }
});
document.addEventListener("htmx:afterSettle", () => {
  const swapped = refocus ? document.getElementById(refocus) : null;
  refocus = null;
  if (!swapped || swapped.contains(document.activeElement)) { return; }
  const first = swapped.querySelector("a[href], button:not([disabled]), input:not([type=hidden]), select, textarea");
  if (first) { first.focus(); }
});

// A whole page can ask for one sentence to be announced once it has loaded (the search results'
// count): a screen reader reads the title on arrival but not a count further down.
function start() {
  focusFirstError();
  announce(document.querySelector("main [data-announce-on-load]"));
  document.querySelectorAll("[data-announce-changes]").forEach((target) => {
    const said = target.querySelector("[data-announce]");
    lastSaid.set(target, said ? said.textContent.replace(/\s+/g, " ").trim() : "");
  });
}
if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); }
else { start(); }
})();
