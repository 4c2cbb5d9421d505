package web_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"parvis/internal/model"
	"parvis/internal/server/servertest"
	"parvis/internal/social"
	"parvis/internal/store"
)

// site is a running server with an admin, for the broadcasting pages.
type site struct {
	t   testing.TB
	env *servertest.Env
}

func newSite(tb testing.TB) *site {
	tb.Helper()
	env := servertest.New(tb, servertest.Options{})
	env.CreateAdmin(tb, "admin", "correct horse battery")
	return &site{t: tb, env: env}
}

// person signs someone up and returns their browser.
func (s *site) person(name string) *servertest.Browser {
	s.t.Helper()
	return s.env.SignUp(s.t, name, "the password of "+name)
}

// actor loads a person for calling the use cases directly (to set up
// many posts quickly).
func (s *site) actor(name string) *social.Actor {
	s.t.Helper()
	ctx := context.Background()
	q := s.env.App.DB.Read()
	a, err := q.AccountByUsername(ctx, name, "")
	if err != nil {
		s.t.Fatalf("load %s: %v", name, err)
	}
	u, err := q.UserByAccountID(ctx, a.ID)
	if err != nil {
		s.t.Fatalf("load user %s: %v", name, err)
	}
	return &social.Actor{User: u, Account: a}
}

func (s *site) publish(name string, in social.PostInput) *model.Post {
	s.t.Helper()
	p, err := s.env.App.Service.Publish(context.Background(), s.actor(name), in)
	if err != nil {
		s.t.Fatalf("publish as %s: %v", name, err)
	}
	return p
}

// upload is a file for a multipart form.
type upload struct {
	field, name string
	data        []byte
}

// postMultipart submits a multipart form from page (fetched first for its
// CSRF token) to action, as a browser does for the compose form.
func (s *site) postMultipart(b *servertest.Browser, page, action string, fields url.Values, files ...upload) servertest.Response {
	s.t.Helper()
	b.Get(page)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf", b.CSRF())
	for k, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	for _, f := range files {
		w, err := mw.CreateFormFile(f.field, f.name)
		if err != nil {
			s.t.Fatal(err)
		}
		_, _ = w.Write(f.data)
	}
	_ = mw.Close()
	req, err := http.NewRequest(http.MethodPost, s.env.URL+action, &body)
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept-Language", "en")
	return b.Do(req)
}

// smallPNG is a 16×12 image.
func smallPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 12))
	for x := 0; x < 16; x++ {
		for y := 0; y < 12; y++ {
			img.Set(x, y, color.RGBA{uint8(x * 16), uint8(y * 20), 120, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// eventually polls until cond holds: fan-out and notifications run as
// background jobs.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

var postIDRE = regexp.MustCompile(`id="p-(\d+)"`)

// firstPostID is the id of the first post of a page.
func firstPostID(t *testing.T, body string) string {
	t.Helper()
	m := postIDRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no post on the page:\n%s", body)
	}
	return m[1]
}

// count reads a count shown on a page's first post.
func count(t *testing.T, body, name string) string {
	t.Helper()
	m := regexp.MustCompile(`data-count="` + name + `">(\d+)<`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s count on the page", name)
	}
	return m[1]
}

func TestComposeWithImageShowsEverywhereAndReplies(t *testing.T) {
	s := newSite(t)
	alice := s.person("alice")
	r := s.postMultipart(alice, "/", "/compose", url.Values{"text": {"Le marché de #Lyon ce matin"},
		"alt_1": {"Des cageots de tomates au soleil"}, "visibility": {"public"}, "next": {"/"}},
		upload{"media_1", "marche.png", smallPNG(t)})
	if r.Status != http.StatusSeeOther || r.Location != "/" {
		t.Fatalf("publish: got %d to %q, want 303 to /: %s", r.Status, r.Location, r.Body)
	}
	home := alice.Get("/")
	if !strings.Contains(home.Body, "Published.") {
		t.Errorf("no confirmation after publishing")
	}
	id := firstPostID(t, home.Body)
	thread := "/@alice/" + id
	media := regexp.MustCompile(`<img src="(http://[^"]+/media/attachments/[^"]+)" alt="Des cageots de tomates au soleil"`)
	for _, page := range []string{"/", "/public/local", "/public", "/@alice", "/@alice/media", thread, "/tags/lyon"} {
		body := alice.Get(page).Body
		if !strings.Contains(body, "Le marché de") || !media.MatchString(body) {
			t.Errorf("%s does not show the post with its image and alt text", page)
		}
	}
	page := alice.Get(thread)
	if page.Status != http.StatusOK {
		t.Fatalf("thread page: got %d", page.Status)
	}
	// The permalink is the thread page itself.
	if !strings.Contains(page.Body, `class="when u-url" href="`+s.env.URL+thread+`"`) {
		t.Errorf("the post's permalink is not %s", thread)
	}
	img := media.FindStringSubmatch(page.Body)[1]
	resp, err := http.Get(img)
	if err != nil || resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "image/") {
		t.Fatalf("thumbnail %s: %v %v", img, err, resp)
	}
	resp.Body.Close()

	// Bob answers from the thread page; the reply shows under the post,
	// indented, with its reply context.
	bob := s.person("bob")
	form := bob.Get(thread).Body
	if !strings.Contains(form, `name="in_reply_to" value="`+id+`"`) || !strings.Contains(form, "@alice </textarea>") {
		t.Fatalf("the thread page has no reply form mentioning alice")
	}
	r = bob.Post(thread, "/compose", url.Values{"text": {"@alice superbes tomates !"}, "in_reply_to": {id},
		"next": {thread}, "visibility": {"public"}})
	if r.Status != http.StatusSeeOther || r.Location != thread {
		t.Fatalf("reply: got %d to %q: %s", r.Status, r.Location, r.Body)
	}
	page = bob.Get(thread)
	if !regexp.MustCompile(`(?s)class="post h-entry depth-1" id="p-\d+">.*superbes tomates`).MatchString(page.Body) {
		t.Fatalf("the reply is not shown indented under the post:\n%s", page.Body)
	}
	if !strings.Contains(page.Body, `In reply to <a href="/@alice/`+id+`">@alice</a>`) {
		t.Errorf("the reply has no reply context")
	}
	if got := count(t, page.Body, "replies"); got != "1" {
		t.Errorf("replies count: got %s, want 1", got)
	}
	// A mistyped handle leads to the post's own address.
	if r := bob.Get("/@bob/" + id); r.Status != http.StatusMovedPermanently || r.Location != thread {
		t.Errorf("/@bob/<alice's post>: got %d to %q, want 301 to %s", r.Status, r.Location, thread)
	}
	if r := bob.Get("/@alice/12345"); r.Status != http.StatusNotFound {
		t.Errorf("unknown post: got %d, want 404", r.Status)
	}
}

func TestFollowFromProfileBringsPostsHome(t *testing.T) {
	s := newSite(t)
	s.person("alice")
	bob := s.person("bob")
	profile := bob.Get("/@alice")
	m := regexp.MustCompile(`formaction="(/accounts/\d+/follow)"`).FindStringSubmatch(profile.Body)
	if m == nil {
		t.Fatalf("no follow button on alice's profile")
	}
	if r := bob.Post("/@alice", m[1], nil); r.Status != http.StatusSeeOther || r.Location != "/@alice" {
		t.Fatalf("follow: got %d to %q", r.Status, r.Location)
	}
	if body := bob.Get("/@alice").Body; !strings.Contains(body, "Unfollow") {
		t.Fatalf("the profile does not show the follow")
	}
	if body := s.env.Browser(t).Get("/@alice").Body; !strings.Contains(body, "<strong>1</strong> followers") {
		t.Errorf("alice's follower count is not 1")
	}
	if body := bob.Get("/@alice/followers").Body; !strings.Contains(body, `href="/@bob"`) {
		t.Errorf("bob is not in alice's followers")
	}
	if body := bob.Get("/@bob/following").Body; !strings.Contains(body, `href="/@alice"`) {
		t.Errorf("alice is not in bob's following")
	}
	s.publish("alice", social.PostInput{Text: "Nouvelle récolte de courgettes"})
	eventually(t, "alice's post on bob's home", func() bool {
		return strings.Contains(bob.Get("/").Body, "Nouvelle récolte de courgettes")
	})
	// Alice sees that bob follows her.
	alice := s.env.Browser(t)
	alice.Post("/login", "/login", url.Values{"login": {"alice"}, "password": {"the password of alice"}})
	if body := alice.Get("/@bob").Body; !strings.Contains(body, "Follows you") {
		t.Errorf("bob's profile does not tell alice that he follows her")
	}
}

func TestPostActionsChangeCounts(t *testing.T) {
	s := newSite(t)
	s.person("alice")
	bob := s.person("bob")
	p := s.publish("alice", social.PostInput{Text: "Qui veut des semis ?"})
	id := model.FormatID(p.ID)
	thread := "/@alice/" + id
	steps := []struct {
		action, counter, want string
	}{
		{"favourite", "favourites", "1"},
		{"reblog", "reblogs", "1"},
		{"unfavourite", "favourites", "0"},
		{"favourite", "favourites", "1"},
		{"unreblog", "reblogs", "0"},
	}
	for _, st := range steps {
		r := bob.Post(thread, "/posts/"+id+"/"+st.action, url.Values{"next": {thread}})
		if r.Status != http.StatusSeeOther || r.Location != thread {
			t.Fatalf("%s: got %d to %q", st.action, r.Status, r.Location)
		}
		if got := count(t, bob.Get(thread).Body, st.counter); got != st.want {
			t.Errorf("after %s: %s count is %s, want %s", st.action, st.counter, got, st.want)
		}
	}
	if r := bob.Post(thread, "/posts/"+id+"/bookmark", url.Values{"next": {thread}}); r.Status != http.StatusSeeOther {
		t.Fatalf("bookmark: got %d", r.Status)
	}
	if body := bob.Get("/bookmarks").Body; !strings.Contains(body, "Qui veut des semis") {
		t.Errorf("the bookmarked post is not on /bookmarks")
	}
	if body := bob.Get("/favourites").Body; !strings.Contains(body, "Qui veut des semis") {
		t.Errorf("the favourited post is not on /favourites")
	}
	// With JavaScript the form is sent by fetch, with the token in a
	// header, and the answer is the post's new action bar.
	bob.Get(thread)
	req, _ := http.NewRequest(http.MethodPost, s.env.URL+"/posts/"+id+"/unbookmark",
		strings.NewReader(url.Values{"next": {thread}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-CSRF-Token", bob.CSRF())
	req.Header.Set("X-Parvis-Fragment", "actions")
	r := bob.Do(req)
	if r.Status != http.StatusOK || !strings.HasPrefix(strings.TrimSpace(r.Body), `<div class="actions"`) ||
		!strings.Contains(r.Body, `formaction="/posts/`+id+`/bookmark"`) || !strings.Contains(r.Body, `formaction="/posts/`+id+`/unfavourite"`) {
		t.Fatalf("fetch unbookmark: got %d:\n%s", r.Status, r.Body)
	}
	if body := bob.Get("/bookmarks").Body; strings.Contains(body, "Qui veut des semis") {
		t.Errorf("the post is still bookmarked")
	}
	// Anonymous visitors see the counts, and no action form.
	anon := s.env.Browser(t).Get(thread).Body
	if got := count(t, anon, "favourites"); got != "1" || strings.Contains(anon, "/favourite\"") {
		t.Errorf("anonymous thread page: favourites %s, or an action form is offered", got)
	}
	if r := s.env.Browser(t).Post(thread, "/posts/"+id+"/favourite", nil); r.Status != http.StatusSeeOther ||
		!strings.HasPrefix(r.Location, "/login") {
		t.Errorf("anonymous favourite: got %d to %q, want the login page", r.Status, r.Location)
	}
}

func TestOwnPostsCanBeEditedPinnedAndDeleted(t *testing.T) {
	s := newSite(t)
	alice := s.person("alice")
	bob := s.person("bob")
	p := s.publish("alice", social.PostInput{Text: "Première version"})
	id := model.FormatID(p.ID)
	thread := "/@alice/" + id
	if r := bob.Get("/posts/" + id + "/edit"); r.Status != http.StatusNotFound {
		t.Errorf("bob editing alice's post: got %d, want 404", r.Status)
	}
	if r := bob.Post(thread, "/posts/"+id+"/delete", nil); r.Status != http.StatusForbidden {
		t.Errorf("bob deleting alice's post: got %d, want 403", r.Status)
	}
	r := alice.Post("/posts/"+id+"/edit", "/posts/"+id+"/edit", url.Values{"text": {strings.Repeat("trop ", 200)}})
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "text is too long") || !strings.Contains(r.Body, "trop trop") {
		t.Fatalf("too long edit: got %d", r.Status)
	}
	r = alice.Post("/posts/"+id+"/edit", "/posts/"+id+"/edit", url.Values{"text": {"Seconde version"}})
	if r.Status != http.StatusSeeOther || r.Location != thread {
		t.Fatalf("edit: got %d to %q: %s", r.Status, r.Location, r.Body)
	}
	page := bob.Get(thread).Body
	if !strings.Contains(page, "Seconde version") || !strings.Contains(page, `href="`+thread+`/history"`) {
		t.Fatalf("the thread page does not show the edit and its history link")
	}
	hist := bob.Get(thread + "/history").Body
	if !strings.Contains(hist, "Première version") || !strings.Contains(hist, "Seconde version") {
		t.Errorf("the history does not show both versions")
	}
	if r := alice.Post(thread, "/posts/"+id+"/pin", url.Values{"next": {"/@alice"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("pin: got %d", r.Status)
	}
	if body := bob.Get("/@alice").Body; !strings.Contains(body, `id="pinned-h"`) {
		t.Errorf("the pinned post is not on the profile")
	}
	r = alice.Post(thread, "/posts/"+id+"/delete", url.Values{"next": {thread}})
	if r.Status != http.StatusSeeOther || r.Location != "/@alice" {
		t.Fatalf("delete: got %d to %q", r.Status, r.Location)
	}
	if r := bob.Get(thread); r.Status != http.StatusNotFound {
		t.Errorf("deleted post: got %d, want 404", r.Status)
	}
}

func TestNotificationsAndUnreadCount(t *testing.T) {
	s := newSite(t)
	alice := s.person("alice")
	bob := s.person("bob")
	p := s.publish("alice", social.PostInput{Text: "Atelier compost samedi"})
	id := model.FormatID(p.ID)
	carol := s.person("carol")
	bob.Post("/@alice/"+id, "/posts/"+id+"/favourite", nil)
	carol.Post("/@alice/"+id, "/posts/"+id+"/favourite", nil)
	s.publish("bob", social.PostInput{Text: "@alice je viendrai à l'atelier"})
	badge := regexp.MustCompile(`data-unread="(\d+)"`)
	eventually(t, "three unread notifications", func() bool {
		m := badge.FindStringSubmatch(alice.Get("/settings").Body)
		return m != nil && m[1] == "3"
	})
	page := alice.Get("/notifications").Body
	// The two favourites of one post make one entry.
	for _, want := range []string{"carol, bob favourited your post", "bob mentioned you", "je viendrai", `class="notification n-favourite unread"`} {
		if !strings.Contains(page, want) {
			t.Errorf("notifications page lacks %q", want)
		}
	}
	if badge.MatchString(page) {
		t.Errorf("the notifications page still shows an unread count")
	}
	if body := alice.Get("/").Body; badge.MatchString(body) {
		t.Errorf("after viewing the notifications the unread count is still shown")
	}
	if body := alice.Get("/notifications?type=mention").Body; strings.Contains(body, "favourited") || !strings.Contains(body, "mentioned you") {
		t.Errorf("the mentions tab does not hold only mentions")
	}
}

func TestSearchAndHashtags(t *testing.T) {
	s := newSite(t)
	bob := s.person("bob")
	s.person("alice")
	s.publish("alice", social.PostInput{Text: "Les #Tomates anciennes germent enfin"})
	page := bob.Get("/search?q=germent").Body
	if !strings.Contains(page, "germent enfin") {
		t.Errorf("search does not find the post")
	}
	if body := bob.Get("/search?q=alice").Body; !strings.Contains(body, `href="/@alice"`) {
		t.Errorf("search does not find alice")
	}
	if body := bob.Get("/search?q=%23tom").Body; !strings.Contains(body, `href="/tags/tomates"`) {
		t.Errorf("search does not find the hashtag")
	}
	tag := s.env.Browser(t).Get("/tags/tomates")
	if tag.Status != http.StatusOK || !strings.Contains(tag.Body, "germent enfin") || !strings.Contains(tag.Body, "<h1>#tomates</h1>") {
		t.Errorf("the hashtag page does not list the post: %d", tag.Status)
	}
	if r := bob.Get("/search?q=" + strings.Repeat("x", 600)); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "too long") {
		t.Errorf("too long a query: got %d", r.Status)
	}
}

func TestFollowersOnlyPostsStayWithFollowers(t *testing.T) {
	s := newSite(t)
	s.person("alice")
	bob := s.person("bob")
	carol := s.person("carol")
	if _, err := s.env.App.Service.Follow(context.Background(), s.actor("bob"), s.actor("alice").Account.ID, social.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	p := s.publish("alice", social.PostInput{Text: "Réservé aux abonnés #secret", Visibility: "private"})
	thread := "/@alice/" + model.FormatID(p.ID)
	eventually(t, "the post on bob's home", func() bool { return strings.Contains(bob.Get("/").Body, "Réservé aux abonnés") })
	if body := bob.Get(thread).Body; !strings.Contains(body, "Réservé aux abonnés") || !strings.Contains(body, "Followers only") {
		t.Errorf("bob, a follower, does not see the post marked followers-only")
	}
	for name, b := range map[string]*servertest.Browser{"carol": carol, "anonymous": s.env.Browser(t)} {
		for _, page := range []string{"/", "/public/local", "/public", "/@alice", "/@alice/with_replies", thread,
			"/tags/secret", "/search?q=abonnés"} {
			r := b.Get(page)
			if strings.Contains(r.Body, "Réservé aux abonnés") {
				t.Errorf("%s sees the followers-only post on %s", name, page)
			}
		}
		if r := b.Get(thread); r.Status != http.StatusNotFound {
			t.Errorf("%s on the post's page: got %d, want 404", name, r.Status)
		}
	}
}

func TestTimelinesPaginate(t *testing.T) {
	s := newSite(t)
	s.person("alice")
	for i := 1; i <= 25; i++ {
		s.publish("alice", social.PostInput{Text: fmt.Sprintf("Message numéro %d.", i)})
	}
	b := s.env.Browser(t)
	b.Post("/login", "/login", url.Values{"login": {"alice"}, "password": {"the password of alice"}})
	pagerRE := regexp.MustCompile(`<a href="([^"]+)" rel="(prev|next)">`)
	links := func(body string) map[string]string {
		out := map[string]string{}
		for _, m := range pagerRE.FindAllStringSubmatch(body, -1) {
			out[m[2]] = html.UnescapeString(m[1])
		}
		return out
	}
	for _, start := range []string{"/", "/public/local", "/@alice"} {
		first := b.Get(start).Body
		if n := len(postIDRE.FindAllString(first, -1)); n != 20 {
			t.Fatalf("%s: first page has %d posts, want 20", start, n)
		}
		if !strings.Contains(first, "Message numéro 25.") || strings.Contains(first, "Message numéro 5.") {
			t.Fatalf("%s: the first page does not hold the newest posts", start)
		}
		l := links(first)
		if l["prev"] != "" || !strings.Contains(l["next"], "max_id=") {
			t.Fatalf("%s: first page links %v, want only an older one", start, l)
		}
		second := b.Get(l["next"]).Body
		if n := len(postIDRE.FindAllString(second, -1)); n != 5 || !strings.Contains(second, "Message numéro 1.") {
			t.Fatalf("%s: second page has %d posts, want the 5 oldest", start, n)
		}
		l = links(second)
		if !strings.Contains(l["prev"], "min_id=") || l["next"] != "" {
			t.Fatalf("%s: second page links %v, want only a newer one", start, l)
		}
		back := b.Get(l["prev"]).Body
		if n := len(postIDRE.FindAllString(back, -1)); n != 20 || !strings.Contains(back, "Message numéro 6.") ||
			!strings.Contains(back, "Message numéro 25.") {
			t.Fatalf("%s: the newer page has %d posts, want posts 6 to 25", start, n)
		}
	}
	if r := b.Get("/public/local?max_id=banana"); r.Status != http.StatusOK {
		t.Errorf("a malformed max_id: got %d, want the first page", r.Status)
	}
}

func TestComposeRejectsBadInputAndKeepsIt(t *testing.T) {
	s := newSite(t)
	alice := s.person("alice")
	cases := []struct {
		name   string
		fields url.Values
		files  []upload
		status int
		msg    string
	}{
		{"too long", url.Values{"text": {strings.Repeat("abcd ", 101) + "gardé"}}, nil, 422,
			"text is too long (510 characters, at most 500)"},
		{"unknown visibility", url.Values{"text": {"Visibilité gardée"}, "visibility": {"everyone"}}, nil, 422,
			"unknown visibility"},
		{"not an image", url.Values{"text": {"Texte gardé malgré le fichier"}, "alt_1": {"alt gardé"}},
			[]upload{{"media_1", "notes.txt", []byte("just some text, not an image at all")}}, 422,
			"notes.txt is not an image: only JPEG, PNG, WebP and GIF images are accepted"},
		{"blank", url.Values{"text": {"   "}}, nil, 422, "text can&#39;t be blank"},
		{"bad language", url.Values{"text": {"Langue gardée"}, "language": {"klingon!"}}, nil, 422, "is not an ISO 639 code"},
		{"reply to nothing", url.Values{"text": {"Réponse gardée"}, "in_reply_to": {"42"}}, nil, 404,
			"the post you reply to does not exist"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := s.postMultipart(alice, "/", "/compose", c.fields, c.files...)
			if r.Status != c.status || !strings.Contains(r.Body, c.msg) {
				t.Fatalf("got %d, want %d with %q:\n%s", r.Status, c.status, c.msg, r.Body)
			}
			if !strings.Contains(r.Body, html.EscapeString(strings.TrimSpace(c.fields.Get("text")))) {
				t.Errorf("the typed text was not kept")
			}
			if alt := c.fields.Get("alt_1"); alt != "" && !strings.Contains(r.Body, alt) {
				t.Errorf("the typed alt text was not kept")
			}
		})
	}
	// An image uploaded with a refused text is kept: fixing the text
	// publishes the post with it.
	r := s.postMultipart(alice, "/", "/compose", url.Values{"text": {strings.Repeat("long ", 120)}, "alt_1": {"Un radis"}},
		upload{"media_1", "radis.png", smallPNG(t)})
	m := regexp.MustCompile(`name="kept_id" value="(\d+)"`).FindStringSubmatch(r.Body)
	if r.Status != http.StatusUnprocessableEntity || m == nil || !strings.Contains(r.Body, ">Un radis</textarea>") {
		t.Fatalf("refused post with an image: got %d, kept image %v", r.Status, m)
	}
	r = s.postMultipart(alice, "/", "/compose", url.Values{"text": {"Un radis, enfin"}, "kept_id": {m[1]},
		"kept_alt_" + m[1]: {"Un gros radis rose"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("publish with the kept image: got %d: %s", r.Status, r.Body)
	}
	if body := alice.Get("/@alice").Body; !strings.Contains(body, `alt="Un gros radis rose"`) {
		t.Errorf("the kept image is not on the post")
	}
	// Five images are one too many.
	png := smallPNG(t)
	files := []upload{{"media_1", "1.png", png}, {"media_2", "2.png", png}, {"media_3", "3.png", png}, {"media_4", "4.png", png}}
	r = s.postMultipart(alice, "/", "/compose", url.Values{"text": {"Cinq images"}, "kept_id": {m[1]}}, files...)
	if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "at most 4 attachments") {
		t.Errorf("five images: got %d", r.Status)
	}
}

func TestLockedAccountsApproveFollowers(t *testing.T) {
	s := newSite(t)
	alice := s.person("alice")
	bob := s.person("bob")
	alice.Post("/settings", "/settings/profile", url.Values{"display_name": {"Alice"}, "locked": {"on"}})
	id := model.FormatID(s.actor("alice").Account.ID)
	if r := bob.Post("/@alice", "/accounts/"+id+"/follow", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("follow request: got %d", r.Status)
	}
	if body := bob.Get("/@alice").Body; !strings.Contains(body, "Request sent") || !strings.Contains(body, "Cancel the request") {
		t.Errorf("bob's view of alice does not show the pending request")
	}
	page := alice.Get("/follow_requests").Body
	bobID := model.FormatID(s.actor("bob").Account.ID)
	if !strings.Contains(page, `formaction="/follow_requests/`+bobID+`/authorize"`) {
		t.Fatalf("bob's request is not listed")
	}
	if r := alice.Post("/follow_requests", "/follow_requests/"+bobID+"/authorize", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("accept: got %d", r.Status)
	}
	if body := bob.Get("/@alice").Body; !strings.Contains(body, "Unfollow") {
		t.Errorf("bob does not follow alice after she accepted")
	}
	// Muting and blocking come back to the profile with the state shown.
	if r := bob.Post("/@alice", "/accounts/"+id+"/mute", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("mute: got %d", r.Status)
	}
	if body := bob.Get("/@alice").Body; !strings.Contains(body, "Unmute") {
		t.Errorf("the profile does not show the mute")
	}
	if r := bob.Post("/@alice", "/accounts/"+id+"/block", nil); r.Status != http.StatusSeeOther {
		t.Fatalf("block: got %d", r.Status)
	}
	body := bob.Get("/@alice").Body
	if !strings.Contains(body, "Unblock") || strings.Contains(body, "Unfollow") {
		t.Errorf("after blocking, the profile shows no unblock button or still a follow")
	}
}

func TestLinkCardShowsOnThePost(t *testing.T) {
	s := newSite(t)
	bob := s.person("bob")
	s.person("alice")
	p := s.publish("alice", social.PostInput{Text: "Le guide des semis https://example.org/semis"})
	// Cards come from a background job that fetches the page; the test
	// stores one as the job would.
	err := s.env.App.DB.Tx(context.Background(), func(tx *store.Tx) error {
		id, err := tx.UpsertCard(context.Background(), &model.Card{URL: "https://example.org/semis", Title: "Semer au bon moment",
			Description: "Un calendrier <b>pour</b> le potager", ProviderName: "Example", Type: "link",
			ImageURL: "javascript:alert(1)", FetchedAt: time.Now()})
		if err != nil {
			return err
		}
		return tx.SetPostCard(context.Background(), p.ID, id)
	})
	if err != nil {
		t.Fatal(err)
	}
	page := bob.Get("/@alice/" + model.FormatID(p.ID)).Body
	if !strings.Contains(page, `<a class="link-card" href="https://example.org/semis"`) ||
		!strings.Contains(page, "<strong>Semer au bon moment</strong>") ||
		!strings.Contains(page, "Un calendrier &lt;b&gt;pour&lt;/b&gt; le potager") {
		t.Fatalf("the post does not show its link card:\n%s", page)
	}
	if strings.Contains(page, "javascript:alert") {
		t.Errorf("the card's image URL was not made safe")
	}
}

func TestBroadcastFormsNeedTheirToken(t *testing.T) {
	s := newSite(t)
	alice := s.person("alice")
	s.person("bob")
	p := s.publish("bob", social.PostInput{Text: "Un message de bob"})
	id := model.FormatID(p.ID)
	bobID := model.FormatID(p.AccountID)
	actions := []string{"/compose", "/posts/" + id + "/favourite", "/posts/" + id + "/reblog", "/posts/" + id + "/delete",
		"/posts/" + id + "/edit", "/accounts/" + bobID + "/follow", "/accounts/" + bobID + "/block",
		"/follow_requests/" + bobID + "/authorize"}
	alice.Get("/")
	for _, a := range actions {
		if r := alice.PostRaw(a, url.Values{"text": {"forged"}}); r.Status != http.StatusForbidden {
			t.Errorf("POST %s without a token: got %d, want 403", a, r.Status)
		}
	}
	page := alice.Get("/@bob/" + id).Body
	if count(t, page, "favourites") != "0" || count(t, page, "reblogs") != "0" || strings.Contains(alice.Get("/@bob").Body, "Unfollow") {
		t.Errorf("a refused form changed something")
	}
}
