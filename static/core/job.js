"use strict";
// The job page: what the finished job made, under its progress component.
document.addEventListener("job-done", (ev) => {
  const job = ev.detail, box = document.getElementById("job-result");
  box.hidden = false;
  const result = job.result || {};
  if (job.status === "succeeded" && result.model_version) {
    // "<name> v<version>", as the models page and the admin label it (the database id is no version number).
    const name = (job.params && job.params.model) || result.kind || "model";
    const label = result.version ? `${name} v${result.version}` : `model version #${result.model_version}`;
    box.replaceChildren();
    const b = document.createElement("b");
    b.textContent = label;
    const link = document.createElement("a");
    link.href = "/models/";
    link.textContent = "See it on the models page";
    const how = result.activated ? " and active" : "";
    const why = !result.activated && result.activation ? ` (${result.activation})` : "";
    box.append(b, ` is ready${how}${why}. `, link, ".");
  } else {
    box.textContent = job.status === "succeeded" ? "Done." : (job.error || job.status);
  }
});
