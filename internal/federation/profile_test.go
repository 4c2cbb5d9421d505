package federation_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"parvis/internal/federation"
	"parvis/internal/federation/httpsign"
	"parvis/internal/social"
)

// TestProfileUpdateAndReportGoOut changes a profile with a remote
// follower, and reports a remote account: the follower's server gets an
// Update of the actor, signed by its owner; the reported account's server
// gets a Flag from the instance actor, naming the account and the post.
// Reports about local accounts stay here.
func TestProfileUpdateAndReportGoOut(t *testing.T) {
	l := newLocal(t, federation.Config{})
	ctx := context.Background()
	bob := l.user("bob")
	carol := l.user("carol")
	l.addFollowers(bob, follower{"gts.example", "gil", true})
	if _, err := l.svc.UpdateProfile(ctx, bob, social.ProfileInput{DisplayName: "Bob the Baker", Note: "bread"}); err != nil {
		t.Fatal(err)
	}
	l.settle()
	var updates int
	for _, d := range l.web.deliveries() {
		var act struct {
			Type   string `json:"type"`
			Actor  string `json:"actor"`
			Object struct {
				ID, Type, Name string
				PublicKey      struct{ PublicKeyPem string }
			} `json:"object"`
		}
		if json.Unmarshal(d.Body, &act) != nil || act.Type != "Update" {
			continue
		}
		updates++
		if d.URL != "https://gts.example/inbox" || act.Actor != "https://parvis.example/users/bob" ||
			act.Object.ID != act.Actor || act.Object.Type != "Person" || act.Object.Name != "Bob the Baker" ||
			!strings.Contains(act.Object.PublicKey.PublicKeyPem, "PUBLIC KEY") {
			t.Errorf("got an Update to %s: %s", d.URL, d.Body)
		}
		l.checkSigned(d, "bob")
	}
	if updates != 1 {
		t.Errorf("got %d Updates of bob's actor, want 1", updates)
	}

	// A report about a remote account and its post.
	alice := l.mastodonAlice()
	raw := string(readTestdata(t, "mastodon/create_note.json"))
	remoteAlice, err := l.fed.Resolve(ctx, alice.uri)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.svc.Follow(ctx, carol, remoteAlice.ID, social.FollowOptions{}); err != nil {
		t.Fatal(err)
	}
	l.settle()
	if code := l.deliver(alice, "/inbox", []byte(raw)); code != 202 {
		t.Fatalf("create: got %d", code)
	}
	l.settle()
	var postID int64
	var postURI string
	if err := l.db.ReadSQL().QueryRowContext(ctx, "SELECT id, uri FROM posts WHERE account_id = $1",
		remoteAlice.ID).Scan(&postID, &postURI); err != nil {
		t.Fatalf("alice's post is not stored: %v", err)
	}
	before := len(l.web.deliveries())
	if _, err := l.svc.Report(ctx, carol, social.ReportInput{PostID: postID, Category: "spam", Comment: "buy now links"}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.svc.Report(ctx, carol, social.ReportInput{AccountID: bob.Account.ID, Comment: "local matter"}); err != nil {
		t.Fatal(err)
	}
	l.settle()
	var flags int
	for _, d := range l.web.deliveries()[before:] {
		var act struct {
			Type    string   `json:"type"`
			Actor   string   `json:"actor"`
			Object  []string `json:"object"`
			Content string   `json:"content"`
		}
		if err := json.Unmarshal(d.Body, &act); err != nil || act.Type != "Flag" {
			continue
		}
		flags++
		if d.URL != alice.uri+"/inbox" || act.Actor != "https://parvis.example/actor" ||
			len(act.Object) != 2 || act.Object[0] != alice.uri || act.Object[1] != postURI ||
			!strings.Contains(act.Content, "buy now links") || strings.Contains(string(d.Body), "carol") {
			t.Errorf("got a Flag to %s: %s", d.URL, d.Body)
		}
		p, err := httpsign.ParseSignature(d.Header.Get("Signature"))
		if err != nil || p.KeyID != "https://parvis.example/actor#main-key" {
			t.Errorf("Flag signed with %q (%v), want the instance actor's key", p.KeyID, err)
		}
	}
	if flags != 1 {
		t.Errorf("got %d Flags, want 1 (the local report stays here)", flags)
	}
}
