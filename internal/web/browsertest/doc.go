// Package browsertest drives the web UI in a real browser: Debian's
// Chromium, headless, through the DevTools protocol (chromedp), against a
// whole server started by servertest. The tests are in this package's
// _test files; testdata/axe.min.js is axe-core, run inside each page for
// the accessibility check.
//
// Without Chromium the tests skip, unless PARVIS_REQUIRE_BROWSER is set
// (as .ci/run does), in which case they fail. PARVIS_SCREENSHOTS names a
// folder for the screenshots a failing test saves (default: a new folder
// under the system's temporary folder, printed in the test's log).
package browsertest
