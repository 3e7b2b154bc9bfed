/* Highlights in the document text: a click (or Enter) shows the facts behind the span in the
 * side panel; a #fact-N address opens that fact. Details are cloned from the fact table, which
 * the server rendered (escaped); nothing here builds HTML from strings. */
(function () {
  "use strict";
  var panel = document.getElementById("fact-panel");
  if (!panel) return;

  function show(anchors, focusId) {
    panel.replaceChildren();
    var heading = document.createElement("h2");
    heading.textContent = anchors.length > 1 ? anchors.length + " dữ kiện" : "Dữ kiện";
    panel.appendChild(heading);
    anchors.forEach(function (id) {
      var detail = document.getElementById("detail-" + id);
      if (!detail) return;
      var copy = detail.cloneNode(true);
      copy.removeAttribute("id");
      copy.classList.add("in-panel");
      if (id === focusId) copy.classList.add("focused");
      var link = document.createElement("a");
      link.href = "#row-" + id;
      link.className = "small";
      link.textContent = "trong bảng dữ kiện";
      copy.appendChild(link);
      panel.appendChild(copy);
    });
    panel.setAttribute("data-shown", anchors.join(" "));
  }

  function mark(id) {
    document.querySelectorAll(".hl.targeted").forEach(function (el) { el.classList.remove("targeted"); });
    document.querySelectorAll('.hl[data-facts~="' + id + '"]').forEach(function (el) { el.classList.add("targeted"); });
  }

  function openFromHash() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    if (!/^fact-[A-Za-z0-9_-]+$/.test(id)) return;
    var target = document.getElementById(id);
    if (!target) return;
    var span = target.classList.contains("hl") ? target : target.closest(".hl");
    mark(id);
    show([id], id);
    (span || target).scrollIntoView({ block: "center" });
  }

  document.addEventListener("click", function (ev) {
    var span = ev.target.closest ? ev.target.closest(".hl") : null;
    if (!span) return;
    var ids = (span.getAttribute("data-facts") || "").split(" ").filter(Boolean);
    document.querySelectorAll(".hl.targeted").forEach(function (el) { el.classList.remove("targeted"); });
    span.classList.add("targeted");
    show(ids, ids[ids.length - 1]);
  });
  document.addEventListener("keydown", function (ev) {
    if ((ev.key === "Enter" || ev.key === " ") && ev.target.classList && ev.target.classList.contains("hl")) {
      ev.preventDefault();
      ev.target.click();
    }
  });
  window.addEventListener("hashchange", openFromHash);
  openFromHash();
})();
