// Marks the page as scripted before it is drawn, as nhsuk-frontend's CSS expects.
// A file of its own because the Content Security Policy allows no inline script.
document.body.className +=
  " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " nhsuk-frontend-supported" : "");
