package httpsign

import (
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
)

// checkDigest verifies a Digest header against body. The header may list
// several algorithms ("SHA-256=...,SHA-512=..."); every listed SHA-256 or
// SHA-512 value must match, at least one must be present, and others are
// ignored, as Mastodon does. Errors wrap ErrBadDigest.
func checkDigest(header string, body []byte) error {
	if header == "" {
		return fmt.Errorf("%w: no Digest header", ErrBadDigest)
	}
	checked := 0
	for part := range strings.SplitSeq(header, ",") {
		alg, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return fmt.Errorf("%w: malformed Digest %q", ErrBadDigest, clip(header))
		}
		var sum []byte
		switch strings.ToUpper(alg) {
		case "SHA-256":
			s := sha256.Sum256(body)
			sum = s[:]
		case "SHA-512":
			s := sha512.Sum512(body)
			sum = s[:]
		default:
			continue
		}
		got, err := base64.StdEncoding.DecodeString(value)
		if err != nil || subtle.ConstantTimeCompare(got, sum) != 1 {
			return fmt.Errorf("%w: %s digest does not match the body", ErrBadDigest, strings.ToUpper(alg))
		}
		checked++
	}
	if checked == 0 {
		return fmt.Errorf("%w: no SHA-256 or SHA-512 value in %q", ErrBadDigest, clip(header))
	}
	return nil
}
