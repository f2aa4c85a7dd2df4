// Apply the remembered theme before the first paint (loaded without defer in <head>).
try { document.documentElement.dataset.theme = localStorage.getItem("netkeep-theme") || "light"; } catch (e) {}
