/* Curriculum compiler self-assessment: rate the competence-profile skills, see the gaps to a career
 * path's target profile per activity field (radar chart + table), the largest gaps and the units that
 * close them. Same rules as `curriculum profile` (docs/profile.md). Works offline; in an LMS the
 * ratings go to suspend data and one objective per activity field. */
(function () {
  "use strict";
  var form = document.getElementById("self-assessment");
  var dataNode = document.getElementById("profile-data");
  if (!form || !dataNode) { return; }
  var data = JSON.parse(dataNode.textContent);
  var top = data.scale[data.scale.length - 1].level;
  var runtime = window.CurriculumRuntime || {};
  var session = runtime.session && runtime.session.active ? runtime.session : null;
  var storageKey = "curriculum-profile:" + data.programme;
  var earlier = null;
  var SVG = "http://www.w3.org/2000/svg";

  function skills() {
    var all = [];
    data.fields.forEach(function (f) { f.skills.forEach(function (s) { all.push({ field: f, skill: s }); }); });
    return all;
  }

  function current() {
    var ratings = {};
    skills().forEach(function (entry) {
      var picked = form.querySelector("input[name='" + entry.skill.id + "']:checked");
      if (picked) { ratings[entry.skill.id] = Number(picked.value); }
    });
    return { format: "curriculum-self-assessment/1", programme: data.programme,
             career_path: form.career_path.value, country: form.country.value || null, ratings: ratings };
  }

  function apply(state) {
    if (!state || !state.ratings) { return; }
    if (state.career_path) { form.career_path.value = state.career_path; }
    form.country.value = state.country || "";
    Object.keys(state.ratings).forEach(function (id) {
      var input = form.querySelector("input[name='" + id + "'][value='" + state.ratings[id] + "']");
      if (input) { input.checked = true; }
    });
  }

  /* --- the gap analysis ----------------------------------------------------------------------- */
  function analyse(state) {
    var weightOf = function (skill) { return state.country ? data.weights[skill.importance[state.country]] : 1; };
    var rows = skills().map(function (entry) {
      var s = entry.skill, rating = state.ratings[s.id] || 0, target = s.targets[state.career_path] || 0;
      var gap = Math.max(0, target - rating);
      return { id: s.id, title: s.title, field: entry.field.id, rating: rating, target: target, gap: gap,
               weighted: gap * weightOf(s), rated: s.id in state.ratings };
    });
    var bySkill = {};
    rows.forEach(function (r) { bySkill[r.id] = r; });
    var gaps = rows.filter(function (r) { return r.gap > 0; }).sort(function (a, b) {
      return b.weighted - a.weighted || (a.id < b.id ? -1 : 1);
    });
    var units = data.units.map(function (u, order) {
      var closes = u.skills.filter(function (id) { return bySkill[id] && bySkill[id].gap > 0; });
      var value = closes.reduce(function (sum, id) { return sum + bySkill[id].weighted; }, 0);
      return { unit: u, order: order, closes: closes, value: value };
    }).filter(function (u) { return u.value > 0; }).sort(function (a, b) { return b.value - a.value || a.order - b.order; });
    var fields = data.fields.map(function (f) {
      var own = rows.filter(function (r) { return r.field === f.id; });
      var mean = function (key) { return own.reduce(function (s, r) { return s + r[key]; }, 0) / own.length; };
      return { field: f, rows: own, rating: mean("rating"), target: mean("target"),
               gap: own.reduce(function (s, r) { return s + r.gap; }, 0) };
    });
    return { rows: rows, gaps: gaps, units: units, fields: fields, bySkill: bySkill };
  }

  /* --- drawing -------------------------------------------------------------------------------- */
  function el(name, attributes, text) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attributes || {}).forEach(function (k) { node.setAttribute(k, attributes[k]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function radar(field, series) {
    var size = 300, centre = size / 2, radius = 105, n = field.skills.length;
    var point = function (i, value) {
      var angle = -Math.PI / 2 + 2 * Math.PI * i / n, r = radius * value / top;
      return [centre + r * Math.cos(angle), centre + r * Math.sin(angle)];
    };
    var titleId = "radar-title-" + field.id, descId = "radar-desc-" + field.id;
    var svg = el("svg", { viewBox: "0 0 " + size + " " + size, width: size, height: size, role: "img",
                          "aria-labelledby": titleId + " " + descId, "class": "radar" });
    svg.appendChild(el("title", { id: titleId }, "Radar chart: " + field.title));
    svg.appendChild(el("desc", { id: descId }, "Your rating and the target level for each skill of this field; " +
                                                "the same numbers are in the table below the chart."));
    for (var level = 1; level <= top; level += 1) {
      var ring = [];
      for (var i = 0; i < n; i += 1) { ring.push(point(i, level).join(",")); }
      svg.appendChild(el("polygon", { points: ring.join(" "), "class": "radar__ring" }));
    }
    field.skills.forEach(function (s, i) {
      var end = point(i, top), label = point(i, top + 0.75);
      svg.appendChild(el("line", { x1: centre, y1: centre, x2: end[0], y2: end[1], "class": "radar__axis" }));
      svg.appendChild(el("text", { x: label[0], y: label[1] + 4, "text-anchor": "middle", "class": "radar__label" },
                         s.id.split(".")[1]));
    });
    series.forEach(function (serie) {
      var points = field.skills.map(function (s, i) { return point(i, serie.values[s.id] || 0).join(","); });
      svg.appendChild(el("polygon", { points: points.join(" "), "class": "radar__series radar__series--" + serie.kind }));
    });
    return svg;
  }

  function text(tag, content, className) {
    var node = document.createElement(tag);
    node.textContent = content;
    if (className) { node.className = className; }
    return node;
  }

  function render(state) {
    var result = analyse(state), then = earlier ? analyse(earlier) : null;
    var path = data.paths.filter(function (p) { return p.id === state.career_path; })[0];
    var rated = result.rows.filter(function (r) { return r.rated; }).length;
    var summary = document.getElementById("profile-summary");
    summary.textContent = "Target profile: " + path.title + (state.country ? " (weighted for " + state.country + ")" : "") +
      ". You rated " + rated + " of " + result.rows.length + " skills" + (rated < result.rows.length ? "; unrated skills count as 0." : ".");
    var gaps = document.getElementById("profile-gaps");
    gaps.innerHTML = "";
    result.gaps.slice(0, 10).forEach(function (r) {
      gaps.appendChild(text("li", r.id + " " + r.title + ": you " + r.rating + ", target " + r.target +
                                  " (gap " + r.gap + (state.country ? ", weighted " + r.weighted : "") + ")"));
    });
    if (!result.gaps.length) { gaps.appendChild(text("li", "No gaps: you meet the target profile on every skill.")); }
    var units = document.getElementById("profile-units");
    units.innerHTML = "";
    result.units.slice(0, 6).forEach(function (u) {
      units.appendChild(text("li", u.unit.code + " " + u.unit.title + " (" + u.unit.points + " ECVET points, month" +
        (u.unit.months.length > 1 ? "s " : " ") + u.unit.months.join(", ") + ") closes gaps in " + u.closes.join(", ")));
    });
    var fields = document.getElementById("profile-fields");
    fields.innerHTML = "";
    result.fields.forEach(function (f, index) {
      var box = document.createElement("section");
      box.className = "profile-field-result";
      box.appendChild(text("h4", f.field.title));
      var values = function (analysis, key) {
        var v = {};
        analysis.rows.forEach(function (r) { if (r.field === f.field.id) { v[r.id] = r[key]; } });
        return v;
      };
      var series = [{ kind: "target", values: values(result, "target") }, { kind: "own", values: values(result, "rating") }];
      if (then) { series.splice(1, 0, { kind: "earlier", values: values(then, "rating") }); }
      box.appendChild(radar(f.field, series));
      var table = document.createElement("table");
      table.appendChild(text("caption", "Ratings and targets: " + f.field.title));
      var head = document.createElement("tr");
      ["Skill", "You", then ? "Earlier" : null, "Target", "Gap"].forEach(function (h) {
        if (h) { var th = text("th", h); th.scope = "col"; head.appendChild(th); }
      });
      var thead = document.createElement("thead");
      thead.appendChild(head);
      table.appendChild(thead);
      var body = document.createElement("tbody");
      f.rows.forEach(function (r) {
        var tr = document.createElement("tr");
        var th = text("th", r.id + " " + r.title);
        th.scope = "row";
        tr.appendChild(th);
        tr.appendChild(text("td", String(r.rating)));
        if (then) { tr.appendChild(text("td", String(then.bySkill[r.id].rating))); }
        tr.appendChild(text("td", String(r.target)));
        tr.appendChild(text("td", String(r.gap)));
        body.appendChild(tr);
      });
      table.appendChild(body);
      box.appendChild(table);
      box.appendChild(text("p", "Mean rating " + f.rating.toFixed(1) + " of " + top + ", target " + f.target.toFixed(1) +
                                ", total gap " + f.gap + ".", "muted"));
      fields.appendChild(box);
      if (index === 0) { box.id = "first-field-result"; }
    });
    var section = document.getElementById("profile-results");
    section.hidden = false;
    return result;
  }

  /* --- keeping results ----------------------------------------------------------------------- */
  function save(state) {
    var text = JSON.stringify(state);
    if (session) {
      session.set("cmi.suspend_data", "cmi.suspend_data", text, text);
      session.commit();
    } else {
      try { window.localStorage.setItem(storageKey, text); } catch (e) { /* storage disabled */ }
    }
  }

  function restore() {
    var raw = "";
    if (session) { raw = session.get("cmi.suspend_data", "cmi.suspend_data"); }
    else { try { raw = window.localStorage.getItem(storageKey) || ""; } catch (e) { raw = ""; } }
    try { return raw ? JSON.parse(raw) : null; } catch (e) { return null; }
  }

  function report(result) {
    if (!session) { return; }
    var is2004 = session.found.version === "2004";
    result.fields.forEach(function (f) {
      var n = session.objective("profile-" + f.field.id), base = "cmi.objectives." + n + ".";
      var scaled = Math.round(f.rating / top * 10000) / 10000;
      if (is2004) {
        session.set("", base + "score.scaled", "", String(scaled));
        session.set("", base + "completion_status", "", "completed");
      } else {
        session.set(base + "score.raw", "", String(Math.round(scaled * 100)), "");
        session.set(base + "status", "", "completed", "");
      }
    });
    session.complete([]);
  }

  function status(message) { document.getElementById("profile-status").textContent = message; }

  form.addEventListener("change", function () { save(current()); });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var state = current(), result = render(state);
    save(state);
    report(result);
    document.getElementById("profile-results").focus();
    window.CurriculumProfile.last = result;
  });
  form.querySelector("[data-download]").addEventListener("click", function () {
    var state = current();
    state.taken = new Date().toISOString().slice(0, 10);
    var blob = new Blob([JSON.stringify(state, null, 2)], { type: "application/json" });
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = "self-assessment-" + state.taken + ".json";
    document.body.appendChild(link);
    link.click();
    link.remove();
    status("Downloaded " + link.download + ". Keep it to compare with a later self-assessment.");
  });
  form.querySelector("[data-import]").addEventListener("change", function (event) {
    var file = event.target.files && event.target.files[0];
    if (!file) { return; }
    file.text().then(function (content) {
      var state = JSON.parse(content);
      if (!state || typeof state.ratings !== "object") { throw new Error("not a self-assessment file"); }
      earlier = state;
      if (!Object.keys(current().ratings).length) { apply(state); }
      render(current());
      status("Compared with " + file.name + (state.taken ? " (" + state.taken + ")" : "") + ".");
    }).catch(function () {
      status("That file is not a self-assessment downloaded from this page.");
    });
  });

  window.CurriculumProfile = { data: data, analyse: analyse, last: null };
  apply(restore());
}());
