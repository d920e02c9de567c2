/* Curriculum compiler quiz: scores a unit's quiz in the browser and reports it to the LMS.
 * SCORM 1.2 and 2004: score (raw/min/max, and scaled in 2004), success and completion status, one
 * interaction per question, and per learning outcome an objective with its score and status.
 * Answers are saved as the learner types (suspend data in an LMS, localStorage without one), so a
 * reload or a relaunch never loses them. Essays are recorded for the tutor and not scored here.
 * Options are scored and reported by their key (their place in the source), never by where the page
 * shows them. Once the saved answers are back in the form and it listens, the form gets `data-ready`. */
(function () {
  "use strict";
  var form = document.getElementById("quiz");
  var keyNode = document.getElementById("quiz-key");
  if (!form || !keyNode) { return; }
  var key = JSON.parse(keyNode.textContent);
  var t = (window.CurriculumI18n || { t: function (k) { return k; } }).t;
  var runtime = window.CurriculumRuntime || {};
  var session = runtime.session && runtime.session.active ? runtime.session : null;
  var is2004 = session && session.found.version === "2004";
  var storageKey = "curriculum-quiz:" + location.pathname + ":" + key.id;
  var loadedAt = Date.now();
  var firstTouched = {};

  /* --- answers in the form ------------------------------------------------------------------ */
  function fieldsOf(q) { return form.querySelectorAll("[name='" + q.id + "'], [name^='" + q.id + ".']"); }

  function read(q) {
    var fields = fieldsOf(q), i;
    if (q.type === "single" || q.type === "true-false") {
      for (i = 0; i < fields.length; i += 1) { if (fields[i].checked) { return fields[i].value; } }
      return "";
    }
    if (q.type === "multiple") {
      var picked = [];
      for (i = 0; i < fields.length; i += 1) { if (fields[i].checked) { picked.push(fields[i].value); } }
      return picked;
    }
    if (q.type === "matching") {
      var pairs = {};
      for (i = 0; i < fields.length; i += 1) { pairs[fields[i].name.split(".")[1]] = fields[i].value; }
      return pairs;
    }
    return fields.length ? fields[0].value : "";
  }

  function write(q, value) {
    var fields = fieldsOf(q), i;
    for (i = 0; i < fields.length; i += 1) {
      var field = fields[i];
      if (field.type === "radio") { field.checked = field.value === value; }
      else if (field.type === "checkbox") { field.checked = Array.isArray(value) && value.indexOf(field.value) >= 0; }
      else if (q.type === "matching") { field.value = (value && value[field.name.split(".")[1]]) || ""; }
      else { field.value = typeof value === "string" ? value : ""; }
    }
  }

  function answers() {
    var all = {};
    key.questions.forEach(function (q) { all[q.id] = read(q); });
    return all;
  }

  /* --- an option order for each learner ------------------------------------------------------ */
  // The package shows everybody one order, derived from the question ids at build time. In an LMS each
  // learner also gets an order of their own, the same at every launch (it is seeded by the learner id),
  // so learners cannot pass on "it is the second one". It follows the build's rules (generator/order.py):
  // single-answer keys spread evenly over the positions, correct options of a multiple-answer question
  // never all first; pinned questions (shuffle: false) keep the author's order.
  function rank(text) {  // FNV-1a, 32 bits: a stable pseudo-random number for a string
    var hash = 0x811c9dc5;
    for (var i = 0; i < text.length; i += 1) {
      hash ^= text.charCodeAt(i);
      hash = (hash + (hash << 1) + (hash << 4) + (hash << 7) + (hash << 8) + (hash << 24)) >>> 0;
    }
    return hash;
  }

  function byRank(seed) {
    return function (a, b) { return rank(seed + a) - rank(seed + b) || (a < b ? -1 : 1); };
  }

  function learnerOrders(learner) {
    var used = [], orders = {};
    key.questions.filter(function (q) { return q.shuffle; })
      .sort(function (a, b) { return byRank(learner + "\n")(a.id, b.id); })
      .forEach(function (q) {
        var seed = learner + "\n" + q.id + "\n";
        var keys = q.options.map(function (o) { return o.key; }).sort(byRank(seed));
        var correct = q.options.filter(function (o) { return o.correct; }).map(function (o) { return o.key; });
        if (q.type === "single" && correct.length === 1) {
          var slot = 0;
          for (var p = 1; p < keys.length; p += 1) {
            var fewer = (used[p] || 0) - (used[slot] || 0);
            if (fewer < 0 || (fewer === 0 && rank(seed + "slot " + p) < rank(seed + "slot " + slot))) { slot = p; }
          }
          used[slot] = (used[slot] || 0) + 1;
          keys = keys.filter(function (k) { return k !== correct[0]; });
          keys.splice(slot, 0, correct[0]);
        } else if (correct.length < keys.length &&
                   keys.slice(0, correct.length).every(function (k) { return correct.indexOf(k) >= 0; })) {
          keys = keys.slice(1).concat(keys.slice(0, 1));
        }
        orders[q.id] = keys;
      });
    return orders;
  }

  function showInLearnerOrder(learner) {
    if (!learner) { return; }
    var orders = learnerOrders(learner);
    Object.keys(orders).forEach(function (id) {
      var box = form.querySelector("[data-question='" + id + "'] [data-shuffle]");
      if (!box) { return; }
      orders[id].forEach(function (k) {
        var input = box.querySelector("input[value='" + k + "']");
        if (input) { box.appendChild(input.parentNode); }  // the label around the input
      });
    });
  }

  /* --- scoring -------------------------------------------------------------------------------- */
  function normalise(text) { return String(text).trim().replace(/\s+/g, " ").toLowerCase(); }

  function score(q, value) {
    // Returns {earned, result: "correct" | "incorrect" | "neutral"}.
    var right;
    if (q.type === "essay") { return { earned: 0, result: "neutral" }; }
    if (q.type === "single") {
      right = q.options.some(function (o) { return o.correct && o.key === value; });
    } else if (q.type === "multiple") {
      var wanted = q.options.filter(function (o) { return o.correct; }).map(function (o) { return o.key; }).sort();
      right = wanted.join(",") === value.slice().sort().join(",");
    } else if (q.type === "true-false") {
      right = value === String(q.answer);
    } else if (q.type === "short") {
      right = q.answers.some(function (a) { return normalise(a) === normalise(value); });
    } else if (q.type === "numerical") {
      var number = parseFloat(String(value).replace(",", ".").replace(/\s/g, ""));
      right = !isNaN(number) && Math.abs(number - q.value) <= q.tolerance + 1e-9;
    } else if (q.type === "matching") {
      var lefts = Object.keys(q.pairs), good = lefts.filter(function (l) { return value[l] === q.pairs[l]; }).length;
      return { earned: q.points * good / lefts.length, result: good === lefts.length ? "correct" : "incorrect" };
    }
    return { earned: right ? q.points : 0, result: right ? "correct" : "incorrect" };
  }

  function percentOf(total, possible) { return possible ? Math.round(total / possible * 10000) / 100 : 0; }

  /* --- SCORM formats -------------------------------------------------------------------------- */
  var TYPES_12 = { single: "choice", multiple: "choice", "true-false": "true-false", short: "fill-in",
                   numerical: "numeric", matching: "matching", essay: "fill-in" };
  var TYPES_2004 = { single: "choice", multiple: "choice", "true-false": "true-false", short: "fill-in",
                     numerical: "numeric", matching: "matching", essay: "long-fill-in" };

  function clip(text, length) { return String(text).slice(0, length); }

  function response(q, value) {
    if (q.type === "multiple") { return value.slice().sort().join(is2004 ? "[,]" : ","); }  // not in page order
    if (q.type === "true-false") { return is2004 ? value : value.charAt(0); }
    if (q.type === "matching") {
      return Object.keys(value).filter(function (l) { return value[l]; })
        .map(function (l) { return l + (is2004 ? "[.]" : ".") + value[l]; }).join(is2004 ? "[,]" : ",");
    }
    if (q.type === "numerical") { return String(value).replace(",", ".").trim(); }
    return is2004 ? clip(value, 4000) : clip(value, 255);
  }

  function pattern(q) {
    if (q.type === "single") { return q.options.filter(function (o) { return o.correct; })[0].key; }
    if (q.type === "multiple") {
      return q.options.filter(function (o) { return o.correct; }).map(function (o) { return o.key; }).join(is2004 ? "[,]" : ",");
    }
    if (q.type === "true-false") { return is2004 ? String(q.answer) : (q.answer ? "t" : "f"); }
    if (q.type === "short") { return is2004 ? "{case_matters=false}" + q.answers[0] : q.answers[0]; }
    if (q.type === "numerical") { return is2004 ? (q.value - q.tolerance) + "[:]" + (q.value + q.tolerance) : String(q.value); }
    if (q.type === "matching") {
      return Object.keys(q.pairs).map(function (l) { return l + (is2004 ? "[.]" : ".") + q.pairs[l]; }).join(is2004 ? "[,]" : ",");
    }
    return null;
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function latency(ms) {
    var s = Math.max(0, Math.round(ms / 1000));
    if (is2004) { return "PT" + s + "S"; }
    return pad(Math.floor(s / 3600)) + ":" + pad(Math.floor(s % 3600 / 60)) + ":" + pad(s % 60);
  }
  function timestamp(date) {
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) + "T" +
      pad(date.getHours()) + ":" + pad(date.getMinutes()) + ":" + pad(date.getSeconds());
  }

  function setBoth(element, v12, v2004) { session.set(element, element, v12, v2004); }

  function report(results, total, possible) {
    var n = parseInt(session.get("cmi.interactions._count", "cmi.interactions._count"), 10) || 0;
    var now = new Date();
    key.questions.forEach(function (q) {
      var r = results[q.id], base = "cmi.interactions." + n + ".";
      setBoth(base + "id", q.id, q.id);
      session.set(base + "type", base + "type", TYPES_12[q.type], TYPES_2004[q.type]);
      setBoth(base + "objectives.0.id", q.outcomes[0], q.outcomes[0]);
      if (is2004) {
        session.set("", base + "timestamp", "", timestamp(now));
        session.set("", base + "learner_response", "", response(q, r.value));
        session.set("", base + "description", "", clip(q.id, 250));
      } else {
        session.set(base + "time", "", pad(now.getHours()) + ":" + pad(now.getMinutes()) + ":" + pad(now.getSeconds()), "");
        session.set(base + "student_response", "", response(q, r.value), "");
      }
      var correct = pattern(q);
      if (correct !== null) { setBoth(base + "correct_responses.0.pattern", correct, correct); }
      setBoth(base + "weighting", String(q.points), String(q.points));
      session.set(base + "result", base + "result", r.result === "incorrect" ? "wrong" : r.result, r.result);
      setBoth(base + "latency", latency(now - (firstTouched[q.id] || loadedAt)), latency(now - (firstTouched[q.id] || loadedAt)));
      n += 1;
    });
    var percent = percentOf(total, possible);
    var passed = possible > 0 && percent >= key.passMark;
    if (is2004) {
      session.set("", "cmi.score.raw", "", String(Math.round(total * 100) / 100));
      session.set("", "cmi.score.min", "", "0");
      session.set("", "cmi.score.max", "", String(possible));
      session.set("", "cmi.score.scaled", "", String(possible ? Math.round(total / possible * 10000) / 10000 : 0));
      session.set("", "cmi.success_status", "", passed ? "passed" : "failed");
      session.set("", "cmi.completion_status", "", "completed");
    } else {
      session.set("cmi.core.score.raw", "", String(percent), "");
      session.set("cmi.core.score.min", "", "0", "");
      session.set("cmi.core.score.max", "", "100", "");
      session.set("cmi.core.lesson_status", "", passed ? "passed" : "failed", "");
    }
    reportOutcomes(results);
    session.completed = true;
    session.commit();
  }

  function reportOutcomes(results) {
    var byOutcome = {};
    key.questions.forEach(function (q) {
      if (q.type === "essay") { return; }
      q.outcomes.forEach(function (o) {
        byOutcome[o] = byOutcome[o] || { earned: 0, possible: 0 };
        byOutcome[o].earned += results[q.id].earned;
        byOutcome[o].possible += q.points;
      });
    });
    Object.keys(byOutcome).sort().forEach(function (outcome) {
      var t = byOutcome[outcome], n = session.objective(outcome), base = "cmi.objectives." + n + ".";
      var ratio = Math.round(t.earned / t.possible * 10000) / 10000, met = ratio * 100 >= key.passMark;
      if (is2004) {
        session.set("", base + "score.scaled", "", String(ratio));
        session.set("", base + "score.raw", "", String(Math.round(t.earned * 100) / 100));
        session.set("", base + "score.min", "", "0");
        session.set("", base + "score.max", "", String(t.possible));
        session.set("", base + "success_status", "", met ? "passed" : "failed");
        session.set("", base + "completion_status", "", "completed");
      } else {
        session.set(base + "score.raw", "", String(Math.round(ratio * 100)), "");
        session.set(base + "score.min", "", "0", "");
        session.set(base + "score.max", "", "100", "");
        session.set(base + "status", "", met ? "passed" : "failed", "");
      }
    });
  }

  /* --- saving and restoring ------------------------------------------------------------------- */
  var SUSPEND_LIMIT_12 = 4096;  // SCORM 1.2's cmi.suspend_data holds at most this many characters

  function store(key, value) { try { window.localStorage.setItem(key, value); } catch (e) { /* storage disabled */ } }
  function fetch(key) { try { return window.localStorage.getItem(key) || ""; } catch (e) { return ""; } }

  function save(submitted) {
    var all = answers(), state = JSON.stringify({ v: 1, answers: all, submitted: !!submitted });
    if (!session) { store(storageKey, state); return; }
    if (!is2004 && state.length > SUSPEND_LIMIT_12) {
      // Long written answers move to this browser's storage; the rest stays with the LMS.
      var kept = {}, aside = {};
      Object.keys(all).forEach(function (id) {
        if (typeof all[id] === "string" && all[id].length > 200) { aside[id] = all[id]; } else { kept[id] = all[id]; }
      });
      store(storageKey + ":long", JSON.stringify(aside));
      state = JSON.stringify({ v: 1, answers: kept, submitted: !!submitted, aside: Object.keys(aside) });
    }
    session.set("cmi.suspend_data", "cmi.suspend_data", state, state);
    session.commit();
  }

  function restore() {
    var raw = session ? session.get("cmi.suspend_data", "cmi.suspend_data") : fetch(storageKey);
    if (!raw) { return null; }
    try {
      var state = JSON.parse(raw);
      if (state.aside) {
        var aside = JSON.parse(fetch(storageKey + ":long") || "{}");
        Object.keys(aside).forEach(function (id) { state.answers[id] = aside[id]; });
      }
      return state;
    } catch (e) { return null; }
  }

  /* --- feedback on the page ------------------------------------------------------------------- */
  function escapeHtml(text) {
    return String(text).replace(/[&<>"]/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;" }[c]; });
  }

  function show(q, r) {
    var box = document.getElementById("feedback-" + q.id);
    var parts = [];
    var label = t(r.result);
    parts.push("<p class=\"feedback__verdict\">" + escapeHtml(label) + "</p>");
    if (q.options) {
      q.options.forEach(function (o) {
        var chosen = Array.isArray(r.value) ? r.value.indexOf(o.key) >= 0 : r.value === o.key;
        if (chosen && o.feedback) { parts.push(o.feedback); }
      });
    }
    if (q.type === "matching") {
      var lefts = Object.keys(q.pairs), good = lefts.filter(function (l) { return r.value[l] === q.pairs[l]; }).length;
      parts.push("<p>" + escapeHtml(t("matched", { good: good, total: lefts.length })) + "</p>");
    }
    if (r.result === "incorrect" && q.type === "short") { parts.push("<p>" + escapeHtml(t("accepted", { answer: q.answers[0] })) + "</p>"); }
    if (r.result === "incorrect" && q.type === "numerical") {
      var accepted = q.value + (q.tolerance ? " (± " + q.tolerance + ")" : "");
      parts.push("<p>" + escapeHtml(t("accepted", { answer: accepted })) + "</p>");
    }
    if (r.result === "correct" && q.feedback.correct) { parts.push(q.feedback.correct); }
    if (r.result === "incorrect" && q.feedback.incorrect) { parts.push(q.feedback.incorrect); }
    if (q.feedback.general) { parts.push(q.feedback.general); }
    box.innerHTML = parts.join("");
    box.className = "question__feedback question__feedback--" + r.result;
    box.hidden = false;
  }

  function submit(event) {
    event.preventDefault();
    var results = {}, total = 0, possible = 0, value = answers();
    key.questions.forEach(function (q) {
      var r = score(q, value[q.id]);
      r.value = value[q.id];
      results[q.id] = r;
      if (q.type !== "essay") { total += r.earned; possible += q.points; }
      show(q, r);
    });
    var percent = percentOf(total, possible);  // the same figure the LMS receives
    var box = document.getElementById("quiz-result");
    box.hidden = false;
    box.className = "quiz__result " + (percent >= key.passMark ? "quiz__result--passed" : "quiz__result--failed");
    box.textContent = t("score", { percent: percent, total: Math.round(total * 100) / 100, possible: possible }) + " " +
      t(percent >= key.passMark ? "passed" : "failed", { mark: key.passMark });
    box.focus();
    save(true);
    if (session) { report(results, total, possible); }
    window.CurriculumQuiz.lastResult = { total: total, possible: possible, percent: percent };
  }

  function reset() {
    key.questions.forEach(function (q) {
      write(q, q.type === "multiple" ? [] : q.type === "matching" ? {} : "");
      var box = document.getElementById("feedback-" + q.id);
      box.hidden = true;
    });
    document.getElementById("quiz-result").hidden = true;
    save(false);
  }

  window.CurriculumQuiz = { key: key, lastResult: null };
  if (session) { showInLearnerOrder(session.get("cmi.core.student_id", "cmi.learner_id")); }
  var state = restore();
  if (state && state.answers) {
    key.questions.forEach(function (q) { if (q.id in state.answers) { write(q, state.answers[q.id]); } });
  }
  form.addEventListener("input", function (event) {
    var name = event.target.name || "", id = name.split(".")[0];
    if (id && !firstTouched[id]) { firstTouched[id] = Date.now(); }
    save(false);
  });
  form.addEventListener("change", function () { save(false); });
  form.addEventListener("submit", submit);
  form.querySelector("[data-quiz-reset]").addEventListener("click", reset);
  form.setAttribute("data-ready", "");
}());
