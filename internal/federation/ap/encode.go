package ap

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Encode returns o as a JSON-LD document. When o has no @context it gets
// one naming ActivityStreams, security/v1 and, in an object of term
// definitions, the extension terms o uses (Mastodon's, schema.org's
// PropertyValue, Lemmy's), the way Mastodon writes its own documents.
// o itself is not modified; it must be a tree (Go code can build an object
// that embeds itself, which would recurse forever).
func Encode(o *Object) ([]byte, error) {
	if o == nil {
		return nil, errors.New("ap: encode: nil object")
	}
	if o.Type == "" {
		return nil, errors.New("ap: encode: object has no type")
	}
	doc := *o
	if doc.Context.IsZero() {
		doc.Context = buildContext(o)
	}
	b, err := marshal(&doc)
	if err != nil {
		return nil, fmt.Errorf("ap: encode %s %s: %w", o.Type, o.ID, err)
	}
	return b, nil
}

// plainObject has Object's fields without its MarshalJSON method.
type plainObject Object

// wireObject overrides the encoding of the fields whose JSON form depends
// on what receivers expect: a field of the outer struct hides the
// embedded field of the same JSON name.
type wireObject struct {
	*plainObject
	// One value is written bare: Lemmy reads attributedTo as one IRI, and
	// Mastodon writes url, attributedTo and object that way.
	AttributedTo any `json:"attributedTo,omitempty"`
	URL          any `json:"url,omitempty"`
	Object       any `json:"object,omitempty"`
	// Lemmy reads a Group's languages as an array and a Page's as one
	// object.
	Language any `json:"language,omitempty"`
}

// MarshalJSON writes o. Properties with many values are written as arrays
// (to, cc, tag, attachment... as Mastodon does), except attributedTo, url
// and object, written bare when they have one value.
func (o Object) MarshalJSON() ([]byte, error) {
	w := wireObject{
		plainObject:  (*plainObject)(&o),
		AttributedTo: compact(o.AttributedTo),
		URL:          compact(o.URL),
		Object:       compact(o.Object),
	}
	switch {
	case len(o.Language) == 0:
	case len(o.Language) == 1 && !o.Type.IsActor():
		w.Language = o.Language[0]
	default:
		w.Language = []Language(o.Language)
	}
	return marshal(w)
}

// compact returns nil for no values, the value itself for one, and the
// list for more.
func compact(rs Refs) any {
	switch len(rs) {
	case 0:
		return nil
	case 1:
		return rs[0]
	}
	return []Ref(rs)
}

// marshal is json.Marshal without HTML escaping: content is HTML, and
// "\u003cp\u003e" is as valid as "<p>" but larger and harder to read.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// term is an extension term of the @context, with its definition.
type term struct {
	flag       termFlag
	name, defn string
}

type termFlag uint32

const (
	useManuallyApproves termFlag = 1 << iota
	useSensitive
	useHashtag
	useMovedTo
	useAlsoKnownAs
	useFeatured
	useFeaturedTags
	useEmoji
	useFocalPoint
	useBlurhash
	useDiscoverable
	useIndexable
	useVotersCount
	usePropertyValue
	useConversation
	usePostingRestricted

	useToot = useFeatured | useFeaturedTags | useEmoji | useFocalPoint |
		useBlurhash | useDiscoverable | useIndexable | useVotersCount
)

// contextTerms lists the extension terms in the order they are written,
// each namespace prefix before the terms that use it. Definitions are JSON.
var contextTerms = [...]term{
	{useManuallyApproves, "manuallyApprovesFollowers", `"as:manuallyApprovesFollowers"`},
	{useSensitive, "sensitive", `"as:sensitive"`},
	{useHashtag, "Hashtag", `"as:Hashtag"`},
	{useMovedTo, "movedTo", `{"@id":"as:movedTo","@type":"@id"}`},
	{useAlsoKnownAs, "alsoKnownAs", `{"@id":"as:alsoKnownAs","@type":"@id"}`},
	{useToot, "toot", `"http://joinmastodon.org/ns#"`},
	{useFeatured, "featured", `{"@id":"toot:featured","@type":"@id"}`},
	{useFeaturedTags, "featuredTags", `{"@id":"toot:featuredTags","@type":"@id"}`},
	{useEmoji, "Emoji", `"toot:Emoji"`},
	{useFocalPoint, "focalPoint", `{"@container":"@list","@id":"toot:focalPoint"}`},
	{useBlurhash, "blurhash", `"toot:blurhash"`},
	{useDiscoverable, "discoverable", `"toot:discoverable"`},
	{useIndexable, "indexable", `"toot:indexable"`},
	{useVotersCount, "votersCount", `"toot:votersCount"`},
	{usePropertyValue, "schema", `"http://schema.org#"`},
	{usePropertyValue, "PropertyValue", `"schema:PropertyValue"`},
	{usePropertyValue, "value", `"schema:value"`},
	{useConversation, "ostatus", `"http://ostatus.org#"`},
	{useConversation, "conversation", `"ostatus:conversation"`},
	{usePostingRestricted, "lemmy", `"https://join-lemmy.org/ns#"`},
	{usePostingRestricted, "postingRestrictedToMods", `"lemmy:postingRestrictedToMods"`},
}

// buildContext returns the @context for o.
func buildContext(o *Object) Context {
	used := termsUsed(o, 0)
	var b bytes.Buffer
	b.WriteString(`["` + ActivityStreamsContext + `","` + SecurityContext + `"`)
	if used != 0 {
		b.WriteString(",{")
		n := 0
		for _, t := range contextTerms {
			if used&t.flag == 0 {
				continue
			}
			if n > 0 {
				b.WriteByte(',')
			}
			n++
			b.WriteString(`"` + t.name + `":` + t.defn)
		}
		b.WriteByte('}')
	}
	b.WriteByte(']')
	return Context(b.Bytes())
}

// termsUsed returns the extension terms used by o and the objects it
// embeds. depth stops the walk on a cyclic object graph, which only Go
// code (never decoded JSON) can build.
func termsUsed(o *Object, depth int) termFlag {
	if o == nil || depth > 64 {
		return 0
	}
	var f termFlag
	set := func(cond bool, flag termFlag) {
		if cond {
			f |= flag
		}
	}
	set(o.ManuallyApprovesFollowers, useManuallyApproves)
	set(o.Sensitive, useSensitive)
	set(o.Type == TypeHashtag, useHashtag)
	set(!o.MovedTo.IsZero(), useMovedTo)
	set(len(o.AlsoKnownAs) > 0, useAlsoKnownAs)
	set(!o.Featured.IsZero(), useFeatured)
	set(!o.FeaturedTags.IsZero(), useFeaturedTags)
	set(o.Type == TypeEmoji, useEmoji)
	set(len(o.FocalPoint) > 0, useFocalPoint)
	set(o.Blurhash != "", useBlurhash)
	set(o.Discoverable, useDiscoverable)
	set(o.Indexable, useIndexable)
	set(o.VotersCount != 0, useVotersCount)
	set(o.Type == TypePropertyValue, usePropertyValue)
	set(o.Conversation != "", useConversation)
	set(o.PostingRestrictedToMods, usePostingRestricted)

	for _, r := range o.refs() {
		f |= termsUsed(r.Object, depth+1)
	}
	for _, rs := range o.refLists() {
		for _, r := range rs {
			f |= termsUsed(r.Object, depth+1)
		}
	}
	return f
}

// refs returns o's single-valued references, for walks over embedded
// objects.
func (o *Object) refs() [22]Ref {
	return [22]Ref{o.InReplyTo, o.Audience, o.Replies, o.Likes, o.Shares,
		o.Icon, o.Image, o.Inbox, o.Outbox, o.Followers, o.Following,
		o.Featured, o.FeaturedTags, o.MovedTo, o.Actor, o.Target, o.Origin,
		o.First, o.Last, o.Next, o.Prev, o.PartOf}
}

// refLists returns o's many-valued references.
func (o *Object) refLists() [14]Refs {
	return [14]Refs{o.URL, o.AttributedTo, o.To, o.Cc, o.Bto, o.Bcc, o.Tag,
		o.Attachment, o.AlsoKnownAs, o.Object, o.Items, o.OrderedItems,
		o.OneOf, o.AnyOf}
}
