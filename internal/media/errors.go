package media

import (
	"fmt"

	"parvis/internal/model"
)

// ErrorKind says why an upload was refused. The kinds are errors themselves,
// so that errors.Is(err, media.ErrTooLarge) works on any error that
// Process returns.
type ErrorKind int

// The reasons for refusing an upload.
const (
	ErrUnsupportedType ErrorKind = iota + 1 // not a JPEG, PNG, WebP or GIF
	ErrTooLarge                             // more bytes than Limits.MaxBytes
	ErrTooManyPixels                        // more pixels than Limits.MaxPixels
	ErrCorrupt                              // looks like an image but does not decode
	ErrRead                                 // the upload could not be read
)

func (k ErrorKind) Error() string {
	switch k {
	case ErrUnsupportedType:
		return "unsupported file type"
	case ErrTooLarge:
		return "file too large"
	case ErrTooManyPixels:
		return "image dimensions too large"
	case ErrCorrupt:
		return "corrupt image"
	case ErrRead:
		return "upload could not be read"
	}
	return "media error"
}

// code returns the domain error code that the API maps to an HTTP status.
func (k ErrorKind) code() string {
	switch k {
	case ErrTooLarge, ErrTooManyPixels:
		return model.ETOOLARGE
	case ErrRead:
		return model.EINVALID
	}
	return model.EUNPROCESS
}

// Error is the error Process and its siblings return for a refused
// upload. Detail is a sentence safe to show to the person who uploaded the
// file; Err, when set, is the underlying cause, for logs.
//
// Error unwraps to a *model.Error carrying the matching code (ETOOLARGE or
// EUNPROCESS, EINVALID for a failed read), so model.ErrorCode and
// model.ErrorMessage work on it directly.
type Error struct {
	Kind   ErrorKind
	Detail string
	Err    error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("media: %s: %v", e.Detail, e.Err)
	}
	return "media: " + e.Detail
}

// Is reports whether target is e's kind.
func (e *Error) Is(target error) bool {
	k, ok := target.(ErrorKind)
	return ok && k == e.Kind
}

// Unwrap returns the domain error and the underlying cause.
func (e *Error) Unwrap() []error {
	errs := []error{&model.Error{Code: e.Kind.code(), Message: e.Kind.Error() + ": " + e.Detail}}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

func corrupt(f Format, err error) *Error {
	return &Error{Kind: ErrCorrupt, Detail: fmt.Sprintf("the %s image is damaged or truncated", formatName(f)), Err: err}
}

func formatName(f Format) string {
	switch f {
	case JPEG:
		return "JPEG"
	case PNG:
		return "PNG"
	case WebP:
		return "WebP"
	case GIF:
		return "GIF"
	}
	return string(f)
}
