package media

import (
	"image"
	"math"
	"strings"
)

// Blurhash components, as Mastodon computes them.
const (
	blurhashX = 4
	blurhashY = 4
)

// blurhashSample is the size the picture is reduced to before the
// transform: a blurhash holds 16 colours, so more pixels add nothing but
// time.
const blurhashSample = 32

// blurhashOf returns the blurhash of img with Mastodon's 4×4 components.
func blurhashOf(img image.Image) string {
	return Blurhash(fit(img, blurhashSample, blurhashSample), blurhashX, blurhashY)
}

// Blurhash encodes img as a blurhash (https://blurha.sh) with xComp×yComp
// components (each between 1 and 9): the picture is projected on cosine
// bases in linear light, the average colour is stored exactly and the
// other components quantised, and the numbers are written in base 83. It
// returns "" for an empty image or out-of-range components. The cost is
// proportional to pixels × components: pass a small picture.
func Blurhash(img image.Image, xComp, yComp int) string {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w == 0 || h == 0 || xComp < 1 || xComp > 9 || yComp < 1 || yComp > 9 {
		return ""
	}
	src := toRGBA(img)

	// Linear-light pixels (through a table: 256 powers instead of three
	// per pixel), and the cosine tables of each axis.
	var toLinear [256]float64
	for i := range toLinear {
		toLinear[i] = srgbToLinear(uint8(i))
	}
	lin := make([][3]float64, w*h)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			p := src.Pix[y*src.Stride+x*4:]
			lin[y*w+x] = [3]float64{toLinear[p[0]], toLinear[p[1]], toLinear[p[2]]}
		}
	}
	cosX := cosineTable(xComp, w)
	cosY := cosineTable(yComp, h)

	factors := make([][3]float64, 0, xComp*yComp)
	for j := 0; j < yComp; j++ {
		for i := 0; i < xComp; i++ {
			var f [3]float64
			for y := 0; y < h; y++ {
				cy := cosY[j*h+y]
				row := lin[y*w : y*w+w]
				for x, px := range row {
					basis := cosX[i*w+x] * cy
					f[0] += basis * px[0]
					f[1] += basis * px[1]
					f[2] += basis * px[2]
				}
			}
			norm := 2.0
			if i == 0 && j == 0 {
				norm = 1
			}
			scale := norm / float64(w*h)
			factors = append(factors, [3]float64{f[0] * scale, f[1] * scale, f[2] * scale})
		}
	}

	var sb strings.Builder
	sb.Grow(4 + 2*len(factors))
	writeBase83(&sb, (xComp-1)+(yComp-1)*9, 1)

	maxValue := 1.0
	ac := factors[1:]
	if len(ac) > 0 {
		actualMax := 0.0
		for _, f := range ac {
			actualMax = max(actualMax, math.Abs(f[0]), math.Abs(f[1]), math.Abs(f[2]))
		}
		quantisedMax := clampInt(int(math.Floor(actualMax*166-0.5)), 0, 82)
		maxValue = float64(quantisedMax+1) / 166
		writeBase83(&sb, quantisedMax, 1)
	} else {
		writeBase83(&sb, 0, 1)
	}

	dc := factors[0]
	writeBase83(&sb, linearToSRGB(dc[0])<<16|linearToSRGB(dc[1])<<8|linearToSRGB(dc[2]), 4)
	for _, f := range ac {
		q := func(v float64) int {
			return clampInt(int(math.Floor(signedPow(v/maxValue, 0.5)*9+9.5)), 0, 18)
		}
		writeBase83(&sb, q(f[0])*19*19+q(f[1])*19+q(f[2]), 2)
	}
	return sb.String()
}

// cosineTable returns cos(π·k·p/n) for k < comps and p < n, row k first.
func cosineTable(comps, n int) []float64 {
	t := make([]float64, comps*n)
	for k := 0; k < comps; k++ {
		for p := 0; p < n; p++ {
			t[k*n+p] = math.Cos(math.Pi * float64(k) * float64(p) / float64(n))
		}
	}
	return t
}

func srgbToLinear(c uint8) float64 {
	v := float64(c) / 255
	if v <= 0.04045 {
		return v / 12.92
	}
	return math.Pow((v+0.055)/1.055, 2.4)
}

func linearToSRGB(v float64) int {
	v = math.Max(0, math.Min(1, v))
	if v <= 0.0031308 {
		return int(v*12.92*255 + 0.5)
	}
	return int((1.055*math.Pow(v, 1/2.4)-0.055)*255 + 0.5)
}

func signedPow(v, exp float64) float64 {
	return math.Copysign(math.Pow(math.Abs(v), exp), v)
}

func clampInt(v, lo, hi int) int { return max(lo, min(hi, v)) }

const base83Digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"

func writeBase83(sb *strings.Builder, v, length int) {
	for i := length - 1; i >= 0; i-- {
		d := v
		for k := 0; k < i; k++ {
			d /= 83
		}
		sb.WriteByte(base83Digits[d%83])
	}
}
