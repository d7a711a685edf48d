// Copies an invitation link to the clipboard: a button with data-copy="<input id>".
// Loaded from our own origin (the CSP allows no inline script); without it the
// readonly field can still be selected and copied by hand.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy]");
  if (!button) return;
  var input = document.getElementById(button.getAttribute("data-copy"));
  var status = document.getElementById(input.id + "-status");
  input.focus();
  input.select();
  function done(text) { if (status) status.textContent = text; }
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(input.value).then(
      function () { done("Link copied."); },
      function () { done("Press Ctrl+C (or ⌘C) to copy the selected link."); }
    );
  } else {
    var copied = false;
    try { copied = document.execCommand("copy"); } catch (error) { copied = false; }
    done(copied ? "Link copied." : "Press Ctrl+C (or ⌘C) to copy the selected link.");
  }
});
