// The add-partner search as GOV.UK's accessible autocomplete, where script runs: organisations
// appear as the name is typed, and choosing one loads the page with it found and selected.
// Without script (or before it loads) the same form searches on its own.
const form = document.querySelector("[data-organisation-search]");
const input = form && form.querySelector("input[name=q]");

if (form && input && window.accessibleAutocomplete) {
  const url = form.dataset.organisationSearch;
  const container = document.createElement("div");
  input.replaceWith(container);
  let found = [];
  window.accessibleAutocomplete({
    element: container,
    id: input.id,
    name: "q",
    defaultValue: input.value,
    minLength: 2,
    showNoOptionsFound: true,
    tNoResults: () => "No organisation that is not yet a partner matches",
    source: async (query, show) => {
      const response = await fetch(`${url}?${new URLSearchParams({ q: query })}`, {
        headers: { Accept: "application/json" },
      });
      found = response.ok ? (await response.json()).results : [];
      show(found.map((organisation) => organisation.label));
    },
    onConfirm: (label) => {
      const chosen = found.find((organisation) => organisation.label === label);
      if (chosen) {
        const query = new URLSearchParams({ q: chosen.name, chosen: chosen.code });
        window.location.assign(`${form.getAttribute("action").split("#")[0]}?${query}#add`);
      }
    },
  });
}
