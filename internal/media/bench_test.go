package media

import (
	"bytes"
	"image"
	"image/color"
	"testing"
)

// photo returns a w×h picture with smooth gradients and some texture, so
// that JPEG coding and scaling do realistic work.
func photo(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			n := uint8((x*7 + y*13) ^ (x * y >> 5))
			m.SetRGBA(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), n, 255})
		}
	}
	return m
}

// BenchmarkProcessJPEG processes a 12-megapixel phone photo (4000×3000)
// carrying EXIF with GPS: lossless stripping, a decode, a 640-pixel
// thumbnail and a blurhash.
func BenchmarkProcessJPEG(b *testing.B) {
	data := jpegWithMetadata(b, photo(4000, 3000), 1)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Process(bytes.NewReader(data), Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProcessJPEGRotated is the same photo with orientation 6, which
// also needs a rotation and a full re-encode.
func BenchmarkProcessJPEGRotated(b *testing.B) {
	data := jpegWithMetadata(b, photo(4000, 3000), 6)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Process(bytes.NewReader(data), Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkProcessAvatar(b *testing.B) {
	data := encodeJPEG(b, photo(1200, 1200))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ProcessAvatar(bytes.NewReader(data), Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBlurhash(b *testing.B) {
	img := fit(photo(640, 480), blurhashSample, blurhashSample)
	for b.Loop() {
		Blurhash(img, blurhashX, blurhashY)
	}
}
