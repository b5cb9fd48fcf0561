// The experimaestro web monitor: one page, views chosen by the URL's hash, data from the
// JSON API, refreshed when the server's event stream says something changed.
"use strict";

(function () {
  const main = document.getElementById("main");
  let session = null;      // {token, workspace, ...}: the token goes in the actions' header
  let view = null;         // the current view: {refresh(change), close()}
  const LOG_CHUNK = 256 * 1024;

  // -- helpers ---------------------------------------------------------------------

  // An element: h("td", {class: "x", onclick: f}, "text", child...); text is never HTML
  function h(tag, attrs, ...children) {
    const el = tag.startsWith("svg:")
      ? document.createElementNS("http://www.w3.org/2000/svg", tag.slice(4))
      : document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
      else el.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : String(child));
    }
    return el;
  }

  async function api(path, options) {
    const response = await fetch(path, Object.assign({credentials: "same-origin"}, options));
    let data = null;
    try { data = await response.json(); } catch (e) { /* not JSON: the text below */ }
    if (!response.ok) {
      const error = new Error((data && data.error) || `${response.status} ${response.statusText}`);
      error.status = response.status;
      throw error;
    }
    return data;
  }

  function post(path) {
    return api(path, {method: "POST", headers: {"X-XPM-Token": session.token}});
  }

  function pad(n) { return String(n).padStart(2, "0"); }

  function formatTime(value) {
    if (value === null || value === undefined || value === "") return "";
    const date = typeof value === "number" ? new Date(value * 1000) : new Date(value);
    if (isNaN(date)) return String(value);
    return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
      `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  }

  function formatDuration(seconds) {
    if (seconds === null || seconds === undefined || isNaN(seconds)) return "";
    if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)}s`;
    const s = Math.floor(seconds), d = Math.floor(s / 86400), hh = Math.floor(s % 86400 / 3600);
    const mm = Math.floor(s % 3600 / 60);
    if (d) return `${d}d ${pad(hh)}h`;
    if (hh) return `${hh}h ${pad(mm)}m`;
    return `${mm}m ${pad(s % 60)}s`;
  }

  function jobHref(key) {
    return `#/job/${encodeURIComponent(key[0])}/${encodeURIComponent(key[1])}`;
  }

  function keyText(key) { return `${key[0]}/${key[1]}`; }

  function stateBadge(state, text) {
    return h("span", {class: `state ${state}`}, text || state);
  }

  function progressBar(value) {
    if (value === null || value === undefined) return null;
    const bar = h("span", {class: "progress", title: `${Math.round(value * 100)}%`}, h("span"));
    bar.firstChild.style.width = `${Math.round(value * 100)}%`;
    return [bar, h("span", {class: "muted"}, ` ${Math.round(value * 100)}%`)];
  }

  function tagList(tags) {
    return Object.entries(tags || {}).map(([k, v]) => h("span", {class: "tag"}, `${k}=${v}`));
  }

  function show(...children) {
    main.replaceChildren(...children.flat().filter((c) => c));
  }

  function showError(error) {
    show(h("h1", {}, "Error"), h("div", {class: "error"}, error.message || String(error)));
  }

  // Calls fn at most every `ms`; a call during the wait runs once at its end
  function throttle(fn, ms) {
    let last = 0, timer = null;
    return function () {
      const wait = last + ms - Date.now();
      if (timer) return;
      if (wait <= 0) { last = Date.now(); fn(); return; }
      timer = setTimeout(() => { timer = null; last = Date.now(); fn(); }, wait);
    };
  }

  function touches(change, key) {
    return change.all || (change.keys || []).includes(keyText(key));
  }

  // -- views -----------------------------------------------------------------------

  function experimentsView() {
    async function load() {
      const data = await api("/api/experiments");
      const rows = data.experiments.map((xp) => {
        const counts = Object.entries(xp.jobs).filter(([k, n]) => k !== "total" && n)
          .map(([k, n]) => stateBadge(k, `${n} ${k}`));
        const end = xp.ended ? new Date(xp.ended) : (xp.status === "running" ? new Date() : null);
        const duration = end && xp.started ? (end - new Date(xp.started)) / 1000 : null;
        const services = (xp.services || []).map((s) => h("li", {},
          s.url ? h("a", {href: s.url, target: "_blank", rel: "noopener noreferrer"},
            s.description || s.service_id) : (s.description || s.service_id),
          h("span", {class: "muted"}, ` (${s.state || "?"})`)));
        return h("tr", {"data-experiment": xp.experiment},
          h("td", {}, h("a", {href: `#/jobs?xp=${encodeURIComponent(xp.experiment)}`}, xp.experiment),
            services.length ? h("ul", {class: "services"}, services) : null),
          h("td", {}, xp.host || ""),
          h("td", {class: "counts"}, h("span", {class: "muted"}, `${xp.jobs.total} `), counts),
          h("td", {}, formatTime(xp.started)),
          h("td", {}, formatDuration(duration)),
          h("td", {}, stateBadge(xp.status === "done" ? "done" : xp.status === "running" ?
            "running" : xp.status === "failed" ? "failed" : "pending", xp.status)),
          h("td", {}, h("a", {href: `#/graph/${encodeURIComponent(xp.experiment)}`}, "graph")));
      });
      show(h("h1", {}, "Experiments"),
        rows.length ? h("table", {class: "experiments"},
          h("thead", {}, h("tr", {}, ["Experiment", "Host", "Jobs", "Started", "Duration",
            "Status", ""].map((t) => h("th", {}, t)))),
          h("tbody", {}, rows)) : h("p", {class: "muted"}, "No experiment in this workspace."));
    }
    const refresh = throttle(() => load().catch(showError), 1000);
    load().catch(showError);
    return {refresh, close() {}};
  }

  const SORTABLE = {state: "State", task: "Task", submitted: "Submitted", duration: "Duration"};

  function jobsView(params) {
    const state = {
      xp: params.get("xp") || "", q: params.get("q") || "", sort: params.get("sort") || "state",
      desc: params.get("desc") === "1", page: parseInt(params.get("page") || "0", 10) || 0,
    };
    const pageSize = session.page_size || 200;
    const input = h("input", {type: "search", placeholder:
      'filter: @state = "failed", tag.lr > 0.1, or words', value: state.q});
    const error = h("div", {class: "error", id: "filter-error"});
    const info = h("span", {class: "muted"});
    const tbody = h("tbody");
    const headRow = h("tr");
    const prev = h("button", {onclick: () => { state.page--; update(); }}, "◀ Previous");
    const next = h("button", {onclick: () => { state.page++; update(); }}, "Next ▶");
    let closed = false, seq = 0;

    function header() {
      const cells = [];
      for (const [name, label] of [["state", "State"], ["task", "Task"], [null, "Id"],
        [null, "Tags"], ["submitted", "Submitted"], ["duration", "Duration"]]) {
        if (!name) { cells.push(h("th", {}, label)); continue; }
        const cls = ["sortable", state.sort === name ? "sorted" : "",
          state.sort === name && state.desc ? "desc" : ""].join(" ");
        cells.push(h("th", {class: cls, "data-sort": name, onclick: () => {
          state.desc = state.sort === name ? !state.desc : false;
          state.sort = name; state.page = 0; update();
        }}, label));
      }
      headRow.replaceChildren(...cells);
    }

    function saveHash() {
      const p = new URLSearchParams();
      if (state.xp) p.set("xp", state.xp);
      if (state.q) p.set("q", state.q);
      if (state.sort !== "state") p.set("sort", state.sort);
      if (state.desc) p.set("desc", "1");
      if (state.page) p.set("page", String(state.page));
      const text = p.toString();
      history.replaceState(null, "", `#/jobs${text ? "?" + text : ""}`);
    }

    function update() { saveHash(); header(); load(); }

    async function load() {
      const mine = ++seq;
      const p = new URLSearchParams({q: state.q, sort: state.sort, desc: state.desc ? "1" : "0",
        offset: String(state.page * pageSize), limit: String(pageSize)});
      if (state.xp) p.set("experiment", state.xp);
      let data;
      try {
        data = await api(`/api/jobs?${p}`);
      } catch (e) {
        if (mine !== seq || closed) return;
        error.textContent = e.message;
        tbody.replaceChildren();
        info.textContent = "";
        return;
      }
      if (mine !== seq || closed) return;
      error.textContent = "";
      tbody.replaceChildren(...data.rows.map((row) => h("tr", {"data-key": keyText(row.key)},
        h("td", {class: "state"}, stateBadge(row.state, row.state_text), progressBar(row.progress)),
        h("td", {class: "task mono"}, row.task),
        h("td", {class: "mono"}, h("a", {href: jobHref(row.key)}, row.key[1].slice(0, 12))),
        h("td", {class: "tags"}, tagList(row.tags)),
        h("td", {}, formatTime(row.submitted)),
        h("td", {class: "num"}, formatDuration(row.duration)))));
      const first = data.total ? data.offset + 1 : 0;
      info.textContent = `${first}–${data.offset + data.rows.length} of ${data.total} jobs`;
      prev.disabled = state.page <= 0;
      next.disabled = data.offset + data.rows.length >= data.total;
      if (!data.rows.length && state.page > 0) { state.page = 0; update(); }
    }

    let typing = null;
    input.addEventListener("input", () => {
      clearTimeout(typing);
      typing = setTimeout(() => { state.q = input.value.trim(); state.page = 0; update(); }, 350);
    });
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") { clearTimeout(typing); state.q = input.value.trim(); state.page = 0; update(); }
    });

    const title = state.xp ? ["Jobs of ", h("a", {href: "#/"}, state.xp),
      " ", h("a", {href: `#/graph/${encodeURIComponent(state.xp)}`, class: "muted"}, "(graph)")]
      : "All jobs of the workspace";
    show(h("h1", {}, title), h("div", {class: "toolbar"}, input, info), error,
      h("table", {class: "jobs"}, h("thead", {}, headRow), tbody),
      h("div", {class: "pager"}, prev, next));
    header();
    load();
    input.focus();
    return {refresh: throttle(load, 1000), close() { closed = true; }};
  }

  function jobView(key) {
    let closed = false;

    async function act(action, question) {
      if (!confirm(question)) return;
      const message = document.getElementById("action-message");
      try {
        const result = await post(`/api/job/${encodeURIComponent(key[0])}/${encodeURIComponent(key[1])}/${action}`);
        message.className = "muted";
        message.textContent = result.message;
        if (action === "clean") { location.hash = "#/jobs"; return; }
      } catch (e) {
        message.className = "error";
        message.textContent = e.message;
      }
      load();
    }

    function fields(pairs) {
      return h("dl", {class: "fields"}, pairs.filter(([, v]) => v !== null && v !== undefined && v !== "")
        .map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
    }

    function jobLinks(keys) {
      if (keys === null) return h("p", {class: "muted"}, "too many jobs in its experiments to compute");
      if (!keys.length) return h("p", {class: "muted"}, "none");
      return h("ul", {}, keys.map((k) => h("li", {}, h("a", {href: jobHref(k), class: "mono"}, keyText(k)))));
    }

    async function load() {
      let job;
      try {
        job = await api(`/api/job/${encodeURIComponent(key[0])}/${encodeURIComponent(key[1])}`);
      } catch (e) { if (!closed) showError(e); return; }
      if (closed) return;
      const active = job.state === "running" || job.state === "queued";
      const logs = job.logs.map((name) => h("a", {href: `${jobHref(key).replace("#/job/", "#/log/")}/${encodeURIComponent(name)}`}, name));
      const progress = job.progress.map((p) => h("div", {}, p.desc || "", progressBar(p.value)));
      const duration = job.started && job.ended ? job.ended - job.started :
        (job.started && active ? Date.now() / 1000 - job.started : null);
      show(
        h("h1", {}, h("span", {class: "mono"}, job.short), " ", stateBadge(job.state, job.state_text)),
        h("div", {class: "actions"},
          h("button", {class: "danger", id: "kill", disabled: !active,
            onclick: () => act("kill", `Kill the job ${job.short}?`)}, "Kill"),
          h("button", {id: "clean", disabled: active,
            onclick: () => act("clean", `Remove the folder of ${job.short}? This deletes its results.`)}, "Clean"),
          h("span", {id: "action-message"})),
        job.message ? h("div", {class: "error"}, job.message) : null,
        progress.length ? [h("h2", {}, "Progress"), progress] : null,
        h("h2", {}, "Job"),
        fields([["task", job.task || job.type], ["identifier", job.id], ["folder", job.path],
          ["state", job.state_text], ["submitted", formatTime(job.submitted)],
          ["started", formatTime(job.started)], ["ended", formatTime(job.ended)],
          ["duration", formatDuration(duration)], ["experiments", (job.experiments || []).join(", ")]]),
        h("h2", {}, "Tags"), Object.keys(job.tags || {}).length ? tagList(job.tags) : h("p", {class: "muted"}, "none"),
        h("h2", {}, "Logs"), logs.length ? h("div", {class: "tabs"}, logs) : h("p", {class: "muted"}, "none yet"),
        h("h2", {}, "Parameters"), valueTable(job.params),
        h("h2", {}, "Metrics"), valueTable(job.metrics),
        h("h2", {}, "Dependencies"), jobLinks(job.dependencies),
        h("h2", {}, "Dependents"), jobLinks(job.dependents));
    }

    function valueTable(values) {
      const entries = Object.entries(values || {});
      if (!entries.length) return h("p", {class: "muted"}, "none");
      return h("table", {class: "values"}, h("tbody", {}, entries.map(([k, v]) =>
        h("tr", {}, h("td", {class: "mono"}, k),
          h("td", {class: "mono"}, typeof v === "string" ? v : JSON.stringify(v))))));
    }

    load();
    return {refresh: throttle((change) => load(), 1000),
      refreshIf(change) { return touches(change, key); }, close() { closed = true; }};
  }

  function logView(key, name) {
    let offset = -LOG_CHUNK, closed = false, timer = null, busy = false, ended = false;
    const pre = h("pre", {class: "log", id: "log"});
    const error = h("div", {class: "error"});
    const follow = h("input", {type: "checkbox", checked: true, id: "follow"});
    const status = h("span", {class: "muted"});
    const base = `/api/log/${encodeURIComponent(key[0])}/${encodeURIComponent(key[1])}`;
    const jobUrl = base.replace("/api/log/", "/api/job/");
    const tabs = h("div", {class: "tabs"}, h("a", {href: jobHref(key)}, "← job"));

    async function more() {
      if (busy || closed) return;
      busy = true;
      try {
        const data = await api(`${base}?${new URLSearchParams({name, offset: String(offset)})}`);
        if (closed) return;
        if (offset < 0 && data.offset - data.text.length > 0) {
          status.textContent = `(the last ${Math.round(data.text.length / 1024)} KiB of ${Math.round(data.size / 1024)} KiB)`;
        }
        if (data.text) {
          pre.append(data.text);
          if (follow.checked) pre.scrollTop = pre.scrollHeight;
        } else if (ended) {
          stop();  // nothing more will come (an event restarts it if the job runs again)
        }
        offset = data.offset;
        error.textContent = "";
      } catch (e) {
        if (!closed) error.textContent = e.message;
        stop();
      } finally { busy = false; }
    }

    function stop() { clearInterval(timer); timer = null; }

    function start() { if (!timer && follow.checked && !closed) timer = setInterval(more, 1000); }

    // whether the job has ended (then the log is read until nothing comes)
    async function readJob(first) {
      try {
        const job = await api(jobUrl);
        ended = job.state === "done" || job.state === "failed";
        if (first) {
          for (const other of job.logs) {
            tabs.append(h("a", {class: other === name ? "current" : "",
              href: `${jobHref(key).replace("#/job/", "#/log/")}/${encodeURIComponent(other)}`}, other));
          }
        }
      } catch (e) { /* the log request says what is wrong */ }
    }

    follow.addEventListener("change", () => { if (follow.checked) { more(); start(); } else stop(); });
    show(h("h1", {}, "Log ", h("span", {class: "mono"}, name), " of ",
      h("a", {href: jobHref(key), class: "mono"}, `${key[0]}/${key[1].slice(0, 12)}`)),
    tabs, h("div", {class: "toolbar"}, h("label", {}, follow, " follow"), status), error, pre);
    readJob(true).then(more).then(start);
    return {
      refreshIf(change) { return touches(change, key); },
      refresh() { readJob(false).then(() => { more(); start(); }); },
      close() { closed = true; stop(); },
    };
  }

  function graphView(experiment) {
    const box = h("div", {class: "graph"});
    const note = h("p", {class: "muted"});

    async function load() {
      let data;
      try {
        data = await api(`/api/graph?${new URLSearchParams({experiment})}`);
      } catch (e) { showError(e); return; }
      if (data.truncated) {
        note.textContent = `${data.truncated} jobs: too many to draw (the graph is drawn up to a few thousand jobs).`;
        box.replaceChildren();
        return;
      }
      note.textContent = `${data.nodes.length} jobs, ${data.edges.length} dependencies (an arrow goes from a job to the jobs that depend on it)`;
      box.replaceChildren(drawGraph(data));
    }

    show(h("h1", {}, "Dependencies of ", h("a", {href: `#/jobs?xp=${encodeURIComponent(experiment)}`}, experiment)),
      note, h("div", {class: "legend"}, ["done", "running", "queued", "pending", "failed"].map((s) => stateBadge(s))),
      box);
    load();
    return {refresh: throttle(load, 2000), close() {}};
  }

  // Layers by longest path from the jobs without dependency; in a layer, jobs ordered by
  // the mean position of their dependencies (fewer crossings)
  function layout(nodes, edges) {
    const index = new Map(nodes.map((n, i) => [keyText(n.key), i]));
    const parents = nodes.map(() => []), children = nodes.map(() => []);
    for (const [from, to] of edges) {
      const a = index.get(keyText(from)), b = index.get(keyText(to));
      if (a === undefined || b === undefined || a === b) continue;
      parents[b].push(a); children[a].push(b);
    }
    const layer = nodes.map(() => 0), waiting = parents.map((p) => p.length);
    const queue = nodes.map((_, i) => i).filter((i) => !waiting[i]);
    while (queue.length) {
      const i = queue.shift();
      for (const c of children[i]) {
        layer[c] = Math.max(layer[c], layer[i] + 1);
        if (--waiting[c] === 0) queue.push(c);
      }
    }
    const layers = [];
    nodes.forEach((_, i) => { (layers[layer[i]] = layers[layer[i]] || []).push(i); });
    const position = new Array(nodes.length).fill(0);
    layers.forEach((members, l) => {
      const weight = (i) => parents[i].length
        ? parents[i].reduce((s, p) => s + position[p], 0) / parents[i].length : 0;
      members.sort((a, b) => l === 0 ? nodes[a].name.localeCompare(nodes[b].name) || a - b
        : weight(a) - weight(b) || a - b);
      members.forEach((i, rank) => { position[i] = rank; });
    });
    return {layers: layers.filter((m) => m), layer, position, parents};
  }

  function drawGraph(data) {
    const W = 200, H = 38, GX = 80, GY = 12, M = 10;
    const {layers, layer, position, parents} = layout(data.nodes, data.edges);
    const rows = Math.max(1, ...layers.map((m) => m.length));
    const width = M * 2 + layers.length * W + (layers.length - 1) * GX;
    const height = M * 2 + rows * H + (rows - 1) * GY;
    const x = (i) => M + layer[i] * (W + GX), y = (i) => M + position[i] * (H + GY);
    const svg = h("svg:svg", {width, height, viewBox: `0 0 ${width} ${height}`});
    svg.append(h("svg:defs", {}, h("svg:marker", {id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5,
      markerWidth: 7, markerHeight: 7, orient: "auto"}, h("svg:path", {d: "M0,0 L10,5 L0,10 z", fill: "#90a4ae"}))));
    data.nodes.forEach((_, i) => {
      for (const p of parents[i]) {
        const x1 = x(p) + W, y1 = y(p) + H / 2, x2 = x(i), y2 = y(i) + H / 2, mx = (x1 + x2) / 2;
        svg.append(h("svg:path", {class: "edge", d: `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`,
          "marker-end": "url(#arrow)"}));
      }
    });
    data.nodes.forEach((node, i) => {
      const tags = Object.entries(node.tags || {}).map(([k, v]) => `${k}=${v}`).join(" ");
      const g = h("svg:g", {class: `node ${node.state}`, "data-key": keyText(node.key),
        transform: `translate(${x(i)},${y(i)})`, onclick: () => { location.hash = jobHref(node.key); }},
      h("svg:title", {}, `${node.short} (${node.state}) ${tags}`),
      h("svg:rect", {width: W, height: H, rx: 4}),
      h("svg:text", {x: 8, y: 15}, clip(node.name, 28)),
      h("svg:text", {x: 8, y: 30, "font-size": "10"}, clip(tags || node.key[1].slice(0, 12), 32)));
      svg.append(g);
    });
    return svg;
  }

  function clip(text, n) { return text.length > n ? text.slice(0, n - 1) + "…" : text; }

  // -- routing ---------------------------------------------------------------------

  function route() {
    if (view) view.close();
    const hash = location.hash.replace(/^#/, "") || "/";
    const [path, query] = hash.split("?");
    const parts = path.split("/").filter((p) => p).map(decodeURIComponent);
    const params = new URLSearchParams(query || "");
    if (parts[0] === "jobs") view = jobsView(params);
    else if (parts[0] === "job" && parts.length === 3) view = jobView([parts[1], parts[2]]);
    else if (parts[0] === "log" && parts.length >= 4) view = logView([parts[1], parts[2]], parts.slice(3).join("/"));
    else if (parts[0] === "graph" && parts.length === 2) view = graphView(parts[1]);
    else view = experimentsView();
  }

  function listen() {
    const live = document.getElementById("live");
    const source = new EventSource("/api/events");
    source.addEventListener("open", () => { live.className = "live on"; live.title = "live updates"; });
    source.addEventListener("error", () => { live.className = "live off"; live.title = "live updates: reconnecting"; });
    source.addEventListener("change", (event) => {
      const change = JSON.parse(event.data);
      if (!view) return;
      if (view.refreshIf && !view.refreshIf(change)) return;
      view.refresh(change);
    });
  }

  // An experiment run with wait_for_quit: it ends when the user quits here
  function showQuit() {
    const button = h("button", {id: "quit", class: "danger", title: "End the experiment (its jobs are over)",
      onclick: async () => {
        if (!confirm("Quit: end the experiment and this monitor?")) return;
        try {
          await post("/api/quit");
          main.replaceChildren(h("p", {}, "The experiment has ended: you can close this page."));
          button.disabled = true;
        } catch (e) { showError(e); }
      }}, "Quit");
    document.querySelector("header").append(button);
  }

  async function startPage() {
    // the token has set the cookie: take it out of the address bar (and the history)
    if (new URLSearchParams(location.search).has("token")) {
      history.replaceState(null, "", location.pathname + location.hash);
    }
    try {
      session = await api("/api/session");
    } catch (e) { showError(e); return; }
    document.getElementById("workspace").textContent = session.workspace;
    if (session.quit) showQuit();
    window.addEventListener("hashchange", route);
    route();
    listen();
  }

  startPage();
})();
