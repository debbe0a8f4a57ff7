"use strict";
// The before/after slider of templates/core/_compare.html: every .compare on the page follows its range input.
(function () {
  document.querySelectorAll(".compare").forEach((compare) => {
    const range = compare.querySelector(".compare-range");
    const move = () => compare.style.setProperty("--pos", range.value + "%");
    range.addEventListener("input", move);
    move();
  });
})();
