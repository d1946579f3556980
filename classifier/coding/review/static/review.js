// The review page: one passage at a time, answered from the keyboard or the mouse.
// Text from the database only ever reaches the page through textContent.
"use strict";
(function () {
  const state = JSON.parse(document.getElementById("state").textContent);
  const $ = (id) => document.getElementById(id);
  let passage = state.passage;
  let selected = new Set();
  let note = "";
  let busy = false;

  function setText(id, text) { $(id).textContent = text == null ? "" : String(text); }

  function terms(list, sign) {
    return list.map(([term, weight]) => `${term} ${sign}${Math.abs(weight).toFixed(2)}`).join(", ");
  }

  function renderLabels() {
    for (const row of document.querySelectorAll(".label")) {
      const label = row.dataset.label;
      const s = passage ? passage.suggestion : null;
      row.classList.toggle("on", selected.has(label));
      row.classList.toggle("suggested", !!s && s.labels.includes(label));
      const score = s ? s.scores[label] : 0;
      row.querySelector(".bar").style.width = `${Math.round(score * 100)}%`;
      row.querySelector(".mark").style.left = s ? `${Math.round(s.thresholds[label] * 100)}%` : "0";
      row.querySelector(".value").textContent = s ? `${score.toFixed(2)} / ${s.thresholds[label].toFixed(2)}` : "";
      row.querySelector(".up").textContent = s && s.up[label].length ? `raised by ${terms(s.up[label], "+")}` : "";
      row.querySelector(".down").textContent = s && s.down[label].length ? `; lowered by ${terms(s.down[label], "−")}` : "";
    }
  }

  function renderPassage(next) {
    passage = next;
    selected = new Set(passage ? passage.suggestion.labels : []);
    setText("account", passage ? passage.account : "");
    setText("offsets", passage ? `characters ${passage.start}–${passage.end}` : "");
    setText("ranked", passage && passage.ranked_by ? `ranked by ${passage.ranked_by}` : "");
    setText("before", passage ? passage.before : "");
    setText("passage", passage ? passage.text : "Nothing left to review.");
    setText("after", passage ? passage.after : "");
    document.body.dataset.passage = passage ? passage.id : "";
    document.body.dataset.version = passage ? passage.suggestion.model_version : "";
    renderLabels();
  }

  function renderStatus(status) {
    setText("model-version", status.model_version);
    setText("training", status.training ? "retraining…" : (status.training_error ? `retraining failed: ${status.training_error}` : ""));
    const p = status.progress;
    setText("done", p.done);
    setText("left", p.left);
    const body = document.querySelector("#per-label tbody");
    body.replaceChildren();
    for (const [label, count] of Object.entries(p.per_label)) {
      const tr = document.createElement("tr");
      for (const value of [label, count]) {
        const td = document.createElement("td");
        td.textContent = String(value);
        tr.appendChild(td);
      }
      body.appendChild(tr);
    }
    setText("right-share", p.right_share == null ? "–" : `${Math.round(p.right_share * 100)}% of ${p.recent.length}`);
    const chart = $("chart");
    chart.replaceChildren();
    for (const right of p.recent) {
      const cell = document.createElement("span");
      cell.className = right ? "right" : "wrong";
      chart.appendChild(cell);
    }
  }

  async function call(method, url, body) {
    const response = await fetch(url, {
      method, headers: {"Content-Type": "application/json", "X-Review-Token": state.token},
      body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin"});
    if (response.status === 403) { location.reload(); throw new Error("stale page"); }
    const data = await response.json();
    if (!response.ok) throw new Error(data.error || response.statusText);
    return data;
  }

  async function act(method, url, body, done) {
    if (busy) return;
    busy = true;
    setText("saved", "saving…");
    try {
      const data = await call(method, `${url}?order=${state.order}`, body);
      done(data);
      renderStatus(data);
      if ("passage" in data) renderPassage(data.passage);
    } catch (error) {
      setText("saved", `not saved: ${error.message}`);
    } finally {
      busy = false;
    }
  }

  function decide(action) {
    if (!passage) return;
    const s = passage.suggestion;
    act("POST", "/api/decide", {
      passage_id: passage.id, action, labels: [...selected], note,
      model_version: s.model_version, scores: s.scores, suggested: s.labels,
    }, (data) => {
      setText("saved", `saved #${data.saved}` + (data.retraining_started ? ", retraining started" : ""));
      document.body.dataset.saved = data.saved;
      note = "";
      setText("note-shown", "");
    });
  }

  function undo() {
    act("POST", "/api/undo", {}, (data) => setText("saved", data.undone ? "undone" : "nothing to undo"));
  }

  function retrain() {
    act("POST", "/api/retrain", {}, (data) => setText("saved", data.retraining_started ? "retraining started" : "already retraining"));
  }

  function toggle(label) {
    if (selected.has(label)) selected.delete(label); else selected.add(label);
    renderLabels();
  }

  function openNote() {
    $("note-box").hidden = false;
    $("note").value = note;
    $("note").focus();
  }

  function closeNote(keep) {
    if (keep) note = $("note").value.trim();
    // A hidden element can keep the focus until the browser notices; without the blur the
    // coder's next Enter would land in the closed note instead of saving the decision.
    $("note").blur();
    $("note-box").hidden = true;
    setText("note-shown", note ? `note: ${note}` : "");
  }

  function switchOrder() {
    state.order = state.order === "next" ? "reading" : "next";
    setText("order-name", state.order);
    act("GET", "/api/next", undefined, () => setText("saved", `order: ${state.order}`));
  }

  function definitions() {
    for (const p of document.querySelectorAll(".definition")) p.hidden = !p.hidden;
  }

  const keys = {Enter: () => decide("accept"), a: () => decide("accept"), "0": () => decide("none"),
    s: () => decide("skip"), u: undo, n: openNote, "?": definitions, o: switchOrder, r: retrain};
  state.labels.forEach((label) => { keys[label.key] = () => toggle(label.id); });

  document.addEventListener("keydown", (event) => {
    if (event.target === $("note")) {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); closeNote(true); }
      if (event.key === "Escape") { event.preventDefault(); closeNote(false); }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const handler = keys[event.key];
    if (handler) { event.preventDefault(); handler(); }
  });
  for (const button of document.querySelectorAll("button.toggle")) {
    button.addEventListener("click", () => toggle(button.dataset.label));
  }
  $("accept").addEventListener("click", () => decide("accept"));
  $("none").addEventListener("click", () => decide("none"));
  $("skip").addEventListener("click", () => decide("skip"));
  $("undo").addEventListener("click", undo);
  $("add-note").addEventListener("click", openNote);
  $("definitions").addEventListener("click", definitions);
  $("order").addEventListener("click", switchOrder);
  $("retrain").addEventListener("click", retrain);
  setInterval(() => call("GET", "/api/status").then(renderStatus).catch(() => {}), 5000);

  renderPassage(passage);
  renderStatus(state);
  document.body.dataset.ready = "1";
})();
