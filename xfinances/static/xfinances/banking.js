// E-banking pages: drag-and-drop statement upload with progress and summary; the review
// queue's keyboard (J/K move, Enter accepts the best candidate, W accepts it and writes off
// the few cents it leaves open, D dismisses, F goes to "file under a category", M to matching
// by hand, T and N say whether a line is the movement typed in by hand it may be).
(function () {
  "use strict";

  function setupUpload() {
    var form = document.getElementById("statement-upload");
    if (!form) return;
    var zone = document.getElementById("drop-zone");
    var input = document.getElementById("statement-file");
    var summary = document.getElementById("upload-summary");
    var bar = document.getElementById("upload-progress");
    var labels = summary.dataset;

    function box(text, kind) {
      var item = document.createElement("div");
      item.className = "alert alert-" + kind;
      item.textContent = text;
      summary.appendChild(item);
    }

    function show(text, kind) {
      summary.innerHTML = "";
      box(text, kind);
    }

    function send(file) {
      var data = new FormData(form);
      data.set("file", file);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/json");
      bar.classList.remove("d-none");
      show(labels.labelImporting + " " + file.name, "info");
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) bar.firstElementChild.style.width = (100 * e.loaded / e.total) + "%";
      };
      xhr.onload = function () {
        bar.classList.add("d-none");
        var body = {};
        try { body = JSON.parse(xhr.responseText); } catch (err) { body = {errors: [xhr.statusText]}; }
        if (xhr.status === 201) {
          // The server's own lines, translated and formatted as after a plain upload.
          summary.innerHTML = "";
          (body.messages || []).forEach(function (line, index) {
            box((index ? "" : file.name + ": ") + line.text, line.level);
          });
          summary.dataset.done = "1";
        } else {
          show(labels.labelFailed + " " + (body.errors || []).join(" "), "danger");
        }
      };
      xhr.send(data);
    }

    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (e) { e.preventDefault(); zone.classList.add("border-primary"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function (e) { e.preventDefault(); zone.classList.remove("border-primary"); });
    });
    zone.addEventListener("drop", function (e) {
      if (e.dataTransfer && e.dataTransfer.files.length) send(e.dataTransfer.files[0]);
    });
    form.addEventListener("submit", function (e) {
      if (input.files.length) { e.preventDefault(); send(input.files[0]); }
    });
  }

  function setupReview() {
    var items = Array.prototype.slice.call(document.querySelectorAll(".review-item"));
    if (!items.length) return;
    var current = 0;
    function focus(i) {
      current = Math.max(0, Math.min(items.length - 1, i));
      items.forEach(function (el, n) { el.classList.toggle("border-primary", n === current); });
      items[current].focus();
    }
    document.addEventListener("keydown", function (e) {
      var tag = (e.target.tagName || "").toLowerCase();
      if (tag === "input" || tag === "textarea" || tag === "select" || e.ctrlKey || e.metaKey || e.altKey) return;
      // A focused button or link does what it says on Enter, not "accept the best".
      if ((tag === "button" || tag === "a") && e.key === "Enter") return;
      if (e.key === "j" || e.key === "J") { e.preventDefault(); focus(current + 1); }
      else if (e.key === "k" || e.key === "K") { e.preventDefault(); focus(current - 1); }
      else if (e.key === "Enter") {
        var best = items[current].querySelector(".accept-best");
        if (best) { e.preventDefault(); best.click(); }
      } else if (e.key === "w" || e.key === "W") {
        var writeOff = items[current].querySelector(".write-off-best");
        if (writeOff) { e.preventDefault(); writeOff.click(); }
      } else if (e.key === "d" || e.key === "D") {
        var dismiss = items[current].querySelector(".dismiss");
        if (dismiss) { e.preventDefault(); dismiss.click(); }
      } else if (e.key === "m" || e.key === "M") {
        var byHand = items[current].querySelector(".by-hand");
        if (byHand) { e.preventDefault(); byHand.click(); }
      } else if (e.key === "t" || e.key === "T") {
        var same = items[current].querySelector(".typed-same");
        if (same) { e.preventDefault(); same.click(); }
      } else if (e.key === "n" || e.key === "N") {
        var apart = items[current].querySelector(".typed-apart");
        if (apart) { e.preventDefault(); apart.click(); }
      } else if (e.key === "f" || e.key === "F") {
        var category = items[current].querySelector(".file-entry select");
        if (category) { e.preventDefault(); category.focus(); }
      }
    });
    focus(0);
  }

  document.addEventListener("DOMContentLoaded", function () { setupUpload(); setupReview(); });
})();
