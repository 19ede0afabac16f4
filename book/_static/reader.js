/* A search for a claim id (C115) lands on that claim's card: Sphinx's search results open the
   page and pass the words searched for; when one is a claim id and the page has an element
   with that id, the page scrolls to it. */
(function () {
  var terms = "";
  try {
    terms = localStorage.getItem("sphinx_highlight_terms") || "";  // read before Sphinx clears it
  } catch (e) { terms = ""; }
  var params = new URLSearchParams(window.location.search);
  terms = (terms + " " + (params.get("highlight") || "")).trim();
  var match = terms.match(/\bc(\d{3})\b/i);
  if (!match || window.location.hash) { return; }
  var id = "C" + match[1];
  function go() {
    var el = document.getElementById(id);
    if (el) { el.scrollIntoView(); if (history.replaceState) { history.replaceState(null, "", "#" + id); } }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", go); } else { go(); }
})();
