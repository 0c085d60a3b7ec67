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
