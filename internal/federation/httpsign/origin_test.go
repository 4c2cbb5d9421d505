package httpsign

import (
	"errors"
	"testing"

	"parvis/internal/federation/ap"
)

func TestSameHost(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"https://mastodon.example/users/alice", "https://mastodon.example/users/alice#main-key", true},
		{"https://Mastodon.Example/users/alice", "https://mastodon.example./inbox", true},
		{"https://mastodon.example:443/a", "https://mastodon.example/b", true},
		{"http://mastodon.example/a", "http://mastodon.example:80/b", true},
		{"https://mastodon.example:8443/a", "https://mastodon.example/b", false},
		{"http://mastodon.example/a", "https://mastodon.example/b", false},
		{"https://mastodon.example/a", "https://evil.example/b", false},
		{"https://mastodon.example/a", "https://mastodon.example.evil.example/b", false},
		{"https://mastodon.example@evil.example/a", "https://evil.example/b", false},
		{"https://mastodon.example/a", "ftp://mastodon.example/b", false},
		{"https://mastodon.example/a", "mastodon.example/b", false},
		{"https://mastodon.example/a", "", false},
		{"https:///a", "https:///b", false},
		{"https://[::1]/a", "https://[::1]:443/b", true},
		{"Test", "Test", false},
	}
	for _, tt := range tests {
		if got := SameHost(tt.a, tt.b); got != tt.want {
			t.Errorf("SameHost(%q, %q): got %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestCheckOrigin(t *testing.T) {
	const (
		alice = "https://mastodon.example/users/alice"
		bob   = "https://parvis.example/users/bob"
		evil  = "https://evil.example/users/mallory"
	)
	ref := func(id string) ap.Refs { return ap.Refs{{ID: id}} }
	embed := func(o *ap.Object) ap.Refs { return ap.Refs{{ID: o.ID, Object: o}} }
	note := func(id string, by ...string) *ap.Object {
		n := &ap.Object{ID: id, Type: ap.TypeNote}
		for _, b := range by {
			n.AttributedTo = append(n.AttributedTo, ap.Ref{ID: b})
		}
		return n
	}
	act := func(typ ap.Type, id, actor string, object ap.Refs) *ap.Object {
		return &ap.Object{ID: id, Type: typ, Actor: ap.Ref{ID: actor}, Object: object}
	}
	tests := []struct {
		name string
		act  *ap.Object
		want error
	}{
		{"create own note", act(ap.TypeCreate, alice+"/statuses/1/activity", alice, embed(note(alice+"/statuses/1", alice))), nil},
		{"activity without id", act(ap.TypeLike, "", alice, ref(bob+"/statuses/9")), nil},
		{"actor is not the signer", act(ap.TypeCreate, alice+"/statuses/1/activity", evil, embed(note(evil+"/statuses/1", evil))), ErrKeyNotOwned},
		{"no actor", act(ap.TypeLike, alice+"#likes/1", "", ref(bob+"/statuses/9")), ErrKeyNotOwned},
		{"activity id on another host", act(ap.TypeCreate, evil+"/activity", alice, embed(note(alice+"/statuses/1", alice))), ErrWrongOrigin},
		{"note on another host", act(ap.TypeCreate, alice+"/statuses/1/activity", alice, embed(note(evil+"/statuses/1", alice))), ErrWrongOrigin},
		{"note attributed to someone else", act(ap.TypeCreate, alice+"/statuses/1/activity", alice, embed(note(alice+"/statuses/1", bob))), ErrWrongOrigin},
		{"note attributed to several including signer", act(ap.TypeCreate, alice+"/statuses/1/activity", alice, embed(note(alice+"/statuses/1", alice, "https://mastodon.example/channels/c"))), nil},
		{"create without object", act(ap.TypeCreate, alice+"/statuses/1/activity", alice, nil), ErrWrongOrigin},
		{"delete someone else's note by IRI", act(ap.TypeDelete, alice+"#delete", alice, ref(bob+"/statuses/9")), ErrWrongOrigin},
		{"delete own tombstone", act(ap.TypeDelete, alice+"/statuses/1#delete", alice, embed(&ap.Object{ID: alice + "/statuses/1", Type: ap.TypeTombstone})), nil},
		{"update self", act(ap.TypeUpdate, alice+"#updates/1", alice, embed(&ap.Object{ID: alice, Type: ap.TypePerson})), nil},
		{"update another actor on the same host", act(ap.TypeUpdate, alice+"#updates/1", alice, embed(&ap.Object{ID: "https://mastodon.example/users/carol", Type: ap.TypePerson})), ErrWrongOrigin},
		{"undo own follow", act(ap.TypeUndo, alice+"#follows/1/undo", alice, embed(act(ap.TypeFollow, alice+"#follows/1", alice, ref(bob)))), nil},
		{"undo someone else's follow", act(ap.TypeUndo, alice+"#follows/1/undo", alice, embed(act(ap.TypeFollow, alice+"#follows/1", "https://mastodon.example/users/carol", ref(bob)))), ErrKeyNotOwned},
		{"undo a foreign activity", act(ap.TypeUndo, alice+"#undo", alice, ref(evil+"#likes/1")), ErrWrongOrigin},
		{"accept a follow of the signer", act(ap.TypeAccept, alice+"#accepts/1", alice, embed(act(ap.TypeFollow, bob+"#follows/1", bob, ref(alice)))), nil},
		{"accept a follow of someone else", act(ap.TypeAccept, alice+"#accepts/1", alice, embed(act(ap.TypeFollow, bob+"#follows/1", bob, ref("https://mastodon.example/users/carol")))), ErrWrongOrigin},
		{"announce a foreign note", act(ap.TypeAnnounce, alice+"/statuses/2/activity", alice, embed(note(bob+"/statuses/9", bob))), nil},
		{"move self", act(ap.TypeMove, alice+"#moves/1", alice, ref(alice)), nil},
		{"move someone else", act(ap.TypeMove, alice+"#moves/1", alice, ref(bob)), ErrWrongOrigin},
		{"add to a foreign collection", &ap.Object{ID: alice + "#add", Type: ap.TypeAdd, Actor: ap.Ref{ID: alice}, Object: ref(alice + "/statuses/1"), Target: ap.Ref{ID: evil + "/featured"}}, ErrWrongOrigin},
		{"pin own note", &ap.Object{ID: alice + "#add", Type: ap.TypeAdd, Actor: ap.Ref{ID: alice}, Object: ref(alice + "/statuses/1"), Target: ap.Ref{ID: alice + "/collections/featured"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckOrigin(tt.act, alice)
			if tt.want == nil && err != nil {
				t.Fatalf("got %v, want nil", err)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
	if err := CheckOrigin(nil, alice); err == nil {
		t.Error("nil activity: got nil, want an error")
	}
}
