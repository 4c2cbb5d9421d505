package media

import (
	"image"
	"image/color"
	"image/draw"
	"math"
	"strings"
	"testing"
)

// decode83 reads a base-83 number, to check the encoder from the outside.
func decode83(s string) int {
	v := 0
	for _, c := range s {
		v = v*83 + strings.IndexRune(base83Digits, c)
	}
	return v
}

func TestBlurhashSolidColour(t *testing.T) {
	m := image.NewRGBA(image.Rect(0, 0, 16, 12))
	draw.Draw(m, m.Rect, image.NewUniform(color.RGBA{R: 200, G: 100, B: 50, A: 255}), image.Point{}, draw.Src)
	h := Blurhash(m, 4, 3)
	if len(h) != 6+2*11 {
		t.Fatalf("got %q (%d chars), want 28", h, len(h))
	}
	if got := decode83(h[:1]); got != 3+2*9 {
		t.Errorf("got size flag %d, want %d", got, 3+2*9)
	}
	if dc := decode83(h[2:6]); dc != 200<<16|100<<8|50 {
		t.Errorf("got average colour %06x, want c86432", dc)
	}
}

// decodeBlurhash paints a w×h picture from a hash, inverting the
// encoder's steps, so that tests can compare colours rather than digits.
func decodeBlurhash(t *testing.T, h string, w, hh int) *image.RGBA {
	t.Helper()
	size := decode83(h[:1])
	nx, ny := size%9+1, size/9+1
	if len(h) != 4+2*nx*ny {
		t.Fatalf("hash %q has length %d, want %d", h, len(h), 4+2*nx*ny)
	}
	maxAC := float64(decode83(h[1:2])+1) / 166
	colours := make([][3]float64, nx*ny)
	dc := decode83(h[2:6])
	colours[0] = [3]float64{srgbToLinear(uint8(dc >> 16)), srgbToLinear(uint8(dc >> 8)), srgbToLinear(uint8(dc))}
	for k := 1; k < nx*ny; k++ {
		v := decode83(h[4+2*k : 6+2*k])
		q := [3]int{v / (19 * 19), v / 19 % 19, v % 19}
		for c := range q {
			colours[k][c] = signedPow(float64(q[c]-9)/9, 2) * maxAC
		}
	}
	m := image.NewRGBA(image.Rect(0, 0, w, hh))
	for y := 0; y < hh; y++ {
		for x := 0; x < w; x++ {
			var px [3]float64
			for j := 0; j < ny; j++ {
				for i := 0; i < nx; i++ {
					basis := math.Cos(math.Pi*float64(i)*float64(x)/float64(w)) * math.Cos(math.Pi*float64(j)*float64(y)/float64(hh))
					for c := range px {
						px[c] += colours[j*nx+i][c] * basis
					}
				}
			}
			m.Set(x, y, color.RGBA{uint8(linearToSRGB(px[0])), uint8(linearToSRGB(px[1])), uint8(linearToSRGB(px[2])), 255})
		}
	}
	return m
}

func TestBlurhashRoundTrip(t *testing.T) {
	h := Blurhash(twoTone(64, 32, red, blue), 4, 3)
	m := decodeBlurhash(t, h, 32, 16)
	// A blurhash is a blur: check which colour dominates, not the exact
	// shade.
	if c := m.RGBAAt(3, 8); int(c.R) < int(c.B)+80 {
		t.Errorf("got %v on the left, want mostly red", c)
	}
	if c := m.RGBAAt(28, 8); int(c.B) < int(c.R)+80 {
		t.Errorf("got %v on the right, want mostly blue", c)
	}
}

func TestBlurhashSeesLeftRight(t *testing.T) {
	h := Blurhash(twoTone(32, 32, color.White, color.Black), 2, 1)
	// One horizontal AC component: white on the left means a positive
	// first cosine, so the quantised value is above the middle (9).
	v := decode83(h[6:8])
	if r := v / (19 * 19); r <= 9 {
		t.Errorf("got red component %d, want > 9 for bright-left", r)
	}
	if Blurhash(image.NewRGBA(image.Rect(0, 0, 0, 0)), 4, 4) != "" || Blurhash(twoTone(2, 2, red, blue), 10, 1) != "" {
		t.Errorf("want \"\" for an empty image or too many components")
	}
}
