package browsertest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"parvis/internal/server/servertest"
)

// adopt gives the tab the cookies (the session) of an HTTP client that
// logged in, which is quicker than logging in again through the form.
func (b *tab) adopt(h *servertest.Browser) {
	b.t.Helper()
	u, _ := url.Parse(b.base)
	var cookies []*network.CookieParam
	for _, c := range h.HTTP.Jar.Cookies(u) {
		cookies = append(cookies, &network.CookieParam{Name: c.Name, Value: c.Value, URL: b.base + "/", HTTPOnly: true})
	}
	err := chromedp.Do(b.timeout(stepTimeout), func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, network.SetCookies, network.SetCookiesParams{Cookies: cookies})
		return chromedp.Void{}, err
	})
	if err != nil {
		b.t.Fatalf("%s: set cookies: %v", b.name, err)
	}
}

// withAxe loads axe-core (testdata/axe.min.js) in every page the tab
// opens from now on.
func (b *tab) withAxe() {
	b.t.Helper()
	src, err := os.ReadFile("testdata/axe.min.js")
	if err != nil {
		b.t.Fatalf("read axe-core: %v", err)
	}
	err = chromedp.Do(b.timeout(stepTimeout), func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: string(src)})
		return chromedp.Void{}, err
	})
	if err != nil {
		b.t.Fatalf("%s: load axe-core: %v", b.name, err)
	}
}

// violation is one axe rule broken on a page.
type violation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

// axeScript runs axe-core on the page for the WCAG 2.1 A and AA rules and
// best practices, and returns the serious and critical violations.
const axeScript = `(async () => {
	const r = await axe.run(document, {
		runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
		resultTypes: ['violations'],
	});
	return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => ({
		id: v.id, impact: v.impact, help: v.help,
		targets: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '').split('\n').slice(1, 2).join('')),
	}));
})()`

// check opens a page and returns its serious and critical violations.
func (b *tab) axe(path string) []violation {
	b.t.Helper()
	t0 := time.Now()
	b.open(path)
	b.waitUntil("axe-core to load", "typeof axe === 'object' && document.readyState === 'complete'", 30*time.Second)
	t1 := time.Now()
	v, err := chromedp.Run(b.timeout(2*time.Minute), chromedp.Evaluate[[]violation](axeScript, chromedp.EvalAwaitPromise))
	if os.Getenv("PARVIS_AXE_TIMES") != "" {
		b.t.Logf("%s: load %v, axe %v", path, t1.Sub(t0).Round(time.Millisecond), time.Since(t1).Round(time.Millisecond))
	}
	if err != nil {
		b.t.Fatalf("%s: axe on %s: %v", b.name, path, err)
	}
	return v
}

// Every kind of page, as each kind of visitor sees it, in English and in
// French, has no serious or critical accessibility violation that
// axe-core finds (contrast, labels, names, landmarks, language...).
func TestEveryPageIsAccessible(t *testing.T) {
	markupOnly(t)
	needChromium(t)
	w := richWorld(t)
	w.chrome = startChrome(t, w.env)
	visits := crawlAll(t, w, 300, 1)
	// One visit per kind of page, by the first visitor that reached it,
	// so that the suite stays quick.
	done := map[string]bool{}
	type pageFor struct{ who, path string }
	var pages []pageFor
	for _, v := range visits {
		for _, p := range v.paths {
			u, _ := url.Parse(p)
			s := kind(u)
			if done[s] {
				continue
			}
			done[s] = true
			pages = append(pages, pageFor{v.who, p})
		}
	}
	tabs := map[string]*tab{}
	tabFor := func(who, lang string) *tab {
		key := who + "/" + lang
		if b, ok := tabs[key]; ok {
			return b
		}
		name := who
		if name == "" {
			name = "visitor"
		}
		b := w.chrome.tab(name + "-" + lang)
		b.acceptLanguage(lang)
		b.withAxe()
		if who != "" {
			b.adopt(w.http[who])
			if lang == "fr" {
				// A logged-in person's language is their setting: they
				// change it with the picker at the foot of each page,
				// which submits itself.
				b.open("/")
				eval[bool](b, `(() => { const s = document.getElementById('lang-select'); s.value = 'fr';
					s.dispatchEvent(new Event('change')); return true; })()`)
				b.waitUntil("the page in French", "document.documentElement.lang === 'fr' && document.readyState === 'complete'", stepTimeout)
			}
		}
		tabs[key] = b
		return b
	}
	// axe-core does find what it looks for: a picture without a text
	// alternative and a field without a label, added to a page.
	probe := tabFor("", "en")
	probe.open("/about")
	eval[bool](probe, `(() => { const m = document.querySelector('main');
		m.insertAdjacentHTML('beforeend', '<img src="/static/favicon.svg"><input type="text">'); return true; })()`)
	found, err := chromedp.Run(probe.timeout(30*time.Second), chromedp.Evaluate[[]violation](axeScript, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe on the probe: %v", err)
	}
	if ids := violationIDs(found); !slices.Contains(ids, "image-alt") || !slices.Contains(ids, "label") {
		t.Fatalf("axe-core did not find a missing alt text and a missing label (found %v)", ids)
	}
	var report []string
	checked := 0
	check := func(who, lang, path string) {
		b := tabFor(who, lang)
		checked++
		for _, v := range b.axe(path) {
			report = append(report, fmt.Sprintf("%s (%s, %s): %s [%s] %s\n\t%s", path, orAnon(who), lang, v.ID, v.Impact, v.Help,
				strings.Join(v.Targets, "\n\t")))
		}
	}
	for _, p := range pages {
		check(p.who, "en", p.path)
	}
	// French pages too: the main ones, anonymous and logged in.
	for _, p := range []pageFor{{"", "/"}, {"", "/signup"}, {"", "/public/local"}, {"alice", "/"}, {"alice", "/replies"},
		{"alice", "/insights"}, {"admin", "/admin"}, {"alice", "/c/jardins"}} {
		check(p.who, "fr", p.path)
	}
	// The French tab really gets French pages.
	if lang := eval[string](tabFor("alice", "fr"), "document.documentElement.lang"); lang != "fr" {
		t.Errorf("the French visitor gets pages in %q", lang)
	}
	slices.Sort(report)
	if len(report) > 0 {
		t.Errorf("%d serious or critical accessibility violations on %d pages checked:\n%s", len(report), checked, strings.Join(report, "\n"))
	}
	t.Logf("axe-core checked %d pages", checked)
}

func orAnon(who string) string {
	if who == "" {
		return "anonymous"
	}
	return who
}

func violationIDs(vs []violation) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.ID)
	}
	return out
}

// markupOnly skips a test of the pages' markup alone on PostgreSQL: the
// pages are the same on both engines, and the SQLite pass checks them.
func markupOnly(t *testing.T) {
	t.Helper()
	if os.Getenv("PARVIS_TEST_DATABASE_URL") != "" {
		t.Skip("the markup is the same on both engines: checked in the SQLite pass")
	}
}
