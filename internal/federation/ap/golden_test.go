package ap_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"parvis/internal/federation/ap"
	"parvis/internal/federation/httpsign"
)

// The fixtures under testdata/ are payloads shaped like those Mastodon,
// GoToSocial and Lemmy send (written for these tests from the projects'
// documentation). Each decodes into the expected fields, and re-encodes to
// the golden file beside it; PARVIS_UPDATE_GOLDEN=1 rewrites the golden
// files.

const (
	alice     = "https://mastodon.example/users/alice"
	aliceNote = alice + "/statuses/113012345678901234"
	bob       = "https://parvis.example/users/bob"
	bobNote   = bob + "/statuses/01J6ZQ3M2X8K4T0V9B7N5C1D2E"
	carla     = "https://gts.example/users/carla"
	carlaNote = carla + "/statuses/01J6ZT8K5N2M7Q4W9E3R1Y6U0I"
	dave      = "https://lemmy.world/u/dave"
	bread     = "https://lemmy.example/c/bread"
	davePost  = "https://lemmy.world/post/18273645"
)

var fixtures = []struct {
	file  string
	check func(t *testing.T, o *ap.Object)
}{
	{"mastodon/person.json", func(t *testing.T, o *ap.Object) {
		checkActor(t, o, ap.TypePerson, alice, "alice", alice+"#main-key")
		eq(t, "name", o.Name, "Alice Martin :sourdough:")
		eq(t, "url", o.URL.First().IRI(), "https://mastodon.example/@alice")
		eq(t, "sharedInbox", o.SharedInbox(), "https://mastodon.example/inbox")
		eq(t, "featured", o.Featured.IRI(), alice+"/collections/featured")
		eq(t, "featuredTags", o.FeaturedTags.IRI(), alice+"/collections/tags")
		eq(t, "following", o.Following.IRI(), alice+"/following")
		eq(t, "manuallyApprovesFollowers", o.ManuallyApprovesFollowers, false)
		eq(t, "discoverable", o.Discoverable, true)
		eq(t, "indexable", o.Indexable, true)
		eq(t, "alsoKnownAs", strings.Join(o.AlsoKnownAs.IRIs(), " "), "https://old.example/users/alice")
		eq(t, "published", o.Published, time.Date(2022, 11, 4, 0, 0, 0, 0, time.UTC))
		eq(t, "icon type", o.Icon.Object.Type, ap.TypeImage)
		eq(t, "icon", o.Icon.Object.URL.First().IRI(), "https://files.mastodon.example/accounts/avatars/109/283/555/000/000/001/original/5f1b2c.png")
		eq(t, "header", o.Image.Object.MediaType, "image/jpeg")
		eq(t, "fields", len(o.Attachment), 2)
		f := o.Attachment[1].Object
		eq(t, "field type", f.Type, ap.TypePropertyValue)
		eq(t, "field", f.Name+"="+f.Value, "Pronouns=she/her")
		emoji := o.Tag.First().Object
		eq(t, "emoji type", emoji.Type, ap.TypeEmoji)
		eq(t, "emoji name", emoji.Name, ":sourdough:")
		eq(t, "emoji icon", emoji.Icon.Object.URL.First().IRI(), "https://files.mastodon.example/custom_emojis/images/000/004/242/original/sourdough.png")
	}},
	{"mastodon/create_note.json", func(t *testing.T, o *ap.Object) {
		checkActivity(t, o, ap.TypeCreate, alice, aliceNote)
		n := o.EmbeddedObject()
		if n == nil {
			t.Fatal("Create has no embedded Note")
		}
		eq(t, "note type", n.Type, ap.TypeNote)
		eq(t, "attributedTo", n.AttributedTo.First().IRI(), alice)
		eq(t, "inReplyTo", n.InReplyTo.IsZero(), true)
		eq(t, "content warning", n.Summary, "food, bread pics")
		eq(t, "sensitive", n.Sensitive, true)
		eq(t, "language", n.Lang(), "en")
		eq(t, "conversation", n.Conversation, "tag:mastodon.example,2024-08-22:objectId=73315011:objectType=Conversation")
		eq(t, "visibility", n.Visibility(alice+"/followers"), ap.VisibilityPublic)
		eq(t, "cc", strings.Join(n.Cc.IRIs(), " "), alice+"/followers "+bob)
		eq(t, "published", n.Published, time.Date(2024, 8, 22, 9, 15, 2, 0, time.UTC))
		eq(t, "tags", len(n.Tag), 2)
		m, h := n.Tag[0].Object, n.Tag[1].Object
		eq(t, "mention", string(m.Type)+" "+m.Href+" "+m.Name, "Mention "+bob+" @bob@parvis.example")
		eq(t, "hashtag", string(h.Type)+" "+h.Href+" "+h.Name, "Hashtag https://mastodon.example/tags/sourdough #sourdough")
		eq(t, "attachments", len(n.Attachment), 1)
		a := n.Attachment[0].Object
		eq(t, "attachment type", a.Type, ap.TypeDocument)
		eq(t, "attachment mediaType", a.MediaType, "image/jpeg")
		eq(t, "alt text", a.Name, "A round sourdough loaf with a dark, blistered crust on a wooden board")
		eq(t, "blurhash", a.Blurhash, "UKF5?@~q4n%M9ZRjIUWB?bt7Rjj[xuWBofj[")
		eq(t, "size", [2]int{a.Width, a.Height}, [2]int{1600, 1200})
		eq(t, "focalPoint", slices.Equal(a.FocalPoint, []float64{0, -0.12}), true)
		eq(t, "attachment url", a.URL.First().IRI(), "https://files.mastodon.example/media_attachments/files/113/012/345/678/901/234/original/b2f0e1c9a8d7.jpg")
		eq(t, "replies", n.Replies.Object.First.Object.Type, ap.TypeCollectionPage)
		eq(t, "likes", *n.Likes.Object.TotalItems, 0)
	}},
	{"mastodon/follow.json", func(t *testing.T, o *ap.Object) {
		checkActivity(t, o, ap.TypeFollow, alice, bob)
	}},
	{"mastodon/undo_follow.json", func(t *testing.T, o *ap.Object) {
		checkActivity(t, o, ap.TypeUndo, alice, "https://mastodon.example/8d6e4b4f-3a1c-4c47-9d2e-2a9f6b1c0e55")
		f := o.EmbeddedObject()
		eq(t, "undone type", f.Type, ap.TypeFollow)
		eq(t, "undone actor", f.ActorID(), alice)
		eq(t, "undone object", f.ObjectID(), bob)
	}},
	{"mastodon/like.json", func(t *testing.T, o *ap.Object) {
		checkActivity(t, o, ap.TypeLike, alice, bobNote)
		eq(t, "embedded", o.EmbeddedObject() == nil, true)
	}},
	{"mastodon/announce.json", func(t *testing.T, o *ap.Object) {
		checkActivity(t, o, ap.TypeAnnounce, alice, bobNote)
		eq(t, "visibility", o.Visibility(alice+"/followers"), ap.VisibilityPublic)
		eq(t, "published", o.Published, time.Date(2024, 8, 22, 10, 2, 44, 0, time.UTC))
	}},
	{"mastodon/delete_tombstone.json", func(t *testing.T, o *ap.Object) {
		checkActivity(t, o, ap.TypeDelete, alice, aliceNote)
		eq(t, "tombstone", o.EmbeddedObject().Type, ap.TypeTombstone)
	}},
	{"gotosocial/person.json", func(t *testing.T, o *ap.Object) {
		checkActor(t, o, ap.TypePerson, carla, "carla", carla+"/main-key")
		eq(t, "manuallyApprovesFollowers", o.ManuallyApprovesFollowers, true)
		eq(t, "sharedInbox", o.SharedInbox(), "")
		eq(t, "single attachment", len(o.Attachment), 1)
		eq(t, "field", o.Attachment[0].Object.Name+"="+o.Attachment[0].Object.Value, "Matrix=@carla:matrix.example")
		eq(t, "empty tag array", len(o.Tag), 0)
		eq(t, "avatar alt", o.Icon.Object.Name, "Carla holding a baguette like a sword")
	}},
	{"gotosocial/create_note.json", func(t *testing.T, o *ap.Object) {
		checkActivity(t, o, ap.TypeCreate, carla, carlaNote)
		eq(t, "bare to", strings.Join(o.To.IRIs(), " "), ap.Public)
		eq(t, "bare cc", strings.Join(o.Cc.IRIs(), " "), carla+"/followers")
		n := o.EmbeddedObject()
		eq(t, "note type", n.Type, ap.TypeNote)
		eq(t, "inReplyTo", n.InReplyTo.IRI(), aliceNote)
		eq(t, "mention as one object", len(n.Tag), 1)
		eq(t, "mention", n.Tag[0].Object.Href, alice)
		eq(t, "attachment as one object", len(n.Attachment), 1)
		eq(t, "alt text", n.Attachment[0].Object.Name, "Crumb shot: open, glossy crumb of a rye loaf")
		eq(t, "blurhash", n.Attachment[0].Object.Blurhash, "LEHV6nWB2yk8pyo0adR*.7kCMdnj")
		eq(t, "no content warning", n.Summary, "")
		eq(t, "visibility", n.Visibility(carla+"/followers"), ap.VisibilityPublic)
		eq(t, "language", n.Lang(), "en")
	}},
	{"lemmy/group.json", func(t *testing.T, o *ap.Object) {
		checkActor(t, o, ap.TypeGroup, bread, "bread", bread+"#main-key")
		eq(t, "title", o.Name, "Bread & Baking")
		eq(t, "moderators", o.AttributedTo.First().IRI(), bread+"/moderators")
		eq(t, "source", o.Source.MediaType, "text/markdown")
		eq(t, "languages", len(o.Language), 2)
		eq(t, "language", o.Lang(), "en")
		eq(t, "postingRestrictedToMods", o.PostingRestrictedToMods, false)
		eq(t, "sharedInbox", o.SharedInbox(), "https://lemmy.example/inbox")
		eq(t, "published", o.Published, time.Date(2023, 6, 11, 18, 3, 47, 282164000, time.UTC))
	}},
	{"lemmy/page.json", checkLemmyPage},
	{"lemmy/announce_create_page.json", func(t *testing.T, o *ap.Object) {
		checkActivity(t, o, ap.TypeAnnounce, bread, "https://lemmy.world/activities/create/9a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d")
		eq(t, "cc", o.Cc.First().IRI(), bread+"/followers")
		c := o.EmbeddedObject()
		eq(t, "inner type", c.Type, ap.TypeCreate)
		eq(t, "inner actor", c.ActorID(), dave)
		eq(t, "inner audience", c.Audience.IRI(), bread)
		checkLemmyPage(t, c.EmbeddedObject())
	}},
	{"lemmy/like.json", func(t *testing.T, o *ap.Object) {
		checkActivity(t, o, ap.TypeLike, dave, "https://lemmy.example/post/4242")
		eq(t, "audience", o.Audience.IRI(), bread)
	}},
	{"lemmy/follow_group.json", func(t *testing.T, o *ap.Object) {
		checkActivity(t, o, ap.TypeFollow, dave, bread)
		eq(t, "to", o.To.First().IRI(), bread)
	}},
}

func checkLemmyPage(t *testing.T, p *ap.Object) {
	t.Helper()
	if p == nil {
		t.Fatal("no Page")
	}
	eq(t, "type", p.Type, ap.TypePage)
	eq(t, "id", p.ID, davePost)
	eq(t, "title", p.Name, "My first 70% rye loaf (recipe inside)")
	eq(t, "attributedTo", p.AttributedTo.First().IRI(), dave)
	eq(t, "audience", p.Audience.IRI(), bread)
	eq(t, "community in to", p.To.Has(bread), true)
	eq(t, "empty cc", len(p.Cc), 0)
	eq(t, "visibility", p.Visibility(""), ap.VisibilityPublic)
	eq(t, "language", p.Lang(), "en")
	eq(t, "markdown", p.Source.MediaType, "text/markdown")
	eq(t, "link attachment", p.Attachment.First().Object.Type, ap.TypeLink)
	eq(t, "link href", p.Attachment.First().IRI(), "https://lemmy.world/pictrs/image/2c7b9d4e-5f6a-4b1c-8d2e-3f4a5b6c7d8e.jpeg")
	eq(t, "thumbnail", p.Image.Object.URL.First().IRI(), "https://lemmy.world/pictrs/image/2c7b9d4e-5f6a-4b1c-8d2e-3f4a5b6c7d8e.jpeg")
	eq(t, "hashtag", p.Tag.First().Object.Name, "#bread")
}

func checkActor(t *testing.T, o *ap.Object, typ ap.Type, id, username, keyID string) {
	t.Helper()
	eq(t, "type", o.Type, typ)
	eq(t, "is actor", o.Type.IsActor(), true)
	eq(t, "id", o.ID, id)
	eq(t, "preferredUsername", o.PreferredUsername, username)
	eq(t, "inbox", o.Inbox.IRI(), id+"/inbox")
	eq(t, "outbox", o.Outbox.IRI(), id+"/outbox")
	eq(t, "followers", o.Followers.IRI(), id+"/followers")
	if o.PublicKey == nil {
		t.Fatal("no publicKey")
	}
	eq(t, "key id", o.PublicKey.ID, keyID)
	eq(t, "key owner", o.PublicKey.Owner, id)
	if _, err := httpsign.DecodePublicKeyPEM([]byte(o.PublicKey.PublicKeyPem)); err != nil {
		t.Errorf("publicKeyPem: %v", err)
	}
	if len(o.Context) == 0 {
		t.Error("top-level @context not kept")
	}
}

func checkActivity(t *testing.T, o *ap.Object, typ ap.Type, actor, object string) {
	t.Helper()
	eq(t, "type", o.Type, typ)
	eq(t, "is activity", o.Type.IsActivity(), true)
	eq(t, "actor", o.ActorID(), actor)
	eq(t, "object", o.ObjectID(), object)
	if err := httpsign.CheckOrigin(o, actor); err != nil {
		t.Errorf("origin check against its own actor: %v", err)
	}
}

func eq[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s: got %v, want %v", what, got, want)
	}
}

func TestFixtures(t *testing.T) {
	update := os.Getenv("PARVIS_UPDATE_GOLDEN") != ""
	for _, fx := range fixtures {
		t.Run(fx.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", fx.file))
			if err != nil {
				t.Fatal(err)
			}
			o, err := ap.Decode(data)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			fx.check(t, o)

			enc, err := ap.Encode(o)
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, enc, "", "  "); err != nil {
				t.Fatalf("encoded JSON is invalid: %v", err)
			}
			pretty.WriteByte('\n')
			golden := filepath.Join("testdata", strings.TrimSuffix(fx.file, ".json")+".golden")
			if update {
				if err := os.WriteFile(golden, pretty.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with PARVIS_UPDATE_GOLDEN=1 to create it)", err)
			}
			if !bytes.Equal(pretty.Bytes(), want) {
				t.Errorf("encoding differs from %s:\ngot:\n%s", golden, pretty.Bytes())
			}

			// Round trip: the encoding decodes to an object with the same
			// fields, which encodes to the same bytes.
			again, err := ap.Decode(enc)
			if err != nil {
				t.Fatalf("decode of the encoding: %v", err)
			}
			fx.check(t, again)
			enc2, err := ap.Encode(again)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(enc, enc2) {
				t.Errorf("second encoding differs:\nfirst:  %s\nsecond: %s", enc, enc2)
			}
		})
	}
}
