package browsertest

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"parvis/internal/server/servertest"
)

// chromiumPath finds the browser: Debian's chromium, or whatever
// PARVIS_CHROMIUM names.
func chromiumPath() string {
	if p := os.Getenv("PARVIS_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	return ""
}

// The browser is one headless Chromium for the whole package, started
// by the first test that needs it, with a fresh profile; each visitor of
// each test gets a browser context of its own (own cookies and storage).
var shared struct {
	once    sync.Once
	root    context.Context
	stop    func()
	err     error
	profile string
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.stop != nil {
		shared.stop()
	}
	if shared.profile != "" {
		os.RemoveAll(shared.profile)
	}
	os.Exit(code)
}

func launch(path string) {
	profile, err := os.MkdirTemp("", "parvis-chromium-")
	if err != nil {
		shared.err = err
		return
	}
	shared.profile = profile
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(profile),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		chromedp.Flag("lang", "en-GB"),
		chromedp.WindowSize(1280, 900),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	root, cancelRoot := chromedp.NewContext(alloc)
	shared.stop = func() { cancelRoot(); cancelAlloc() }
	// The first action on a context starts the browser, which lives as
	// long as that action's context: no deadline here.
	done := make(chan error, 1)
	go func() { done <- chromedp.Do(root) }()
	select {
	case err = <-done:
	case <-time.After(60 * time.Second):
		err = errors.New("chromium did not start within 60 s")
	}
	if err != nil {
		shared.err = fmt.Errorf("start chromium (%s): %w", path, err)
		return
	}
	shared.root = root
}

// needChromium returns the browser's path. Without a browser the test
// skips, or fails when PARVIS_REQUIRE_BROWSER is set.
func needChromium(t *testing.T) string {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		if os.Getenv("PARVIS_REQUIRE_BROWSER") != "" {
			t.Fatal("no chromium found and PARVIS_REQUIRE_BROWSER is set: install it (apt-get install chromium)")
		}
		t.Skip("no chromium found: browser tests skipped (apt-get install chromium, or set PARVIS_CHROMIUM)")
	}
	return path
}

// chrome is the shared browser, seen from one test.
type chrome struct {
	t    *testing.T
	root context.Context
	env  *servertest.Env
}

// startChrome gives a test the browser, against env. Without a browser
// the test skips, or fails when PARVIS_REQUIRE_BROWSER is set.
func startChrome(t *testing.T, env *servertest.Env) *chrome {
	t.Helper()
	path := needChromium(t)
	shared.once.Do(func() { launch(path) })
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return &chrome{t: t, root: shared.root, env: env}
}

// tab is one visitor: a tab in a browser context of its own (own cookies).
type tab struct {
	t    *testing.T
	name string
	ctx  context.Context
	base string
}

// tab opens a new visitor. A failing test saves a screenshot of every
// tab it opened.
func (c *chrome) tab(name string) *tab {
	c.t.Helper()
	ctx, cancel := chromedp.NewContext(c.root, chromedp.WithNewBrowserContext())
	tb := &tab{t: c.t, name: name, ctx: ctx, base: c.env.URL}
	c.t.Cleanup(func() {
		if c.t.Failed() {
			tb.screenshot()
		}
		cancel()
	})
	if err := chromedp.Do(ctx); err != nil {
		c.t.Fatalf("open tab %s: %v", name, err)
	}
	return tb
}

// timeout is the tab's context with a deadline, for one step.
func (b *tab) timeout(d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(b.ctx, d)
	b.t.Cleanup(cancel)
	return ctx
}

const stepTimeout = 15 * time.Second

var screenshotDir string

// screenshot saves the whole page and logs where.
func (b *tab) screenshot() {
	dir := os.Getenv("PARVIS_SCREENSHOTS")
	if dir == "" {
		if screenshotDir == "" {
			screenshotDir, _ = os.MkdirTemp("", "parvis-screenshots-")
		}
		dir = screenshotDir
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Logf("screenshot: %v", err)
		return
	}
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(90))
	if err != nil {
		b.t.Logf("screenshot of %s (%s): %v", b.name, loc, err)
		return
	}
	name := regexp.MustCompile(`[^A-Za-z0-9_-]+`).ReplaceAllString(b.t.Name()+"-"+b.name, "_") + ".png"
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Logf("screenshot: %v", err)
		return
	}
	b.t.Logf("screenshot of %s at %s saved to %s", b.name, loc, path)
}

// open loads a page and waits for it.
func (b *tab) open(path string) {
	b.t.Helper()
	resp, err := chromedp.Run(b.timeout(stepTimeout), chromedp.NavigateResponse(b.base+path))
	if err != nil {
		b.t.Fatalf("%s: open %s: %v", b.name, path, err)
	}
	if resp != nil && resp.Status >= 500 {
		b.t.Fatalf("%s: open %s: status %d", b.name, path, resp.Status)
	}
}

// path is the current page's path and query.
func (b *tab) path() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.timeout(stepTimeout), chromedp.Location())
	if err != nil {
		b.t.Fatalf("%s: location: %v", b.name, err)
	}
	u, err := url.Parse(loc)
	if err != nil {
		b.t.Fatalf("%s: location %q: %v", b.name, loc, err)
	}
	return u.RequestURI()
}

// typeIn types text at the end of a field: it focuses the field, as a
// click would, and the browser inserts the text as from a keyboard's
// input method (one input event, where key by key would cost a round
// trip per character).
func (b *tab) typeIn(sel, text string) {
	b.t.Helper()
	err := chromedp.Do(b.timeout(stepTimeout), chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Focus(chromedp.CSS(sel)))
	if err == nil {
		eval[bool](b, `(() => { const e = document.activeElement;
			if (e && e.setSelectionRange && e.type !== 'email') e.setSelectionRange(e.value.length, e.value.length);
			return true; })()`)
		err = chromedp.Do(b.timeout(stepTimeout), func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
			_, err := cdp.Call(ctx, t, input.InsertText, input.InsertTextParams{Text: text})
			return chromedp.Void{}, err
		})
	}
	if err != nil {
		b.t.Fatalf("%s: type in %s: %v", b.name, sel, err)
	}
}

// clear empties a field.
func (b *tab) clear(sel string) {
	b.t.Helper()
	if !eval[bool](b, fmt.Sprintf(`(() => { const e = document.querySelector(%s); if (!e) return false; e.value = ''; return true; })()`, jsString(sel))) {
		b.t.Fatalf("%s: clear %s: no such field", b.name, sel)
	}
}

// choose picks an option of a select.
func (b *tab) choose(sel, value string) {
	b.t.Helper()
	if err := chromedp.Do(b.timeout(stepTimeout), chromedp.SetValue(chromedp.CSS(sel), value)); err != nil {
		b.t.Fatalf("%s: choose %s in %s: %v", b.name, value, sel, err)
	}
}

// click clicks an element; nothing waits for a page load.
func (b *tab) click(sel string) {
	b.t.Helper()
	if err := chromedp.Do(b.timeout(stepTimeout), chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible)); err != nil {
		b.t.Fatalf("%s: click %s: %v", b.name, sel, err)
	}
}

// clickAndLoad clicks an element that loads a new page (a link, a form's
// button) and waits for that page.
func (b *tab) clickAndLoad(sel string) {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.timeout(stepTimeout), chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		b.t.Fatalf("%s: click %s and wait for the page: %v", b.name, sel, err)
	}
	if resp != nil && resp.Status >= 500 {
		b.t.Fatalf("%s: click %s: status %d", b.name, sel, resp.Status)
	}
}

// upload puts files in a file input.
func (b *tab) upload(sel string, files ...string) {
	b.t.Helper()
	if err := chromedp.Do(b.timeout(stepTimeout), chromedp.SetUploadFiles(chromedp.CSS(sel), files)); err != nil {
		b.t.Fatalf("%s: upload to %s: %v", b.name, sel, err)
	}
}

// eval runs a script in the page and decodes its value.
func eval[T any](b *tab, js string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.timeout(stepTimeout), chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("%s: evaluate %s: %v", b.name, js, err)
	}
	return v
}

// waitUntil polls a script until it is true.
func (b *tab) waitUntil(what, js string, d time.Duration) {
	b.t.Helper()
	ctx := b.timeout(d)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		if err == nil && ok {
			return
		}
		select {
		case <-ctx.Done():
			b.t.Fatalf("%s: waited %s for %s (%s): %v", b.name, d, what, js, errors.Join(err, ctx.Err()))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// has reports whether a selector matches something on the page.
func (b *tab) has(sel string) bool {
	b.t.Helper()
	return eval[bool](b, fmt.Sprintf("document.querySelector(%s) !== null", jsString(sel)))
}

// text is the visible text of the first match of sel ("" when none).
func (b *tab) text(sel string) string {
	b.t.Helper()
	return eval[string](b, fmt.Sprintf("(document.querySelector(%s)||{innerText:''}).innerText", jsString(sel)))
}

// mark sets a variable in the page's window; it survives only as long as
// the page is not reloaded.
func (b *tab) mark() {
	b.t.Helper()
	eval[bool](b, "window.__parvisMark = true")
}

// marked reports whether the page was not reloaded since mark.
func (b *tab) marked() bool {
	b.t.Helper()
	return eval[bool](b, "window.__parvisMark === true")
}

// disableScripts turns JavaScript off for the pages loaded next.
func (b *tab) disableScripts() {
	b.t.Helper()
	err := chromedp.Do(b.timeout(stepTimeout), func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return chromedp.Void{}, err
	})
	if err != nil {
		b.t.Fatalf("%s: disable scripts: %v", b.name, err)
	}
}

// viewport sets the window's size, as a phone's.
func (b *tab) viewport(w, h int64, mobile bool) {
	b.t.Helper()
	var opts []chromedp.EmulateViewportOption
	if mobile {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	if err := chromedp.Do(b.timeout(stepTimeout), chromedp.EmulateViewport(w, h, opts...)); err != nil {
		b.t.Fatalf("%s: viewport: %v", b.name, err)
	}
}

// acceptLanguage sets the Accept-Language header the tab sends.
func (b *tab) acceptLanguage(lang string) {
	b.t.Helper()
	err := chromedp.Do(b.timeout(stepTimeout), func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
			Headers: network.Headers{"Accept-Language": lang}})
		return chromedp.Void{}, err
	})
	if err != nil {
		b.t.Fatalf("%s: accept-language: %v", b.name, err)
	}
}

// logIn signs in through the login form.
func (b *tab) logIn(username, password string) {
	b.t.Helper()
	b.open("/login")
	b.typeIn("#login", username)
	b.typeIn("#password", password)
	b.clickAndLoad("form.form button[type=submit]")
	if b.has("#form-error") {
		b.t.Fatalf("%s: log in as %s refused: %s", b.name, username, b.text("#form-error"))
	}
}

func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`).Replace(s) + "'"
}

// writePNG makes a real picture (a gradient with a disc) for uploads.
func writePNG(t *testing.T, w, h int) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{uint8(255 * x / w), uint8(255 * y / h), 160, 255}
			if dx, dy := x-w/2, y-h/2; dx*dx+dy*dy < (h/3)*(h/3) {
				c = color.RGBA{250, 200, 40, 255}
			}
			img.Set(x, y, c)
		}
	}
	path := filepath.Join(t.TempDir(), "sunrise.png")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	return path
}
