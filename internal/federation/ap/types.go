package ap

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
)

// Type is the ActivityStreams type of an object, such as "Note".
type Type string

// Actor types.
const (
	TypePerson       Type = "Person"
	TypeGroup        Type = "Group"
	TypeService      Type = "Service"
	TypeApplication  Type = "Application"
	TypeOrganization Type = "Organization"
)

// Object types, and the types of things attached to or tagged on objects.
const (
	TypeNote          Type = "Note"
	TypePage          Type = "Page"
	TypeArticle       Type = "Article"
	TypeQuestion      Type = "Question"
	TypeTombstone     Type = "Tombstone"
	TypeImage         Type = "Image"
	TypeDocument      Type = "Document"
	TypeVideo         Type = "Video"
	TypeAudio         Type = "Audio"
	TypeLink          Type = "Link"
	TypeMention       Type = "Mention"
	TypeHashtag       Type = "Hashtag"
	TypeEmoji         Type = "Emoji"
	TypePropertyValue Type = "PropertyValue"
)

// Activity types.
const (
	TypeFollow   Type = "Follow"
	TypeAccept   Type = "Accept"
	TypeReject   Type = "Reject"
	TypeUndo     Type = "Undo"
	TypeCreate   Type = "Create"
	TypeUpdate   Type = "Update"
	TypeDelete   Type = "Delete"
	TypeLike     Type = "Like"
	TypeAnnounce Type = "Announce"
	TypeBlock    Type = "Block"
	TypeFlag     Type = "Flag"
	TypeMove     Type = "Move"
	TypeAdd      Type = "Add"
	TypeRemove   Type = "Remove"
)

// Collection types.
const (
	TypeCollection            Type = "Collection"
	TypeOrderedCollection     Type = "OrderedCollection"
	TypeCollectionPage        Type = "CollectionPage"
	TypeOrderedCollectionPage Type = "OrderedCollectionPage"
)

// IsActor reports whether t is one of the five actor types.
func (t Type) IsActor() bool {
	switch t {
	case TypePerson, TypeGroup, TypeService, TypeApplication, TypeOrganization:
		return true
	}
	return false
}

// IsActivity reports whether t is one of the activity types Parvis handles.
func (t Type) IsActivity() bool {
	switch t {
	case TypeFollow, TypeAccept, TypeReject, TypeUndo, TypeCreate, TypeUpdate,
		TypeDelete, TypeLike, TypeAnnounce, TypeBlock, TypeFlag, TypeMove,
		TypeAdd, TypeRemove:
		return true
	}
	return false
}

// IsCollection reports whether t is a collection or a collection page.
func (t Type) IsCollection() bool {
	switch t {
	case TypeCollection, TypeOrderedCollection, TypeCollectionPage, TypeOrderedCollectionPage:
		return true
	}
	return false
}

// UnmarshalJSON reads a type given as a string or, as JSON-LD allows, an
// array of strings; of an array it keeps the first type this package
// knows, or else the first.
func (t *Type) UnmarshalJSON(b []byte) error {
	switch firstByte(b) {
	case '"':
		var s string
		if err := unquote(b, &s); err != nil {
			return err
		}
		*t = Type(s)
		return nil
	case '[':
		var ss []string
		if err := json.Unmarshal(b, &ss); err != nil {
			return fmt.Errorf("ap: type: %w", err)
		}
		*t = ""
		for _, s := range ss {
			if k := Type(s); k.IsActor() || k.IsActivity() || k.IsCollection() || k.isObject() {
				*t = k
				return nil
			}
		}
		if len(ss) > 0 {
			*t = Type(ss[0])
		}
		return nil
	case 'n':
		*t = ""
		return nil
	}
	return fmt.Errorf("ap: type is neither a string nor an array: %.20s", b)
}

func (t Type) isObject() bool {
	switch t {
	case TypeNote, TypePage, TypeArticle, TypeQuestion, TypeTombstone, TypeImage,
		TypeDocument, TypeVideo, TypeAudio, TypeLink, TypeMention, TypeHashtag,
		TypeEmoji, TypePropertyValue:
		return true
	}
	return false
}

// Object is any ActivityStreams object: an actor, a note, an activity, a
// collection, an attachment or a tag. Which fields are used depends on
// Type; the groups below say which types use them.
type Object struct {
	// Context is the document's @context, kept as received. It is set on
	// top-level documents only; Encode fills it in when empty.
	Context Context `json:"@context,omitzero"`
	ID      string  `json:"id,omitempty"`
	Type    Type    `json:"type,omitempty"`

	// Properties of all objects. Name is also the title of a Lemmy Page,
	// the alt text of an attachment, the text of a hashtag or mention, and
	// the label of a PropertyValue. Summary on a Note is its content
	// warning. URL is the human-facing page, or the file of an attachment.
	Name         string            `json:"name,omitempty"`
	NameMap      map[string]string `json:"nameMap,omitempty"`
	Summary      string            `json:"summary,omitempty"`
	SummaryMap   map[string]string `json:"summaryMap,omitempty"`
	Content      string            `json:"content,omitempty"`
	ContentMap   map[string]string `json:"contentMap,omitempty"`
	MediaType    string            `json:"mediaType,omitempty"`
	Source       *Source           `json:"source,omitempty"`
	URL          Refs              `json:"url,omitempty"`
	AttributedTo Refs              `json:"attributedTo,omitempty"`
	InReplyTo    Ref               `json:"inReplyTo,omitzero"`
	Conversation string            `json:"conversation,omitempty"`
	Audience     Ref               `json:"audience,omitzero"`
	To           Refs              `json:"to,omitempty"`
	Cc           Refs              `json:"cc,omitempty"`
	Bto          Refs              `json:"bto,omitempty"`
	Bcc          Refs              `json:"bcc,omitempty"`
	Tag          Refs              `json:"tag,omitempty"`
	Attachment   Refs              `json:"attachment,omitempty"`
	Sensitive    bool              `json:"sensitive,omitempty"`
	Published    time.Time         `json:"published,omitzero"`
	Updated      time.Time         `json:"updated,omitzero"`
	Language     Languages         `json:"language,omitempty"`
	Replies      Ref               `json:"replies,omitzero"`
	Likes        Ref               `json:"likes,omitzero"`
	Shares       Ref               `json:"shares,omitzero"`
	Icon         Ref               `json:"icon,omitzero"`
	Image        Ref               `json:"image,omitzero"`

	// Links (Link, Mention, Hashtag), attachments (Image, Document, Video,
	// Audio) and PropertyValue.
	Href       string    `json:"href,omitempty"`
	Blurhash   string    `json:"blurhash,omitempty"`
	Width      int       `json:"width,omitempty"`
	Height     int       `json:"height,omitempty"`
	FocalPoint []float64 `json:"focalPoint,omitempty"`
	Value      string    `json:"value,omitempty"`

	// Actors.
	PreferredUsername         string     `json:"preferredUsername,omitempty"`
	Inbox                     Ref        `json:"inbox,omitzero"`
	Outbox                    Ref        `json:"outbox,omitzero"`
	Followers                 Ref        `json:"followers,omitzero"`
	Following                 Ref        `json:"following,omitzero"`
	Featured                  Ref        `json:"featured,omitzero"`
	FeaturedTags              Ref        `json:"featuredTags,omitzero"`
	Endpoints                 *Endpoints `json:"endpoints,omitempty"`
	PublicKey                 *PublicKey `json:"publicKey,omitempty"`
	ManuallyApprovesFollowers bool       `json:"manuallyApprovesFollowers,omitempty"`
	Discoverable              bool       `json:"discoverable,omitempty"`
	Indexable                 bool       `json:"indexable,omitempty"`
	AlsoKnownAs               Refs       `json:"alsoKnownAs,omitempty"`
	MovedTo                   Ref        `json:"movedTo,omitzero"`
	// PostingRestrictedToMods is Lemmy's flag on a Group whose members
	// cannot post, only its moderators.
	PostingRestrictedToMods bool `json:"postingRestrictedToMods,omitempty"`

	// Activities. Object is usually one value; a Flag lists several.
	Actor  Ref  `json:"actor,omitzero"`
	Object Refs `json:"object,omitempty"`
	Target Ref  `json:"target,omitzero"`
	Origin Ref  `json:"origin,omitzero"`

	// Collections and collection pages. TotalItems is a pointer because
	// zero is a count worth sending.
	TotalItems   *int `json:"totalItems,omitempty"`
	First        Ref  `json:"first,omitzero"`
	Last         Ref  `json:"last,omitzero"`
	Next         Ref  `json:"next,omitzero"`
	Prev         Ref  `json:"prev,omitzero"`
	PartOf       Ref  `json:"partOf,omitzero"`
	Items        Refs `json:"items,omitempty"`
	OrderedItems Refs `json:"orderedItems,omitempty"`

	// Questions (polls): the options are Notes with a name and a
	// replies.totalItems count.
	OneOf       Refs      `json:"oneOf,omitempty"`
	AnyOf       Refs      `json:"anyOf,omitempty"`
	EndTime     time.Time `json:"endTime,omitzero"`
	VotersCount int       `json:"votersCount,omitempty"`

	// Tombstones.
	FormerType Type      `json:"formerType,omitempty"`
	Deleted    time.Time `json:"deleted,omitzero"`
}

// Source is the source text of an object's content, such as the Markdown
// Lemmy keeps next to the rendered HTML.
type Source struct {
	Content   string `json:"content"`
	MediaType string `json:"mediaType,omitempty"`
}

// Endpoints lists an actor's extra endpoints.
type Endpoints struct {
	// SharedInbox receives activities for every actor of a server at once.
	SharedInbox string `json:"sharedInbox,omitempty"`
}

// PublicKey is an actor's HTTP-signature key (security/v1).
type PublicKey struct {
	ID           string `json:"id"`
	Owner        string `json:"owner"`
	PublicKeyPem string `json:"publicKeyPem"`
}

// Language is a BCP 47 language tag with its name, the form Lemmy uses.
type Language struct {
	Identifier string `json:"identifier"`
	Name       string `json:"name,omitempty"`
}

// Languages are the languages of an object: one for a Lemmy Page, any
// number for a Lemmy Group.
type Languages []Language

// UnmarshalJSON reads one language object, an array of them, or a bare tag.
func (l *Languages) UnmarshalJSON(b []byte) error {
	switch firstByte(b) {
	case '{':
		var one Language
		if err := json.Unmarshal(b, &one); err != nil {
			return fmt.Errorf("ap: language: %w", err)
		}
		*l = Languages{one}
	case '[':
		var many []Language
		if err := json.Unmarshal(b, &many); err != nil {
			return fmt.Errorf("ap: language: %w", err)
		}
		*l = many
	case '"':
		var tag string
		if err := json.Unmarshal(b, &tag); err != nil {
			return fmt.Errorf("ap: language: %w", err)
		}
		*l = Languages{{Identifier: tag}}
	case 'n':
		*l = nil
	default:
		return fmt.Errorf("ap: language is not an object, array or string: %.20s", b)
	}
	return nil
}

// Context is a JSON-LD @context, kept as raw JSON: a string, an array or
// an object.
type Context []byte

// IsZero reports whether c is empty, so that omitzero leaves it out.
func (c Context) IsZero() bool { return len(c) == 0 }

// MarshalJSON writes c as it is.
func (c Context) MarshalJSON() ([]byte, error) {
	if len(c) == 0 {
		return []byte("null"), nil
	}
	return c, nil
}

// UnmarshalJSON keeps a copy of a string, array or object context.
func (c *Context) UnmarshalJSON(b []byte) error {
	switch firstByte(b) {
	case '"', '[', '{':
		*c = bytes.Clone(b)
		return nil
	case 'n':
		*c = nil
		return nil
	}
	return errors.New("ap: @context is not a string, array or object")
}

// Ref is the value of a property that names one object: an IRI, or an
// embedded object (whose id, when it has one, is copied into ID).
type Ref struct {
	ID     string
	Object *Object
}

// IRI returns the IRI r names: its id, or for an embedded link (a Link,
// Mention or Hashtag, which have no id) its href.
func (r Ref) IRI() string {
	if r.ID != "" {
		return r.ID
	}
	if r.Object != nil {
		if r.Object.ID != "" {
			return r.Object.ID
		}
		return r.Object.Href
	}
	return ""
}

// IsZero reports whether r names nothing.
func (r Ref) IsZero() bool { return r.ID == "" && r.Object == nil }

// IsEmbedded reports whether r carries an embedded object.
func (r Ref) IsEmbedded() bool { return r.Object != nil }

// MarshalJSON writes the embedded object, or else the IRI.
func (r Ref) MarshalJSON() ([]byte, error) {
	if r.Object != nil {
		return marshal(r.Object)
	}
	if r.ID == "" {
		return []byte("null"), nil
	}
	return marshal(r.ID)
}

// UnmarshalJSON reads an IRI, an embedded object, or null. A property that
// holds one value but arrives as an array keeps the array's first element.
func (r *Ref) UnmarshalJSON(b []byte) error {
	*r = Ref{}
	switch firstByte(b) {
	case '"':
		return unquote(b, &r.ID)
	case '{':
		o := new(Object)
		if err := json.Unmarshal(b, o); err != nil {
			return err
		}
		r.ID, r.Object = o.ID, o
		return nil
	case '[':
		var rs []Ref
		if err := json.Unmarshal(b, &rs); err != nil {
			return err
		}
		if len(rs) > 0 {
			*r = rs[0]
		}
		return nil
	case 'n':
		return nil
	}
	return fmt.Errorf("ap: reference is not an IRI, object or array: %.20s", b)
}

// Refs is the value of a property that names any number of objects.
type Refs []Ref

// IRIs returns the IRI of each value.
func (rs Refs) IRIs() []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.IRI())
	}
	return out
}

// Has reports whether one of the values names iri.
func (rs Refs) Has(iri string) bool {
	for _, r := range rs {
		if r.IRI() == iri {
			return true
		}
	}
	return false
}

// First returns the first value, or the zero Ref.
func (rs Refs) First() Ref {
	if len(rs) == 0 {
		return Ref{}
	}
	return rs[0]
}

// UnmarshalJSON reads a single IRI or object, or an array of them.
func (rs *Refs) UnmarshalJSON(b []byte) error {
	switch firstByte(b) {
	case '[':
		var list []Ref
		if err := json.Unmarshal(b, &list); err != nil {
			return err
		}
		// Drop nulls, which some servers leave in arrays.
		out := list[:0]
		for _, r := range list {
			if !r.IsZero() {
				out = append(out, r)
			}
		}
		*rs = out
		return nil
	case 'n':
		*rs = nil
		return nil
	}
	var r Ref
	if err := r.UnmarshalJSON(b); err != nil {
		return err
	}
	*rs = nil
	if !r.IsZero() {
		*rs = Refs{r}
	}
	return nil
}

// unquote decodes the JSON string b into s. Most values are plain IRIs
// with nothing to unescape, which it copies directly; anything else goes
// through encoding/json.
func unquote(b []byte, s *string) error {
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		inner := b[1 : len(b)-1]
		plain := true
		for _, c := range inner {
			if c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
				plain = false
				break
			}
		}
		if plain {
			*s = string(inner)
			return nil
		}
	}
	return json.Unmarshal(b, s)
}

// firstByte returns the first byte of b that is not JSON white space.
func firstByte(b []byte) byte {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		}
		return c
	}
	return 0
}
