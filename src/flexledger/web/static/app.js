// flexledger UI behaviour: copy buttons and upload progress. Progressive only:
// every page and form works without this file (no inline scripts, strict CSP).
"use strict";

function copyText(button) {
  var text = button.getAttribute("data-copy") || "";
  var done = function () {
    var label = button.textContent;
    button.classList.add("done");
    button.textContent = "Copied";
    window.setTimeout(function () {
      button.classList.remove("done");
      button.textContent = label;
    }, 1500);
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, function () { fallbackCopy(text, done); });
  } else {
    fallbackCopy(text, done);
  }
}

function fallbackCopy(text, done) {
  // Plain http on a LAN has no async clipboard: a hidden textarea still works.
  var area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.className = "offscreen";
  document.body.appendChild(area);
  area.select();
  try { document.execCommand("copy"); done(); } finally { document.body.removeChild(area); }
}

function sendWithProgress(form) {
  var bar = form.querySelector(".upload-progress");
  var status = form.querySelector(".upload-status");
  var button = form.querySelector("button[type=submit]");
  var request = new XMLHttpRequest();
  request.open("POST", form.action);
  request.upload.addEventListener("progress", function (event) {
    if (!event.lengthComputable) { return; }
    var percent = Math.round((event.loaded / event.total) * 100);
    bar.value = percent;
    status.textContent = percent < 100 ? "Uploading… " + percent + "%" : "Importing…";
  });
  request.addEventListener("load", function () {
    if (request.status >= 200 && request.status < 400 && request.responseURL) {
      window.location.assign(request.responseURL);
      return;
    }
    var message = "The upload failed (" + request.status + ").";
    try {
      var body = JSON.parse(request.responseText);
      message = body.detail || body.message || message;
    } catch (ignored) { /* an HTML error page: keep the status line */ }
    status.textContent = message;
    button.disabled = false;
  });
  request.addEventListener("error", function () {
    status.textContent = "The upload failed: the server could not be reached.";
    button.disabled = false;
  });
  bar.hidden = false;
  bar.value = 0;
  button.disabled = true;
  status.textContent = "Uploading…";
  request.send(new FormData(form));
}

document.addEventListener("click", function (event) {
  var button = event.target.closest("button[data-copy]");
  if (button) { copyText(button); }
});

document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.id !== "upload-form" || !window.FormData || !window.XMLHttpRequest) { return; }
  event.preventDefault();
  sendWithProgress(form);
});
