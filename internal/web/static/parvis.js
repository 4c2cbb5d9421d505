// Parvis: progressive enhancement only. Every page works without this file.
"use strict";

// postLength counts text as the server does (content.Length): every link
// is 23 characters, a mention counts its username but not its domain,
// and characters are user-perceived ones. The server has the last word.
function postLength(text) {
  text = text.replace(/https?:\/\/[^\s<>"]+/g, "x".repeat(23));
  text = text.replace(/(^|[^\w@])@(\w+)@[\w.-]+\.[a-z]{2,}/gi, "$1@$2");
  if (typeof Intl !== "undefined" && Intl.Segmenter) {
    let n = 0;
    for (const _ of new Intl.Segmenter().segment(text.trim())) n++;
    return n;
  }
  return Array.from(text.trim()).length;
}

function setupCounter(area) {
  const out = document.getElementById(area.getAttribute("aria-describedby"));
  if (!out) return;
  const max = parseInt(area.dataset.max, 10);
  let last = "";
  const update = () => {
    const left = max - postLength(area.value);
    const msg = (left >= 0 ? out.dataset.left : out.dataset.over).replace("%d", Math.abs(left));
    // Only changes are announced, so a screen reader is not flooded.
    if (msg !== last) { out.textContent = msg; last = msg; }
    out.classList.toggle("over", left < 0);
    area.setAttribute("aria-invalid", left < 0 ? "true" : "false");
  };
  area.addEventListener("input", update);
  update();
}

// Action forms (favourite, boost, bookmark, pin, delete) submit with
// fetch and replace the post's action bar with the server's answer.
function setupActions(root) {
  root.addEventListener("submit", async (ev) => {
    const form = ev.target;
    if (!form.classList || !form.classList.contains("js-actions")) return;
    const button = ev.submitter;
    if (!button || !button.formAction) return;
    if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) { ev.preventDefault(); return; }
    ev.preventDefault();
    const body = new FormData(form);
    const bar = form.closest(".actions");
    const index = Array.from(bar.querySelectorAll("button")).indexOf(button);
    // Without a usable answer, the form is sent the ordinary way.
    const fallback = () => { form.action = button.formAction; form.submit(); };
    button.disabled = true;
    try {
      const resp = await fetch(button.formAction, {
        method: "POST", body, credentials: "same-origin",
        headers: { "X-CSRF-Token": body.get("csrf"), "X-Parvis-Fragment": "actions" },
      });
      if (resp.status === 204) {
        const article = form.closest("article");
        if (article) article.remove();
        return;
      }
      if (!resp.ok) { fallback(); return; }
      const tmp = document.createElement("div");
      tmp.innerHTML = await resp.text();
      const fresh = tmp.querySelector(".actions");
      if (!fresh) { fallback(); return; }
      bar.replaceWith(fresh);
      const again = fresh.querySelectorAll("button")[index];
      if (again) again.focus();
    } catch (e) {
      fallback();
    }
  });
}

// Buttons with data-confirm outside the action bars ask first (bans,
// removals, deletions).
function setupConfirm(root) {
  root.addEventListener("submit", (ev) => {
    const b = ev.submitter;
    if (ev.target.classList.contains("js-actions") || !b || !b.dataset.confirm) return;
    if (!window.confirm(b.dataset.confirm)) ev.preventDefault();
  });
}

// A thread page follows its new replies: the server names each one on the
// page's event stream, and the reply's HTML is fetched and put under the
// post it answers (announced to screen readers, never moving the focus).
function setupLiveThread() {
  const section = document.querySelector("section[data-live]");
  if (!section || !window.EventSource) return;
  const status = document.getElementById("live-status");
  const source = new EventSource(section.dataset.live);
  source.addEventListener("reply", async (ev) => {
    let d;
    try { d = JSON.parse(ev.data); } catch (e) { return; }
    if (document.getElementById("p-" + d.id)) return;
    const parent = document.getElementById("p-" + d.in_reply_to);
    if (!parent) return;
    const m = /\bdepth-(\d+)/.exec(parent.className);
    const depth = (m ? parseInt(m[1], 10) : 0) + 1;
    const url = d.fragment + "?depth=" + depth + "&next=" + encodeURIComponent(location.pathname);
    const resp = await fetch(url, { credentials: "same-origin" });
    if (!resp.ok || document.getElementById("p-" + d.id)) return;
    const tmp = document.createElement("div");
    tmp.innerHTML = await resp.text();
    const post = tmp.querySelector("article");
    if (!post) return;
    let kids = document.getElementById("k-" + d.in_reply_to);
    if (!kids) {
      kids = document.createElement("div");
      kids.className = "kids";
      kids.id = "k-" + d.in_reply_to;
      parent.after(kids);
    }
    post.classList.add("arrived");
    kids.append(post);
    const none = section.querySelector(".no-replies");
    if (none) none.remove();
    if (status) status.textContent = section.dataset.announce.replace("%s", d.author || "");
  });
  source.addEventListener("delete", (ev) => {
    let d;
    try { d = JSON.parse(ev.data); } catch (e) { return; }
    const post = document.getElementById("p-" + d.id);
    if (post && !post.classList.contains("focus")) post.classList.add("gone");
  });
}

document.addEventListener("DOMContentLoaded", () => {
  // The language picker submits itself when changed.
  for (const sel of document.querySelectorAll("form.lang select")) {
    const button = sel.form.querySelector("button");
    if (button) button.hidden = true;
    sel.addEventListener("change", () => sel.form.submit());
  }
  for (const area of document.querySelectorAll("textarea[data-max]")) setupCounter(area);
  setupActions(document);
  setupConfirm(document);
  setupLiveThread();
});
