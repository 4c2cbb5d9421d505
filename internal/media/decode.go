package media

import (
	"bytes"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"

	"golang.org/x/image/webp"
)

// detect tells the format from the first bytes (the "magic numbers").
func detect(data []byte) (Format, bool) {
	switch {
	case len(data) >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF:
		return JPEG, true
	case bytes.HasPrefix(data, []byte(pngSignature)):
		return PNG, true
	case bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		return GIF, true
	case len(data) >= 12 && string(data[0:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return WebP, true
	}
	return "", false
}

// decodeConfig reads the dimensions from the header only, calling the
// format's decoder directly rather than through image.DecodeConfig so that
// nothing depends on which decoders some other package registered.
func decodeConfig(f Format, data []byte) (image.Config, error) {
	r := bytes.NewReader(data)
	switch f {
	case JPEG:
		return jpeg.DecodeConfig(r)
	case PNG:
		return png.DecodeConfig(r)
	case GIF:
		return gif.DecodeConfig(r)
	default:
		return webp.DecodeConfig(r)
	}
}

// decodeFirstFrame decodes the picture, or the first frame of an
// animation. still, when set, is a WebP that holds the first frame of an
// animated WebP, which the WebP decoder cannot read otherwise.
func decodeFirstFrame(f Format, data, still []byte) (image.Image, error) {
	switch f {
	case JPEG:
		return jpeg.Decode(bytes.NewReader(data))
	case PNG:
		return png.Decode(bytes.NewReader(data))
	case GIF:
		return gif.Decode(bytes.NewReader(data))
	default:
		if still != nil {
			data = still
		}
		return webp.Decode(bytes.NewReader(data))
	}
}
