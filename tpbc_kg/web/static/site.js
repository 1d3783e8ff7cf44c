// Search suggestions: names, synonyms, symbols and identifiers as the user types.
(function () {
  const box = document.getElementById("search-box");
  const list = document.getElementById("suggestions");
  if (!box || !list) return;
  let timer = null;
  box.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(async function () {
      const q = box.value.trim();
      if (q.length < 2) return;
      const response = await fetch("/suggest?q=" + encodeURIComponent(q));
      if (!response.ok) return;
      const items = await response.json();
      list.replaceChildren(...items.map(function (item) {
        const option = document.createElement("option");
        option.value = item.name;
        option.label = item.label;
        return option;
      }));
    }, 150);
  });
})();
