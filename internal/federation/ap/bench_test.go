package ap_test

import (
	"os"
	"testing"

	"parvis/internal/federation/ap"
)

func benchFixture(b *testing.B, file string) []byte {
	b.Helper()
	data, err := os.ReadFile("testdata/" + file)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// BenchmarkDecodeCreateNote decodes Mastodon's Create{Note}, the most common
// inbox delivery (about 4 KB with a mention, hashtag and image).
func BenchmarkDecodeCreateNote(b *testing.B) {
	data := benchFixture(b, "mastodon/create_note.json")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ap.Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeAnnounceCreatePage decodes a Lemmy FEP-1b12 announce,
// three objects deep.
func BenchmarkDecodeAnnounceCreatePage(b *testing.B) {
	data := benchFixture(b, "lemmy/announce_create_page.json")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ap.Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeCreateNote encodes Mastodon's Create{Note}, computing a
// fresh @context as outgoing activities do.
func BenchmarkEncodeCreateNote(b *testing.B) {
	o, err := ap.Decode(benchFixture(b, "mastodon/create_note.json"))
	if err != nil {
		b.Fatal(err)
	}
	o.Context = nil
	for b.Loop() {
		if _, err := ap.Encode(o); err != nil {
			b.Fatal(err)
		}
	}
}
