// Progressive enhancement of the ballot: the running total updates while you choose.
// Without JavaScript, "Check my ballot" recalculates the same total on the server.
(function () {
  "use strict";
  var lang = document.documentElement.lang || "de";
  function format(amount, currency) {
    var whole = Math.round(amount * 100) % 100 === 0;
    return amount.toLocaleString(lang, {
      minimumFractionDigits: whole ? 0 : 2,
      maximumFractionDigits: whole ? 0 : 2,
    }) + " " + currency;
  }
  function chosen(input) {
    if (input.type === "checkbox") return input.checked;
    return input.value !== "" && Number(input.value) > 0;
  }
  function update(part) {
    var output = part.querySelector(".pb-total");
    var budget = Number(part.dataset.budget);
    var currency = output.dataset.currency;
    var total = 0;
    part.querySelectorAll("[data-cost]").forEach(function (input) {
      if (chosen(input)) total += Number(input.dataset.cost);
    });
    var over = total - budget;
    var template = over > 0 ? output.dataset.templateOver : output.dataset.templateOk;
    output.textContent = template
      .replace("{cost}", format(total, currency))
      .replace("{budget}", format(budget, currency))
      .replace("{over}", format(Math.max(over, 0), currency))
      .replace("{left}", format(Math.max(-over, 0), currency));
    output.classList.toggle("pb-over", over > 0);
  }
  document.querySelectorAll("form[data-ballot] .pb-part").forEach(function (part) {
    part.addEventListener("change", function () { update(part); });
    part.addEventListener("input", function () { update(part); });
    update(part);
  });
})();
