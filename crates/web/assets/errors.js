// Collects script errors of the page, for the browser tests to read; loaded first, not deferred.
window.salescopeErrors = [];
window.addEventListener("error", function (e) { window.salescopeErrors.push(String(e.message)); });
