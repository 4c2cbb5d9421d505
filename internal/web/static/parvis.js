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

// The compose and reply forms are sent with fetch: the server answers
// with the new post's HTML, shown where it belongs (a timeline, the
// thread under the post answered) without a reload; an answered inbox
// item leaves the list. A refused form comes back as a whole page, from
// which the message and the form (with what was typed and uploaded) are
// taken.
function setupPosting(root) {
  root.addEventListener("submit", async (ev) => {
    const form = ev.target;
    if (!form.matches || !form.matches("form.compose, form.quick-reply")) return;
    if (!window.fetch || !window.FormData) return;
    ev.preventDefault();
    const button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    const done = () => { if (button) button.disabled = false; };
    const body = new FormData(form);
    let resp;
    try {
      resp = await fetch(form.action, {
        method: "POST", body, credentials: "same-origin",
        headers: { "X-CSRF-Token": body.get("csrf") || "", "X-Parvis-Fragment": "post" },
      });
    } catch (e) {
      done();
      form.submit();
      return;
    }
    const html = await resp.text();
    if (resp.status !== 201) {
      done();
      showRefused(form, html);
      return;
    }
    const tmp = document.createElement("div");
    tmp.innerHTML = html;
    const post = tmp.querySelector("article");
    const loc = resp.headers.get("Location");
    const placed = post && placePost(form, post, body.get("in_reply_to"));
    if (!placed) {
      if (loc) { location.assign(loc); return; }
    }
    done();
    resetForm(form);
    announce(form, form.dataset.published || "");
  });
}

// placePost puts a post just published on the page; false when the page
// has no place for it.
function placePost(form, post, inReplyTo) {
  const item = form.closest(".inbox-item");
  if (item) {
    const list = item.parentElement;
    item.remove();
    if (list && !list.querySelector(".inbox-item")) {
      const empty = document.createElement("p");
      empty.className = "muted";
      empty.textContent = list.dataset.empty || "";
      list.replaceWith(empty);
    }
    for (const badge of document.querySelectorAll("[data-awaiting]")) {
      const n = parseInt(badge.dataset.awaiting, 10) - 1;
      badge.dataset.awaiting = n;
      if (n <= 0) badge.remove(); else badge.firstChild.textContent = n;
    }
    return true;
  }
  if (document.getElementById(post.id)) return true; // the live stream was first
  if (inReplyTo) {
    const parent = document.getElementById("p-" + inReplyTo);
    if (!parent) return false;
    const m = /\bdepth-(\d+)/.exec(parent.className);
    post.classList.add("depth-" + Math.min((m ? parseInt(m[1], 10) : 0) + 1, 8));
    let kids = document.getElementById("k-" + inReplyTo);
    if (!kids) {
      kids = document.createElement("div");
      kids.className = "kids";
      kids.id = "k-" + inReplyTo;
      parent.after(kids);
    }
    kids.append(post);
    const none = document.querySelector(".no-replies");
    if (none) none.remove();
  } else {
    const timeline = document.querySelector("section.timeline[data-own]");
    if (!timeline) return false;
    const heading = timeline.querySelector("h2");
    const empty = timeline.querySelector(".empty");
    if (empty) empty.remove();
    if (heading) heading.after(post); else timeline.prepend(post);
  }
  post.classList.add("arrived");
  return true;
}

// resetForm empties a form after its post was published, with a new
// idempotency key for the next one.
function resetForm(form) {
  form.reset();
  for (const area of form.querySelectorAll("textarea")) area.value = "";
  for (const kept of form.querySelectorAll(".kept")) kept.remove();
  const key = form.querySelector("input[name=idempotency]");
  if (key) {
    const a = new Uint8Array(16);
    crypto.getRandomValues(a);
    key.value = Array.from(a, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  const area = form.querySelector("textarea[data-max]");
  if (area) area.dispatchEvent(new Event("input"));
  const prev = form.previousElementSibling;
  if (prev && prev.classList.contains("js-error")) prev.remove();
}

// announce says something in the form's status line.
function announce(form, msg) {
  let st = form.querySelector(".sent");
  if (!st) {
    st = document.createElement("p");
    st.className = "sent muted";
    st.setAttribute("role", "status");
    form.append(st);
  }
  st.textContent = msg;
}

// showRefused shows why the server refused a form: the page it answered
// has the message, and for the compose form, the form as it came back.
function showRefused(form, html) {
  const doc = new DOMParser().parseFromString(html, "text/html");
  const err = doc.getElementById("form-error");
  if (!err) { form.submit(); return; }
  let target = form;
  if (form.matches("form.compose")) {
    const fresh = doc.querySelector("form.compose");
    if (fresh) {
      form.replaceWith(fresh);
      target = fresh;
      const area = fresh.querySelector("textarea[data-max]");
      if (area) setupCounter(area);
    }
  }
  let p = target.previousElementSibling;
  if (!p || !p.classList.contains("js-error")) {
    p = document.createElement("p");
    p.className = "error js-error";
    p.setAttribute("role", "alert");
    target.before(p);
  }
  p.textContent = err.textContent;
  const field = target.querySelector("textarea");
  if (field) field.focus();
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
  // The page says when it listens (the server subscribes before it answers).
  source.addEventListener("open", () => { section.dataset.liveState = "open"; });
  source.addEventListener("error", () => { section.dataset.liveState = "retrying"; });
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
  setupPosting(document);
  setupLiveThread();
});
