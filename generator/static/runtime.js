/* Curriculum compiler SCORM runtime: one small wrapper for SCORM 1.2 and 2004.
 * Finds the LMS API by walking window.parent and window.opener (never breaking out of the frame),
 * reports completion when the learner reaches the end of the page, and terminates cleanly.
 * With no LMS (preview, plain web, IMS CP) it does nothing but show progress and keep links working. */
(function () {
  "use strict";
  var MAX_HOPS = 10;

  // Interface strings in the build's language, from the page (see render/ui_strings.py).
  var strings = {};
  try { strings = JSON.parse((document.getElementById("ui-strings") || {}).textContent || "{}"); } catch (e) { strings = {}; }
  function t(key, values) {
    var text = Object.prototype.hasOwnProperty.call(strings, key) ? strings[key] : key;
    return text.replace(/\{(\w+)\}/g, function (all, name) {
      return values && Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : all;
    });
  }
  window.CurriculumI18n = { t: t };

  function findIn(win, name) {
    var hops = 0;
    while (win && hops <= MAX_HOPS) {
      try {
        if (win[name]) { return win[name]; }
        if (!win.parent || win.parent === win) { break; }
        win = win.parent;
      } catch (e) { break; } // cross-origin frame: stop looking upwards
      hops += 1;
    }
    return null;
  }

  function findApi() {
    var api = findIn(window, "API_1484_11");
    if (!api && window.opener) { api = findIn(window.opener, "API_1484_11"); }
    if (api) { return { version: "2004", api: api }; }
    api = findIn(window, "API");
    if (!api && window.opener) { api = findIn(window.opener, "API"); }
    if (api) { return { version: "1.2", api: api }; }
    return null;
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function duration12(ms) {
    var s = Math.floor(ms / 1000), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    return pad(Math.min(h, 9999)) + ":" + pad(m) + ":" + pad(s % 60);
  }
  function duration2004(ms) {
    var s = Math.round(ms / 1000), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    return "PT" + h + "H" + m + "M" + (s % 60) + "S";
  }

  function Session(found) {
    this.found = found;
    this.started = Date.now();
    this.active = false;
    this.completed = false;
  }
  Session.prototype.call = function (name12, name2004, args) {
    var api = this.found.api, name = this.found.version === "2004" ? name2004 : name12;
    if (typeof api[name] !== "function") { return ""; }
    return String(api[name].apply(api, args));
  };
  Session.prototype.get = function (el12, el2004) { return this.call("LMSGetValue", "GetValue", [this.found.version === "2004" ? el2004 : el12]); };
  Session.prototype.set = function (el12, el2004, v12, v2004) {
    var is2004 = this.found.version === "2004";
    return this.call("LMSSetValue", "SetValue", [is2004 ? el2004 : el12, is2004 ? v2004 : v12]);
  };
  Session.prototype.start = function () {
    this.active = this.call("LMSInitialize", "Initialize", [""]) === "true";
    if (!this.active) { return false; }
    var status = this.get("cmi.core.lesson_status", "cmi.completion_status");
    this.completed = status === "completed" || status === "passed";
    if (!this.completed) {
      this.set("cmi.core.lesson_status", "cmi.completion_status", "incomplete", "incomplete");
    }
    this.call("LMSCommit", "Commit", [""]);
    return true;
  };
  Session.prototype.objective = function (id) {
    // Index of the objective with this id, created if the LMS does not have it yet.
    var count = parseInt(this.get("cmi.objectives._count", "cmi.objectives._count"), 10) || 0;
    for (var i = 0; i < count; i += 1) {
      if (this.get("cmi.objectives." + i + ".id", "cmi.objectives." + i + ".id") === id) { return i; }
    }
    this.set("cmi.objectives." + count + ".id", "cmi.objectives." + count + ".id", id, id);
    return count;
  };
  Session.prototype.commit = function () { this.call("LMSCommit", "Commit", [""]); };
  Session.prototype.complete = function (outcomes) {
    if (!this.active) { return; }
    this.set("cmi.core.lesson_status", "cmi.completion_status", "completed", "completed");
    if (this.found.version === "2004") {
      for (var j = 0; j < outcomes.length; j += 1) {
        this.set("", "cmi.objectives." + this.objective(outcomes[j]) + ".completion_status", "", "completed");
      }
    }
    this.completed = true;
    this.commit();
  };
  Session.prototype.finish = function () {
    if (!this.active) { return; }
    var ms = Date.now() - this.started;
    this.set("cmi.core.session_time", "cmi.session_time", duration12(ms), duration2004(ms));
    this.set("cmi.core.exit", "cmi.exit", this.completed ? "" : "suspend", this.completed ? "normal" : "suspend");
    this.call("LMSCommit", "Commit", [""]);
    this.call("LMSFinish", "Terminate", [""]);
    this.active = false;
  };
  Session.prototype.navigate = function (request) {
    // SCORM 2004: ask the LMS to move (continue / previous / {target=ID}choice), then end this SCO.
    if (!this.active || this.found.version !== "2004") { return false; }
    if (this.call("", "SetValue", ["adl.nav.request", request]) !== "true") { return false; }
    this.finish();
    return true;
  };

  function markDone(box) {
    if (box) { box.textContent = t("completed"); }
  }

  function watchEnd(onEnd) {
    var marker = document.getElementById("end-of-lesson");
    if (!marker) { return; }
    if (!("IntersectionObserver" in window)) { onEnd(); return; }
    var seen = new IntersectionObserver(function (entries) {
      for (var i = 0; i < entries.length; i += 1) {
        if (entries[i].isIntersecting) { seen.disconnect(); onEnd(); return; }
      }
    });
    seen.observe(marker);
  }

  function wireNavigation(session) {
    var links = document.querySelectorAll("[data-nav=lms-hideable] a");
    if (session.found.version === "1.2") {
      // SCORM 1.2 has no navigation request: moving to another SCO is the LMS's menu's job.
      var blocks = document.querySelectorAll("[data-nav=lms-hideable]");
      for (var b = 0; b < blocks.length; b += 1) { blocks[b].hidden = true; }
      return;
    }
    for (var i = 0; i < links.length; i += 1) {
      links[i].addEventListener("click", function (event) {
        var a = event.currentTarget, rel = a.getAttribute("rel"), target = a.getAttribute("data-target");
        var request = rel === "next" ? "continue" : rel === "prev" ? "previous" : null;
        if (!request && target) { request = "{target=ITEM-" + target + "}choice"; }
        if (!request) {
          var id = a.getAttribute("href").split("/").pop().replace(/\.html$/, "");
          request = id === "index" ? null : "{target=ITEM-" + id + "}choice";
        }
        if (request && session.navigate(request)) { event.preventDefault(); }
      });
    }
  }

  function init() {
    var body = document.body;
    var outcomes = (body.getAttribute("data-outcomes") || "").split(/\s+/).filter(Boolean);
    var box = document.querySelector("[data-completion]");
    var found = findApi();
    var session = found ? new Session(found) : null;
    window.CurriculumRuntime = { session: session, version: found ? found.version : null };
    if (session && session.start()) {
      wireNavigation(session);
      if (session.completed) { markDone(box); }
      watchEnd(function () { session.complete(outcomes); markDone(box); });
      var end = function () { session.finish(); };
      window.addEventListener("pagehide", end);
      window.addEventListener("beforeunload", end);
    } else {
      watchEnd(function () { markDone(box); });
    }
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
}());
