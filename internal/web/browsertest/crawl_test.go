package browsertest

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"parvis/internal/model"
	"parvis/internal/server/servertest"
	"parvis/internal/social"
	"parvis/internal/store"
	"parvis/internal/web"
)

// richWorld fills a server with something of everything the pages show:
// posts with images, content warnings, edits, boosts, hashtags; a locked
// account with a follow request; communities with members, a join
// request and reports; connections and an introduction; a direct
// conversation; mentions awaiting a reply; an integrity finding; a
// sign-up awaiting approval.
func richWorld(t *testing.T) *world {
	t.Helper()
	env := servertest.New(t, servertest.Options{})
	w := &world{t: t, env: env, http: map[string]*servertest.Browser{}}
	w.admin = env.CreateAdmin(t, "admin", adminPassword)
	w.http["admin"] = w.admin
	for _, n := range []string{"alice", "bob", "carol", "dave"} {
		w.person(n)
	}
	ctx := context.Background()
	svc := env.App.Service
	alice, bob, carol, dave := w.actor("alice"), w.actor("bob"), w.actor("carol"), w.actor("dave")

	// Profiles: carol approves her followers.
	w.form("carol", "/settings", "/settings/profile", url.Values{"display_name": {"Carol C."}, "note": {"Maraîchère #bio"}, "locked": {"on"}})
	w.form("dave", "/@carol", fmt.Sprintf("/accounts/%d/follow", carol.Account.ID), url.Values{"next": {"/@carol"}})
	w.form("bob", "/@alice", fmt.Sprintf("/accounts/%d/follow", alice.Account.ID), url.Values{"next": {"/@alice"}})
	w.form("alice", "/@bob", fmt.Sprintf("/accounts/%d/follow", bob.Account.ID), url.Values{"next": {"/@bob"}})

	// Posts: an image, a content warning, a hashtag, an edit, a boost.
	var pic bytes.Buffer
	f, err := os.Open(writePNG(t, 64, 48))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(&pic, img); err != nil {
		t.Fatal(err)
	}
	m, err := svc.Upload(ctx, alice, social.MediaInput{File: &pic, Description: "A yellow disc on a gradient"})
	if err != nil {
		t.Fatal(err)
	}
	photo := w.publish("alice", social.PostInput{Text: "Le potager au lever du jour #jardin", MediaIDs: []int64{m.ID}})
	cw := w.publish("alice", social.PostInput{Text: "La récolte a été maigre", SpoilerText: "météo"})
	if _, err := svc.Edit(ctx, alice, cw.ID, social.PostInput{Text: "La récolte a été maigre cette année", SpoilerText: "météo"}); err != nil {
		t.Fatal(err)
	}
	question := w.publish("bob", social.PostInput{Text: "@alice tu viens à l'atelier samedi ? https://example.org/atelier"})
	w.publish("alice", social.PostInput{Text: "@bob oui !", InReplyToID: question.ID})
	w.publish("carol", social.PostInput{Text: "@alice as-tu des graines ?"})
	if _, err := svc.Reblog(ctx, bob, photo.ID, ""); err != nil {
		t.Fatal(err)
	}
	for _, a := range []*social.Actor{bob, carol} {
		if err := svc.Favourite(ctx, a, photo.ID); err != nil {
			t.Fatal(err)
		}
	}
	if err := svc.Bookmark(ctx, alice, question.ID, true); err != nil {
		t.Fatal(err)
	}
	if err := svc.Favourite(ctx, alice, question.ID); err != nil {
		t.Fatal(err)
	}
	w.publish("alice", social.PostInput{Text: "@bob un message rien que pour toi", Visibility: "direct"})

	// Communities: an open one with a thread and a report, one on approval
	// with a request waiting.
	cid := w.community("alice", "jardins", "Jardins partagés")
	comm, _ := model.ParseID(cid)
	if _, err := svc.Join(ctx, bob, comm); err != nil {
		t.Fatal(err)
	}
	thread := w.publish("bob", social.PostInput{Text: "Qui a des graines de fèves ?", CommunityID: comm})
	// A deep branch, folded on the thread's page.
	parent := thread.ID
	for i := range 5 {
		who := []string{"alice", "bob"}[i%2]
		parent = w.publish(who, social.PostInput{Text: fmt.Sprintf("Réponse %d", i), InReplyToID: parent}).ID
	}
	if _, err := svc.Report(ctx, carol, social.ReportInput{AccountID: bob.Account.ID, PostID: thread.ID, CommunityID: comm,
		Category: "spam", Comment: "Hors sujet"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Report(ctx, carol, social.ReportInput{AccountID: dave.Account.ID, Category: "other", Comment: "Comportement"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateCommunity(ctx, bob, social.CommunityInput{Name: "velos", DisplayName: "Vélos",
		Description: "Réparer ensemble", Membership: "approval", Rules: []string{"Être aimable"}}); err != nil {
		t.Fatal(err)
	}
	w.form("dave", "/c/velos", "/c/velos/join", nil)

	// Connections and an introduction.
	if _, err := svc.RequestConnection(ctx, alice, bob.Account.ID, "On s'est vus à l'atelier"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AnswerConnection(ctx, bob, alice.Account.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RequestConnection(ctx, dave, alice.Account.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RequestConnection(ctx, alice, carol.Account.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AnswerConnection(ctx, carol, alice.Account.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Introduce(ctx, alice, bob.Account.ID, carol.Account.ID, "Vous aimez tous deux le compost"); err != nil {
		t.Fatal(err)
	}

	// Fake engagement, caught by a scan, for the review queue.
	socks := w.crowd("sock", 12)
	var brandPosts []*model.Post
	for i := range 10 {
		brandPosts = append(brandPosts, w.publish("dave", social.PostInput{Text: fmt.Sprintf("Promo numéro %d", i)}))
	}
	for _, p := range brandPosts {
		for _, s := range socks {
			if err := svc.Favourite(ctx, s, p.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := svc.IntegrityScan(ctx, social.ScanOptions{}); err != nil {
		t.Fatal(err)
	}

	// A sign-up awaiting approval.
	w.form("admin", "/admin", "/admin/registrations", url.Values{"registrations": {"approval"}})
	late := env.Browser(t)
	late.Post("/signup", "/signup", url.Values{"username": {"eve"}, "password": {password("eve")},
		"password_confirm": {password("eve")}, "email": {"eve@example.org"}, "note": {"Je jardine aussi"}})
	return w
}

// crowd creates n accounts at once, straight in the database (they never
// log in, and sign-ups are rate-limited).
func (w *world) crowd(prefix string, n int) []*social.Actor {
	w.t.Helper()
	ctx := context.Background()
	var out []*social.Actor
	err := w.env.App.DB.Tx(ctx, func(tx *store.Tx) error {
		for i := range n {
			a := &model.Account{Username: fmt.Sprintf("%s%d", prefix, i), Discoverable: true}
			if err := tx.CreateAccount(ctx, a); err != nil {
				return err
			}
			u, err := tx.CreateUser(ctx, a.ID, store.NewUser{PasswordHash: "x", Role: model.RoleUser, Approved: true})
			if err != nil {
				return err
			}
			out = append(out, &social.Actor{User: u, Account: a})
		}
		return nil
	})
	if err != nil {
		w.t.Fatalf("create %d people: %v", n, err)
	}
	return out
}

var hrefRE = regexp.MustCompile(`href="([^"]+)"`)

// skipPath tells the links a crawl does not follow: files, feeds, the
// event streams, exports, and more pages of the same list.
func skipPath(p string) bool {
	for _, pre := range []string{"/static/", "/media/", "/insights/export/", "/.well-known/", "/api/", "/users/", "/oauth/"} {
		if strings.HasPrefix(p, pre) {
			return true
		}
	}
	return strings.HasSuffix(p, "/events") || strings.HasSuffix(p, "/fragment") || strings.Contains(p, ".json")
}

var digitsRE = regexp.MustCompile(`\d+`)

// shape is a page's path with ids and query values blanked, so that a
// crawl visits a few pages of each kind.
func shape(u *url.URL) string {
	keys := make([]string, 0, len(u.Query()))
	for k := range u.Query() {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return digitsRE.ReplaceAllString(u.Path, "N") + "?" + strings.Join(keys, "&")
}

var namesRE = regexp.MustCompile(`^/(@|c/|tags/)[^/]+`)

// kind is coarser than shape: whose page it is and what the query asks
// do not matter, so that the browser checks each kind of page once.
func kind(u *url.URL) string {
	return namesRE.ReplaceAllString(digitsRE.ReplaceAllString(u.Path, "N"), "/${1}X")
}

// crawl follows the links of the pages that b can see, from start, and
// returns the pages it found (at most perShape of each shape, at most
// limit in all), in the order visited.
func crawl(t *testing.T, env *servertest.Env, b *servertest.Browser, limit, perShape int, start ...string) []string {
	t.Helper()
	base, _ := url.Parse(env.URL)
	seen := map[string]bool{}
	shapes := map[string]int{}
	queue := append([]string(nil), start...)
	var out []string
	for len(queue) > 0 && len(out) < limit {
		p := queue[0]
		queue = queue[1:]
		if seen[p] {
			continue
		}
		seen[p] = true
		u, err := url.Parse(p)
		if err != nil {
			continue
		}
		if s := shape(u); shapes[s] >= perShape {
			continue
		} else {
			shapes[s]++
		}
		r := b.Get(p)
		if r.Status >= 500 {
			t.Errorf("GET %s: status %d", p, r.Status)
			continue
		}
		if r.Status == http.StatusSeeOther || r.Status == http.StatusFound {
			if loc, err := base.Parse(r.Location); err == nil && loc.Host == base.Host {
				queue = append(queue, loc.RequestURI())
			}
			continue
		}
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
			continue
		}
		out = append(out, p)
		for _, m := range hrefRE.FindAllStringSubmatch(r.Body, -1) {
			raw := strings.ReplaceAll(m[1], "&amp;", "&")
			ref, err := base.Parse(raw)
			if err != nil || ref.Host != base.Host || (ref.Scheme != "http" && ref.Scheme != "https") {
				continue
			}
			ref.Fragment = ""
			next := ref.RequestURI()
			if !skipPath(ref.Path) && !seen[next] {
				queue = append(queue, next)
			}
		}
	}
	return out
}

// visits are the pages each kind of visitor gets to by following links,
// plus those that no link leads to (error pages, forms reached by a
// button).
type visit struct {
	who   string // "" for an anonymous visitor
	paths []string
}

func crawlAll(t *testing.T, w *world, limit, perShape int) []visit {
	t.Helper()
	extra := []string{"/no/such/page", "/@nobody", "/password/forgot", "/password/reset/not-a-token", "/login", "/signup", "/about",
		"/communities/new", "/compose", "/settings", "/settings/aliases", "/settings/move", "/settings/delete", "/insights/settings", "/follow_requests", "/suggestions", "/network",
		"/introductions", "/admin/moderation", "/admin/log", "/c/jardins/moderation", "/c/jardins/moderation/log", "/c/jardins/settings",
		"/c/velos/moderation", "/search?q=jardin", "/search?q=%23jardin", "/search?q=%40alice", "/tags/jardin"}
	var out []visit
	anon := w.env.Browser(t)
	out = append(out, visit{"", crawl(t, w.env, anon, limit, perShape, append([]string{"/"}, extra...)...)})
	for _, who := range []string{"alice", "admin", "bob", "carol", "dave"} {
		b := w.http[who]
		if who == "admin" {
			b = w.admin
		}
		start := append([]string{"/"}, extra...)
		// Pages reached through forms rather than links.
		start = append(start, "/posts/"+firstPostOf(t, b, who)+"/edit", "/posts/"+firstPostOf(t, b, who)+"/report")
		out = append(out, visit{who, crawl(t, w.env, b, limit, perShape, start...)})
	}
	return out
}

var articleRE = regexp.MustCompile(`<article class="post[^"]*" id="p-(\d+)"`)

func firstPostOf(t *testing.T, b *servertest.Browser, who string) string {
	t.Helper()
	m := articleRE.FindStringSubmatch(b.Get("/@" + who).Body)
	if m == nil {
		return "1"
	}
	return m[1]
}

// Every template is executed at least once by a crawl of the pages as
// every kind of visitor, so none can rot unseen (and the accessibility
// check below sees every one).
func TestEveryTemplateIsExecuted(t *testing.T) {
	var mu sync.Mutex
	ran := map[string]bool{}
	stop := web.TraceTemplates(func(name string) {
		mu.Lock()
		ran[name] = true
		mu.Unlock()
	})
	defer stop()
	w := richWorld(t)
	visits := crawlAll(t, w, 400, 3)
	// What parvis.js asks for: a post's fragment, and the answers to
	// fetched forms.
	alice := w.http["alice"]
	id := firstPostOf(t, alice, "alice")
	alice.Get("/posts/" + id + "/fragment?depth=2")
	alice.Get("/")
	req, _ := http.NewRequest(http.MethodPost, w.env.URL+"/posts/"+id+"/bookmark", strings.NewReader(url.Values{"csrf": {alice.CSRF()}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Parvis-Fragment", "actions")
	alice.Do(req)
	// A refused form comes back with its message.
	alice.Post("/compose", "/compose", url.Values{"text": {strings.Repeat("trop long ", 100)}})

	n := 0
	for _, v := range visits {
		n += len(v.paths)
	}
	stop()
	mu.Lock()
	defer mu.Unlock()
	var never []string
	for _, name := range web.TemplateNames() {
		if !ran[name] {
			never = append(never, name)
		}
	}
	if len(never) > 0 {
		t.Errorf("%d of %d templates were never executed by a crawl of %d pages: %s", len(never), len(web.TemplateNames()), n,
			strings.Join(never, ", "))
	}
	if len(web.TemplateNames()) < 40 {
		t.Errorf("only %d templates known: the tracing lost some", len(web.TemplateNames()))
	}
}
