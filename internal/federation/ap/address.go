package ap

// IsPublic reports whether iri is the Public collection, in any of the
// forms servers write it: the full IRI, "as:Public" or "Public".
func IsPublic(iri string) bool {
	return iri == Public || iri == "as:Public" || iri == "Public"
}

// hasPublic reports whether rs addresses the Public collection.
func hasPublic(rs Refs) bool {
	for _, r := range rs {
		if IsPublic(r.IRI()) {
			return true
		}
	}
	return false
}

// IsPublic reports whether o is addressed to the Public collection in to
// or cc, that is whether anyone may see it (public or unlisted).
func (o *Object) IsPublic() bool {
	return hasPublic(o.To) || hasPublic(o.Cc)
}

// Visibility is who may see a post, in the Mastodon API's words.
type Visibility string

// Visibilities.
const (
	// VisibilityPublic: everyone, and listed on public timelines.
	VisibilityPublic Visibility = "public"
	// VisibilityUnlisted: everyone, but kept off public timelines.
	VisibilityUnlisted Visibility = "unlisted"
	// VisibilityPrivate: the author's followers only ("followers-only").
	VisibilityPrivate Visibility = "private"
	// VisibilityDirect: only the actors it is addressed to.
	VisibilityDirect Visibility = "direct"
)

// Visibility infers o's visibility from its addressing the way Mastodon
// does: Public in to makes it public, Public in cc unlisted, the author's
// followers collection (followers, the IRI from the author's actor
// document) in to followers-only, and anything else direct.
func (o *Object) Visibility(followers string) Visibility {
	switch {
	case hasPublic(o.To):
		return VisibilityPublic
	case hasPublic(o.Cc):
		return VisibilityUnlisted
	case followers != "" && o.To.Has(followers):
		return VisibilityPrivate
	}
	return VisibilityDirect
}

// ObjectID returns the id of an activity's object, whether the object is
// embedded or given as an IRI ("" when there is none). For a Flag, which
// names several objects, it is the first.
func (o *Object) ObjectID() string {
	return o.Object.First().IRI()
}

// ActorID returns the id of an activity's actor, embedded or not.
func (o *Object) ActorID() string {
	return o.Actor.IRI()
}

// EmbeddedObject returns an activity's object when it is embedded, or nil
// when it is only an IRI.
func (o *Object) EmbeddedObject() *Object {
	return o.Object.First().Object
}

// SharedInbox returns an actor's shared inbox, or "" when it has none.
func (o *Object) SharedInbox() string {
	if o.Endpoints == nil {
		return ""
	}
	return o.Endpoints.SharedInbox
}

// Lang returns the language of o's content: a Lemmy language identifier,
// or else the key of a single-entry contentMap (Mastodon's way), or "".
func (o *Object) Lang() string {
	if len(o.Language) > 0 {
		return o.Language[0].Identifier
	}
	if len(o.ContentMap) == 1 {
		for k := range o.ContentMap {
			return k
		}
	}
	return ""
}
