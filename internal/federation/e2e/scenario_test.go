package e2e_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"parvis/internal/model"
	"parvis/internal/social"
)

// TestFederationBetweenProcesses runs two real "parvis serve" processes on
// two loopback addresses, each with its own database, and checks that
// people on one can follow, read, answer, like, boost and block people on
// the other, and join its communities.
func TestFederationBetweenProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs two servers")
	}
	bin := buildParvis(t)
	a := startProcess(t, bin, "127.0.0.1")
	b := startProcess(t, bin, "127.0.0.2")
	runScenario(t, a, b)
}

// TestFederationInProcess is the same scenario with both instances in the
// test process, their logs in the test's: quicker to debug, and run only
// when PARVIS_E2E_INPROCESS=1, to keep the suite short.
func TestFederationInProcess(t *testing.T) {
	if testing.Short() || os.Getenv("PARVIS_E2E_INPROCESS") != "1" {
		t.Skip("runs two instances; set PARVIS_E2E_INPROCESS=1")
	}
	a := startInProcess(t, "127.0.0.1")
	b := startInProcess(t, "127.0.0.2")
	runScenario(t, a, b)
}

// runScenario drives two instances through their web pages: alice and
// carol (locked) live on a, bob on b.
func runScenario(t *testing.T, a, b *node) {
	ctx := context.Background()
	a.setup("admin")
	b.setup("admin")
	alice := a.signUp("alice")
	carol := a.signUp("carol")
	bob := b.signUp("bob")
	carol.post("/settings", "/settings/profile", url.Values{"display_name": {"Carol"}, "locked": {"on"}})

	// A follow across servers: bob finds alice by her profile's URL and
	// follows her; her server records the follow and accepts it.
	aliceOnB := bob.find(a, "alice")
	bob.post("/@alice@"+a.domain, "/accounts/"+model.FormatID(aliceOnB)+"/follow", nil)
	bobOnA := int64(0)
	eventually(t, "alice's server records bob's follow", func() bool {
		return a.count(`SELECT COUNT(*) FROM follows f JOIN accounts x ON x.id = f.account_id
			WHERE x.username = 'bob' AND x.domain = $1 AND f.target_id = $2`, b.domain, a.accountID("alice", "")) == 1
	}, a, b)
	bobOnA = a.accountID("bob", b.domain)
	eventually(t, "bob's server sees the follow accepted", func() bool {
		return b.count("SELECT COUNT(*) FROM follows WHERE account_id = $1 AND target_id = $2",
			b.accountID("bob", ""), aliceOnB) == 1
	})

	// A locked account's request: bob finds carol by her address (through
	// WebFinger), and carol approves his request.
	carolOnB := bob.findByAddress(a, "carol")
	bob.post("/@carol@"+a.domain, "/accounts/"+model.FormatID(carolOnB)+"/follow", nil)
	eventually(t, "carol receives bob's request", func() bool {
		return a.count("SELECT COUNT(*) FROM follow_requests WHERE account_id = $1 AND target_id = $2",
			bobOnA, a.accountID("carol", "")) == 1
	})
	if n := b.count("SELECT COUNT(*) FROM follows WHERE target_id = $1", carolOnB); n != 0 {
		t.Fatalf("bob follows carol before she approved: got %d follows, want 0", n)
	}
	carol.post("/follow_requests", "/follow_requests/"+model.FormatID(bobOnA)+"/authorize", nil)
	eventually(t, "bob's request to carol is accepted", func() bool {
		return b.count("SELECT COUNT(*) FROM follows WHERE account_id = $1 AND target_id = $2",
			b.accountID("bob", ""), carolOnB) == 1
	})

	// A post reaches the follower's home timeline.
	alice.post("/compose", "/compose", url.Values{"text": {"Fresh sourdough from server A #bread"}, "visibility": {"public"}})
	eventually(t, "alice's post reaches bob's server", func() bool {
		return b.count("SELECT COUNT(*) FROM posts WHERE text LIKE '%Fresh sourdough from server A%'") == 1
	}, a, b)
	var copyID int64
	eventually(t, "alice's post is on bob's home timeline", func() bool {
		_, page := bob.get("/")
		copyID = postOnPage(page, "Fresh sourdough from server A")
		return copyID != 0
	})
	original, err := a.db.Read().PostByID(ctx, postOnPageOf(t, alice, "/@alice", "Fresh sourdough from server A"))
	if err != nil {
		t.Fatal(err)
	}

	if got := a.activityType("/@alice/" + model.FormatID(original.ID)); got != "Note" {
		t.Errorf("GET alice's post page as ActivityPub: got type %q, want Note", got)
	}

	// A reply threads on both sides.
	bob.post("/compose", "/compose", url.Values{"text": {"@alice@" + a.domain + " looks great, what flour?"},
		"visibility": {"public"}, "in_reply_to": {model.FormatID(copyID)}})
	eventually(t, "bob's reply is threaded under alice's post on her server", func() bool {
		return a.count("SELECT COUNT(*) FROM posts WHERE in_reply_to_id = $1 AND account_id = $2", original.ID, bobOnA) == 1
	})
	if n := b.count("SELECT COUNT(*) FROM posts WHERE in_reply_to_id = $1 AND local = TRUE", copyID); n != 1 {
		t.Fatalf("bob's reply on his server: got %d replies to the copy, want 1", n)
	}
	eventually(t, "the reply is counted at the origin", func() bool {
		p, err := a.db.Read().PostByID(ctx, original.ID)
		return err == nil && p.RepliesCount == 1
	})

	// A like and a boost are counted at the origin.
	bob.post("/", "/posts/"+model.FormatID(copyID)+"/favourite", nil)
	bob.post("/", "/posts/"+model.FormatID(copyID)+"/reblog", nil)
	eventually(t, "alice's server counts bob's like and boost", func() bool {
		p, err := a.db.Read().PostByID(ctx, original.ID)
		return err == nil && p.FavouritesCount == 1 && p.ReblogsCount == 1
	})

	// A delete removes the copy.
	alice.post("/@alice", "/posts/"+model.FormatID(original.ID)+"/delete", nil)
	eventually(t, "the copy on bob's server is deleted", func() bool {
		_, err := b.db.Read().PostByID(ctx, copyID)
		return model.IsNotFound(err)
	})

	// Joining a remote community, and seeing its Announce of a member's
	// post.
	aliceUser, err := a.db.Read().UserByAccountID(ctx, a.accountID("alice", ""))
	if err != nil {
		t.Fatal(err)
	}
	aliceAcc, err := a.db.Read().AccountByID(ctx, aliceUser.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.svc.CreateCommunity(ctx, &social.Actor{User: aliceUser, Account: aliceAcc},
		social.CommunityInput{Name: "bread", DisplayName: "Bread & Baking", Membership: "open"}); err != nil {
		t.Fatalf("create community: %v", err)
	}
	// The web pages' URLs answer ActivityPub clients with the documents.
	for path, typ := range map[string]string{"/@alice": "Person", "/c/bread": "Group", "/@bread": "Group"} {
		if got := a.activityType(path); got != typ {
			t.Errorf("GET %s as ActivityPub: got type %q, want %q", path, got, typ)
		}
	}
	breadOnB := bob.find(a, "bread")
	bob.post("/@bread@"+a.domain, "/accounts/"+model.FormatID(breadOnB)+"/follow", nil)
	eventually(t, "bob is a member of the community", func() bool {
		return a.count(`SELECT COUNT(*) FROM community_members m JOIN communities c ON c.id = m.community_id
			WHERE m.account_id = $1`, bobOnA) == 1 &&
			b.count("SELECT COUNT(*) FROM follows WHERE account_id = $1 AND target_id = $2", b.accountID("bob", ""), breadOnB) == 1
	})
	alice.post("/compose", "/compose", url.Values{"text": {"@bread rye or spelt for a first loaf?"}, "visibility": {"public"}})
	eventually(t, "the community's Announce of alice's post reaches bob's server", func() bool {
		return b.count("SELECT COUNT(*) FROM posts WHERE account_id = $1 AND reblog_of_id IS NOT NULL", breadOnB) == 1
	}, a, b)
	eventually(t, "the community's Announce of alice's post is on bob's home timeline", func() bool {
		_, page := bob.get("/")
		return strings.Contains(page, "rye or spelt for a first loaf")
	})

	// A block stops delivery: alice blocks bob, then posts.
	alice.post("/@bob@"+b.domain, "/accounts/"+model.FormatID(bobOnA)+"/block", nil)
	eventually(t, "bob no longer follows alice on his server", func() bool {
		return b.count("SELECT COUNT(*) FROM follows WHERE account_id = $1 AND target_id = $2",
			b.accountID("bob", ""), aliceOnB) == 0
	})
	alice.post("/compose", "/compose", url.Values{"text": {"Only for my followers after the block"}, "visibility": {"public"}})
	carol.post("/compose", "/compose", url.Values{"text": {"Carol still reaches bob"}, "visibility": {"public"}})
	eventually(t, "carol's later post reaches bob's server", func() bool {
		return b.count("SELECT COUNT(*) FROM posts WHERE text LIKE '%Carol still reaches bob%'") == 1
	}, a, b)
	eventually(t, "carol's later post reaches bob's home timeline", func() bool {
		_, page := bob.get("/")
		return strings.Contains(page, "Carol still reaches bob")
	}, a, b)
	// Both posts left alice's server at the same time; carol's arrived, so
	// alice's would have too, had it been sent.
	time.Sleep(500 * time.Millisecond)
	if n := b.count("SELECT COUNT(*) FROM posts WHERE text LIKE '%after the block%'"); n != 0 {
		t.Fatalf("alice's post after the block reached bob's server: got %d copies, want 0", n)
	}

	moveAndDelete(t, a, b, bob, carol)
}

// moveAndDelete moves an account of a to a new account on b, and then
// deletes an account of a. dan (on a) is followed by bob (on b) and by
// carol (on a); dan2 on b names dan as an alias, and dan moves there: bob
// and carol then follow dan2. Then carol, who posted and follows people on
// b, deletes her account: b forgets her posts and follows.
func moveAndDelete(t *testing.T, a, b *node, bob, carol *browser) {
	start := time.Now()
	defer func() { t.Logf("move and delete: %s", time.Since(start).Round(time.Millisecond)) }()
	dan := a.signUp("dan")
	dan2 := b.signUp("dan2")
	danOnB := bob.find(a, "dan")
	bob.post("/@dan@"+a.domain, "/accounts/"+model.FormatID(danOnB)+"/follow", nil)
	carol.post("/@dan", "/accounts/"+model.FormatID(a.accountID("dan", ""))+"/follow", nil)
	// Both sides: bob's server records the follow once dan's Accept is
	// processed there, and only a follow it has recorded is moved.
	eventually(t, "bob follows dan", func() bool {
		return a.count("SELECT COUNT(*) FROM follows WHERE target_id = $1", a.accountID("dan", "")) == 2 &&
			b.count("SELECT COUNT(*) FROM follows WHERE account_id = $1 AND target_id = $2", b.accountID("bob", ""), danOnB) == 1
	}, a, b)

	// Without the alias on dan2, the move is refused with a form message.
	status, page := dan.tryPost("/settings/move", "/settings/move", url.Values{"handle": {"dan2@" + b.domain},
		"current_password": {"correct horse battery"}})
	if (status != http.StatusUnprocessableEntity && status != http.StatusBadRequest) || !strings.Contains(html.UnescapeString(page), "does not list this account as an alias") {
		t.Fatalf("move before the alias: status %d", status)
	}
	dan2.post("/settings/aliases", "/settings/aliases", url.Values{"handle": {"dan@" + a.domain}})
	dan.post("/settings/move", "/settings/move", url.Values{"handle": {"dan2@" + b.domain},
		"current_password": {"correct horse battery"}})
	dan2OnA := a.accountID("dan2", b.domain)
	eventually(t, "bob and carol follow dan2 instead of dan", func() bool {
		return b.count("SELECT COUNT(*) FROM follows WHERE account_id = $1 AND target_id = $2",
			b.accountID("bob", ""), b.accountID("dan2", "")) == 1 &&
			b.count("SELECT COUNT(*) FROM follows WHERE target_id = $1", danOnB) == 0 &&
			a.count("SELECT COUNT(*) FROM follows WHERE account_id = $1 AND target_id = $2",
				a.accountID("carol", ""), dan2OnA) == 1
	}, a, b)
	if got := a.activityType("/@dan"); got != "Person" {
		t.Errorf("dan's actor after the move: %q", got)
	}

	// carol deletes her account; b forgets her.
	carolOnB := b.accountID("carol", a.domain)
	if n := b.count("SELECT COUNT(*) FROM posts WHERE account_id = $1", carolOnB); n == 0 {
		t.Fatal("carol has no post on b to delete")
	}
	carol.post("/settings/delete", "/settings/delete", url.Values{"current_password": {"correct horse battery"}})
	eventually(t, "b removes carol's posts and follows", func() bool {
		return b.count("SELECT COUNT(*) FROM posts WHERE account_id = $1", carolOnB) == 0 &&
			b.count("SELECT COUNT(*) FROM follows WHERE account_id = $1 OR target_id = $1", carolOnB) == 0
	}, a, b)
	if status, _ := a.browser().get("/users/carol"); status != http.StatusGone {
		t.Errorf("carol's actor after deletion: status %d, want 410", status)
	}
}

// postOnPageOf returns the id of the post with text on a page of b's own
// instance.
func postOnPageOf(t *testing.T, b *browser, page, text string) int64 {
	t.Helper()
	_, body := b.get(page)
	id := postOnPage(body, text)
	if id == 0 {
		t.Fatalf("no post %q on %s", text, page)
	}
	return id
}
