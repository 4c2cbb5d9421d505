package media

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"golang.org/x/image/webp"

	"parvis/internal/model"
)

func mustProcess(t *testing.T, data []byte) Result {
	t.Helper()
	res, err := Process(bytes.NewReader(data), Limits{})
	if err != nil {
		t.Fatalf("Process: %v", err)
	}
	return res
}

// assertClean fails if any planted secret, or any EXIF/XMP marker, is left
// in b.
func assertClean(t *testing.T, what string, b []byte) {
	t.Helper()
	for _, s := range secrets {
		if bytes.Contains(b, []byte(s)) {
			t.Errorf("%s still contains %q", what, s)
		}
	}
	for _, marker := range []string{"Exif\x00\x00", "eXIf", "http://ns.adobe.com/xap", "XMP ", "tEXt", "iTXt", "tIME", "MM\x00*", "II*\x00"} {
		if bytes.Contains(b, []byte(marker)) {
			t.Errorf("%s still contains metadata marker %q", what, marker)
		}
	}
}

// near reports whether two colours are within tolerance per channel, for
// checks on lossy JPEG output.
func near(c color.Color, want color.RGBA) bool {
	r, g, b, _ := c.RGBA()
	d := func(a uint32, w uint8) bool {
		diff := int(a>>8) - int(w)
		return diff > -60 && diff < 60
	}
	return d(r, want.R) && d(g, want.G) && d(b, want.B)
}

func TestJPEGWithGPSAndOrientation(t *testing.T) {
	// Stored sideways: 40×20 with red on the left; orientation 6 says turn
	// it a quarter clockwise, which puts red on top of a 20×40 picture.
	data := jpegWithMetadata(t, twoTone(40, 20, red, blue), 6)
	res := mustProcess(t, data)

	if res.Original.Format != JPEG || !res.Reencoded {
		t.Errorf("got format %s reencoded %v, want jpeg reencoded", res.Original.Format, res.Reencoded)
	}
	assertClean(t, "original", res.Original.Data)
	assertClean(t, "thumbnail", res.Thumbnail.Data)
	if !bytes.Contains(res.Original.Data, []byte("ICC_PROFILE")) {
		t.Errorf("the ICC profile was lost in the re-encode")
	}
	img, err := jpeg.Decode(bytes.NewReader(res.Original.Data))
	if err != nil {
		t.Fatalf("output does not decode: %v", err)
	}
	if got := img.Bounds().Size(); got != (image.Point{20, 40}) {
		t.Fatalf("got size %v, want 20×40 (rotated)", got)
	}
	if res.Original.Width != 20 || res.Original.Height != 40 || res.Original.Aspect() != 0.5 {
		t.Errorf("got %d×%d aspect %v, want 20×40 aspect 0.5", res.Original.Width, res.Original.Height, res.Original.Aspect())
	}
	if c := img.At(10, 5); !near(c, red) {
		t.Errorf("got %v at the top, want red", c)
	}
	if c := img.At(10, 35); !near(c, blue) {
		t.Errorf("got %v at the bottom, want blue", c)
	}
	if res.Thumbnail.Width != 20 || res.Thumbnail.Height != 40 {
		t.Errorf("got thumbnail %d×%d, want 20×40", res.Thumbnail.Width, res.Thumbnail.Height)
	}
}

func TestJPEGUprightIsStrippedLosslessly(t *testing.T) {
	plain := encodeJPEG(t, twoTone(64, 48, red, blue))
	data := jpegWithMetadata(t, twoTone(64, 48, red, blue), 1)
	res := mustProcess(t, data)
	if res.Reencoded {
		t.Errorf("got a re-encode, want lossless stripping")
	}
	assertClean(t, "original", res.Original.Data)
	// What is left is the encoder's own output plus the ICC profile.
	icc := jpegSegment(0xE2, []byte("ICC_PROFILE\x00\x01\x01fake-profile"))
	want := append(append(append([]byte{}, plain[:2]...), icc...), plain[2:]...)
	if !bytes.Equal(res.Original.Data, want) {
		t.Errorf("got %d bytes, want the %d bytes of the original coding segments", len(res.Original.Data), len(want))
	}
}

func TestJPEGMetadataAfterScan(t *testing.T) {
	// Segments may follow the entropy-coded data (progressive JPEGs have
	// several scans); metadata there must go too.
	plain := encodeJPEG(t, twoTone(16, 16, red, blue))
	eoi := len(plain) - 2
	late := append(jpegSegment(0xE1, append([]byte("Exif\x00\x00"), exifBlock(1)...)), jpegSegment(0xFE, []byte(secretComment))...)
	data := append(append(append([]byte{}, plain[:eoi]...), late...), plain[eoi:]...)
	res := mustProcess(t, data)
	assertClean(t, "original", res.Original.Data)
	if !bytes.Equal(res.Original.Data, plain) {
		t.Errorf("got %d bytes, want the %d bytes of the plain encoding", len(res.Original.Data), len(plain))
	}
}

func TestPNGWithTextChunks(t *testing.T) {
	src := twoTone(30, 10, red, color.RGBA{G: 128, B: 255, A: 128})
	res := mustProcess(t, pngWithMetadata(t, src, 1))
	if res.Original.Format != PNG || res.Reencoded {
		t.Errorf("got format %s reencoded %v, want png stripped losslessly", res.Original.Format, res.Reencoded)
	}
	assertClean(t, "original", res.Original.Data)
	img, err := png.Decode(bytes.NewReader(res.Original.Data))
	if err != nil {
		t.Fatalf("output does not decode: %v", err)
	}
	want, _ := png.Decode(bytes.NewReader(encodePNG(t, src)))
	if !samePixels(img, want) {
		t.Errorf("pixels changed by stripping")
	}
	if res.Thumbnail.Format != PNG {
		t.Errorf("got thumbnail format %s, want png for a picture with transparency", res.Thumbnail.Format)
	}
}

func TestPNGOrientations(t *testing.T) {
	// A 3×2 picture with six distinct colours, checked exactly (PNG is
	// lossless) against rotations and flips composed from two basic moves.
	src := image.NewRGBA(image.Rect(0, 0, 3, 2))
	for i := 0; i < 6; i++ {
		src.Set(i%3, i/3, color.RGBA{R: uint8(40 * i), G: 7, B: uint8(255 - 40*i), A: 255})
	}
	grid := toGrid(src)
	want := map[int][][]color.RGBA{
		1: grid,
		2: flipH(grid),
		3: rotCW(rotCW(grid)),
		4: flipH(rotCW(rotCW(grid))),
		5: flipH(rotCW(grid)),
		6: rotCW(grid),
		7: flipH(rotCW(rotCW(rotCW(grid)))),
		8: rotCW(rotCW(rotCW(grid))),
	}
	for o := 1; o <= 8; o++ {
		res := mustProcess(t, pngWithMetadata(t, src, o))
		assertClean(t, "original", res.Original.Data)
		img, err := png.Decode(bytes.NewReader(res.Original.Data))
		if err != nil {
			t.Fatalf("orientation %d: %v", o, err)
		}
		if got := toGrid(img); !equalGrid(got, want[o]) {
			t.Errorf("orientation %d: got %v, want %v", o, got, want[o])
		}
		if res.Reencoded != (o != 1) {
			t.Errorf("orientation %d: got reencoded %v", o, res.Reencoded)
		}
	}
}

func TestWebPWithEXIF(t *testing.T) {
	data := webpWithEXIF(40, 20, 1)
	if _, err := webp.Decode(bytes.NewReader(data)); err != nil {
		t.Fatalf("the test WebP does not decode: %v", err)
	}
	res := mustProcess(t, data)
	if res.Original.Format != WebP || res.Reencoded {
		t.Errorf("got format %s reencoded %v, want webp stripped losslessly", res.Original.Format, res.Reencoded)
	}
	assertClean(t, "original", res.Original.Data)
	if flags := res.Original.Data[20]; flags&(webpFlagEXIF|webpFlagXMP) != 0 {
		t.Errorf("got VP8X flags %#x, want the EXIF and XMP flags cleared", flags)
	}
	img, err := webp.Decode(bytes.NewReader(res.Original.Data))
	if err != nil {
		t.Fatalf("output does not decode: %v", err)
	}
	if c := img.At(5, 5); !near(c, color.RGBA{A: 255}) {
		t.Errorf("got %v on the left, want black", c)
	}
	if c := img.At(35, 5); !near(c, green) {
		t.Errorf("got %v on the right, want green", c)
	}
}

func TestWebPRotatedBecomesJPEG(t *testing.T) {
	res := mustProcess(t, webpWithEXIF(40, 20, 8))
	if res.Original.Format != JPEG || res.Original.Width != 20 || res.Original.Height != 40 {
		t.Fatalf("got %s %d×%d, want a 20×40 jpeg", res.Original.Format, res.Original.Width, res.Original.Height)
	}
	assertClean(t, "original", res.Original.Data)
	img, err := jpeg.Decode(bytes.NewReader(res.Original.Data))
	if err != nil {
		t.Fatal(err)
	}
	// A quarter turn anticlockwise brings the right (green) half on top.
	if c := img.At(10, 5); !near(c, green) {
		t.Errorf("got %v at the top, want green", c)
	}
}

func TestAnimatedWebP(t *testing.T) {
	res := mustProcess(t, animatedWebP(16, 8, 3))
	if res.Frames != 3 || !res.Animated() || res.Original.Format != WebP {
		t.Errorf("got %d frames, format %s; want 3 frames of webp", res.Frames, res.Original.Format)
	}
	if res.Thumbnail.Width != 16 || res.Thumbnail.Height != 8 || res.Blurhash == "" {
		t.Errorf("got thumbnail %d×%d blurhash %q, want 16×8 and a blurhash", res.Thumbnail.Width, res.Thumbnail.Height, res.Blurhash)
	}
}

func TestAnimatedGIF(t *testing.T) {
	data := animatedGIF(t, 20, 10, 3)
	res := mustProcess(t, data)
	if res.Frames != 3 || !res.Animated() || res.Original.Format != GIF || res.Reencoded {
		t.Errorf("got %d frames, format %s, reencoded %v; want 3 frames of gif, not reencoded", res.Frames, res.Original.Format, res.Reencoded)
	}
	assertClean(t, "original", res.Original.Data)
	g, err := gif.DecodeAll(bytes.NewReader(res.Original.Data))
	if err != nil {
		t.Fatalf("output does not decode: %v", err)
	}
	if len(g.Image) != 3 || g.LoopCount != 0 {
		t.Errorf("got %d frames loop %d, want 3 frames looping forever", len(g.Image), g.LoopCount)
	}
	if !bytes.Contains(res.Original.Data, []byte("NETSCAPE2.0")) {
		t.Errorf("the looping extension was dropped")
	}
	if res.Thumbnail.Width != 20 || res.Thumbnail.Height != 10 {
		t.Errorf("got thumbnail %d×%d, want 20×10", res.Thumbnail.Width, res.Thumbnail.Height)
	}
}

func TestThumbnailAndBlurhash(t *testing.T) {
	res := mustProcess(t, encodeJPEG(t, twoTone(1600, 1200, red, blue)))
	if res.Thumbnail.Width != 640 || res.Thumbnail.Height != 480 || res.Thumbnail.Format != JPEG {
		t.Errorf("got thumbnail %s %d×%d, want jpeg 640×480", res.Thumbnail.Format, res.Thumbnail.Width, res.Thumbnail.Height)
	}
	th, err := jpeg.Decode(bytes.NewReader(res.Thumbnail.Data))
	if err != nil {
		t.Fatal(err)
	}
	if !near(th.At(100, 240), red) || !near(th.At(540, 240), blue) {
		t.Errorf("thumbnail colours are wrong: %v %v", th.At(100, 240), th.At(540, 240))
	}
	if len(res.Blurhash) != 6+2*15 {
		t.Errorf("got blurhash %q (%d chars), want 36 chars", res.Blurhash, len(res.Blurhash))
	}
}

func TestErrors(t *testing.T) {
	jpg := encodeJPEG(t, twoTone(64, 64, red, blue))
	gifBomb := []byte("GIF89a\xff\xff\xff\xff\x00\x00\x00")
	tests := []struct {
		name   string
		data   []byte
		limits Limits
		want   ErrorKind
		code   string
	}{
		{"text renamed .png", []byte("hello, this is not a picture\n"), Limits{}, ErrUnsupportedType, model.EUNPROCESS},
		{"empty", nil, Limits{}, ErrUnsupportedType, model.EUNPROCESS},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), Limits{}, ErrUnsupportedType, model.EUNPROCESS},
		{"pdf", []byte("%PDF-1.7\n..."), Limits{}, ErrUnsupportedType, model.EUNPROCESS},
		{"bmp", []byte("BM\x00\x00\x00\x00\x00\x00\x00\x00"), Limits{}, ErrUnsupportedType, model.EUNPROCESS},
		{"truncated jpeg", jpg[:len(jpg)/2], Limits{}, ErrCorrupt, model.EUNPROCESS},
		{"truncated png", encodePNG(t, twoTone(64, 64, red, blue))[:60], Limits{}, ErrCorrupt, model.EUNPROCESS},
		{"truncated gif", animatedGIF(t, 20, 10, 2)[:40], Limits{}, ErrCorrupt, model.EUNPROCESS},
		{"truncated webp", webpWithEXIF(40, 20, 1)[:40], Limits{}, ErrCorrupt, model.EUNPROCESS},
		{"jpeg header only", jpg[:20], Limits{}, ErrCorrupt, model.EUNPROCESS},
		{"png pixel bomb", pngHeaderOnly(100000, 100000), Limits{}, ErrTooManyPixels, model.ETOOLARGE},
		{"gif pixel bomb", gifBomb, Limits{}, ErrTooManyPixels, model.ETOOLARGE},
		{"webp pixel bomb", webpHeaderOnly(16000, 16000), Limits{}, ErrTooManyPixels, model.ETOOLARGE},
		{"over pixel limit", jpg, Limits{MaxPixels: 64*64 - 1}, ErrTooManyPixels, model.ETOOLARGE},
		{"over byte limit", jpg, Limits{MaxBytes: int64(len(jpg) - 1)}, ErrTooLarge, model.ETOOLARGE},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, fn := range []func([]byte, Limits) (Result, error){
				func(b []byte, l Limits) (Result, error) { return Process(bytes.NewReader(b), l) },
				func(b []byte, l Limits) (Result, error) { return ProcessAvatar(bytes.NewReader(b), l) },
			} {
				_, err := fn(tt.data, tt.limits)
				if !errors.Is(err, tt.want) {
					t.Fatalf("got error %v, want kind %v", err, tt.want)
				}
				var me *Error
				if !errors.As(err, &me) || me.Detail == "" {
					t.Errorf("got %T %v, want a *media.Error with a detail", err, err)
				}
				if got := model.ErrorCode(err); got != tt.code {
					t.Errorf("got code %q, want %q", got, tt.code)
				}
				if msg := model.ErrorMessage(err); msg == "internal error" || strings.Contains(msg, "unexpected EOF") {
					t.Errorf("got user message %q, want a clear sentence without internals", msg)
				}
			}
		})
	}
}

func TestByteLimitReadsAtMostLimitPlusOne(t *testing.T) {
	r := &countingReader{r: bytes.NewReader(make([]byte, 1<<20))}
	_, err := Process(r, Limits{MaxBytes: 1000})
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("got %v, want ErrTooLarge", err)
	}
	if r.n > 1001 {
		t.Errorf("read %d bytes, want at most 1001", r.n)
	}
}

type countingReader struct {
	r *bytes.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestAvatarAndHeader(t *testing.T) {
	tests := []struct {
		name         string
		fn           func([]byte) (Result, error)
		w, h         int
		wantW, wantH int
	}{
		{"avatar large", avatarOf, 1000, 800, 400, 400},
		{"avatar small is not enlarged", avatarOf, 300, 100, 100, 100},
		{"avatar tall", avatarOf, 400, 1200, 400, 400},
		{"header large", headerOf, 3000, 2000, 1500, 500},
		{"header tall", headerOf, 600, 2000, 600, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := tt.fn(jpegWithMetadata(t, twoTone(tt.w, tt.h, red, blue), 1))
			if err != nil {
				t.Fatal(err)
			}
			if res.Original.Width != tt.wantW || res.Original.Height != tt.wantH {
				t.Errorf("got %d×%d, want %d×%d", res.Original.Width, res.Original.Height, tt.wantW, tt.wantH)
			}
			assertClean(t, "variant", res.Original.Data)
			img, _, err := image.Decode(bytes.NewReader(res.Original.Data))
			if err != nil {
				t.Fatal(err)
			}
			if got := img.Bounds().Size(); got != (image.Point{tt.wantW, tt.wantH}) {
				t.Errorf("encoded size %v, want %d×%d", got, tt.wantW, tt.wantH)
			}
			if res.Blurhash == "" {
				t.Errorf("no blurhash")
			}
		})
	}
}

func avatarOf(b []byte) (Result, error) { return ProcessAvatar(bytes.NewReader(b), Limits{}) }
func headerOf(b []byte) (Result, error) { return ProcessHeader(bytes.NewReader(b), Limits{}) }

func TestAvatarFollowsOrientation(t *testing.T) {
	res, err := ProcessAvatar(bytes.NewReader(jpegWithMetadata(t, twoTone(40, 20, red, blue), 6)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(bytes.NewReader(res.Original.Data))
	if err != nil {
		t.Fatal(err)
	}
	// Upright, the picture is 20×40 with red on top; the centred square
	// crop straddles the two halves.
	if !near(img.At(10, 1), red) || !near(img.At(10, 18), blue) {
		t.Errorf("got %v on top and %v at the bottom, want red then blue", img.At(10, 1), img.At(10, 18))
	}
}

func toGrid(img image.Image) [][]color.RGBA {
	b := img.Bounds()
	g := make([][]color.RGBA, b.Dy())
	for y := range g {
		g[y] = make([]color.RGBA, b.Dx())
		for x := range g[y] {
			g[y][x] = color.RGBAModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.RGBA)
		}
	}
	return g
}

// rotCW turns a grid a quarter clockwise.
func rotCW(g [][]color.RGBA) [][]color.RGBA {
	h, w := len(g), len(g[0])
	out := make([][]color.RGBA, w)
	for y := range out {
		out[y] = make([]color.RGBA, h)
		for x := range out[y] {
			out[y][x] = g[h-1-x][y]
		}
	}
	return out
}

// flipH mirrors a grid left to right.
func flipH(g [][]color.RGBA) [][]color.RGBA {
	out := make([][]color.RGBA, len(g))
	for y, row := range g {
		out[y] = make([]color.RGBA, len(row))
		for x := range row {
			out[y][x] = row[len(row)-1-x]
		}
	}
	return out
}

func equalGrid(a, b [][]color.RGBA) bool {
	if len(a) != len(b) {
		return false
	}
	for y := range a {
		if len(a[y]) != len(b[y]) {
			return false
		}
		for x := range a[y] {
			if a[y][x] != b[y][x] {
				return false
			}
		}
	}
	return true
}

func samePixels(a, b image.Image) bool { return equalGrid(toGrid(a), toGrid(b)) }
