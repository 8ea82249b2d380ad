// Progressive enhancement only: every page works without this file.
import { initAll } from "./govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();

// A rating that needs a comment opens that statement's comment (the form asks for it anyway).
for (const statement of document.querySelectorAll("[data-comment-needed-at-or-below]")) {
  const limit = Number(statement.dataset.commentNeededAtOrBelow);
  statement.addEventListener("change", (event) => {
    if (event.target.type === "radio" && Number(event.target.value) <= limit) {
      statement.querySelector("details").open = true;
    }
  });
}
