package federation_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"parvis/internal/federation"
	"parvis/internal/model"
	"parvis/internal/social"
)

// TestInboxGolden sends the Mastodon, GoToSocial and Lemmy payloads of
// ap/testdata through the inbox, signed by their actors (served by the
// fake web), and compares the Parvis objects they become with
// testdata/inbox/*.golden. PARVIS_UPDATE_GOLDEN=1 rewrites the files.
func TestInboxGolden(t *testing.T) {
	l := newLocal(t, federation.Config{})
	ctx := context.Background()
	bob := l.user("bob")
	if _, err := l.svc.CreateCommunity(ctx, bob, social.CommunityInput{Name: "bread", Membership: "open"}); err != nil {
		t.Fatal(err)
	}
	post, err := l.svc.Publish(ctx, bob, social.PostInput{Text: "A loaf from parvis #bread", Visibility: "public"})
	if err != nil {
		t.Fatal(err)
	}
	postURI := "https://parvis.example/users/bob/statuses/" + model.FormatID(post.ID)

	keys := testKeys()
	alice := l.mastodonAlice()
	carla := l.addActor(readTestdata(t, "gotosocial/person.json"), keys[1])
	// GoToSocial serves its key at its own URL, in a stub of the actor.
	l.web.put(carla.keyID, l.stubOf(carla))
	group := l.addActor(readTestdata(t, "lemmy/group.json"), keys[2])
	dave := l.addActor(personDoc("https://lemmy.world/u/dave", "dave"), keys[3])
	l.web.put("https://lemmy.world/post/18273645", readTestdata(t, "lemmy/page.json"))

	// bob follows the Lemmy community, which accepts.
	groupAcc, err := l.fed.Resolve(ctx, group.uri)
	if err != nil {
		t.Fatalf("resolve the Lemmy community: %v", err)
	}
	if _, err := l.svc.Follow(ctx, bob, groupAcc.ID, social.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := l.svc.ReceiveFollowAnswer(ctx, bob.Account.ID, groupAcc, true); err != nil {
		t.Fatal(err)
	}
	l.settle()

	ourPost := strings.NewReplacer("https://parvis.example/users/bob/statuses/01J6ZQ3M2X8K4T0V9B7N5C1D2E", postURI,
		"https://lemmy.example/post/4242", postURI)
	ourGroup := strings.NewReplacer("https://lemmy.example/c/bread", "https://parvis.example/users/bread")
	steps := []struct {
		file     string
		from     *remote
		rewrite  *strings.Replacer
		describe func() string
	}{
		{"mastodon/follow", alice, nil, func() string { return l.describeFollows() + l.describeDeliveries() }},
		{"mastodon/create_note", alice, nil, func() string {
			return l.describePost("https://mastodon.example/users/alice/statuses/113012345678901234")
		}},
		{"gotosocial/create_note", carla, nil, func() string {
			return l.describePost("https://gts.example/users/carla/statuses/01J6ZT8K5N2M7Q4W9E3R1Y6U0I")
		}},
		{"mastodon/like", alice, ourPost, func() string { return l.describeReactions(post.ID) }},
		{"mastodon/announce", alice, ourPost, func() string {
			return l.describeReactions(post.ID) +
				l.describePost("https://mastodon.example/users/alice/statuses/113012399999999999/activity")
		}},
		{"lemmy/follow_group", dave, ourGroup, func() string { return l.describeFollows() + l.describeDeliveries() }},
		{"lemmy/like", dave, ourPost, func() string { return l.describeReactions(post.ID) }},
		{"lemmy/announce_create_page", group, nil, func() string {
			return l.describePost("https://lemmy.world/post/18273645") +
				l.describePost("https://lemmy.example/activities/announce/create/5c3e7a9b-1d2f-4e6a-8b0c-2d4e6f8a0b1c")
		}},
		{"mastodon/undo_follow", alice, nil, func() string { return l.describeFollows() }},
		{"mastodon/delete_tombstone", alice, nil, func() string {
			return l.describePost("https://mastodon.example/users/alice/statuses/113012345678901234")
		}},
	}
	update := os.Getenv("PARVIS_UPDATE_GOLDEN") != ""
	for _, st := range steps {
		body := string(readTestdata(t, st.file+".json"))
		if st.rewrite != nil {
			body = st.rewrite.Replace(body)
		}
		if got := l.deliver(st.from, "/inbox", []byte(body)); got != http.StatusAccepted {
			t.Fatalf("%s: got status %d, want 202", st.file, got)
		}
		l.settle()
		got := strings.ReplaceAll(st.describe(), model.FormatID(post.ID), "<bob's post>")
		golden := filepath.Join("testdata", "inbox", strings.ReplaceAll(st.file, "/", "_")+".golden")
		if update {
			if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%s: %v (PARVIS_UPDATE_GOLDEN=1 writes it)", st.file, err)
		}
		if got != string(want) {
			t.Errorf("%s: got\n%s\nwant\n%s", st.file, got, want)
		}
	}
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("ap", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// stubOf is GoToSocial's key document for r: the actor's id, type, name
// and key, without its inbox.
func (l *local) stubOf(r *remote) []byte {
	l.t.Helper()
	l.web.mu.Lock()
	raw := l.web.docs[strings.TrimPrefix(r.uri, "https://")]
	l.web.mu.Unlock()
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		l.t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{"@context": doc["@context"], "id": doc["id"], "type": doc["type"],
		"preferredUsername": doc["preferredUsername"], "publicKey": doc["publicKey"]})
	return b
}

// describePost writes the post stored under uri as a golden text.
func (l *local) describePost(uri string) string {
	ctx := context.Background()
	p, err := l.db.Read().PostByURI(ctx, uri)
	if err != nil {
		return fmt.Sprintf("post %s: %v\n", uri, err)
	}
	v, err := l.svc.View(ctx, &social.Actor{}, p.ID)
	if err != nil {
		return fmt.Sprintf("post %s: %v\n", uri, err)
	}
	var b strings.Builder
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "  %s: %s\n", k, v)
		}
	}
	fmt.Fprintf(&b, "post %s\n", uri)
	line("author", v.Account.Acct())
	if v.Reblog != nil {
		line("boost of", l.svc.PostURI(v.Reblog.Post, v.Reblog.Account)+" by "+v.Reblog.Account.Acct())
		line("visibility", string(p.Visibility))
		return b.String()
	}
	line("url", p.URL)
	line("visibility", string(p.Visibility))
	line("sensitive", fmt.Sprint(p.Sensitive))
	line("spoiler", p.SpoilerText)
	line("language", p.Language)
	line("text", p.Text)
	line("content", p.Content)
	if p.InReplyToID != 0 {
		parent, err := l.db.Read().PostByID(ctx, p.InReplyToID)
		if err == nil {
			line("reply to", parent.URI)
		}
	}
	tags := append([]string{}, v.Tags...)
	sort.Strings(tags)
	line("tags", strings.Join(tags, " "))
	var mentions []string
	for _, m := range v.Mentions {
		mentions = append(mentions, m.Acct())
	}
	sort.Strings(mentions)
	line("mentions", strings.Join(mentions, " "))
	for _, m := range v.Media {
		line("media", fmt.Sprintf("%s %s %q blurhash=%s %dx%d focus=(%.2f,%.2f)", m.Type, m.RemoteURL, m.Description,
			m.Blurhash, m.Width, m.Height, m.FocusX, m.FocusY))
	}
	if p.CommunityID != 0 {
		c, err := l.db.Read().CommunityByID(ctx, p.CommunityID)
		if err == nil {
			line("community", fmt.Sprint(c.AccountID))
		}
	}
	line("replies", fmt.Sprint(p.RepliesCount))
	return b.String()
}

// describeFollows lists every follow and request, by acct.
func (l *local) describeFollows() string {
	rows, err := l.db.ReadSQL().QueryContext(context.Background(), `SELECT 'follow', a.username, a.domain, b.username, b.domain
		FROM follows f JOIN accounts a ON a.id = f.account_id JOIN accounts b ON b.id = f.target_id
		UNION ALL SELECT 'request', a.username, a.domain, b.username, b.domain
		FROM follow_requests f JOIN accounts a ON a.id = f.account_id JOIN accounts b ON b.id = f.target_id
		UNION ALL SELECT 'member', a.username, a.domain, b.username, b.domain
		FROM community_members m JOIN communities c ON c.id = m.community_id JOIN accounts a ON a.id = m.account_id
		JOIN accounts b ON b.id = c.account_id`)
	if err != nil {
		return err.Error()
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var kind, u1, d1, u2, d2 string
		if err := rows.Scan(&kind, &u1, &d1, &u2, &d2); err != nil {
			return err.Error()
		}
		lines = append(lines, fmt.Sprintf("%s %s -> %s\n", kind, acct(u1, d1), acct(u2, d2)))
	}
	sort.Strings(lines)
	return strings.Join(lines, "")
}

func acct(u, d string) string {
	if d == "" {
		return u
	}
	return u + "@" + d
}

// describeReactions writes a local post's counters and who engaged.
func (l *local) describeReactions(postID int64) string {
	p, err := l.db.Read().PostByID(context.Background(), postID)
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("favourites %d, boosts %d, replies %d\n", p.FavouritesCount, p.ReblogsCount, p.RepliesCount)
}

// describeDeliveries lists the activities delivered so far (type, inbox,
// object) and forgets them.
func (l *local) describeDeliveries() string {
	var lines []string
	for _, d := range l.web.deliveries() {
		var act struct {
			Type   string          `json:"type"`
			Actor  string          `json:"actor"`
			Object json.RawMessage `json:"object"`
		}
		_ = json.Unmarshal(d.Body, &act)
		// Re-encoded with sorted keys: on PostgreSQL the queued activity went
		// through jsonb, which reorders and respaces it.
		var obj any
		_ = json.Unmarshal(act.Object, &obj)
		canon, _ := json.Marshal(obj)
		lines = append(lines, fmt.Sprintf("delivered %s by %s to %s about %s\n", act.Type, act.Actor, d.URL, canon))
	}
	l.web.mu.Lock()
	l.web.posted = nil
	l.web.mu.Unlock()
	sort.Strings(lines)
	return strings.Join(lines, "")
}
