// Package model holds Parvis's domain types, their validation rules and the
// error codes that every other package uses. It does no I/O.
package model

import (
	"errors"
	"fmt"
)

// Error codes. Exactly one place (the web and API error writers) maps a code
// to an HTTP status; everything else only picks the code.
const (
	EINVALID      = "invalid"       // the input is malformed or breaks a rule
	ENOTFOUND     = "not_found"     // the thing does not exist or is not visible to the caller
	ECONFLICT     = "conflict"      // the thing already exists or the state forbids the change
	EUNAUTHORIZED = "unauthorized"  // no valid credentials
	EFORBIDDEN    = "forbidden"     // credentials are valid but not allowed to do this
	ETOOLARGE     = "too_large"     // the input is over a size limit
	ERATELIMIT    = "rate_limited"  // too many attempts; try later
	EUNAVAILABLE  = "unavailable"   // a dependency (database, SMTP) is not reachable
	EUNPROCESS    = "unprocessable" // well-formed but cannot be processed (Mastodon's 422)
	EINTERNAL     = "internal"      // a bug or an unexpected failure; details are logged, not shown
)

// Error is a domain error: a code from the list above and a message that is
// safe to show to the user who caused it. Format and Args are kept apart so
// that the web pages can translate the message: the English format string is
// the key of its translation.
type Error struct {
	Code    string
	Message string
	Format  string
	Args    []any
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err: the message of the
// first *Error in its chain, or a generic sentence for internal errors, whose
// details must not leak.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// IsNotFound reports whether err carries the ENOTFOUND code.
func IsNotFound(err error) bool { return ErrorCode(err) == ENOTFOUND }

// HTTPStatus is the one place where an error becomes an HTTP status, for the
// web pages, the Mastodon API and Parvis's own API alike.
func HTTPStatus(err error) int {
	switch ErrorCode(err) {
	case "":
		return 200
	case EINVALID:
		return 400
	case EUNAUTHORIZED:
		return 401
	case EFORBIDDEN:
		return 403
	case ENOTFOUND:
		return 404
	case ECONFLICT:
		return 409
	case ETOOLARGE:
		return 413
	case EUNPROCESS:
		return 422
	case ERATELIMIT:
		return 429
	case EUNAVAILABLE:
		return 503
	}
	return 500
}
