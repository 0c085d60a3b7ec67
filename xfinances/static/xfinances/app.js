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
