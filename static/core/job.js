"use strict";
// The job page: what the finished job made, under its progress component.
document.addEventListener("job-done", (ev) => {
  const job = ev.detail, box = document.getElementById("job-result");
  box.hidden = false;
  if (job.status === "succeeded" && job.result && job.result.model_version) {
    box.innerHTML = `Model version <b>${job.result.model_version}</b> is ready` +
      (job.result.activated ? " and active" : "") + `. <a href="/models/">See it on the models page</a>.`;
  } else {
    box.textContent = job.status === "succeeded" ? "Done." : (job.error || job.status);
  }
});
