package httpsign

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"parvis/internal/federation/ap"
)

// CheckOrigin checks that act, delivered with an HTTP signature by the key
// of actor owner (Verified.ActorID), only speaks for owner. Mastodon's
// CVE-2024-23832 came from missing checks of this kind: a server could
// send activities about, or objects in the name of, another server's
// actors.
//
// The rules: the activity's actor is owner (else ErrKeyNotOwned) and its id,
// when present, is on owner's host. Then, by type:
//
//   - Create, Update, Delete, Add, Remove: each object, embedded or named
//     by IRI, has an id on owner's host; an embedded actor is owner itself
//     (an actor updates or deletes only itself); an embedded object's
//     attributedTo, when present, includes owner; an Add or Remove target
//     is on owner's host.
//   - Undo: the undone activity is on owner's host and, when embedded, has
//     owner as its actor.
//   - Accept, Reject: an embedded Follow has owner as its object (only the
//     followed actor accepts).
//   - Move: the object is owner.
//
// Other failures wrap ErrWrongOrigin. For Announce, Like, Follow, Block,
// Flag, Accept and Reject the object is someone else's, named by IRI: an
// embedded copy is not vouched for by the signature, so handlers must
// fetch it from its id unless SameHost(id, owner). Storage must still check
// that the object found under an id belongs to owner before changing it.
func CheckOrigin(act *ap.Object, owner string) error {
	if act == nil {
		return errors.New("httpsign: check origin: nil activity")
	}
	if actor := act.ActorID(); actor == "" || actor != owner {
		return fmt.Errorf("%w: activity actor %q, signed by %q", ErrKeyNotOwned, actor, owner)
	}
	if act.ID != "" && !SameHost(act.ID, owner) {
		return wrongOrigin(owner, "activity id %q is on another host", act.ID)
	}
	switch act.Type {
	case ap.TypeCreate, ap.TypeUpdate, ap.TypeDelete, ap.TypeAdd, ap.TypeRemove:
		if len(act.Object) == 0 {
			return wrongOrigin(owner, "%s without an object", act.Type)
		}
		for _, r := range act.Object {
			if err := checkOwnObject(r, owner); err != nil {
				return err
			}
		}
		if t := act.Target.IRI(); t != "" && !SameHost(t, owner) {
			return wrongOrigin(owner, "target %q is on another host", t)
		}
	case ap.TypeUndo:
		r := act.Object.First()
		if id := r.IRI(); id == "" || !SameHost(id, owner) {
			return wrongOrigin(owner, "undone activity %q is on another host", id)
		}
		if r.Object != nil {
			if a := r.Object.ActorID(); a != owner {
				return fmt.Errorf("%w: undone activity's actor %q, signed by %q", ErrKeyNotOwned, a, owner)
			}
		}
	case ap.TypeAccept, ap.TypeReject:
		if inner := act.EmbeddedObject(); inner != nil && inner.Type == ap.TypeFollow {
			if followed := inner.ObjectID(); followed != owner {
				return wrongOrigin(owner, "%s of a Follow of %q", act.Type, followed)
			}
		}
	case ap.TypeMove:
		if obj := act.ObjectID(); obj != owner {
			return wrongOrigin(owner, "Move of %q", obj)
		}
	}
	return nil
}

// checkOwnObject checks an object that must belong to owner.
func checkOwnObject(r ap.Ref, owner string) error {
	id := r.IRI()
	if id == "" || !SameHost(id, owner) {
		return wrongOrigin(owner, "object %q is on another host", id)
	}
	o := r.Object
	if o == nil {
		return nil
	}
	if o.Type.IsActor() && id != owner {
		return wrongOrigin(owner, "actor %q is not the signer", id)
	}
	if len(o.AttributedTo) > 0 && !o.AttributedTo.Has(owner) {
		return wrongOrigin(owner, "object %q is attributed to %q", id, o.AttributedTo.IRIs())
	}
	return nil
}

// wrongOrigin returns an ErrWrongOrigin saying what is wrong.
func wrongOrigin(owner, format string, args ...any) error {
	return fmt.Errorf("%w: %s, signed by %q", ErrWrongOrigin, fmt.Sprintf(format, args...), owner)
}

// SameHost reports whether the absolute http or https URLs a and b name the
// same host and port (host names compared case-insensitively, a trailing
// dot ignored, default ports made explicit). It is false when either is not
// such a URL or carries user information, which has no place in an
// ActivityPub id and is a classic way to disguise a host.
func SameHost(a, b string) bool {
	ha, ok := hostOf(a)
	if !ok {
		return false
	}
	hb, ok := hostOf(b)
	return ok && ha == hb
}

// hostOf returns the normalised "host:port" of an http or https URL.
func hostOf(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.User != nil || u.Opaque != "" {
		return "", false
	}
	var port string
	switch u.Scheme {
	case "https":
		port = "443"
	case "http":
		port = "80"
	default:
		return "", false
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "" {
		return "", false
	}
	if p := u.Port(); p != "" {
		port = p
	}
	return net.JoinHostPort(host, port), true
}
