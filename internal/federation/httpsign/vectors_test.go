package httpsign

import (
	"bytes"
	"crypto/rsa"
	"net/http"
	"slices"
	"testing"
	"time"
)

// The test key and request of draft-cavage-http-signatures-12, appendix C.
const (
	cavagePrivateKey = `-----BEGIN RSA PRIVATE KEY-----
MIICXgIBAAKBgQDCFENGw33yGihy92pDjZQhl0C36rPJj+CvfSC8+q28hxA161QF
NUd13wuCTUcq0Qd2qsBe/2hFyc2DCJJg0h1L78+6Z4UMR7EOcpfdUE9Hf3m/hs+F
UR45uBJeDK1HSFHD8bHKD6kv8FPGfJTotc+2xjJwoYi+1hqp1fIekaxsyQIDAQAB
AoGBAJR8ZkCUvx5kzv+utdl7T5MnordT1TvoXXJGXK7ZZ+UuvMNUCdN2QPc4sBiA
QWvLw1cSKt5DsKZ8UETpYPy8pPYnnDEz2dDYiaew9+xEpubyeW2oH4Zx71wqBtOK
kqwrXa/pzdpiucRRjk6vE6YY7EBBs/g7uanVpGibOVAEsqH1AkEA7DkjVH28WDUg
f1nqvfn2Kj6CT7nIcE3jGJsZZ7zlZmBmHFDONMLUrXR/Zm3pR5m0tCmBqa5RK95u
412jt1dPIwJBANJT3v8pnkth48bQo/fKel6uEYyboRtA5/uHuHkZ6FQF7OUkGogc
mSJluOdc5t6hI1VsLn0QZEjQZMEOWr+wKSMCQQCC4kXJEsHAve77oP6HtG/IiEn7
kpyUXRNvFsDE0czpJJBvL/aRFUJxuRK91jhjC68sA7NsKMGg5OXb5I5Jj36xAkEA
gIT7aFOYBFwGgQAQkWNKLvySgKbAZRTeLBacpHMuQdl1DfdntvAyqpAZ0lY0RKmW
G6aFKaqQfOXKCyWoUiVknQJAXrlgySFci/2ueKlIE1QqIiLSZ8V8OlpFLRnb1pzI
7U1yQXnTAEFYM560yJlzUpOb1V4cScGd365tiSMvxLOvTA==
-----END RSA PRIVATE KEY-----
`
	cavagePublicKey = `-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDCFENGw33yGihy92pDjZQhl0C3
6rPJj+CvfSC8+q28hxA161QFNUd13wuCTUcq0Qd2qsBe/2hFyc2DCJJg0h1L78+6
Z4UMR7EOcpfdUE9Hf3m/hs+FUR45uBJeDK1HSFHD8bHKD6kv8FPGfJTotc+2xjJw
oYi+1hqp1fIekaxsyQIDAQAB
-----END PUBLIC KEY-----
`
	cavageBody   = `{"hello": "world"}`
	cavageDigest = "SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE="
)

// cavageTime is the Date of the test request, Sun, 05 Jan 2014 21:31:40 GMT.
var cavageTime = time.Date(2014, time.January, 5, 21, 31, 40, 0, time.UTC)

type fixedClock time.Time

func (c fixedClock) Now() time.Time { return time.Time(c) }

// cavageVectors are the signatures of appendix C. The All Headers Test of
// draft 12 lists "(request-target) (created) (expires) host date
// content-type digest content-length" but kept the signature value of
// drafts 10 and 11, which signs the list without (created) and (expires);
// only that list verifies, so it is the one used here.
var cavageVectors = []struct {
	name    string
	headers []string
	header  string
}{
	{
		name:    "Default Test",
		headers: []string{"date"},
		header: `keyId="Test",algorithm="rsa-sha256",` +
			`signature="SjWJWbWN7i0wzBvtPl8rbASWz5xQW6mcJmn+ibttBqtifLN7Sazz6m79cNfwwb8DMJ5cou1s7uEGKKCs+FLEEaDV5lp7q25WqS+lavg7T8hc0GppauB6hbgEKTwblDHYGEtbGmtdHgVCk9SuS13F0hZ8FD0k/5OxEPXe5WozsbM="`,
	},
	{
		name:    "Basic Test",
		headers: []string{"(request-target)", "host", "date"},
		header: `keyId="Test",algorithm="rsa-sha256",headers="(request-target) host date",` +
			`signature="qdx+H7PHHDZgy4y/Ahn9Tny9V3GP6YgBPyUXMmoxWtLbHpUnXS2mg2+SbrQDMCJypxBLSPQR2aAjn7ndmw2iicw3HMbe8VfEdKFYRqzic+efkb3nndiv/x1xSHDJWeSWkx3ButlYSuBskLu6kd9Fswtemr3lgdDEmn04swr2Os0="`,
	},
	{
		name:    "All Headers Test",
		headers: []string{"(request-target)", "host", "date", "content-type", "digest", "content-length"},
		header: `keyId="Test",algorithm="rsa-sha256",` +
			`headers="(request-target) host date content-type digest content-length",` +
			`signature="vSdrb+dS3EceC9bcwHSo4MlyKS59iFIrhgYkz8+oVLEEzmYZZvRs8rgOp+63LEM3v+MFHB32NfpB2bEKBIvB1q52LaEUHFv120V01IL+TAD48XaERZFukWgHoBTLMhYS2Gb51gWxpeIq8knRmPnYePbF5MOkR0Zkly4zKH7s1dE="`,
	},
}

// cavageRequest returns the test request of appendix C, unsigned.
func cavageRequest(t testing.TB) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, "http://example.com/foo?param=value&pet=dog", bytes.NewReader([]byte(cavageBody)))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Host", "example.com")
	r.Header.Set("Date", "Sun, 05 Jan 2014 21:31:40 GMT")
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Digest", cavageDigest)
	r.Header.Set("Content-Length", "18")
	return r
}

func cavageKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	k, err := DecodePrivateKeyPEM([]byte(cavagePrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestCavageVectorsVerify(t *testing.T) {
	pub, err := DecodePublicKeyPEM([]byte(cavagePublicKey))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range cavageVectors {
		t.Run(v.name, func(t *testing.T) {
			p, err := ParseSignature(v.header)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if got, want := p.Headers, v.headers; !slices.Equal(got, want) {
				t.Fatalf("headers: got %q, want %q", got, want)
			}
			r := cavageRequest(t)
			if err := verifySignature(r, p, pub); err != nil {
				t.Fatalf("verify: got %v, want nil", err)
			}
			if err := checkDigest(r.Header.Get("Digest"), []byte(cavageBody)); err != nil {
				t.Fatalf("digest: got %v, want nil", err)
			}
			// One changed byte of the signed data must break it.
			r.Header.Set("Date", "Sun, 05 Jan 2014 21:31:41 GMT")
			if err := verifySignature(r, p, pub); err == nil {
				t.Fatal("verify with another date: got nil, want an error")
			}
		})
	}
}

func TestCavageVectorsSign(t *testing.T) {
	s, err := NewSigner("Test", cavageKey(t), fixedClock(cavageTime))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range cavageVectors {
		t.Run(v.name, func(t *testing.T) {
			want, err := ParseSignature(v.header)
			if err != nil {
				t.Fatal(err)
			}
			r := cavageRequest(t)
			var body []byte
			if want.Has("digest") {
				body = []byte(cavageBody)
			}
			if err := s.SignHeaders(r, body, v.headers); err != nil {
				t.Fatalf("sign: %v", err)
			}
			got, err := ParseSignature(r.Header.Get("Signature"))
			if err != nil {
				t.Fatalf("parse own signature: %v", err)
			}
			if got.Signature != want.Signature {
				t.Errorf("signature: got %s, want %s", got.Signature, want.Signature)
			}
			if !slices.Equal(got.Headers, want.Headers) {
				t.Errorf("headers: got %q, want %q", got.Headers, want.Headers)
			}
			if body != nil {
				if d := r.Header.Get("Digest"); d != cavageDigest {
					t.Errorf("digest: got %s, want %s", d, cavageDigest)
				}
			}
		})
	}
}
