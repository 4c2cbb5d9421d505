package social_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"parvis/internal/federation/ap"
	"parvis/internal/model"
	"parvis/internal/seed"
	"parvis/internal/server/servertest"
	"parvis/internal/social"
	"parvis/internal/store"
)

// remote creates an account of another server, as federation would have
// stored it.
func (w *world) remote(username, domain string) *model.Account {
	w.t.Helper()
	a := &model.Account{Username: username, Domain: domain, URI: "https://" + domain + "/users/" + username,
		Inbox: "https://" + domain + "/users/" + username + "/inbox"}
	if err := w.svc.DB().Tx(w.ctx, func(tx *store.Tx) error { return tx.CreateAccount(w.ctx, a) }); err != nil {
		w.t.Fatalf("create remote account: %v", err)
	}
	return a
}

func (w *world) rel(a *social.Actor, targetID int64) *store.Relationship {
	w.t.Helper()
	r, err := w.svc.Relationship(w.ctx, a, targetID)
	if err != nil {
		w.t.Fatal(err)
	}
	return r
}

func testPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 32, 24))
	for x := range 32 {
		for y := range 24 {
			img.Set(x, y, color.RGBA{uint8(x * 8), uint8(y * 10), 200, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// The CSV files are byte for byte what Mastodon writes: addresses always
// with a domain, booleans as true/false, follows and mutes with Mastodon's
// headers, blocks without one.
func TestExportCSVs(t *testing.T) {
	w := newWorld(t)
	alice, bob, carol, mallory := w.user("alice"), w.user("bob"), w.user("carol"), w.user("mallory")
	dave := w.remote("dave", "remote.invalid")
	domain := w.svc.Config().Domain
	w.follow(alice, bob)
	no, yes := false, true
	if _, err := w.svc.Follow(w.ctx, alice, carol.Account.ID, social.FollowOptions{ShowReblogs: &no, Notify: &yes}); err != nil {
		t.Fatal(err)
	}
	// A remote follow that was accepted.
	if err := w.svc.DB().Tx(w.ctx, func(tx *store.Tx) error {
		_, err := tx.InsertFollow(w.ctx, store.Follow{AccountID: alice.Account.ID, TargetID: dave.ID, ShowReblogs: true, CreatedAt: time.Now()})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Block(w.ctx, alice, mallory.Account.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Mute(w.ctx, alice, carol.Account.ID, true, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Mute(w.ctx, alice, dave.ID, false, time.Hour); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		export func(*social.Actor, io.Writer) error
		want   string
	}{
		{"following", func(a *social.Actor, out io.Writer) error { return w.svc.ExportFollowing(w.ctx, a, out) },
			"Account address,Show boosts,Notify on new posts,Languages\n" +
				"dave@remote.invalid,true,false,\n" +
				"carol@" + domain + ",false,true,\n" +
				"bob@" + domain + ",true,false,\n"},
		{"blocks", func(a *social.Actor, out io.Writer) error { return w.svc.ExportBlocks(w.ctx, a, out) },
			"mallory@" + domain + "\n"},
		{"mutes", func(a *social.Actor, out io.Writer) error { return w.svc.ExportMutes(w.ctx, a, out) },
			"Account address,Hide notifications\n" +
				"dave@remote.invalid,false\n" +
				"carol@" + domain + ",true\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tt.export(alice, &b); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Fatalf("got\n%s\nwant\n%s", b.String(), tt.want)
			}
			if err := tt.export(&social.Actor{}, io.Discard); model.ErrorCode(err) != model.EUNAUTHORIZED {
				t.Fatalf("export while logged out: got %v, want EUNAUTHORIZED", err)
			}
		})
	}
}

// What one account exports, another imports: the same local follows with
// the same options, and a request to the remote account.
func TestImportFollowsRoundTrip(t *testing.T) {
	w := newWorld(t)
	alice, bob, carol, zoe := w.user("alice"), w.user("bob"), w.user("carol"), w.user("zoe")
	dave := w.remote("dave", "remote.invalid")
	no := false
	w.follow(alice, bob)
	if _, err := w.svc.Follow(w.ctx, alice, carol.Account.ID, social.FollowOptions{ShowReblogs: &no}); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.DB().Tx(w.ctx, func(tx *store.Tx) error {
		_, err := tx.InsertFollow(w.ctx, store.Follow{AccountID: alice.Account.ID, TargetID: dave.ID, ShowReblogs: true, CreatedAt: time.Now()})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var csv bytes.Buffer
	if err := w.svc.ExportFollowing(w.ctx, alice, &csv); err != nil {
		t.Fatal(err)
	}
	exported := csv.String()

	var progress []int64
	rep, err := w.svc.ImportFollowsWith(w.ctx, zoe, &csv, social.ImportOptions{
		Progress: func(done, total int64) { progress = append(progress, done, total) }})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rep.Summary(), "2 followed, 1 requested"; got != want {
		t.Fatalf("got summary %q, want %q; report %+v", got, want, rep.Lines)
	}
	if r := w.rel(zoe, bob.Account.ID); !r.Following || !r.ShowingReblogs {
		t.Errorf("zoe and bob: got %+v, want following with boosts", r)
	}
	if r := w.rel(zoe, carol.Account.ID); !r.Following || r.ShowingReblogs {
		t.Errorf("zoe and carol: got %+v, want following without boosts", r)
	}
	if r := w.rel(zoe, dave.ID); r.Following || !r.Requested {
		t.Errorf("zoe and dave: got %+v, want a request sent", r)
	}
	if !slices.Equal(progress[len(progress)-2:], []int64{3, 3}) {
		t.Errorf("got progress %v, want it to end at 3 of 3", progress)
	}

	// Importing again changes nothing and says so.
	rep, err = w.svc.ImportFollows(w.ctx, zoe, strings.NewReader(exported))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rep.Summary(), "1 requested, 2 already followed"; got != want {
		t.Fatalf("second import: got %q, want %q", got, want)
	}
}

// Every header Mastodon wrote over its versions, and none.
func TestImportFollowsHeaderVariants(t *testing.T) {
	w := newWorld(t)
	bob, carol := w.user("bob"), w.user("carol")
	domain := w.svc.Config().Domain
	tests := []struct {
		name        string
		file        string
		wantBoosts  bool // zoe sees carol's boosts afterwards
		wantNotify  bool
		wantSummary string
	}{
		{"no header, one column (before 2.5)", "bob@" + domain + "\n@carol\n", true, false, "2 followed"},
		{"no header, extra columns ignored", "bob@" + domain + ",false\ncarol,false\n", true, false, "2 followed"},
		{"show boosts (2.5)", "Account address,Show boosts\nbob@" + domain + ",true\ncarol@" + domain + ",false\n", false, false, "2 followed"},
		{"notify (3.3)", "Account address,Show boosts,Notify on new posts\r\nbob," + "true,false\r\ncarol,TRUE,True\r\n", true, true, "2 followed"},
		{"languages (4.0), quoted", "\ufeffAccount address,Show boosts,Notify on new posts,Languages\nbob@" + domain +
			",true,false,\"en, fr\"\ncarol@" + strings.ToUpper(domain) + ",false,true,\n", false, true, "2 followed"},
		{"columns in another order, unknown ones", "Notify on new posts,Note,Account address\ntrue,hello,bob\n,x,carol\n\n\n", true, false, "2 followed"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			zoe := w.user(fmt.Sprintf("zoe%d", i))
			rep, err := w.svc.ImportFollows(w.ctx, zoe, strings.NewReader(tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if got := rep.Summary(); got != tt.wantSummary {
				t.Fatalf("got %q, want %q; lines %+v", got, tt.wantSummary, rep.Lines)
			}
			if r := w.rel(zoe, bob.Account.ID); !r.Following {
				t.Errorf("zoe does not follow bob")
			}
			r := w.rel(zoe, carol.Account.ID)
			if !r.Following || r.ShowingReblogs != tt.wantBoosts || r.Notifying != tt.wantNotify {
				t.Errorf("zoe and carol: got following %v boosts %v notify %v, want true %v %v",
					r.Following, r.ShowingReblogs, r.Notifying, tt.wantBoosts, tt.wantNotify)
			}
		})
	}
}

// Bad files are refused whole with a clear error; bad lines are reported
// one by one, with their line numbers, and the good ones imported.
func TestImportFollowsBadInput(t *testing.T) {
	w := newWorld(t)
	zoe, bob := w.user("zoe"), w.user("bob")
	w.remote("dave", "remote.invalid")
	if _, err := w.svc.Block(w.ctx, w.user("grumpy"), zoe.Account.ID); err != nil {
		t.Fatal(err)
	}
	files := []struct {
		name, file, code, msg string
	}{
		{"binary", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", model.EINVALID, "binary data"},
		{"UTF-16", "\xff\xfeA\x00c\x00", model.EINVALID, "UTF-16"},
		{"empty", " \n\r\n", model.EINVALID, "empty"},
		{"mutes", "Account address,Hide notifications\nbob,true\n", model.EINVALID, "muted accounts"},
		{"domain blocks", "#domain,#severity\nspam.example,suspend\n", model.EINVALID, "blocked domains"},
		{"too large", strings.Repeat("bob@example.org\n", social.MaxImportBytes/16+1), model.ETOOLARGE, "larger than 20 MB"},
	}
	for _, f := range files {
		t.Run(f.name, func(t *testing.T) {
			rep, err := w.svc.ImportFollows(w.ctx, zoe, strings.NewReader(f.file))
			if model.ErrorCode(err) != f.code || !strings.Contains(err.Error(), f.msg) {
				t.Fatalf("got %v (report %v), want a %s error saying %q", err, rep, f.code, f.msg)
			}
		})
	}

	file := strings.Join([]string{
		"Account address,Show boosts",  // 1
		`"bob,true`,                    // 2: unterminated quote
		"not an address!",              // 3
		"a@b@c",                        // 4
		"bob,maybe",                    // 5
		"caf\xe9@latin1.example",       // 6: not UTF-8
		strings.Repeat("x", 3000),      // 7
		"bob",                          // 8: followed
		"BOB@" + w.svc.Config().Domain, // 9: the same account
		"zoe",                          // 10: herself
		"nobody",                       // 11
		"dave@remote.invalid",          // 12: known remote
		"erin@unknown.invalid",         // 13: unknown remote
		"grumpy",                       // 14: blocks zoe
		"",                             // 15: blank, ignored
		",true",                        // 16: no address
	}, "\n")
	rep, err := w.svc.ImportFollows(w.ctx, zoe, strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		line   int
		status social.ImportStatus
		msg    string
	}{
		{2, social.ImportInvalid, "malformed CSV"},
		{3, social.ImportInvalid, "not an account address"},
		{4, social.ImportInvalid, "not an account address"},
		{5, social.ImportInvalid, `"maybe" is neither true nor false`},
		{6, social.ImportInvalid, "not valid UTF-8"},
		{7, social.ImportInvalid, "longer than 2048 bytes"},
		{8, social.ImportFollowed, ""},
		{9, social.ImportSkipped, "the same address as line 8"},
		{10, social.ImportFailed, "that is you"},
		{11, social.ImportNotFound, "no account of that name"},
		{12, social.ImportRequested, ""},
		{13, social.ImportNotFound, "does not know this account yet"},
		{14, social.ImportFailed, "can't follow"},
		{16, social.ImportInvalid, "no account address"},
	}
	if len(rep.Lines) != len(want) {
		t.Fatalf("got %d report lines, want %d: %+v", len(rep.Lines), len(want), rep.Lines)
	}
	for i, wl := range want {
		got := rep.Lines[i]
		if got.Line != wl.line || got.Status != wl.status || !strings.Contains(got.Message, wl.msg) {
			t.Errorf("report line %d: got line %d %q %q, want line %d %q containing %q", i, got.Line, got.Status, got.Message,
				wl.line, wl.status, wl.msg)
		}
	}
	if r := w.rel(zoe, bob.Account.ID); !r.Following {
		t.Errorf("the good line was not imported")
	}

	// Lines over the row limit are counted, not read.
	many := strings.Repeat("no address here\n", social.MaxImportRows+5)
	rep, err = w.svc.ImportFollows(w.ctx, zoe, strings.NewReader(many))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Lines) != social.MaxImportRows || rep.Ignored != 5 {
		t.Fatalf("got %d lines and %d ignored, want %d and 5", len(rep.Lines), rep.Ignored, social.MaxImportRows)
	}
	if !strings.Contains(rep.Summary(), "5 lines over the limit of 20000 ignored") {
		t.Fatalf("summary %q does not tell about the ignored lines", rep.Summary())
	}
}

// The follow rate limit stops an import part way, and the rest of the
// lines say why; a resolver finds remote accounts the server did not know.
func TestImportFollowsLimitAndResolver(t *testing.T) {
	env := servertest.New(t, servertest.Options{})
	limits := social.DefaultLimits()
	limits.Follows = social.Limit{Max: 2, Window: time.Hour}
	svc := social.New(env.App.Service.Config(), social.Deps{DB: env.App.Service.DB(), Queue: env.App.Queue, Limits: &limits})
	w := &world{t: t, svc: svc, ctx: t.Context()}
	zoe := w.user("zoe")
	for _, n := range []string{"a1", "a2", "a3", "a4"} {
		w.user(n)
	}
	rep, err := svc.ImportFollows(w.ctx, zoe, strings.NewReader("a1\na2\na3\na4\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rep.Summary(), "2 followed, 2 skipped"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if !strings.Contains(rep.Lines[3].Message, "follow limit") {
		t.Fatalf("the skipped line says %q, want it to name the follow limit", rep.Lines[3].Message)
	}

	var asked []string
	resolve := func(_ context.Context, username, domain string) (*model.Account, error) {
		asked = append(asked, username+"@"+domain)
		if domain == "found.invalid" {
			return w.remote(username, domain), nil
		}
		return nil, model.Errorf(model.ENOTFOUND, "account not found")
	}
	other := w.user("other")
	rep, err = svc.ImportFollowsWith(w.ctx, other, strings.NewReader("ann@found.invalid\nbea@gone.invalid\n"),
		social.ImportOptions{Resolve: resolve})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rep.Summary(), "1 requested, 1 not found"; got != want {
		t.Fatalf("with a resolver: got %q, want %q", got, want)
	}
	if !slices.Equal(asked, []string{"ann@found.invalid", "bea@gone.invalid"}) {
		t.Fatalf("resolver asked for %v", asked)
	}
}

// readZip opens an archive and returns its files by name.
func readZip(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("the archive is not a zip: %v", err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name], err = io.ReadAll(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// The archive holds the profile, every post as a Create and every boost as
// an Announce in outbox.json, readable by the ActivityPub decoder, with
// attachments pointing at their files in the archive.
func TestExportArchive(t *testing.T) {
	w := newWorld(t)
	alice, bob := w.user("alice"), w.user("bob")
	domain := w.svc.Config().Domain
	w.follow(alice, bob)
	if _, err := w.svc.UpdateProfile(w.ctx, alice, social.ProfileInput{DisplayName: "Alice A.", Note: "Jardinière",
		Avatar: bytes.NewReader(testPNG(t))}); err != nil {
		t.Fatal(err)
	}
	m, err := w.svc.Upload(w.ctx, alice, social.MediaInput{File: bytes.NewReader(testPNG(t)), Description: "un dégradé"})
	if err != nil {
		t.Fatal(err)
	}
	bobPost := w.post(bob, social.PostInput{Text: "Qui plante des tomates cette année ?"})
	first := w.post(alice, social.PostInput{Text: "Mes semis de #tomates <3", MediaIDs: []int64{m.ID}})
	reply := w.post(alice, social.PostInput{Text: "@bob moi !", InReplyToID: bobPost.ID})
	dm := w.post(alice, social.PostInput{Text: "@bob un secret", Visibility: "direct"})
	if _, err := w.svc.Reblog(w.ctx, alice, bobPost.ID, ""); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.Favourite(w.ctx, alice, bobPost.ID); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.Bookmark(w.ctx, alice, bobPost.ID, true); err != nil {
		t.Fatal(err)
	}

	var out bytes.Buffer
	var last [2]int64
	stats, err := w.svc.ExportArchive(w.ctx, alice, &out, social.ArchiveOptions{Progress: func(done, total int64) { last = [2]int64{done, total} }})
	if err != nil {
		t.Fatal(err)
	}
	if stats.Posts != 3 || stats.Boosts != 1 || stats.Media != 1 || stats.MissingMedia != 0 || stats.Likes != 1 ||
		stats.Bookmarks != 1 || stats.Following != 1 || stats.ProfileImages != 1 {
		t.Fatalf("got stats %+v, want 3 posts, 1 boost, 1 media, 1 like, 1 bookmark, 1 follow, an avatar", stats)
	}
	if last != [2]int64{4, 4} {
		t.Fatalf("got progress ending at %v, want 4 of 4", last)
	}
	files := readZip(t, out.Bytes())
	for _, name := range []string{"actor.json", "outbox.json", "likes.json", "bookmarks.json", social.FollowingCSVName,
		social.BlocksCSVName, social.MutesCSVName} {
		if _, ok := files[name]; !ok {
			t.Errorf("the archive has no %s", name)
		}
	}

	outbox, err := ap.Decode(files["outbox.json"])
	if err != nil {
		t.Fatalf("outbox.json does not decode: %v", err)
	}
	if outbox.Type != ap.TypeOrderedCollection || outbox.TotalItems == nil || *outbox.TotalItems != 4 || len(outbox.OrderedItems) != 4 {
		t.Fatalf("got outbox %s of %v items with %d listed, want an OrderedCollection of 4", outbox.Type, outbox.TotalItems, len(outbox.OrderedItems))
	}
	base := "http://" + domain
	bobURI := base + "/users/bob/statuses/" + model.FormatID(bobPost.ID)
	items := map[string]*ap.Object{}
	for _, r := range outbox.OrderedItems {
		it := r.Object
		if it == nil {
			t.Fatalf("an outbox item is not embedded: %v", r.ID)
		}
		if it.ActorID() != base+"/users/alice" {
			t.Errorf("item %s has actor %s", it.ID, it.ActorID())
		}
		items[it.ID] = it
	}
	uri := func(p *model.Post) string { return base + "/users/alice/statuses/" + model.FormatID(p.ID) }

	create := items[uri(first)+"/activity"]
	if create == nil || create.Type != ap.TypeCreate {
		t.Fatalf("no Create of the first post among %v", keys(items))
	}
	note := create.EmbeddedObject()
	if note == nil || note.Type != ap.TypeNote || !strings.Contains(note.Content, "semis") || !note.IsPublic() {
		t.Fatalf("the first post's note: %+v", note)
	}
	if len(note.Attachment) != 1 {
		t.Fatalf("got %d attachments, want 1", len(note.Attachment))
	}
	att := note.Attachment[0].Object
	file, ok := files[att.URL.First().IRI()]
	if !ok || att.Name != "un dégradé" || att.MediaType == "" || att.Blurhash == "" {
		t.Fatalf("the attachment %+v does not point at a file of the archive", att)
	}
	stored, err := w.svc.DB().Read().MediaByID(w.ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(file)) != stored.Size {
		t.Fatalf("the archived attachment has %d bytes, want %d", len(file), stored.Size)
	}
	if !slices.ContainsFunc(note.Tag, func(r ap.Ref) bool {
		return r.Object != nil && r.Object.Type == ap.TypeHashtag && r.Object.Name == "#tomates"
	}) {
		t.Fatalf("the first post's tags %v lack #tomates", note.Tag)
	}

	replyNote := items[uri(reply)+"/activity"].EmbeddedObject()
	if replyNote.InReplyTo.IRI() != bobURI || !replyNote.Cc.Has(base+"/users/bob") {
		t.Fatalf("the reply: inReplyTo %q cc %v, want %s and bob in cc", replyNote.InReplyTo.IRI(), replyNote.Cc.IRIs(), bobURI)
	}
	dmNote := items[uri(dm)+"/activity"].EmbeddedObject()
	if dmNote.IsPublic() || !dmNote.To.Has(base+"/users/bob") || dmNote.Visibility(base+"/users/alice/followers") != ap.VisibilityDirect {
		t.Fatalf("the direct message is addressed to %v / %v", dmNote.To.IRIs(), dmNote.Cc.IRIs())
	}
	var announce *ap.Object
	for _, it := range items {
		if it.Type == ap.TypeAnnounce {
			announce = it
		}
	}
	if announce == nil || announce.ObjectID() != bobURI {
		t.Fatalf("the boost: got %+v, want an Announce of %s", announce, bobURI)
	}

	actor, err := ap.Decode(files["actor.json"])
	if err != nil {
		t.Fatalf("actor.json does not decode: %v", err)
	}
	icon := actor.Icon.Object
	if actor.Type != ap.TypePerson || actor.PreferredUsername != "alice" || actor.Name != "Alice A." ||
		actor.Outbox.IRI() != "outbox.json" || icon == nil || files[icon.URL.First().IRI()] == nil {
		t.Fatalf("actor.json: %s", files["actor.json"])
	}
	var likes struct {
		OrderedItems []string `json:"orderedItems"`
	}
	if err := json.Unmarshal(files["likes.json"], &likes); err != nil || !slices.Equal(likes.OrderedItems, []string{bobURI}) {
		t.Fatalf("likes.json: %s (%v)", files["likes.json"], err)
	}
	if got := string(files[social.FollowingCSVName]); !strings.Contains(got, "bob@"+domain+",true,false,") {
		t.Fatalf("the follows in the archive: %q", got)
	}
}

func keys(m map[string]*ap.Object) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// BenchmarkExportArchive exports the busiest account of a seeded world
// (about 2 000 posts and boosts, 4 000 favourites); the activities/s
// column is the export speed.
func BenchmarkExportArchive(b *testing.B) {
	env := servertest.New(b, servertest.Options{})
	svc := env.App.Service
	ctx := context.Background()
	if _, err := seed.Run(ctx, svc.DB(), seed.Options{Users: 500, Posts: 20000, Communities: 5, Seed: 1, PasswordHash: "x"}); err != nil {
		b.Fatal(err)
	}
	var id int64
	if err := svc.DB().ReadSQL().QueryRow(`SELECT a.id FROM accounts a JOIN users u ON u.account_id = a.id
		ORDER BY a.statuses_count DESC LIMIT 1`).Scan(&id); err != nil {
		b.Fatal(err)
	}
	a, err := svc.DB().Read().AccountByID(ctx, id)
	if err != nil {
		b.Fatal(err)
	}
	u, err := svc.DB().Read().UserByAccountID(ctx, id)
	if err != nil {
		b.Fatal(err)
	}
	actor := &social.Actor{User: u, Account: a}
	var items int
	for b.Loop() {
		stats, err := svc.ExportArchive(ctx, actor, io.Discard, social.ArchiveOptions{})
		if err != nil {
			b.Fatal(err)
		}
		items = stats.Posts + stats.Boosts
	}
	b.ReportMetric(float64(items)*float64(b.N)/b.Elapsed().Seconds(), "activities/s")
}
