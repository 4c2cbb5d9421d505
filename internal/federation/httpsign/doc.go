// Package httpsign signs and verifies HTTP requests between ActivityPub
// servers the way Mastodon, GoToSocial and Lemmy do: draft-cavage HTTP
// signatures (draft-cavage-http-signatures-12) with RSA-SHA256 keys, a
// Digest header on bodies, and the signed headers
// "(request-target) host date digest" on POST and "(request-target) host
// date" on GET.
//
// The cryptography and the signing string come from github.com/go-fed/httpsig;
// this package adds what federation needs around it: Date, Host and Digest
// headers on outgoing requests, a strict Signature header parser, the
// signed-header policy, digest and clock checks, key resolution through the
// caller, typed errors, and the origin rules that keep one server from
// speaking for another (the class of Mastodon's CVE-2024-23832).
//
// A delivery job signs with a Signer:
//
//	s, err := httpsign.NewSigner(actor.ID+"#main-key", key, clock)
//	req, _ := http.NewRequestWithContext(ctx, "POST", inbox, bytes.NewReader(body))
//	req.Header.Set("Content-Type", ap.MediaType)
//	err = s.Sign(req, body)
//
// An inbox handler reads the body (bounded), verifies, decodes, then checks
// the activity against the verified actor:
//
//	v := &httpsign.Verifier{Resolve: keys.Resolve, Clock: clock}
//	who, err := v.Verify(ctx, r, body)     // 401 on error
//	act, err := ap.Decode(body)            // 400 on error
//	err = httpsign.CheckOrigin(act, who.ActorID) // 401 on error
package httpsign

import "time"

// Clock tells the time; model.SystemClock satisfies it, and tests pass a
// fixed clock.
type Clock interface {
	Now() time.Time
}
