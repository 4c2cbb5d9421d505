package httpsign

import "errors"

// Errors returned by Verifier.Verify and CheckOrigin. Each is wrapped with
// the detail of what failed, so callers test them with errors.Is, answer
// 401 Unauthorized for all of them and log the message to say why.
var (
	// ErrMissingSignature means the request has no Signature header.
	ErrMissingSignature = errors.New("httpsign: missing Signature header")
	// ErrMalformedSignature means the Signature header cannot be parsed.
	ErrMalformedSignature = errors.New("httpsign: malformed Signature header")
	// ErrUnsupportedAlgorithm means the algorithm or key type is not one
	// this package verifies (rsa-sha256, or hs2019 with an RSA or Ed25519 key).
	ErrUnsupportedAlgorithm = errors.New("httpsign: unsupported signature algorithm")
	// ErrUnsignedHeader means a header that must be signed is not among the
	// signed headers.
	ErrUnsignedHeader = errors.New("httpsign: required header not signed")
	// ErrBadDigest means the Digest header is missing, unsupported or does
	// not match the body.
	ErrBadDigest = errors.New("httpsign: bad digest")
	// ErrStaleDate means the Date header (or the created and expires
	// parameters) is missing or too far from the current time: a replay, or
	// a sender whose clock is badly wrong.
	ErrStaleDate = errors.New("httpsign: date out of range")
	// ErrUnknownKey means the key resolver could not provide the key.
	ErrUnknownKey = errors.New("httpsign: unknown key")
	// ErrBadSignature means the signature does not verify with the key.
	ErrBadSignature = errors.New("httpsign: bad signature")
	// ErrKeyNotOwned means the key does not belong to the actor it is used
	// for: its owner is on another host than the key, or the activity's
	// actor is not the key's owner.
	ErrKeyNotOwned = errors.New("httpsign: key not owned by actor")
	// ErrWrongOrigin means an activity, or an object it carries, has an id
	// on another host than the actor who signed it.
	ErrWrongOrigin = errors.New("httpsign: wrong origin")
)
