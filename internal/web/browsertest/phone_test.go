package browsertest

import (
	"fmt"
	"strings"
	"testing"

	"parvis/internal/model"
	"parvis/internal/social"
)

// overflowScript finds what sticks out of a page wider than the screen.
const overflowScript = `(() => {
	const w = document.documentElement.clientWidth;
	if (document.documentElement.scrollWidth <= w + 1) return '';
	const clipped = e => { for (let p = e.parentElement; p; p = p.parentElement) {
		if (['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(p).overflowX)) return true; } return false; };
	// What sticks out: a box, or the text in a box.
	const wide = Array.from(document.querySelectorAll('body *')).filter(e =>
		(e.getBoundingClientRect().right > w + 1 || e.getBoundingClientRect().left + e.scrollWidth > w + 1) && !clipped(e));
	const leaf = wide.filter(e => !wide.some(o => o !== e && e.contains(o)));
	return 'page ' + document.documentElement.scrollWidth + ' px wide for ' + w + ': ' +
		leaf.slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && e.className.baseVal === undefined ? '.' + e.className.split(' ').join('.') : '') +
		' (' + Math.round(e.getBoundingClientRect().right) + ')').join(', ');
})()`

// On a phone's width (390 px), the main pages fit: nothing scrolls
// sideways, even with long words and links in posts.
func TestPhoneWidthHasNoSidewaysScroll(t *testing.T) {
	markupOnly(t)
	w := newWorld(t)
	w.person("alice")
	w.person("bob")
	cid := w.community("alice", "jardins", "Jardins partagés")
	comm, _ := model.ParseID(cid)
	long := w.publish("alice", social.PostInput{Text: "Anticonstitutionnellementissimementextraordinairement " +
		"https://example.org/un/chemin/tres/long/qui/ne/finit/jamais/vraiment/avant/la/fin/de/la/ligne?avec=des&parametres=nombreux #jardinage"})
	w.publish("bob", social.PostInput{Text: "@alice une question sur le compost ?", InReplyToID: long.ID})
	w.form("bob", "/c/jardins", "/c/jardins/join", nil)
	w.publish("bob", social.PostInput{Text: "Qui a des graines ?", CommunityID: comm})
	if err := w.env.App.Service.Favourite(t.Context(), w.actor("bob"), long.ID); err != nil {
		t.Fatal(err)
	}

	anon := w.chrome.tab("phone-visitor")
	anon.viewport(390, 844, true)
	alice := w.chrome.tab("phone-alice")
	alice.viewport(390, 844, true)
	alice.adopt(w.http["alice"])
	pages := map[*tab][]string{
		anon: {"/", "/signup", "/login", "/public/local", "/communities", "/about", threadOf(long, "alice")},
		alice: {"/", "/public/local", "/public", "/tags/jardinage", "/@alice", threadOf(long, "alice"), "/c/jardins",
			"/replies", "/notifications", "/conversations", "/connections", "/search?q=compost", "/insights", "/settings",
			"/compose"},
	}
	var bad []string
	for _, b := range []*tab{anon, alice} {
		for _, p := range pages[b] {
			b.open(p)
			if msg := eval[string](b, overflowScript); msg != "" {
				bad = append(bad, fmt.Sprintf("%s (%s): %s", p, b.name, msg))
			}
		}
	}
	if len(bad) > 0 {
		t.Errorf("pages scroll sideways at 390 px:\n%s", strings.Join(bad, "\n"))
	}
	// The navigation stays usable: every link in it is on screen or
	// reachable by scrolling down, none is cut off at the side.
	alice.open("/")
	if n := eval[int](alice, `Array.from(document.querySelectorAll('header nav a, header nav button')).filter(e => {
		const r = e.getBoundingClientRect(); return r.width < 1 || r.right > document.documentElement.clientWidth + 1; }).length`); n > 0 {
		t.Errorf("%d navigation links are hidden or cut off at 390 px", n)
	}
}
