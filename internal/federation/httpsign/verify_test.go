package httpsign

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const (
	aliceID    = "https://mastodon.example/users/alice"
	aliceKeyID = aliceID + "#main-key"
	inboxURL   = "https://parvis.example/users/bob/inbox"
	noteBody   = `{"id":"https://mastodon.example/users/alice/statuses/1/activity","type":"Create","actor":"https://mastodon.example/users/alice"}`
)

var testNow = time.Date(2025, time.March, 14, 15, 9, 26, 0, time.UTC)

// keyring resolves keys from a map, as storage would.
type keyring map[string]struct {
	pub   crypto.PublicKey
	owner string
}

func (k keyring) resolve(_ context.Context, keyID string) (crypto.PublicKey, string, error) {
	e, ok := k[keyID]
	if !ok {
		return nil, "", fmt.Errorf("no key %s", keyID)
	}
	return e.pub, e.owner, nil
}

func aliceKeyring(key *rsa.PrivateKey) keyring {
	return keyring{aliceKeyID: {pub: &key.PublicKey, owner: aliceID}}
}

// signedPost returns a POST of body to inboxURL signed by alice at testNow.
func signedPost(t testing.TB, key *rsa.PrivateKey, body string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, inboxURL, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/activity+json")
	s, err := NewSigner(aliceKeyID, key, fixedClock(testNow))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Sign(r, []byte(body)); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestSignSetsMastodonHeaders(t *testing.T) {
	key := cavageKey(t)
	r := signedPost(t, key, noteBody)
	if got, want := r.Header.Get("Date"), "Fri, 14 Mar 2025 15:09:26 GMT"; got != want {
		t.Errorf("Date: got %q, want %q", got, want)
	}
	if got, want := r.Header.Get("Host"), "parvis.example"; got != want {
		t.Errorf("Host: got %q, want %q", got, want)
	}
	if got, want := r.Header.Get("Digest"), digestHeader([]byte(noteBody)); got != want {
		t.Errorf("Digest: got %q, want %q", got, want)
	}
	p, err := ParseSignature(r.Header.Get("Signature"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(p.Headers, " "), "(request-target) host date digest"; got != want {
		t.Errorf("signed headers: got %q, want %q", got, want)
	}
	if p.KeyID != aliceKeyID {
		t.Errorf("keyId: got %q, want %q", p.KeyID, aliceKeyID)
	}

	get, err := http.NewRequest(http.MethodGet, aliceID+"/outbox?page=true", nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSigner(aliceKeyID, key, fixedClock(testNow))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Sign(get, nil); err != nil {
		t.Fatal(err)
	}
	p, err = ParseSignature(get.Header.Get("Signature"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(p.Headers, " "), "(request-target) host date"; got != want {
		t.Errorf("GET signed headers: got %q, want %q", got, want)
	}
	if d := get.Header.Get("Digest"); d != "" {
		t.Errorf("GET Digest: got %q, want none", d)
	}
	// Signing twice replaces the signature instead of adding a second one.
	if err := s.Sign(get, nil); err != nil {
		t.Fatal(err)
	}
	if n := len(get.Header.Values("Signature")); n != 1 {
		t.Errorf("Signature headers after re-signing: got %d, want 1", n)
	}
}

func TestVerify(t *testing.T) {
	key := cavageKey(t)
	otherKey, err := DecodePrivateKeyPEM([]byte(otherPrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		prepare func(r *http.Request, body *string, v *Verifier)
		want    error
	}{
		{name: "valid"},
		{
			name: "missing signature",
			prepare: func(r *http.Request, _ *string, _ *Verifier) {
				r.Header.Del("Signature")
			},
			want: ErrMissingSignature,
		},
		{
			name: "two signatures",
			prepare: func(r *http.Request, _ *string, _ *Verifier) {
				r.Header.Add("Signature", r.Header.Get("Signature"))
			},
			want: ErrMalformedSignature,
		},
		{
			name: "malformed signature",
			prepare: func(r *http.Request, _ *string, _ *Verifier) {
				r.Header.Set("Signature", `keyId="`+aliceKeyID+`",signature=`)
			},
			want: ErrMalformedSignature,
		},
		{
			name: "forged: signed by another key",
			prepare: func(r *http.Request, body *string, _ *Verifier) {
				forged := signedPost(t, otherKey, *body)
				r.Header.Set("Signature", forged.Header.Get("Signature"))
			},
			want: ErrBadSignature,
		},
		{
			name: "forged: signature of another request",
			prepare: func(r *http.Request, _ *string, _ *Verifier) {
				r.URL.Path = "/users/carol/inbox"
			},
			want: ErrBadSignature,
		},
		{
			name: "replayed: date older than the window",
			prepare: func(_ *http.Request, _ *string, v *Verifier) {
				v.Clock = fixedClock(testNow.Add(DefaultMaxSkew + time.Second))
			},
			want: ErrStaleDate,
		},
		{
			name: "date ahead of the window",
			prepare: func(_ *http.Request, _ *string, v *Verifier) {
				v.Clock = fixedClock(testNow.Add(-DefaultMaxSkew - time.Second))
			},
			want: ErrStaleDate,
		},
		{
			name: "date inside a configured window",
			prepare: func(_ *http.Request, _ *string, v *Verifier) {
				v.Clock = fixedClock(testNow.Add(50 * time.Minute))
				v.MaxSkew = time.Hour
			},
		},
		{
			name: "wrong digest: body swapped",
			prepare: func(_ *http.Request, body *string, _ *Verifier) {
				*body = strings.Replace(*body, "alice", "carol", 1)
			},
			want: ErrBadDigest,
		},
		{
			name: "wrong digest: no Digest header",
			prepare: func(r *http.Request, _ *string, _ *Verifier) {
				r.Header.Del("Digest")
			},
			want: ErrBadDigest,
		},
		{
			name: "digest not signed",
			prepare: func(r *http.Request, body *string, _ *Verifier) {
				s, _ := NewSigner(aliceKeyID, key, fixedClock(testNow))
				if err := s.SignHeaders(r, []byte(*body), []string{RequestTarget, "host", "date"}); err != nil {
					t.Fatal(err)
				}
			},
			want: ErrUnsignedHeader,
		},
		{
			name: "unknown key",
			prepare: func(_ *http.Request, _ *string, v *Verifier) {
				v.Resolve = keyring{}.resolve
			},
			want: ErrUnknownKey,
		},
		{
			name: "wrong key owner: owner on another host",
			prepare: func(_ *http.Request, _ *string, v *Verifier) {
				v.Resolve = keyring{aliceKeyID: {pub: &key.PublicKey, owner: "https://evil.example/users/alice"}}.resolve
			},
			want: ErrKeyNotOwned,
		},
		{
			name: "unsupported algorithm",
			prepare: func(r *http.Request, _ *string, _ *Verifier) {
				r.Header.Set("Signature", strings.Replace(r.Header.Get("Signature"), `algorithm="hs2019"`, `algorithm="hmac-sha256"`, 1))
			},
			want: ErrUnsupportedAlgorithm,
		},
		{
			name: "rsa-sha256 declared",
			prepare: func(r *http.Request, _ *string, _ *Verifier) {
				r.Header.Set("Signature", strings.Replace(r.Header.Get("Signature"), `algorithm="hs2019"`, `algorithm="rsa-sha256"`, 1))
			},
		},
		{
			name: "rotated key found on refetch",
			prepare: func(_ *http.Request, _ *string, v *Verifier) {
				v.Resolve = keyring{aliceKeyID: {pub: &otherKey.PublicKey, owner: aliceID}}.resolve
				v.Refetch = aliceKeyring(key).resolve
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := noteBody
			r := signedPost(t, key, body)
			v := &Verifier{Resolve: aliceKeyring(key).resolve, Clock: fixedClock(testNow)}
			if tt.prepare != nil {
				tt.prepare(r, &body, v)
			}
			got, err := v.Verify(context.Background(), r, []byte(body))
			if tt.want != nil {
				if !errors.Is(err, tt.want) {
					t.Fatalf("got error %v, want %v", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
			if got.ActorID != aliceID || got.KeyID != aliceKeyID {
				t.Errorf("got %+v, want actor %s key %s", got, aliceID, aliceKeyID)
			}
		})
	}
}

func TestVerifyNeedsResolverAndClock(t *testing.T) {
	r := signedPost(t, cavageKey(t), noteBody)
	_, err := (&Verifier{}).Verify(context.Background(), r, []byte(noteBody))
	if err == nil {
		t.Fatal("got nil, want an error for a verifier without Resolve and Clock")
	}
}

// TestVerifyQueryFallback checks that a GET signed without its query string,
// as Mastodon before 4.1 did, still verifies.
func TestVerifyQueryFallback(t *testing.T) {
	key := cavageKey(t)
	s, err := NewSigner(aliceKeyID, key, fixedClock(testNow))
	if err != nil {
		t.Fatal(err)
	}
	r, err := http.NewRequest(http.MethodGet, "https://parvis.example/users/bob/outbox", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Sign(r, nil); err != nil {
		t.Fatal(err)
	}
	r.URL.RawQuery = "page=true"
	v := &Verifier{Resolve: aliceKeyring(key).resolve, Clock: fixedClock(testNow)}
	if _, err := v.Verify(context.Background(), r, nil); err != nil {
		t.Fatalf("got %v, want nil", err)
	}
}

// TestSignVerifyOverHTTP sends signed requests through a real server, so
// that net/http's handling of Host, escaped paths and bodies is the one a
// deployment sees.
func TestSignVerifyOverHTTP(t *testing.T) {
	key := cavageKey(t)
	v := &Verifier{Resolve: aliceKeyring(key).resolve, Clock: fixedClock(testNow)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		who, err := v.Verify(r.Context(), r, body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		io.WriteString(w, who.ActorID)
	}))
	defer srv.Close()

	s, err := NewSigner(aliceKeyID, key, fixedClock(testNow))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		method, path string
		body         []byte
	}{
		{http.MethodPost, "/users/bob/inbox", []byte(noteBody)},
		{http.MethodPost, "/inbox", []byte(noteBody)},
		{http.MethodGet, "/users/bob/outbox?page=true&min_id=0", nil},
		{http.MethodGet, "/tags/caf%C3%A9", nil},
		{http.MethodGet, "/users/b%2Fob", nil},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			r, err := http.NewRequest(tt.method, srv.URL+tt.path, bytes.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Sign(r, tt.body); err != nil {
				t.Fatal(err)
			}
			resp, err := srv.Client().Do(r)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			got, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusOK || string(got) != aliceID {
				t.Fatalf("got %d %q, want 200 %q", resp.StatusCode, got, aliceID)
			}
		})
	}
}

// digestHeader returns the Digest header for body, computed independently
// of httpsig.
func digestHeader(body []byte) string {
	sum := sha256.Sum256(body)
	return "SHA-256=" + base64.StdEncoding.EncodeToString(sum[:])
}

func TestCheckDigest(t *testing.T) {
	body := []byte(cavageBody)
	tests := []struct {
		header string
		ok     bool
	}{
		{cavageDigest, true},
		{"sha-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=", true},
		{"SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=, MD5=abc", true},
		{"SHA-512=WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==", true},
		{"", false},
		{"SHA-256=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", false},
		{"SHA-256=not base64", false},
		{"MD5=Sd/dVLAcvNLSq16eXua5uQ==", false},
		{"garbage", false},
		{cavageDigest + ",SHA-256=AAAA", false},
	}
	for _, tt := range tests {
		err := checkDigest(tt.header, body)
		if tt.ok && err != nil {
			t.Errorf("checkDigest(%q): got %v, want nil", tt.header, err)
		}
		if !tt.ok && !errors.Is(err, ErrBadDigest) {
			t.Errorf("checkDigest(%q): got %v, want ErrBadDigest", tt.header, err)
		}
	}
}

// otherPrivateKey is a second 1024-bit key for forgeries, small so the
// tests stay fast.
const otherPrivateKey = `
-----BEGIN RSA PRIVATE KEY-----
MIICXQIBAAKBgQDIkPQww0L9wKkVLD+ebAkn5FQCvkUTKtujpA3DIn5GJHFGMx2e
DT3mKHnY9fQCXvrLWEivB9IEH6twn+NX9mY/xL07zMC6jXGhsGWrPeJHBM7R1GU6
bTWeKEZwgcfKAAo78wqOeNaI+jUuYDd3PCGD95E9/PSYvOZQrTtmQJVxyQIDAQAB
AoGAIVFJwf3113Rql3H8dtiIjtVptUjz7ZKy3ioRqobvhhRmCBzUAIjqQvJvXKtt
kk/tMTFkZZsSzWI7bF/1zWDJAZFx7ONH1q47Nk5nOeIjM8AjSmw+AX5lbCRlrP6C
H25CArvi+SWHT8+6vZGmxi0PfdFHpvOgGbITKlzTGWiM4AcCQQDK1KysOwyVR3a+
jnEQmTvRiaipzwCd07gnfdjuF4AJInVTY0ILrVomU/NeFsy02tSq71vKY22nVnm8
cclfqDQzAkEA/SRQUIiksPQBOx2SiU/Rj9KkoBNTdYLsglR7ty9mFTyZ6bhCeMoz
BCZ1W8fnBBF8Wjd5cOw5obpkDVvWST4mEwJBAKE0TJSKTeLrLHYhEb2mfAN6jEGB
0zSdC9TfUaVRqiIYb/U5g0lymp6xxE/4gPQQpEvC90owofsIYLKkIO9U6T8CQQDl
M5sQwBg2LEhtCSKj90Rsr7HlSnpXvPp+KxZ1T5JjiiJlzzNIgPPePyAlwQM32Mk6
Ol5X01t/Ru/OdKe6W25HAkAUxMwHtzVd/bIhfcGp5YmkgahF+HoA2HGloTWpEgCl
4THad/yp9FvC2eBGSy2CBpFA1+sY3qb+HSoX2Jg0fTFP
-----END RSA PRIVATE KEY-----
`
