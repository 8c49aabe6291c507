/// The labelling page: static HTML and one script, served by `LabelServer`. Candidate text is
/// only ever placed with `textContent`, never parsed as HTML, and the content security policy
/// allows no inline script, so nothing in a candidate can run in the page.
enum LabelPage {
    static let html = """
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <title>Finch labelling</title>
    <style>
      body { font-family: system-ui, sans-serif; margin: 1.5rem auto; max-width: 72rem; padding: 0 1rem; color: #222; }
      header { display: flex; gap: 1rem; align-items: center; flex-wrap: wrap; }
      #progress { font-weight: 600; }
      #instructions { white-space: pre-wrap; background: #f6f6f0; border-left: 4px solid #c9b458; padding: .5rem .8rem; }
      pre { white-space: pre-wrap; word-break: break-word; font-family: ui-monospace, "DejaVu Sans Mono", monospace; margin: 0; }
      #prompt { background: #f3f3f3; padding: .6rem .8rem; border-radius: 4px; max-height: 14rem; overflow: auto; }
      #candidates { display: grid; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); gap: .8rem; margin-top: 1rem; }
      #candidates.pairs { grid-template-columns: 1fr 1fr; }
      .candidate { border: 2px solid #ccc; border-radius: 6px; padding: .6rem; cursor: pointer; background: white; text-align: left; font: inherit; }
      .candidate:hover, .candidate:focus { border-color: #3a6ea5; outline: none; }
      .candidate .key { font-weight: 700; color: #3a6ea5; display: block; margin-bottom: .3rem; }
      .candidate pre { max-height: 20rem; overflow: auto; }
      #status { min-height: 1.4em; color: #8a1c1c; }
      button.action { font: inherit; padding: .3rem .8rem; }
    </style>
    </head>
    <body>
    <header>
      <strong>Finch labelling</strong>
      <label>Your name <input id="labeller" maxlength="64" size="16" autocomplete="name"></label>
      <span id="progress"></span>
      <button class="action" id="skip" title="s">Skip (s)</button>
      <button class="action" id="undo" title="u">Undo (u)</button>
    </header>
    <p id="instructions" hidden></p>
    <p id="status" role="status"></p>
    <section id="item" hidden>
      <h3>Prompt</h3>
      <pre id="prompt"></pre>
      <h3 id="question"></h3>
      <div id="candidates"></div>
    </section>
    <p id="done" hidden>Every item is labelled. Thank you.</p>
    <script src="app.js"></script>
    </body>
    </html>
    """

    static let script = """
    "use strict";
    const token = new URLSearchParams(location.search).get("token") || "";
    const el = id => document.getElementById(id);
    let current = null, busy = false;
    const nameInput = el("labeller");
    nameInput.value = localStorage.getItem("finch-labeller") || new URLSearchParams(location.search).get("labeller") || "";

    async function api(method, path, body) {
      const response = await fetch(path, {
        method, headers: { "Content-Type": "application/json", "X-Finch-Token": token },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const data = await response.json().catch(() => ({}));
      return { ok: response.ok, status: response.status, data };
    }

    function labeller() { return nameInput.value.trim(); }

    function show(data) {
      el("progress").textContent = data.done + " of " + data.total + " labelled";
      current = data.item || null;
      el("item").hidden = !current;
      el("done").hidden = !!current;
      if (!current) return;
      el("prompt").textContent = current.prompt;
      const pairs = data.mode === "pairs";
      const shown = pairs ? current.completions.slice(0, 2) : current.completions;
      el("question").textContent = pairs ? "Which answer is better? (1 or 2)" : "Which answer is best? (1 to " + shown.length + ")";
      const box = el("candidates");
      box.className = pairs ? "pairs" : "";
      box.replaceChildren(...shown.map((text, i) => {
        const b = document.createElement("button");
        b.className = "candidate";
        b.dataset.choice = String(i);
        const key = document.createElement("span");
        key.className = "key";
        key.textContent = String(i + 1);
        const pre = document.createElement("pre");
        pre.textContent = text;
        b.append(key, pre);
        b.addEventListener("click", () => choose(i));
        return b;
      }));
    }

    async function refresh() {
      if (!labeller()) { el("status").textContent = "Enter your name to start."; return; }
      localStorage.setItem("finch-labeller", labeller());
      const r = await api("GET", "api/next?labeller=" + encodeURIComponent(labeller()));
      if (!r.ok) { el("status").textContent = r.data.error || ("error " + r.status); return; }
      el("status").textContent = "";
      show(r.data);
    }

    async function act(path, body) {
      if (busy || !labeller()) return;
      busy = true;
      try {
        const r = await api("POST", path, Object.assign({ labeller: labeller() }, body));
        el("status").textContent = r.ok ? "" : (r.data.error || ("error " + r.status));
        await refresh();
        if (!r.ok && r.status !== 409) el("status").textContent = r.data.error || ("error " + r.status);
      } finally { busy = false; }
    }

    function choose(i) { if (current) act("api/label", { id: current.id, choice: i }); }

    document.addEventListener("keydown", e => {
      if (e.target === nameInput || e.ctrlKey || e.metaKey || e.altKey) return;
      const n = current ? (document.querySelectorAll(".candidate").length) : 0;
      if (/^[1-9]$/.test(e.key) && Number(e.key) <= n) { e.preventDefault(); choose(Number(e.key) - 1); }
      else if (e.key === "s" && current) { e.preventDefault(); act("api/skip", { id: current.id }); }
      else if (e.key === "u") { e.preventDefault(); act("api/undo", {}); }
    });
    el("skip").addEventListener("click", () => { if (current) act("api/skip", { id: current.id }); });
    el("undo").addEventListener("click", () => act("api/undo", {}));
    nameInput.addEventListener("change", refresh);

    (async () => {
      const r = await api("GET", "api/instructions");
      if (r.ok && r.data.text) { el("instructions").textContent = r.data.text; el("instructions").hidden = false; }
      await refresh();
    })();
    """
}
