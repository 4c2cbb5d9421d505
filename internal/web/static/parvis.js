// Parvis: progressive enhancement only. Every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // The language picker submits itself when changed.
  for (const sel of document.querySelectorAll("form.lang select")) {
    const button = sel.form.querySelector("button");
    if (button) button.hidden = true;
    sel.addEventListener("change", () => sel.form.submit());
  }
});
