// XFINANCES sales documents: the lines table, party and product pickers, keyboard shortcuts.
// Everything else (search results, live totals) is HTMX; this file only moves values around.
(() => {
  "use strict";

  const form = () => document.getElementById("document-form");
  const linesBody = () => document.getElementById("lines");
  const rows = () => Array.from(document.querySelectorAll("#lines tr.line-row"));
  const changed = () => document.body.dispatchEvent(new Event("lines-changed"));

  function number() {
    rows().forEach((row, index) => {
      const cell = row.querySelector(".line-number");
      if (cell) cell.textContent = String(index + 1);
    });
  }

  function addLine(focus = true) {
    const template = document.getElementById("line-template");
    if (!template || !linesBody()) return null;
    const row = template.content.firstElementChild.cloneNode(true);
    linesBody().appendChild(row);
    if (window.htmx) window.htmx.process(row);
    number();
    if (focus) row.querySelector("input[name=line_description]").focus();
    changed();
    return row;
  }

  function fieldIndex(row, element) {
    return Array.from(row.querySelectorAll("input:not([type=hidden]), select")).indexOf(element);
  }

  function focusLine(row, index) {
    if (!row) return;
    const fields = row.querySelectorAll("input:not([type=hidden]), select");
    const target = fields[Math.max(0, Math.min(index, fields.length - 1))];
    if (target) { target.focus(); if (target.select) target.select(); }
  }

  function closePopups(except) {
    document.querySelectorAll(".search-popup").forEach((popup) => {
      if (popup !== except) popup.innerHTML = "";
    });
  }

  function addDays(isoDate, days) {
    const parts = (isoDate || "").split("-").map(Number);
    if (parts.length !== 3 || parts.some(Number.isNaN)) return "";
    const day = new Date(Date.UTC(parts[0], parts[1] - 1, parts[2] + days));
    return day.toISOString().slice(0, 10);
  }

  function pickParty(button) {
    document.getElementById("id_party_id").value = button.dataset.id;
    const search = document.getElementById("party-search");
    search.value = button.dataset.name;
    search.classList.remove("is-invalid");
    const chosen = document.getElementById("party-chosen");
    if (chosen) chosen.textContent = button.dataset.identifier || "";
    const issue = document.getElementById("id_issue_date");
    const due = document.getElementById("id_due_date");
    const terms = parseInt(button.dataset.terms, 10);
    if (issue && due && !Number.isNaN(terms)) due.value = addDays(issue.value, terms);
    const language = document.getElementById("id_language");
    if (language && button.dataset.language) language.value = button.dataset.language;
    closePopups();
    const firstLine = rows()[0];
    if (firstLine) focusLine(firstLine, 0);
    changed();
  }

  function pickProduct(button) {
    const row = button.closest("tr.line-row");
    if (!row) return;
    const set = (name, value) => {
      const input = row.querySelector(`[name=${name}]`);
      if (!input || value === undefined) return;
      if (input.tagName === "SELECT" && !Array.from(input.options).some((o) => o.value === value)) {
        input.add(new Option(value, value));
      }
      input.value = value;
    };
    set("line_description", button.dataset.name);
    set("line_product_id", button.dataset.id);
    set("line_unit", button.dataset.unit);
    set("line_unit_price", button.dataset.price);
    set("line_vat_treatment", button.dataset.vat);
    closePopups();
    focusLine(row, 1);  // the quantity
    changed();
  }

  function moveRow(row, direction) {
    if (direction < 0 && row.previousElementSibling) row.parentNode.insertBefore(row, row.previousElementSibling);
    if (direction > 0 && row.nextElementSibling) row.parentNode.insertBefore(row.nextElementSibling, row);
    number();
    changed();
  }

  document.addEventListener("click", (event) => {
    const target = event.target.closest("button, a");
    if (!target) { closePopups(); return; }
    if (target.matches("[data-party-pick]")) { pickParty(target); return; }
    if (target.matches("[data-product-pick]")) { pickProduct(target); return; }
    if (target.matches("[data-line-add]")) { addLine(); return; }
    const row = target.closest("tr.line-row");
    if (row && target.matches("[data-line-remove]")) {
      const next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      if (!rows().length) addLine(false);
      number();
      focusLine(next || rows()[0], 0);
      changed();
      return;
    }
    if (row && target.matches("[data-line-up]")) { moveRow(row, -1); return; }
    if (row && target.matches("[data-line-down]")) { moveRow(row, 1); return; }
  });

  // The confirm dialog before issuing, voiding and other lasting actions is app.js's
  // (data-confirm on the form or on the button that submits it): asking here too asked twice.

  document.addEventListener("change", (event) => {
    if (event.target.matches("[data-select-all]")) {
      const table = event.target.closest("table");
      table.querySelectorAll("input[name=ids]").forEach((box) => { box.checked = event.target.checked; });
    }
    if (event.target.id === "party-search" && !event.target.value) {
      document.getElementById("id_party_id").value = "";
    }
  });

  document.addEventListener("keydown", (event) => {
    const target = event.target;
    // Ctrl+Enter (or Cmd+Enter) saves the document.
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && form()) {
      const save = form().querySelector("[data-save]");
      if (save) { event.preventDefault(); form().requestSubmit(save); }
      return;
    }
    // Arrow keys inside a results list: move, Escape closes.
    const popup = target.closest && target.closest(".search-popup");
    if (popup) {
      const items = Array.from(popup.querySelectorAll("button"));
      const at = items.indexOf(target);
      if (event.key === "ArrowDown" && at < items.length - 1) { event.preventDefault(); items[at + 1].focus(); }
      if (event.key === "ArrowUp") {
        event.preventDefault();
        if (at > 0) items[at - 1].focus(); else popup.parentNode.querySelector("input").focus();
      }
      // Escape closes the list and gives the focus back to its search box: emptying the list
      // would otherwise drop the focus on the page's body.
      if (event.key === "Escape") {
        event.preventDefault();
        popup.innerHTML = "";
        popup.parentNode.querySelector("input").focus();
      }
      return;
    }
    // In a search box: ↓ goes into the results, Enter picks the first one.
    if (target.id === "party-search" || target.name === "line_description") {
      const results = target.parentNode.querySelector(".search-popup");
      const first = results && results.querySelector("button");
      if (event.key === "ArrowDown" && first && !event.altKey) { event.preventDefault(); first.focus(); return; }
      if (event.key === "Enter" && first) { event.preventDefault(); first.click(); return; }
      if (event.key === "Escape" && results) { results.innerHTML = ""; return; }
    }
    const row = target.closest && target.closest("tr.line-row");
    if (!row) return;
    // Alt+↓ / Alt+↑: the same field in the next / previous line.
    if (event.altKey && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      event.preventDefault();
      const index = fieldIndex(row, target);
      const other = event.key === "ArrowDown" ? row.nextElementSibling : row.previousElementSibling;
      if (other) focusLine(other, index);
      else if (event.key === "ArrowDown") focusLine(addLine(false), index);
      return;
    }
    // Enter in a line never submits: in the last field of the last line it adds a line,
    // elsewhere it moves to the next field.
    if (event.key === "Enter" && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      const isLastRow = row === rows()[rows().length - 1];
      if (target.classList.contains("line-last")) {
        if (isLastRow) addLine();
        else focusLine(row.nextElementSibling, 0);
        return;
      }
      focusLine(row, fieldIndex(row, target) + 1);
    }
  });

  // Live totals: write each line's net into its row after the totals fragment arrives.
  function showNets() {
    const data = document.getElementById("line-nets");
    if (!data) return;
    const nets = JSON.parse(data.textContent);
    rows().forEach((row, index) => {
      const cell = row.querySelector(".line-net");
      if (cell) cell.textContent = nets[index] || "";
    });
  }
  document.addEventListener("htmx:afterSwap", (event) => {
    if (event.target && event.target.id === "totals") showNets();
  });

  // The PDF tab loads its frame only when opened.
  document.addEventListener("shown.bs.tab", (event) => {
    if (event.target.id !== "pdf-tab") return;
    const frame = document.getElementById("pdf-frame");
    if (frame && !frame.src) frame.src = frame.dataset.src;
  });

  function start() {
    number();
    showNets();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
