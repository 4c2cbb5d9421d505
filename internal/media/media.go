// Package media checks, cleans and resizes the images people upload: post
// attachments, avatars and profile headers. It recognises JPEG, PNG, WebP
// and GIF by their content, refuses everything else, stops oversized files
// and decompression bombs before decoding them, removes metadata (EXIF with
// its GPS position, XMP, IPTC, comments, text chunks) after turning the
// picture upright, and computes a thumbnail and a blurhash. It also stores
// the resulting files (see Store).
//
// Processing is pure computation on bytes: no package state, safe for
// concurrent use. Memory use is bounded by Limits: about 8 bytes per pixel
// of the largest allowed picture at worst (when it must be rotated).
package media

import (
	"bytes"
	"fmt"
	"image"
	"io"
	"unicode/utf8"
)

// Format is an image format that Parvis accepts.
type Format string

// The accepted formats.
const (
	JPEG Format = "jpeg"
	PNG  Format = "png"
	WebP Format = "webp"
	GIF  Format = "gif"
)

// MIMEType returns the format's media type, as sent in Content-Type.
func (f Format) MIMEType() string { return "image/" + string(f) }

// Ext returns the usual file extension, without a dot.
func (f Format) Ext() string {
	if f == JPEG {
		return "jpg"
	}
	return string(f)
}

// Default limits, as on Mastodon: 16 MiB per image, and at most 7680×4320
// pixels (33.2 megapixels) once decoded.
const (
	DefaultMaxBytes  = 16 << 20
	DefaultMaxPixels = 7680 * 4320
)

// Sizes of the variants Process makes.
const (
	ThumbnailSize = 640  // a thumbnail fits in ThumbnailSize×ThumbnailSize
	AvatarSize    = 400  // avatars are square
	HeaderWidth   = 1500 // headers are 3:1
	HeaderHeight  = 500
)

// Limits bounds what Process accepts. A zero field takes its default.
type Limits struct {
	MaxBytes  int64 // size of the upload
	MaxPixels int64 // width × height of the picture (of the canvas for animations)
}

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxPixels <= 0 {
		l.MaxPixels = DefaultMaxPixels
	}
	return l
}

// Image is one encoded picture.
type Image struct {
	Format Format
	Data   []byte
	Width  int
	Height int
}

// Aspect returns width divided by height, as Mastodon's meta.aspect, or 0
// for an empty image.
func (im Image) Aspect() float64 {
	if im.Height == 0 {
		return 0
	}
	return float64(im.Width) / float64(im.Height)
}

// Result is what processing an upload produces.
type Result struct {
	// Original is the picture to store and serve: upright, without
	// metadata. Its format can differ from the upload's when the picture
	// had to be rotated and the format cannot be written (WebP becomes
	// JPEG, or PNG when it has transparency).
	Original Image
	// Thumbnail fits ThumbnailSize×ThumbnailSize (it is never enlarged); it
	// is a JPEG, or a PNG when the picture has transparency. Process fills
	// it; ProcessAvatar and ProcessHeader leave it empty.
	Thumbnail Image
	// Blurhash is the placeholder that Mastodon apps paint while the
	// picture loads (4×4 components).
	Blurhash string
	// Frames is the number of frames: more than 1 for an animation.
	Frames int
	// Reencoded reports whether Original was decoded and encoded again
	// (to rotate it) rather than cleaned without loss.
	Reencoded bool
}

// Animated reports whether the picture is an animation.
func (r Result) Animated() bool { return r.Frames > 1 }

// variant says which kind of picture is being made.
type variant int

const (
	attachment variant = iota
	avatar
	header
)

// Process reads an upload (at most limits.MaxBytes+1 bytes of it), checks
// it, removes its metadata and makes its thumbnail and blurhash. The type is
// told by the content, never by a name. Errors are *Error values whose Kind
// says what went wrong.
func Process(r io.Reader, limits Limits) (Result, error) {
	return process(r, limits, attachment)
}

// ProcessAvatar makes an avatar: the picture made upright, cropped to a
// centred square and scaled down to AvatarSize×AvatarSize (smaller pictures
// are not enlarged). Animations keep their first frame.
func ProcessAvatar(r io.Reader, limits Limits) (Result, error) {
	return process(r, limits, avatar)
}

// ProcessHeader makes a profile header: the picture made upright, cropped
// to a centred 3:1 band and scaled down to HeaderWidth×HeaderHeight
// (smaller pictures are not enlarged). Animations keep their first frame.
func ProcessHeader(r io.Reader, limits Limits) (Result, error) {
	return process(r, limits, header)
}

func process(r io.Reader, limits Limits, v variant) (Result, error) {
	limits = limits.withDefaults()
	data, err := io.ReadAll(io.LimitReader(r, limits.MaxBytes+1))
	if err != nil {
		return Result{}, &Error{Kind: ErrRead, Detail: "could not read the upload", Err: err}
	}
	if int64(len(data)) > limits.MaxBytes {
		return Result{}, &Error{Kind: ErrTooLarge, Detail: fmt.Sprintf("the file is larger than %d bytes", limits.MaxBytes)}
	}
	format, ok := detect(data)
	if !ok {
		return Result{}, &Error{Kind: ErrUnsupportedType, Detail: "the file is " + describeContent(data) + "; only JPEG, PNG, WebP and GIF images are accepted"}
	}
	cfg, err := decodeConfig(format, data)
	if err != nil {
		return Result{}, corrupt(format, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return Result{}, corrupt(format, fmt.Errorf("image has no pixels (%d×%d)", cfg.Width, cfg.Height))
	}
	if px := int64(cfg.Width) * int64(cfg.Height); px > limits.MaxPixels {
		return Result{}, &Error{Kind: ErrTooManyPixels, Detail: fmt.Sprintf("the image is %d×%d pixels, more than the %d allowed", cfg.Width, cfg.Height, limits.MaxPixels)}
	}

	cleaned, err := strip(format, data)
	if err != nil {
		return Result{}, corrupt(format, err)
	}
	img, err := decodeFirstFrame(format, cleaned.data, cleaned.firstFrame)
	if err != nil {
		return Result{}, corrupt(format, err)
	}
	if b := img.Bounds(); int64(b.Dx())*int64(b.Dy()) > limits.MaxPixels {
		return Result{}, &Error{Kind: ErrTooManyPixels, Detail: fmt.Sprintf("the image is %d×%d pixels, more than the %d allowed", b.Dx(), b.Dy(), limits.MaxPixels)}
	}

	res := Result{Frames: cleaned.frames}
	switch v {
	case avatar, header:
		return makeProfileImage(res, img, cleaned.orientation, v)
	}

	upright := img
	if cleaned.orientation > 1 {
		upright = orient(img, cleaned.orientation)
		icc := cleaned.iccJPEG
		if _, cmyk := img.(*image.CMYK); cmyk {
			// The profile describes CMYK ink; the re-encode is RGB.
			icc = nil
		}
		res.Original, err = encodeLike(format, upright, icc)
		if err != nil {
			return Result{}, err
		}
		res.Reencoded = true
	} else {
		b := img.Bounds()
		res.Original = Image{Format: format, Data: cleaned.data, Width: b.Dx(), Height: b.Dy()}
		if cfg.Width > b.Dx() || cfg.Height > b.Dy() {
			// An animation's canvas can be larger than its first frame.
			res.Original.Width, res.Original.Height = cfg.Width, cfg.Height
		}
	}

	thumb := fit(upright, ThumbnailSize, ThumbnailSize)
	res.Thumbnail, err = encodeStill(thumb)
	if err != nil {
		return Result{}, err
	}
	res.Blurhash = blurhashOf(thumb)
	return res, nil
}

// makeProfileImage crops and scales an avatar or a header.
func makeProfileImage(res Result, img image.Image, orientation int, v variant) (Result, error) {
	upright := img
	if orientation > 1 {
		upright = orient(img, orientation)
	}
	var out image.Image
	if v == avatar {
		out = cover(upright, AvatarSize, AvatarSize)
	} else {
		out = cover(upright, HeaderWidth, HeaderHeight)
	}
	var err error
	res.Original, err = encodeStill(out)
	if err != nil {
		return Result{}, err
	}
	res.Blurhash = blurhashOf(fit(out, 64, 64))
	res.Reencoded = true
	res.Frames = 1
	return res, nil
}

// describeContent names what a refused file looks like, for the error
// message: "a PDF document", "text", or "an unknown kind of file".
func describeContent(data []byte) string {
	switch {
	case len(data) == 0:
		return "empty"
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return "a PDF document"
	case bytes.HasPrefix(data, []byte("<svg")) || bytes.Contains(data[:min(len(data), 512)], []byte("<svg")):
		return "an SVG image (SVG can carry scripts)"
	case len(data) >= 12 && string(data[4:8]) == "ftyp":
		return "a video or HEIF/AVIF image"
	case bytes.HasPrefix(data, []byte("BM")):
		return "a BMP image"
	case bytes.HasPrefix(data, []byte("II*\x00")) || bytes.HasPrefix(data, []byte("MM\x00*")):
		return "a TIFF image"
	case looksLikeText(data[:min(len(data), 512)]):
		return "text"
	}
	return "an unknown kind of file"
}

func looksLikeText(b []byte) bool {
	if !utf8.Valid(b) && !utf8.Valid(b[:max(0, len(b)-3)]) {
		return false
	}
	for _, c := range b {
		if c < 0x09 || c > 0x0d && c < 0x20 && c != 0x1b {
			return false
		}
	}
	return true
}
