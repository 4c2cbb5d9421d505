package media

import "encoding/binary"

// exifOrientation returns the Orientation tag (0x0112) of the first IFD of
// an EXIF block (a TIFF structure), or 0 when the block is malformed or has
// no valid orientation. Only that one tag is read: the rest of the block is
// thrown away by strip, whatever it holds.
func exifOrientation(tiff []byte) int {
	if len(tiff) < 8 {
		return 0
	}
	var order binary.ByteOrder
	switch string(tiff[:4]) {
	case "II*\x00":
		order = binary.LittleEndian
	case "MM\x00*":
		order = binary.BigEndian
	default:
		return 0
	}
	ifd := int64(order.Uint32(tiff[4:8]))
	if ifd < 8 || ifd+2 > int64(len(tiff)) {
		return 0
	}
	count := int64(order.Uint16(tiff[ifd:]))
	for k := int64(0); k < count; k++ {
		e := ifd + 2 + 12*k
		if e+12 > int64(len(tiff)) {
			return 0
		}
		if order.Uint16(tiff[e:]) != 0x0112 {
			continue
		}
		const typeShort = 3
		if order.Uint16(tiff[e+2:]) != typeShort || order.Uint32(tiff[e+4:]) < 1 {
			return 0
		}
		if o := int(order.Uint16(tiff[e+8:])); o >= 1 && o <= 8 {
			return o
		}
		return 0
	}
	return 0
}
