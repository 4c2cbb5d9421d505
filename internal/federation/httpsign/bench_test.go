package httpsign

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// The benchmarks use an RSA-2048 key, the size real actors have.

func BenchmarkSign(b *testing.B) {
	key, err := GenerateKey()
	if err != nil {
		b.Fatal(err)
	}
	s, err := NewSigner(aliceKeyID, key, fixedClock(testNow))
	if err != nil {
		b.Fatal(err)
	}
	body := []byte(noteBody)
	for b.Loop() {
		r, _ := http.NewRequest(http.MethodPost, inboxURL, nil)
		if err := s.Sign(r, body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	key, err := GenerateKey()
	if err != nil {
		b.Fatal(err)
	}
	r := signedPost(b, key, noteBody)
	v := &Verifier{Resolve: aliceKeyring(key).resolve, Clock: fixedClock(testNow)}
	ctx := context.Background()
	body := []byte(noteBody)
	for b.Loop() {
		if _, err := v.Verify(ctx, r, body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseSignature(b *testing.B) {
	h := `keyId="https://mastodon.example/users/alice#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest content-type",signature="` +
		strings.Repeat("QUJD", 86) + `"`
	for b.Loop() {
		if _, err := ParseSignature(h); err != nil {
			b.Fatal(err)
		}
	}
}
