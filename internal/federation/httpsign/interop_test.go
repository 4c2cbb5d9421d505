package httpsign

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"testing"
)

// signingString builds the draft-cavage signing string by hand, the way
// Mastodon does, for requests whose path has escaped bytes: receivers see
// the path as sent, so the escaped form is what gets signed.
func signingString(method, target, host, date string) string {
	return "(request-target): " + method + " " + target + "\nhost: " + host + "\ndate: " + date
}

func TestEscapedPathInterop(t *testing.T) {
	key := cavageKey(t)
	const target = "/tags/caf%C3%A9?page=2"
	date := testNow.Format(http.TimeFormat)

	t.Run("verify a foreign signature", func(t *testing.T) {
		sum := sha256.Sum256([]byte(signingString("get", target, "parvis.example", date)))
		sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
		if err != nil {
			t.Fatal(err)
		}
		r, err := http.NewRequest(http.MethodGet, "https://parvis.example"+target, nil)
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("Date", date)
		r.Header.Set("Signature", Params{
			KeyID:     aliceKeyID,
			Algorithm: "rsa-sha256",
			Headers:   []string{RequestTarget, "host", "date"},
			Signature: base64.StdEncoding.EncodeToString(sig),
		}.String())
		v := &Verifier{Resolve: aliceKeyring(key).resolve, Clock: fixedClock(testNow)}
		if _, err := v.Verify(context.Background(), r, nil); err != nil {
			t.Fatalf("got %v, want nil", err)
		}
	})

	t.Run("sign what a foreign verifier expects", func(t *testing.T) {
		r, err := http.NewRequest(http.MethodGet, "https://parvis.example"+target, nil)
		if err != nil {
			t.Fatal(err)
		}
		s, err := NewSigner(aliceKeyID, key, fixedClock(testNow))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Sign(r, nil); err != nil {
			t.Fatal(err)
		}
		p, err := ParseSignature(r.Header.Get("Signature"))
		if err != nil {
			t.Fatal(err)
		}
		sig, err := base64.StdEncoding.DecodeString(p.Signature)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(signingString("get", target, "parvis.example", date)))
		if err := rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, sum[:], sig); err != nil {
			t.Fatalf("got %v, want a signature over the escaped path", err)
		}
	})
}
