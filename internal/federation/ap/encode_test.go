package ap_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"parvis/internal/federation/ap"
)

// contextOf decodes the @context Encode wrote: the two namespaces and the
// map of extension terms.
func contextOf(t *testing.T, doc []byte) (namespaces []string, terms map[string]any) {
	t.Helper()
	var d struct {
		Context []any `json:"@context"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatalf("@context is not an array: %v in %s", err, doc)
	}
	for _, c := range d.Context {
		switch c := c.(type) {
		case string:
			namespaces = append(namespaces, c)
		case map[string]any:
			terms = c
		}
	}
	return namespaces, terms
}

func TestEncodeContext(t *testing.T) {
	published := time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)
	tests := []struct {
		name  string
		obj   *ap.Object
		terms []string
	}{
		{
			name:  "follow uses no extension",
			obj:   &ap.Object{ID: bob + "#follows/1", Type: ap.TypeFollow, Actor: ap.Ref{ID: bob}, Object: ap.Refs{{ID: alice}}},
			terms: nil,
		},
		{
			name: "person",
			obj: &ap.Object{
				ID: bob, Type: ap.TypePerson, PreferredUsername: "bob",
				Inbox: ap.Ref{ID: bob + "/inbox"}, Outbox: ap.Ref{ID: bob + "/outbox"},
				Followers: ap.Ref{ID: bob + "/followers"}, Following: ap.Ref{ID: bob + "/following"},
				Featured:                  ap.Ref{ID: bob + "/collections/featured"},
				ManuallyApprovesFollowers: true, Discoverable: true,
				Endpoints:  &ap.Endpoints{SharedInbox: "https://parvis.example/inbox"},
				PublicKey:  &ap.PublicKey{ID: bob + "#main-key", Owner: bob, PublicKeyPem: "-----BEGIN PUBLIC KEY-----\n...\n-----END PUBLIC KEY-----\n"},
				Attachment: ap.Refs{{Object: &ap.Object{Type: ap.TypePropertyValue, Name: "Site", Value: "https://bob.example"}}},
				Published:  published,
			},
			terms: []string{"manuallyApprovesFollowers", "toot", "featured", "discoverable", "schema", "PropertyValue", "value"},
		},
		{
			name: "note with a content warning, hashtag, emoji and image",
			obj: &ap.Object{
				ID: bobNote, Type: ap.TypeCreate, Actor: ap.Ref{ID: bob},
				Object: ap.Refs{{Object: &ap.Object{
					ID: bobNote, Type: ap.TypeNote, AttributedTo: ap.Refs{{ID: bob}},
					Summary: "cw", Sensitive: true, Content: "<p>hi #bread :loaf:</p>",
					To: ap.Refs{{ID: ap.Public}}, Cc: ap.Refs{{ID: bob + "/followers"}},
					Tag: ap.Refs{
						{Object: &ap.Object{Type: ap.TypeHashtag, Href: "https://parvis.example/tags/bread", Name: "#bread"}},
						{Object: &ap.Object{ID: "https://parvis.example/emojis/1", Type: ap.TypeEmoji, Name: ":loaf:",
							Icon: ap.Ref{Object: &ap.Object{Type: ap.TypeImage, MediaType: "image/png", URL: ap.Refs{{ID: "https://parvis.example/e/loaf.png"}}}}}},
					},
					Attachment: ap.Refs{{Object: &ap.Object{Type: ap.TypeDocument, MediaType: "image/jpeg",
						URL: ap.Refs{{ID: "https://parvis.example/m/1.jpg"}}, Name: "alt", Blurhash: "LEHV6nWB2yk8pyo0adR*.7kCMdnj",
						Width: 640, Height: 480, FocalPoint: []float64{0.5, -0.25}}}},
					Published: published,
				}}},
			},
			terms: []string{"sensitive", "Hashtag", "toot", "Emoji", "focalPoint", "blurhash"},
		},
		{
			name:  "lemmy group flag",
			obj:   &ap.Object{ID: bread, Type: ap.TypeGroup, PostingRestrictedToMods: true},
			terms: []string{"lemmy", "postingRestrictedToMods"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := ap.Encode(tt.obj)
			if err != nil {
				t.Fatal(err)
			}
			ns, terms := contextOf(t, doc)
			if got, want := strings.Join(ns, " "), ap.ActivityStreamsContext+" "+ap.SecurityContext; got != want {
				t.Errorf("namespaces: got %q, want %q", got, want)
			}
			if len(terms) != len(tt.terms) {
				t.Errorf("terms: got %v, want %v", terms, tt.terms)
			}
			for _, name := range tt.terms {
				if _, ok := terms[name]; !ok {
					t.Errorf("term %q missing from %v", name, terms)
				}
			}
			if !tt.obj.Context.IsZero() {
				t.Error("Encode modified the object's context")
			}
			back, err := ap.Decode(doc)
			if err != nil {
				t.Fatalf("decode of the encoding: %v", err)
			}
			again, err := ap.Encode(back)
			if err != nil {
				t.Fatal(err)
			}
			if string(again) != string(doc) {
				t.Errorf("round trip:\ngot  %s\nwant %s", again, doc)
			}
		})
	}
}

// TestEncodeShapes checks the JSON shapes receivers depend on.
func TestEncodeShapes(t *testing.T) {
	note := &ap.Object{
		ID: bobNote, Type: ap.TypeNote, AttributedTo: ap.Refs{{ID: bob}},
		URL: ap.Refs{{ID: "https://parvis.example/@bob/1"}},
		To:  ap.Refs{{ID: ap.Public}}, Tag: ap.Refs{{Object: &ap.Object{Type: ap.TypeMention, Href: alice, Name: "@alice@mastodon.example"}}},
		Content:  "<p>a & b</p>",
		Language: ap.Languages{{Identifier: "en", Name: "English"}},
	}
	group := &ap.Object{ID: bread, Type: ap.TypeGroup, Language: ap.Languages{{Identifier: "fr"}}}
	follow := &ap.Object{ID: bob + "#f", Type: ap.TypeFollow, Actor: ap.Ref{ID: bob}, Object: ap.Refs{{ID: bread}}}
	flag := &ap.Object{ID: bob + "#flag", Type: ap.TypeFlag, Actor: ap.Ref{ID: bob}, Object: ap.Refs{{ID: alice}, {ID: aliceNote}}}
	tests := []struct {
		obj  *ap.Object
		want []string
	}{
		{note, []string{
			`"attributedTo":"` + bob + `"`, // Lemmy reads one IRI
			`"url":"https://parvis.example/@bob/1"`,
			`"to":["` + ap.Public + `"]`, // Mastodon writes arrays
			`"tag":[{"type":"Mention"`,
			`"content":"<p>a & b</p>"`,                        // no \u003c escapes
			`"language":{"identifier":"en","name":"English"}`, // a Page's single language
		}},
		{group, []string{`"language":[{"identifier":"fr"}]`}}, // a Group's languages
		{follow, []string{`"object":"` + bread + `"`, `"actor":"` + bob + `"`}},
		{flag, []string{`"object":["` + alice + `","` + aliceNote + `"]`}},
	}
	for _, tt := range tests {
		doc, err := ap.Encode(tt.obj)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range tt.want {
			if !strings.Contains(string(doc), w) {
				t.Errorf("%s %s: %s not in %s", tt.obj.Type, tt.obj.ID, w, doc)
			}
		}
	}
	if _, err := ap.Encode(nil); err == nil {
		t.Error("Encode(nil): got nil error, want one")
	}
	if _, err := ap.Encode(&ap.Object{ID: bob}); err == nil {
		t.Error("Encode without type: got nil error, want one")
	}
}

func TestVisibility(t *testing.T) {
	const followers = alice + "/followers"
	refs := func(iris ...string) ap.Refs {
		var rs ap.Refs
		for _, iri := range iris {
			rs = append(rs, ap.Ref{ID: iri})
		}
		return rs
	}
	tests := []struct {
		name   string
		to, cc ap.Refs
		want   ap.Visibility
		public bool
	}{
		{"public", refs(ap.Public), refs(followers), ap.VisibilityPublic, true},
		{"public as as:Public", refs("as:Public"), nil, ap.VisibilityPublic, true},
		{"public as Public", refs(followers, "Public"), nil, ap.VisibilityPublic, true},
		{"unlisted", refs(followers), refs(ap.Public), ap.VisibilityUnlisted, true},
		{"followers-only", refs(followers), refs(bob), ap.VisibilityPrivate, false},
		{"followers in cc only is direct", refs(bob), refs(followers), ap.VisibilityDirect, false},
		{"direct", refs(bob), nil, ap.VisibilityDirect, false},
		{"nobody", nil, nil, ap.VisibilityDirect, false},
	}
	for _, tt := range tests {
		o := &ap.Object{Type: ap.TypeNote, To: tt.to, Cc: tt.cc}
		if got := o.Visibility(followers); got != tt.want {
			t.Errorf("%s: Visibility got %s, want %s", tt.name, got, tt.want)
		}
		if got := o.IsPublic(); got != tt.public {
			t.Errorf("%s: IsPublic got %v, want %v", tt.name, got, tt.public)
		}
	}
	for iri, want := range map[string]bool{
		ap.Public: true, "as:Public": true, "Public": true,
		"https://www.w3.org/ns/activitystreams#public": false, followers: false, "": false,
	} {
		if got := ap.IsPublic(iri); got != want {
			t.Errorf("IsPublic(%q): got %v, want %v", iri, got, want)
		}
	}
}

func TestObjectID(t *testing.T) {
	embedded, err := ap.Decode([]byte(`{"type":"Undo","object":{"type":"Follow","id":"https://a.example/f/1"}}`))
	if err != nil {
		t.Fatal(err)
	}
	iri, err := ap.Decode([]byte(`{"type":"Undo","object":"https://a.example/f/1"}`))
	if err != nil {
		t.Fatal(err)
	}
	for name, o := range map[string]*ap.Object{"embedded": embedded, "IRI": iri} {
		if got := o.ObjectID(); got != "https://a.example/f/1" {
			t.Errorf("%s: ObjectID got %q, want https://a.example/f/1", name, got)
		}
	}
	if embedded.EmbeddedObject() == nil || iri.EmbeddedObject() != nil {
		t.Error("EmbeddedObject: got the wrong embedding")
	}
	if got := (&ap.Object{Type: ap.TypeLike}).ObjectID(); got != "" {
		t.Errorf("no object: got %q, want empty", got)
	}
}
