package federation_test

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"parvis/internal/federation"
	"parvis/internal/federation/httpsign"
	"parvis/internal/model"
	"parvis/internal/social"
)

// keys are RSA keys made once per test binary: making one costs tens of
// milliseconds.
var testKeys = sync.OnceValue(func() []*rsa.PrivateKey {
	keys := make([]*rsa.PrivateKey, 6)
	for i := range keys {
		k, err := httpsign.GenerateKey()
		if err != nil {
			panic(err)
		}
		keys[i] = k
	}
	return keys
})

// mastodonAlice serves the Mastodon person of the test data on the fake
// web.
func (l *local) mastodonAlice() *remote {
	l.t.Helper()
	raw, err := os.ReadFile("ap/testdata/mastodon/person.json")
	if err != nil {
		l.t.Fatal(err)
	}
	return l.addActor(raw, testKeys()[0])
}

const followBob = `{"@context":"https://www.w3.org/ns/activitystreams","id":"https://mastodon.example/follows/1",
"type":"Follow","actor":"https://mastodon.example/users/alice","object":"https://parvis.example/users/bob"}`

// TestInboxRefusesBadSignatures posts activities that must be refused:
// nothing of them may be stored.
func TestInboxRefusesBadSignatures(t *testing.T) {
	l := newLocal(t, federation.Config{})
	l.user("bob")
	alice := l.mastodonAlice()
	forger := &remote{uri: alice.uri, keyID: alice.keyID, key: testKeys()[1]}
	mallory := l.addActor(personDoc("https://evil.example/users/mallory", "mallory"), testKeys()[2])

	tests := []struct {
		name string
		req  func() *http.Request
		want int
	}{
		{"no signature", func() *http.Request {
			r := l.signedRequest(alice, "/inbox", []byte(followBob))
			r.Header.Del("Signature")
			return r
		}, http.StatusUnauthorized},
		{"forged: signed with another key than the actor's", func() *http.Request {
			return l.signedRequest(forger, "/inbox", []byte(followBob))
		}, http.StatusUnauthorized},
		{"replayed: signed an hour ago", func() *http.Request {
			past := &testClock{fixed: time.Now().Add(-time.Hour)}
			s, _ := httpsign.NewSigner(alice.keyID, alice.key, past)
			r := httptest.NewRequest(http.MethodPost, "https://parvis.example/inbox", strings.NewReader(followBob))
			if err := s.Sign(r, []byte(followBob)); err != nil {
				t.Fatal(err)
			}
			return r
		}, http.StatusUnauthorized},
		{"wrong digest: body changed after signing", func() *http.Request {
			signed := l.signedRequest(alice, "/inbox", []byte(followBob))
			tampered := strings.Replace(followBob, "users/bob", "users/eve", 1)
			r := httptest.NewRequest(http.MethodPost, "https://parvis.example/inbox", strings.NewReader(tampered))
			r.Header = signed.Header
			return r
		}, http.StatusUnauthorized},
		{"wrong origin: an object on another host", func() *http.Request {
			body := `{"id":"https://mastodon.example/create/1","type":"Create","actor":"https://mastodon.example/users/alice",
				"object":{"id":"https://victim.example/notes/1","type":"Note","attributedTo":"https://mastodon.example/users/alice","content":"x"}}`
			return l.signedRequest(alice, "/inbox", []byte(body))
		}, http.StatusUnauthorized},
		{"wrong origin: speaking for another actor", func() *http.Request {
			return l.signedRequest(mallory, "/inbox", []byte(followBob))
		}, http.StatusUnauthorized},
		{"wrong origin: deleting another server's post", func() *http.Request {
			body := `{"id":"https://evil.example/d/1","type":"Delete","actor":"https://evil.example/users/mallory",
				"object":"https://mastodon.example/users/alice/statuses/1"}`
			return l.signedRequest(mallory, "/inbox", []byte(body))
		}, http.StatusUnauthorized},
		{"key not owned: a key on one host naming an actor on another as its owner", func() *http.Request {
			pemText, _ := httpsign.PublicKeyPEM(testKeys()[2])
			stub, _ := json.Marshal(map[string]any{"id": "https://evil.example/users/stub", "type": "Person",
				"publicKey": map[string]string{"id": "https://evil.example/users/stub#main-key",
					"owner": alice.uri, "publicKeyPem": pemText}})
			l.web.put("https://evil.example/users/stub", stub)
			return l.signedRequest(&remote{uri: alice.uri, keyID: "https://evil.example/users/stub#main-key",
				key: testKeys()[2]}, "/inbox", []byte(followBob))
		}, http.StatusUnauthorized},
		{"key not owned: a key id the actor does not publish", func() *http.Request {
			return l.signedRequest(&remote{uri: alice.uri, keyID: alice.uri + "#other-key", key: testKeys()[1]},
				"/inbox", []byte(followBob))
		}, http.StatusUnauthorized},
		{"dated ahead: signed ten minutes in the future", func() *http.Request {
			future := &testClock{fixed: time.Now().Add(10 * time.Minute)}
			s, _ := httpsign.NewSigner(alice.keyID, alice.key, future)
			r := httptest.NewRequest(http.MethodPost, "https://parvis.example/inbox", strings.NewReader(followBob))
			if err := s.Sign(r, []byte(followBob)); err != nil {
				t.Fatal(err)
			}
			return r
		}, http.StatusUnauthorized},
		{"malformed JSON", func() *http.Request {
			return l.signedRequest(alice, "/inbox", []byte(`{"type":"Follow",`))
		}, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := l.stored()
			rec := httptest.NewRecorder()
			l.handler.ServeHTTP(rec, tt.req())
			if rec.Code != tt.want {
				t.Errorf("got status %d, want %d (%s)", rec.Code, tt.want, strings.TrimSpace(rec.Body.String()))
			}
			l.settle()
			if after := l.stored(); after != before {
				t.Errorf("got %d rows stored after a refused request, want %d", after, before)
			}
		})
	}

	// A blocked domain is refused before any key is fetched.
	if _, err := l.svc.BlockDomain(context.Background(), adminActor(), social.DomainBlockInput{Domain: "evil.example"}); err != nil {
		t.Fatal(err)
	}
	// Blocks are cached for a few seconds.
	l.clock.set(time.Now().Add(10 * time.Second))
	defer l.clock.set(time.Time{})
	before, fetches := l.stored(), l.web.fetched(mallory.uri)
	body := `{"id":"https://evil.example/f/2","type":"Follow","actor":"https://evil.example/users/mallory","object":"https://parvis.example/users/bob"}`
	if got := l.deliver(mallory, "/inbox", []byte(body)); got != http.StatusForbidden {
		t.Errorf("blocked domain: got status %d, want 403", got)
	}
	if l.stored() != before || l.web.fetched(mallory.uri) != fetches {
		t.Errorf("blocked domain: something was stored or fetched")
	}
}

// TestInboxIsIdempotent delivers the same activity twice: it is applied
// once.
func TestInboxIsIdempotent(t *testing.T) {
	l := newLocal(t, federation.Config{})
	l.user("bob")
	alice := l.mastodonAlice()
	for i := range 2 {
		if got := l.deliver(alice, "/users/bob/inbox", []byte(followBob)); got != http.StatusAccepted {
			t.Fatalf("delivery %d: got status %d, want 202", i+1, got)
		}
	}
	l.settle()
	if n := l.count("SELECT COUNT(*) FROM river_job WHERE kind = 'federation_process'"); n != 1 {
		t.Errorf("got %d processing jobs, want 1", n)
	}
	if n := l.count("SELECT COUNT(*) FROM follows"); n != 1 {
		t.Errorf("got %d follows, want 1", n)
	}
	accepts := 0
	for _, d := range l.web.deliveries() {
		if strings.Contains(string(d.Body), `"Accept"`) {
			accepts++
		}
	}
	if accepts != 1 {
		t.Errorf("got %d Accept deliveries, want 1", accepts)
	}
}

// TestInboxRateLimit refuses a server past its limit.
func TestInboxRateLimit(t *testing.T) {
	l := newLocal(t, federation.Config{InboxLimit: 2})
	l.user("bob")
	alice := l.mastodonAlice()
	var codes []int
	for i := range 3 {
		body := strings.Replace(followBob, "follows/1", "follows/"+string(rune('a'+i)), 1)
		codes = append(codes, l.deliver(alice, "/inbox", []byte(body)))
	}
	if codes[0] != 202 || codes[1] != 202 || codes[2] != http.StatusTooManyRequests {
		t.Errorf("got statuses %v, want [202 202 429]", codes)
	}
}

// adminActor is an administrator, for the admin use cases.
func adminActor() *social.Actor {
	return &social.Actor{User: &model.User{Role: model.RoleAdmin}, Account: &model.Account{}}
}
