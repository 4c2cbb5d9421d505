package insights

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/big"
)

// LinkCodeLength is the length of tracked-link codes: 12 base-62
// characters, 71 bits, too many to guess.
const LinkCodeLength = 12

const linkCodeAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// LinkCode returns the code of the index-th link of a post. It is derived
// from the post, the place and the URL under the server's secret, so that
// the same link of the same post always gets the same code (an edit that
// keeps a link keeps its code) and nobody can forge one.
func LinkCode(secret []byte, postID int64, index int, rawURL string) string {
	m := hmac.New(sha256.New, secret)
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(postID))
	binary.BigEndian.PutUint64(b[8:], uint64(index))
	m.Write(b[:])
	m.Write([]byte(rawURL))
	sum := m.Sum(nil)
	n := new(big.Int).SetBytes(sum[:16])
	base := big.NewInt(int64(len(linkCodeAlphabet)))
	out := make([]byte, LinkCodeLength)
	var r big.Int
	for i := range out {
		n.QuoRem(n, base, &r)
		out[i] = linkCodeAlphabet[r.Int64()]
	}
	return string(out)
}

// ValidLinkCode reports whether code has the form of a tracked link's
// code, so that junk is refused before any query.
func ValidLinkCode(code string) bool {
	return len(code) == LinkCodeLength && alphanumeric(code)
}

// SiteKeyLength is the length of a website's public key (its data-site).
const SiteKeyLength = 16

// NewSiteKey returns a fresh random website key.
func NewSiteKey() (string, error) {
	var b [SiteKeyLength]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("website key: %w", err)
	}
	for i := range b {
		b[i] = linkCodeAlphabet[int(b[i])%len(linkCodeAlphabet)]
	}
	return string(b[:]), nil
}

// ValidSiteKey reports whether key has the form of a website key.
func ValidSiteKey(key string) bool {
	return len(key) == SiteKeyLength && alphanumeric(key)
}

func alphanumeric(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
			return false
		}
	}
	return true
}
