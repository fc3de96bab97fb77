// OneLogin Helpdesk: the little behaviour htmx does not give. Loaded as a
// file because the Content-Security-Policy forbids inline script; every
// hook is a data- attribute, so templates carry no JavaScript.
//
//   /                        focuses the search box (or opens search)
//   Enter in the search box  opens the one person found, if only one is
//   ↓ ↑ in the search box    move through the result links and back to the box
//   button[data-copy=sel]    copies the text of the element sel
//   [data-autofocus]         receives focus after an htmx swap puts it on the page
//   [data-close-panel]       empties the person's action area (a link back without JS)
//   [data-cancel-confirm]    takes back a form's question; so does changing the form
//   [data-dismiss=sel]       removes the closest sel (a one-time secret, once passed on)
//   input[data-working-ticket] follows the ticket bar while it still shows the old ticket
//   .notice-success          fades, then goes (CSS animates it; this removes it)
//   input[data-select-all=name]  ticks or unticks every checkbox of that
//                          name in its form (the server reads "all" without JS)
"use strict";

(function () {
  // "/" jumps to search, unless the person is typing somewhere.
  function typingIn(el) {
    if (!el) return false;
    var tag = el.tagName;
    return el.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  document.addEventListener("keydown", function (e) {
    if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey || typingIn(e.target)) return;
    var box = document.querySelector("[data-search-box]");
    e.preventDefault();
    if (box) {
      box.focus();
      box.select();
    } else {
      window.location.assign("/users");
    }
  });

  // The search page: Enter opens a single match (the results shown, when
  // they answer what is typed, or else the answer the Enter brings), and
  // the arrow keys move between the box and the result links.
  function resultLinks() {
    return Array.prototype.slice.call(document.querySelectorAll('#search-results [data-testid="user-row"] a'));
  }
  function answers(box) {
    var summary = document.querySelector("#search-results [data-results-for]");
    return summary && summary.getAttribute("data-results-for") === box.value.trim();
  }
  var openSingle = false;

  document.addEventListener("keydown", function (e) {
    var box = e.target;
    if (!box || box.id !== "q") return;
    if (e.key === "Enter") {
      var links = resultLinks();
      if (answers(box) && links.length === 1) {
        e.preventDefault();
        window.location.assign(links[0].href);
        return;
      }
      openSingle = true; // the form's own search runs; its answer decides
    } else if (e.key === "ArrowDown") {
      var first = resultLinks()[0];
      if (first) {
        e.preventDefault();
        first.focus();
      }
    }
  });

  document.addEventListener("keydown", function (e) {
    if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
    var links = resultLinks();
    var i = links.indexOf(e.target);
    if (i < 0) return;
    e.preventDefault();
    var next = e.key === "ArrowDown" ? links[i + 1] : links[i - 1] || document.getElementById("q");
    if (next) next.focus();
  });

  document.addEventListener("input", function (e) {
    if (e.target && e.target.id === "q") openSingle = false; // typing again: Enter is forgotten
  });

  document.addEventListener("htmx:afterSettle", function (e) {
    if (!openSingle || !e.target || e.target.id !== "search-results") return;
    openSingle = false;
    var links = resultLinks();
    if (links.length === 1) window.location.assign(links[0].href);
  });

  // Copy buttons for one-time secrets. The value is read from the page at
  // the moment of the click and handed to the clipboard, nowhere else.
  function textOf(el) {
    if ("value" in el && typeof el.value === "string" && el.tagName !== "BUTTON") return el.value;
    return el.textContent.trim();
  }

  function selectText(el) {
    if (typeof el.select === "function") {
      el.select();
      return;
    }
    var range = document.createRange();
    range.selectNodeContents(el);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }

  // The button's own markup (a visible "Copy" with a hidden "the email")
  // is kept and put back, so its accessible name survives.
  var labels = new WeakMap();
  function announce(button, message) {
    if (!labels.has(button)) labels.set(button, button.innerHTML);
    button.textContent = message;
    button.classList.add("copied");
    window.setTimeout(function () {
      button.innerHTML = labels.get(button);
      button.classList.remove("copied");
    }, 2000);
  }

  document.addEventListener("click", function (e) {
    var button = e.target.closest ? e.target.closest("button[data-copy]") : null;
    if (!button) return;
    e.preventDefault();
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (!source) return;
    var text = textOf(source);
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(
        function () { announce(button, "Copied"); },
        function () { selectText(source); announce(button, "Press Ctrl+C to copy"); }
      );
    } else {
      // No clipboard API (plain http): select it so Ctrl+C copies it.
      selectText(source);
      announce(button, "Selected: press Ctrl+C");
    }
  });

  // "All shown" ticks every row; unticking a row unticks "All shown", so
  // the form never says all while naming fewer.
  document.addEventListener("change", function (e) {
    var box = e.target;
    if (!box || box.type !== "checkbox" || !box.form) return;
    var name = box.getAttribute("data-select-all");
    if (name) {
      var rows = box.form.querySelectorAll('input[type="checkbox"][name="' + name + '"]');
      for (var i = 0; i < rows.length; i++) rows[i].checked = box.checked;
      return;
    }
    if (box.checked) return;
    var all = box.form.querySelector('input[data-select-all="' + box.name + '"]');
    if (all) all.checked = false;
  });

  // After htmx replaces part of the page, keyboard focus would fall back to
  // the top of the document; move it to the element the answer marked.
  document.addEventListener("htmx:afterSettle", function () {
    var target = document.querySelector("[data-autofocus]");
    if (!target) return;
    target.removeAttribute("data-autofocus");
    if (!target.hasAttribute("tabindex") && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(target.tagName)) {
      target.setAttribute("tabindex", "-1");
    }
    target.focus();
  });

  // ---- a person's page: the action area ----

  // The link that opened the panel in the action area, to return focus to.
  var opener = null;
  document.addEventListener("click", function (e) {
    var link = e.target.closest ? e.target.closest("[data-action-link]") : null;
    if (link) opener = link;
  });

  document.addEventListener("click", function (e) {
    var close = e.target.closest ? e.target.closest("[data-close-panel]") : null;
    if (!close) return;
    var area = document.getElementById("action-area");
    if (!area || !area.contains(close)) return; // on a page of its own: follow the link
    e.preventDefault();
    area.innerHTML = "";
    if (opener && document.body.contains(opener)) opener.focus();
  });

  // A question answered no, or a form changed after it was asked, takes the
  // question away: the next press of the button asks again.
  function withdraw(form) {
    var box = form && form.querySelector("[data-testid=confirm]");
    if (box) box.parentNode.removeChild(box);
  }

  document.addEventListener("click", function (e) {
    var cancel = e.target.closest ? e.target.closest("[data-cancel-confirm]") : null;
    if (!cancel) return;
    var form = cancel.closest("form");
    withdraw(form);
    var first = form && form.querySelector("button[type=submit]");
    if (first) first.focus();
  });

  document.addEventListener("input", function (e) {
    if (e.target.closest && e.target.name !== "confirmed") withdraw(e.target.closest("form[data-confirm-form]"));
  });

  // Another submit button of a form that asked (removing a different role)
  // withdraws the question first, so it cannot be confirmed by accident.
  document.addEventListener("click", function (e) {
    var button = e.target.closest ? e.target.closest("form[data-confirm-form] button[type=submit]") : null;
    if (!button || button.closest("[data-testid=confirm]")) return;
    withdraw(button.closest("form"));
  }, true);

  document.addEventListener("click", function (e) {
    var button = e.target.closest ? e.target.closest("[data-dismiss]") : null;
    if (!button) return;
    var gone = button.closest(button.getAttribute("data-dismiss"));
    if (gone) gone.parentNode.removeChild(gone);
  });

  // The ticket bar answered: forms still showing the old ticket take the new one.
  document.addEventListener("ticket-changed", function (e) {
    var d = e.detail || {};
    document.querySelectorAll("input[data-working-ticket]").forEach(function (input) {
      if (input.value === (d.was || "")) input.value = d.ticket || "";
    });
  });

  // A success notice fades (CSS) and then leaves the page.
  document.addEventListener("animationend", function (e) {
    if (e.target.classList && e.target.classList.contains("notice-success")) {
      e.target.parentNode.removeChild(e.target);
    }
  });
})();
