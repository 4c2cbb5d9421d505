package media

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzProcess checks that no input makes Process panic, that every refusal
// is a *Error, and that an accepted picture comes out with its dimensions,
// a thumbnail, and in a form that is accepted again as it is. Seeds are in
// testdata/fuzz.
func FuzzProcess(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Process(bytes.NewReader(data), Limits{MaxBytes: 1 << 20, MaxPixels: 1 << 20})
		if err != nil {
			var me *Error
			if !errors.As(err, &me) {
				t.Fatalf("got %T %v, want a *media.Error", err, err)
			}
			return
		}
		if res.Original.Width <= 0 || res.Original.Height <= 0 || len(res.Original.Data) == 0 {
			t.Fatalf("accepted picture has no size or data: %+v", res.Original)
		}
		if len(res.Thumbnail.Data) == 0 || res.Blurhash == "" {
			t.Fatalf("accepted picture has no thumbnail or blurhash")
		}
		// What comes out must be accepted again, unchanged in size.
		again, err := Process(bytes.NewReader(res.Original.Data), Limits{MaxBytes: 1 << 20, MaxPixels: 1 << 20})
		if err != nil {
			t.Fatalf("output is refused when processed again: %v", err)
		}
		if again.Original.Width != res.Original.Width || again.Original.Height != res.Original.Height || again.Reencoded {
			t.Fatalf("processing the output again gave %d×%d (reencoded %v), want %d×%d unchanged",
				again.Original.Width, again.Original.Height, again.Reencoded, res.Original.Width, res.Original.Height)
		}
	})
}
