package media

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"
)

// Test pictures are made here rather than committed, so that each test
// shows exactly what its input holds.

var (
	red   = color.RGBA{R: 255, A: 255}
	blue  = color.RGBA{B: 255, A: 255}
	green = color.RGBA{G: 255, A: 255}
)

// twoTone returns a w×h picture whose left half is left and right half is
// right.
func twoTone(w, h int, left, right color.Color) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if x < w/2 {
				m.Set(x, y, left)
			} else {
				m.Set(x, y, right)
			}
		}
	}
	return m
}

func encodeJPEG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// The secrets planted in metadata; none may appear in any output.
const (
	secretGPS     = "GPS-SECRET-48.8584N-2.2945E"
	secretComment = "COMMENT-SECRET"
	secretXMP     = "XMP-SECRET-geo"
	secretText    = "TEXT-SECRET"
)

var secrets = []string{secretGPS, secretComment, secretXMP, secretText}

// exifBlock builds a big-endian TIFF structure with an Orientation tag, an
// ImageDescription and a GPS IFD holding a latitude reference, a latitude
// and a free-text GPS area information field carrying secretGPS.
func exifBlock(orientation int) []byte {
	be := binary.BigEndian
	var b []byte
	b = append(b, "MM\x00*"...)
	b = be.AppendUint32(b, 8) // IFD0 at offset 8
	const (
		typeASCII    = 2
		typeShort    = 3
		typeLong     = 4
		typeRational = 5
	)
	desc := secretGPS + "\x00"
	// IFD0: 3 entries, then next-IFD offset 0.
	ifd0Len := 2 + 3*12 + 4
	descAt := 8 + ifd0Len
	gpsAt := descAt + len(desc)
	entry := func(tag, typ uint16, count, value uint32) {
		b = be.AppendUint16(b, tag)
		b = be.AppendUint16(b, typ)
		b = be.AppendUint32(b, count)
		b = be.AppendUint32(b, value)
	}
	b = be.AppendUint16(b, 3)
	entry(0x010E, typeASCII, uint32(len(desc)), uint32(descAt))
	b = be.AppendUint16(b, 0x0112)
	b = be.AppendUint16(b, typeShort)
	b = be.AppendUint32(b, 1)
	b = be.AppendUint16(b, uint16(orientation))
	b = be.AppendUint16(b, 0)
	entry(0x8825, typeLong, 1, uint32(gpsAt))
	b = be.AppendUint32(b, 0)
	b = append(b, desc...)
	// GPS IFD: 3 entries.
	gpsLen := 2 + 3*12 + 4
	latAt := gpsAt + gpsLen
	areaAt := latAt + 24
	area := "ASCII\x00\x00\x00" + secretGPS
	b = be.AppendUint16(b, 3)
	entry(0x0001, typeASCII, 2, uint32('N')<<24)
	entry(0x0002, typeRational, 3, uint32(latAt))
	entry(0x001C, 7, uint32(len(area)), uint32(areaAt))
	b = be.AppendUint32(b, 0)
	for _, v := range []uint32{48, 1, 51, 1, 2952, 100} {
		b = be.AppendUint32(b, v)
	}
	b = append(b, area...)
	return b
}

// jpegSegment encodes one JPEG marker segment.
func jpegSegment(marker byte, payload []byte) []byte {
	s := []byte{0xFF, marker, 0, 0}
	binary.BigEndian.PutUint16(s[2:], uint16(len(payload)+2))
	return append(s, payload...)
}

// jpegWithMetadata returns img as a JPEG carrying EXIF (with GPS and the
// given orientation), XMP, a comment and an ICC profile segment.
func jpegWithMetadata(t testing.TB, img image.Image, orientation int) []byte {
	t.Helper()
	plain := encodeJPEG(t, img)
	segs := [][]byte{
		jpegSegment(0xE1, append([]byte("Exif\x00\x00"), exifBlock(orientation)...)),
		jpegSegment(0xE1, []byte("http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>"+secretXMP+"</x:xmpmeta>")),
		jpegSegment(0xFE, []byte(secretComment)),
		jpegSegment(0xE2, []byte("ICC_PROFILE\x00\x01\x01fake-profile")),
	}
	out := append([]byte{}, plain[:2]...)
	for _, s := range segs {
		out = append(out, s...)
	}
	out = append(out, plain[2:]...)
	// Trailing data after EOI, as motion photos have.
	return append(out, []byte("MOTION-"+secretText)...)
}

// pngWithMetadata returns img as a PNG carrying tEXt, zTXt-like iTXt, tIME
// and eXIf chunks placed right after IHDR.
func pngWithMetadata(t testing.TB, img image.Image, orientation int) []byte {
	t.Helper()
	plain := encodePNG(t, img)
	ihdrEnd := 8 + 12 + 13
	extra := bytes.Join([][]byte{
		pngChunk("tEXt", []byte("Comment\x00"+secretComment)),
		pngChunk("iTXt", []byte("XML:com.adobe.xmp\x00\x00\x00\x00\x00"+secretXMP)),
		pngChunk("tIME", []byte{0x07, 0xEA, 11, 27, 12, 0, 0}),
		pngChunk("eXIf", exifBlock(orientation)),
	}, nil)
	out := append([]byte{}, plain[:ihdrEnd]...)
	out = append(out, extra...)
	return append(out, plain[ihdrEnd:]...)
}

// pngHeaderOnly returns a PNG signature, an IHDR for w×h RGBA pixels and
// IEND, with valid checksums: a decompression bomb's header.
func pngHeaderOnly(w, h uint32) []byte {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6 // 8-bit RGBA
	out := append([]byte{}, pngSignature...)
	out = append(out, pngChunk("IHDR", ihdr)...)
	out = append(out, pngChunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})...)
	return append(out, pngChunk("IEND", nil)...)
}

// animatedGIF returns a GIF of n frames (alternating red and blue) with a
// comment and an XMP application extension before the trailer.
func animatedGIF(t testing.TB, w, h, n int) []byte {
	t.Helper()
	pal := color.Palette{red, blue}
	g := &gif.GIF{LoopCount: 0}
	for i := 0; i < n; i++ {
		fr := image.NewPaletted(image.Rect(0, 0, w, h), pal)
		for j := range fr.Pix {
			fr.Pix[j] = uint8(i % 2)
		}
		g.Image = append(g.Image, fr)
		g.Delay = append(g.Delay, 10)
	}
	var b bytes.Buffer
	if err := gif.EncodeAll(&b, g); err != nil {
		t.Fatal(err)
	}
	data := b.Bytes()
	trailer := data[len(data)-1:]
	body := append([]byte{}, data[:len(data)-1]...)
	body = append(body, 0x21, 0xFE, byte(len(secretComment)))
	body = append(body, secretComment...)
	body = append(body, 0)
	xmp := "XMP DataXMP" + secretXMP
	body = append(body, 0x21, 0xFF, 11)
	body = append(body, xmp[:11]...)
	body = append(body, byte(len(xmp)-11))
	body = append(body, xmp[11:]...)
	body = append(body, 0)
	return append(body, trailer...)
}

// bitWriter writes the least-significant-bit-first bit stream of VP8L.
type bitWriter struct {
	buf   []byte
	acc   uint64
	nbits uint
}

func (w *bitWriter) write(v uint64, n uint) {
	w.acc |= v << w.nbits
	w.nbits += n
	for w.nbits >= 8 {
		w.buf = append(w.buf, byte(w.acc))
		w.acc >>= 8
		w.nbits -= 8
	}
}

func (w *bitWriter) bytes() []byte {
	if w.nbits > 0 {
		w.buf = append(w.buf, byte(w.acc))
		w.acc, w.nbits = 0, 0
	}
	return w.buf
}

// vp8lTwoTone encodes a lossless WebP bit stream (VP8L) of a w×h picture
// whose left half has green 0 and right half green 255, with the given red
// and blue: one-symbol prefix codes for red, blue, alpha and distance and a
// two-symbol code for green, so each pixel costs one bit.
func vp8lTwoTone(w, h int, r, b byte) []byte {
	var bw bitWriter
	bw.write(0x2f, 8)
	bw.write(uint64(w-1), 14)
	bw.write(uint64(h-1), 14)
	bw.write(0, 1) // alpha hint
	bw.write(0, 3) // version
	bw.write(0, 1) // no transform
	bw.write(0, 1) // no colour cache
	bw.write(0, 1) // no meta prefix codes
	// Green: simple code, two 8-bit symbols 0 and 255.
	bw.write(1, 1)
	bw.write(1, 1)
	bw.write(1, 1)
	bw.write(0, 8)
	bw.write(255, 8)
	// Red, blue, alpha: one 8-bit symbol each.
	for _, v := range []byte{r, b, 255} {
		bw.write(1, 1)
		bw.write(0, 1)
		bw.write(1, 1)
		bw.write(uint64(v), 8)
	}
	// Distance: one 1-bit symbol 0.
	bw.write(1, 1)
	bw.write(0, 1)
	bw.write(0, 1)
	bw.write(0, 1)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if x >= w/2 {
				bw.write(1, 1)
			} else {
				bw.write(0, 1)
			}
		}
	}
	return bw.bytes()
}

// riffChunk encodes one RIFF chunk with its padding byte.
func riffChunk(fourCC string, payload []byte) []byte {
	c := append([]byte(fourCC), 0, 0, 0, 0)
	binary.LittleEndian.PutUint32(c[4:], uint32(len(payload)))
	c = append(c, payload...)
	if len(payload)%2 == 1 {
		c = append(c, 0)
	}
	return c
}

// webpWithEXIF returns an extended WebP (VP8X) holding the two-tone
// lossless picture, an EXIF chunk with GPS and orientation, and XMP.
func webpWithEXIF(w, h, orientation int) []byte {
	vp8x := make([]byte, 10)
	vp8x[0] = webpFlagEXIF | webpFlagXMP
	put24 := func(b []byte, v int) { b[0], b[1], b[2] = byte(v), byte(v>>8), byte(v>>16) }
	put24(vp8x[4:], w-1)
	put24(vp8x[7:], h-1)
	body := []byte("WEBP")
	body = append(body, riffChunk("VP8X", vp8x)...)
	body = append(body, riffChunk("VP8L", vp8lTwoTone(w, h, 0, 0))...)
	body = append(body, riffChunk("EXIF", exifBlock(orientation))...)
	body = append(body, riffChunk("XMP ", []byte(secretXMP))...)
	return append(riffChunk("RIFF", body)[:8], body...)
}

// animatedWebP returns an animated WebP of n lossless frames.
func animatedWebP(w, h, n int) []byte {
	put24 := func(b []byte, v int) { b[0], b[1], b[2] = byte(v), byte(v>>8), byte(v>>16) }
	vp8x := make([]byte, 10)
	vp8x[0] = webpFlagAnimation
	put24(vp8x[4:], w-1)
	put24(vp8x[7:], h-1)
	body := []byte("WEBP")
	body = append(body, riffChunk("VP8X", vp8x)...)
	body = append(body, riffChunk("ANIM", make([]byte, 6))...)
	for i := 0; i < n; i++ {
		hdr := make([]byte, 16)
		put24(hdr[6:], w-1)
		put24(hdr[9:], h-1)
		put24(hdr[12:], 100)
		frame := append(hdr, riffChunk("VP8L", vp8lTwoTone(w, h, byte(i*80), 0))...)
		body = append(body, riffChunk("ANMF", frame)...)
	}
	return append(riffChunk("RIFF", body)[:8], body...)
}

// webpHeaderOnly returns an extended WebP whose header announces a w×h
// canvas, with the header of a lossless bit stream and no pixels.
func webpHeaderOnly(w, h int) []byte {
	put24 := func(b []byte, v int) { b[0], b[1], b[2] = byte(v), byte(v>>8), byte(v>>16) }
	vp8x := make([]byte, 10)
	put24(vp8x[4:], w-1)
	put24(vp8x[7:], h-1)
	var bw bitWriter
	bw.write(0x2f, 8)
	bw.write(uint64(w-1), 14)
	bw.write(uint64(h-1), 14)
	bw.write(0, 4)
	body := []byte("WEBP")
	body = append(body, riffChunk("VP8X", vp8x)...)
	body = append(body, riffChunk("VP8L", bw.bytes())...)
	return append(riffChunk("RIFF", body)[:8], body...)
}

// pngChunk encodes one PNG chunk.
func pngChunk(typ string, payload []byte) []byte {
	c := make([]byte, 8, 12+len(payload))
	binary.BigEndian.PutUint32(c, uint32(len(payload)))
	copy(c[4:], typ)
	c = append(c, payload...)
	return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
}
