package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// stripped is an upload with its metadata removed without re-encoding,
// and what was learnt on the way.
type stripped struct {
	data        []byte
	orientation int      // EXIF orientation, 1 when absent or meaningless
	frames      int      // 1 for a still picture
	iccJPEG     [][]byte // JPEG APP2 ICC profile segments, to keep after a re-encode
	firstFrame  []byte   // animated WebP only: a still WebP of the first frame
}

var errTruncated = errors.New("unexpected end of file")

// strip removes metadata from data without touching the pixels: it copies
// only the parts of the file that are needed to show the picture right
// (pixel data, palettes, colour profiles, animation control) and drops the
// rest (EXIF, XMP, IPTC, comments, text, trailing data after the end
// marker), whatever the rest contains.
func strip(f Format, data []byte) (stripped, error) {
	switch f {
	case JPEG:
		return stripJPEG(data)
	case PNG:
		return stripPNG(data)
	case GIF:
		return stripGIF(data)
	default:
		return stripWebP(data)
	}
}

// JPEG markers that matter here.
const (
	markerSOI  = 0xD8
	markerEOI  = 0xD9
	markerSOS  = 0xDA
	markerAPP0 = 0xE0
	markerAPP1 = 0xE1
	markerAPP2 = 0xE2
	markerAP14 = 0xEE
	markerAP15 = 0xEF
	markerCOM  = 0xFE
)

// stripJPEG keeps the coding segments (frame and scan headers, tables,
// restart intervals, entropy-coded data), the ICC profile (APP2) and the
// Adobe segment (APP14, which says how to read the colour channels), and
// drops every other APPn segment (JFIF, EXIF, XMP, IPTC, maker notes) and
// every comment. Data after the end-of-image marker (for example a
// "motion photo" video) is dropped too.
func stripJPEG(data []byte) (stripped, error) {
	out := stripped{orientation: 1, frames: 1}
	var b bytes.Buffer
	b.Grow(len(data))
	b.Write([]byte{0xFF, markerSOI})
	i := 2
	for {
		// Skip fill bytes before a marker.
		for i < len(data) && data[i] == 0xFF && i+1 < len(data) && data[i+1] == 0xFF {
			i++
		}
		if i+1 >= len(data) {
			return out, fmt.Errorf("jpeg: %w before the end-of-image marker", errTruncated)
		}
		if data[i] != 0xFF {
			return out, fmt.Errorf("jpeg: expected a marker at offset %d", i)
		}
		m := data[i+1]
		switch {
		case m == markerEOI:
			b.Write([]byte{0xFF, markerEOI})
			out.data = b.Bytes()
			return out, nil
		case m >= 0xD0 && m <= 0xD7 || m == 0x01:
			// Restart and TEM markers have no length.
			b.Write(data[i : i+2])
			i += 2
			continue
		}
		if i+4 > len(data) {
			return out, fmt.Errorf("jpeg: %w in a segment header", errTruncated)
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		if n < 2 || i+2+n > len(data) {
			return out, fmt.Errorf("jpeg: %w in segment %#x", errTruncated, m)
		}
		seg, payload := data[i:i+2+n], data[i+4:i+2+n]
		i += 2 + n
		switch {
		case m == markerAPP1 && bytes.HasPrefix(payload, []byte("Exif\x00\x00")):
			if o := exifOrientation(payload[6:]); o > 0 {
				out.orientation = o
			}
		case m == markerAPP2 && bytes.HasPrefix(payload, []byte("ICC_PROFILE\x00")):
			b.Write(seg)
			out.iccJPEG = append(out.iccJPEG, seg)
		case m == markerAP14:
			b.Write(seg)
		case m >= markerAPP0 && m <= markerAP15, m == markerCOM:
			// Metadata: dropped.
		case m == markerSOS:
			b.Write(seg)
			end := scanEntropyData(data, i)
			b.Write(data[i:end])
			i = end
		default:
			b.Write(seg)
		}
	}
}

// scanEntropyData returns the offset of the first marker after the
// entropy-coded data that starts at i: a 0xFF followed by anything but a
// stuffed zero or a restart marker. It returns len(data) when the data runs
// to the end of the file, so that the caller reports a truncated file.
func scanEntropyData(data []byte, i int) int {
	for {
		j := bytes.IndexByte(data[i:], 0xFF)
		if j < 0 || i+j+1 >= len(data) {
			return len(data)
		}
		i += j
		if next := data[i+1]; next == 0x00 || next >= 0xD0 && next <= 0xD7 || next == 0xFF {
			i++
			continue
		}
		return i
	}
}

const pngSignature = "\x89PNG\r\n\x1a\n"

// pngKeep lists the ancillary PNG chunks needed to show the picture right:
// transparency, colour space and profile, HDR metadata, background, pixel
// size, and the animation chunks of APNG. Text, time, EXIF and unknown
// ancillary chunks go.
var pngKeep = [...]string{
	"tRNS", "gAMA", "cHRM", "sRGB", "iCCP", "sBIT", "cICP", "mDCV", "cLLI",
	"bKGD", "pHYs", "acTL", "fcTL", "fdAT",
}

func stripPNG(data []byte) (stripped, error) {
	out := stripped{orientation: 1, frames: 1}
	var b bytes.Buffer
	b.Grow(len(data))
	b.WriteString(pngSignature)
	for i := len(pngSignature); ; {
		if i+8 > len(data) {
			return out, fmt.Errorf("png: %w before IEND", errTruncated)
		}
		n := binary.BigEndian.Uint32(data[i:])
		typ := string(data[i+4 : i+8])
		if n > 1<<31-1 || i+12+int(n) > len(data) {
			return out, fmt.Errorf("png: %w in chunk %q", errTruncated, typ)
		}
		chunk := data[i : i+12+int(n)]
		i += 12 + int(n)
		switch {
		case typ == "eXIf":
			if o := exifOrientation(chunk[8 : 8+n]); o > 0 {
				out.orientation = o
			}
		case typ == "acTL" && n >= 4:
			out.frames = max(1, int(binary.BigEndian.Uint32(chunk[8:])))
			b.Write(chunk)
		case typ[0]&0x20 == 0 || containsString(pngKeep[:], typ):
			// Critical chunks (upper-case first letter) and the kept
			// ancillary ones.
			b.Write(chunk)
		}
		if typ == "IEND" {
			out.data = b.Bytes()
			return out, nil
		}
	}
}

// stripGIF keeps the header, palettes, image data, graphic control
// extensions (timing, transparency) and the application extensions that
// control looping or carry a colour profile; comment, plain-text and other
// application extensions (XMP among them) go.
func stripGIF(data []byte) (stripped, error) {
	out := stripped{orientation: 1}
	if len(data) < 13 {
		return out, fmt.Errorf("gif: %w in the header", errTruncated)
	}
	var b bytes.Buffer
	b.Grow(len(data))
	i := 13
	if flags := data[10]; flags&0x80 != 0 {
		i += 3 << (flags&7 + 1)
	}
	if i > len(data) {
		return out, fmt.Errorf("gif: %w in the global palette", errTruncated)
	}
	b.Write(data[:i])
	for {
		if i >= len(data) {
			// A missing trailer is common and harmless once a frame
			// is complete.
			if out.frames == 0 {
				return out, fmt.Errorf("gif: %w before the first frame", errTruncated)
			}
			b.WriteByte(0x3B)
			out.data = b.Bytes()
			return out, nil
		}
		switch data[i] {
		case 0x3B: // trailer
			b.WriteByte(0x3B)
			out.data = b.Bytes()
			if out.frames == 0 {
				return out, errors.New("gif: no image in the file")
			}
			return out, nil
		case 0x21: // extension
			if i+2 > len(data) {
				return out, fmt.Errorf("gif: %w in an extension", errTruncated)
			}
			end, err := skipSubBlocks(data, i+2)
			if err != nil {
				return out, err
			}
			if keepGIFExtension(data[i+1], data[i+2:end]) {
				b.Write(data[i:end])
			}
			i = end
		case 0x2C: // image descriptor
			start := i
			if i+10 > len(data) {
				return out, fmt.Errorf("gif: %w in an image descriptor", errTruncated)
			}
			flags := data[i+9]
			i += 10
			if flags&0x80 != 0 {
				i += 3 << (flags&7 + 1)
			}
			i++ // LZW minimum code size
			if i > len(data) {
				return out, fmt.Errorf("gif: %w in a local palette", errTruncated)
			}
			end, err := skipSubBlocks(data, i)
			if err != nil {
				return out, err
			}
			b.Write(data[start:end])
			out.frames++
			i = end
		default:
			return out, fmt.Errorf("gif: unknown block %#x at offset %d", data[i], i)
		}
	}
}

// skipSubBlocks returns the offset just after the chain of data sub-blocks
// that starts at i (each a length byte and that many bytes, ending with a
// zero length).
func skipSubBlocks(data []byte, i int) (int, error) {
	for {
		if i >= len(data) {
			return 0, fmt.Errorf("gif: %w in a data block", errTruncated)
		}
		n := int(data[i])
		i++
		if n == 0 {
			return i, nil
		}
		i += n
	}
}

func keepGIFExtension(label byte, body []byte) bool {
	switch label {
	case 0xF9: // graphic control
		return true
	case 0xFF: // application
		if len(body) < 12 || body[0] != 11 {
			return false
		}
		app := string(body[1:12])
		return app == "NETSCAPE2.0" || app == "ANIMEXTS1.0" || app == "ICCRGBG1012"
	}
	return false
}

// WebP VP8X flags.
const (
	webpFlagAnimation = 1 << 1
	webpFlagXMP       = 1 << 2
	webpFlagEXIF      = 1 << 3
	webpFlagAlpha     = 1 << 4
)

// stripWebP keeps the image chunks (VP8, VP8L, ALPH, ANIM, ANMF) and the
// colour profile (ICCP), drops EXIF, XMP and unknown chunks, and clears the
// matching flags in the VP8X header.
func stripWebP(data []byte) (stripped, error) {
	out := stripped{orientation: 1, frames: 1}
	var b bytes.Buffer
	b.Grow(len(data))
	b.Write(data[:12])
	riffEnd := 8 + int(binary.LittleEndian.Uint32(data[4:8]))
	if riffEnd > len(data) || riffEnd < 12 {
		return out, fmt.Errorf("webp: %w (RIFF size %d, file size %d)", errTruncated, riffEnd, len(data))
	}
	vp8xAt, anmf := -1, 0
	for i := 12; i < riffEnd; {
		if i+8 > riffEnd {
			return out, fmt.Errorf("webp: %w in a chunk header", errTruncated)
		}
		typ := string(data[i : i+4])
		n := int(binary.LittleEndian.Uint32(data[i+4:]))
		end := i + 8 + n + n&1
		if n < 0 || i+8+n > riffEnd {
			return out, fmt.Errorf("webp: %w in chunk %q", errTruncated, typ)
		}
		end = min(end, riffEnd)
		payload := data[i+8 : i+8+n]
		switch typ {
		case "EXIF":
			if o := exifOrientation(bytes.TrimPrefix(payload, []byte("Exif\x00\x00"))); o > 0 {
				out.orientation = o
			}
		case "VP8X":
			vp8xAt = b.Len()
			b.Write(data[i:end])
		case "ANMF":
			anmf++
			if anmf == 1 {
				out.firstFrame = stillFromANMF(payload)
			}
			b.Write(data[i:end])
		case "VP8 ", "VP8L", "ALPH", "ANIM", "ICCP":
			b.Write(data[i:end])
		}
		i = end
	}
	out.data = b.Bytes()
	if anmf > 0 {
		out.frames = anmf
	}
	if vp8xAt >= 0 && vp8xAt+8 < len(out.data) {
		out.data[vp8xAt+8] &^= webpFlagEXIF | webpFlagXMP
	}
	binary.LittleEndian.PutUint32(out.data[4:8], uint32(len(out.data)-8))
	return out, nil
}

// stillFromANMF builds a still WebP from the payload of an animation frame
// (a 16-byte frame header, then ALPH and VP8, or VP8L). It returns nil when
// the payload is too short to hold a frame.
func stillFromANMF(payload []byte) []byte {
	if len(payload) < 16+8 {
		return nil
	}
	frame := payload[16:]
	var flags byte
	if string(frame[:4]) == "ALPH" {
		flags |= webpFlagAlpha
	}
	vp8x := make([]byte, 18)
	copy(vp8x, "VP8X")
	binary.LittleEndian.PutUint32(vp8x[4:], 10)
	vp8x[8] = flags
	copy(vp8x[12:18], payload[6:12]) // frame width-1 and height-1, 24 bits each
	still := make([]byte, 0, 12+len(vp8x)+len(frame))
	still = append(still, "RIFF\x00\x00\x00\x00WEBP"...)
	still = append(still, vp8x...)
	still = append(still, frame...)
	binary.LittleEndian.PutUint32(still[4:8], uint32(len(still)-8))
	return still
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
