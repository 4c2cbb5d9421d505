// Package ap holds the ActivityStreams 2.0 / ActivityPub vocabulary Parvis
// exchanges with Mastodon, GoToSocial and Lemmy: actors, notes, pages and
// the other objects, activities, collections, and the helpers federation
// handlers need around them (addressing, visibility, ids of embedded or
// referenced objects).
//
// One Object type carries every kind of object, told apart by Type, because
// what arrives is open-ended: an Announce may carry an IRI, a Note or a
// whole Create activity (Lemmy, FEP-1b12), an Undo carries a Follow, and so
// on. Properties that name other objects are Ref (one value) or Refs (any
// number), and decode from an IRI string, an embedded object, or an array
// of either.
//
// Decoding is tolerant of the shapes real servers send and strict about
// size: see Limits. It does no JSON-LD processing; like Mastodon, it reads
// the compacted form with the usual term names, and ignores properties it
// does not know. Encode writes JSON-LD that Mastodon accepts, with an
// @context naming ActivityStreams, security/v1 and the extension terms used.
package ap

// Media types of ActivityPub documents.
const (
	// MediaType is the media type to send ActivityPub documents with.
	MediaType = "application/activity+json"
	// LDMediaType is the JSON-LD media type that ActivityPub also accepts;
	// clients send it in Accept headers.
	LDMediaType = `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`
)

// Namespaces of the @context Encode writes.
const (
	ActivityStreamsContext = "https://www.w3.org/ns/activitystreams"
	SecurityContext        = "https://w3id.org/security/v1"
)

// Public is the special collection that addresses everyone. Servers also
// write it in the compacted forms "as:Public" and "Public"; IsPublic
// recognises all three.
const Public = "https://www.w3.org/ns/activitystreams#Public"
