package media

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"

	xdraw "golang.org/x/image/draw"
)

// JPEG qualities: the original keeps close to the source when it must be
// re-encoded; thumbnails trade a little for size, as Mastodon's do.
const (
	originalQuality  = 90
	thumbnailQuality = 82
)

// orient returns img turned as EXIF orientation o asks (2 to 8), so that it
// displays upright without the tag. The eight orientations are the four
// rotations, each optionally mirrored; the mapping below gives, for each
// pixel of the result, the pixel of the source it comes from.
func orient(img image.Image, o int) *image.RGBA {
	src := toRGBA(img)
	w, h := src.Rect.Dx(), src.Rect.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := 0; y < dh; y++ {
		for x := 0; x < dw; x++ {
			var sx, sy int
			switch o {
			case 2: // mirrored
				sx, sy = w-1-x, y
			case 3: // rotated 180°
				sx, sy = w-1-x, h-1-y
			case 4: // mirrored vertically
				sx, sy = x, h-1-y
			case 5: // mirrored along the main diagonal
				sx, sy = y, x
			case 6: // needs a quarter turn clockwise
				sx, sy = y, h-1-x
			case 7: // mirrored along the other diagonal
				sx, sy = w-1-y, h-1-x
			case 8: // needs a quarter turn anticlockwise
				sx, sy = w-1-y, x
			default:
				sx, sy = x, y
			}
			si := sy*src.Stride + sx*4
			di := y*dst.Stride + x*4
			copy(dst.Pix[di:di+4], src.Pix[si:si+4])
		}
	}
	return dst
}

// toRGBA returns img as an *image.RGBA whose bounds start at (0, 0).
func toRGBA(img image.Image) *image.RGBA {
	if m, ok := img.(*image.RGBA); ok && m.Rect.Min == (image.Point{}) {
		return m
	}
	b := img.Bounds()
	m := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(m, m.Rect, img, b.Min, draw.Src)
	return m
}

// fit scales img down to fit in w×h, keeping its proportions; a picture
// that already fits is returned as it is.
func fit(img image.Image, w, h int) image.Image {
	b := img.Bounds()
	if b.Dx() <= w && b.Dy() <= h {
		return img
	}
	scale := min(float64(w)/float64(b.Dx()), float64(h)/float64(b.Dy()))
	dw := max(1, int(float64(b.Dx())*scale+0.5))
	dh := max(1, int(float64(b.Dy())*scale+0.5))
	return scaleTo(img, b, dw, dh)
}

// cover crops img to the proportions of w×h around its centre and scales
// the crop down to w×h (a smaller crop is kept at its size).
func cover(img image.Image, w, h int) image.Image {
	b := img.Bounds()
	cw, ch := b.Dx(), b.Dy()
	// Keep the largest centred rectangle with the w:h ratio.
	if cw*h > ch*w {
		cw = max(1, ch*w/h)
	} else {
		ch = max(1, cw*h/w)
	}
	x0 := b.Min.X + (b.Dx()-cw)/2
	y0 := b.Min.Y + (b.Dy()-ch)/2
	crop := image.Rect(x0, y0, x0+cw, y0+ch)
	if cw <= w && ch <= h {
		m := image.NewRGBA(image.Rect(0, 0, cw, ch))
		draw.Draw(m, m.Rect, img, crop.Min, draw.Src)
		return m
	}
	return scaleTo(img, crop, w, h)
}

// scaleTo resamples the part r of img to w×h. Large reductions first
// average whole blocks of pixels (a box filter: exact, fast, free of
// aliasing), then finish with Catmull-Rom, a sharp filter, over at most
// about a 2–4× reduction: the same quality as Catmull-Rom alone at a
// fraction of its cost on camera-sized pictures.
func scaleTo(img image.Image, r image.Rectangle, w, h int) *image.RGBA {
	if k := min(r.Dx()/w, r.Dy()/h) / 2; k >= 2 {
		img, r = shrinkBox(img, r, k), image.Rect(0, 0, r.Dx()/k, r.Dy()/k)
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	xdraw.CatmullRom.Scale(dst, dst.Rect, img, r, xdraw.Src, nil)
	return dst
}

// shrinkBox returns the part r of img reduced k times in each direction,
// each output pixel the average of a k×k block (a last partial row or
// column of blocks is dropped). JPEG pictures are averaged straight from
// their Y, Cb and Cr planes, which saves converting every source pixel;
// others go through RGBA.
func shrinkBox(img image.Image, r image.Rectangle, k int) *image.RGBA {
	w, h := r.Dx()/k, r.Dy()/k
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	n := uint32(k * k)
	if yc, ok := img.(*image.YCbCr); ok {
		for oy := 0; oy < h; oy++ {
			for ox := 0; ox < w; ox++ {
				var sy, scb, scr uint32
				x0, y0 := r.Min.X+ox*k, r.Min.Y+oy*k
				for y := y0; y < y0+k; y++ {
					row := yc.Y[yc.YOffset(x0, y):]
					for x := 0; x < k; x++ {
						sy += uint32(row[x])
						c := yc.COffset(x0+x, y)
						scb += uint32(yc.Cb[c])
						scr += uint32(yc.Cr[c])
					}
				}
				cr, cg, cb := color.YCbCrToRGB(uint8(sy/n), uint8(scb/n), uint8(scr/n))
				i := oy*dst.Stride + ox*4
				dst.Pix[i], dst.Pix[i+1], dst.Pix[i+2], dst.Pix[i+3] = cr, cg, cb, 0xFF
			}
		}
		return dst
	}
	src, ok := img.(*image.RGBA)
	if !ok {
		src = image.NewRGBA(r)
		draw.Draw(src, r, img, r.Min, draw.Src)
	}
	for oy := 0; oy < h; oy++ {
		for ox := 0; ox < w; ox++ {
			var s [4]uint32
			x0, y0 := r.Min.X+ox*k, r.Min.Y+oy*k
			for y := y0; y < y0+k; y++ {
				p := src.Pix[src.PixOffset(x0, y):]
				for x := 0; x < 4*k; x += 4 {
					s[0] += uint32(p[x])
					s[1] += uint32(p[x+1])
					s[2] += uint32(p[x+2])
					s[3] += uint32(p[x+3])
				}
			}
			i := oy*dst.Stride + ox*4
			dst.Pix[i], dst.Pix[i+1], dst.Pix[i+2], dst.Pix[i+3] = uint8(s[0]/n), uint8(s[1]/n), uint8(s[2]/n), uint8(s[3]/n)
		}
	}
	return dst
}

// isOpaque reports whether img has no transparent pixel. Images that do not
// say are checked pixel by pixel.
func isOpaque(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if _, _, _, a := img.At(x, y).RGBA(); a != 0xFFFF {
				return false
			}
		}
	}
	return true
}

// encodeStill encodes a derived picture (thumbnail, avatar, header): JPEG,
// or PNG when it has transparency.
func encodeStill(img image.Image) (Image, error) {
	b := img.Bounds()
	im := Image{Width: b.Dx(), Height: b.Dy()}
	var buf bytes.Buffer
	var err error
	if isOpaque(img) {
		im.Format = JPEG
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: thumbnailQuality})
	} else {
		im.Format = PNG
		err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img)
	}
	if err != nil {
		return Image{}, fmt.Errorf("media: encode %s: %w", im.Format, err)
	}
	im.Data = buf.Bytes()
	return im, nil
}

// encodeLike re-encodes a rotated original in its own format when Go can
// write it (JPEG, PNG), and otherwise as a JPEG, or a PNG when it has
// transparency. A JPEG keeps its ICC colour profile.
func encodeLike(f Format, img image.Image, icc [][]byte) (Image, error) {
	b := img.Bounds()
	im := Image{Width: b.Dx(), Height: b.Dy()}
	var buf bytes.Buffer
	var err error
	switch {
	case f == JPEG || f != PNG && isOpaque(img):
		im.Format = JPEG
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: originalQuality})
		if err == nil && f == JPEG && len(icc) > 0 {
			buf = *bytes.NewBuffer(insertAfterSOI(buf.Bytes(), icc))
		}
	default:
		im.Format = PNG
		err = (&png.Encoder{CompressionLevel: png.DefaultCompression}).Encode(&buf, img)
	}
	if err != nil {
		return Image{}, fmt.Errorf("media: encode %s: %w", im.Format, err)
	}
	im.Data = buf.Bytes()
	return im, nil
}

// insertAfterSOI returns a JPEG with the given segments placed right after
// its start-of-image marker.
func insertAfterSOI(jpg []byte, segments [][]byte) []byte {
	n := len(jpg)
	for _, s := range segments {
		n += len(s)
	}
	out := make([]byte, 0, n)
	out = append(out, jpg[:2]...)
	for _, s := range segments {
		out = append(out, s...)
	}
	return append(out, jpg[2:]...)
}
